//! The Azure Blob sink against Azurite (run by `.ci/services`): the same object names and contents
//! as the S3 sink's, through the connection string users give Confluent's connector.
//!
//! The GCS sink has no such test: no server that object_store's GCS client works with can be
//! installed here. gcp-storage-emulator (PyPI) answers XML API uploads without an ETag, does not
//! decode percent-encoded bucket names and ignores write preconditions; fake-gcs-server is a Go
//! binary outside the registries this machine reaches.

mod common;

use std::time::Duration;

use kconnect_test_kit::{TestWorker, create_topic, produce_values, venv_python};
use object_store::azure::MicrosoftAzureBuilder;
use serde_json::json;

use common::{read, wait_for_objects};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_object_storage::plugins());

const AZURITE: &str = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;\
    AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;\
    BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;";

/// Six records with `flush.size` 3: two objects, named and filled as the S3 sink's.
#[tokio::test(flavor = "multi_thread")]
async fn the_azure_blob_sink_writes_confluents_objects() {
    let container = format!("kconnect-azure-{}", std::process::id());
    let created = std::process::Command::new(venv_python())
        .arg("-c")
        .arg(
            "import sys\nfrom azure.storage.blob import BlobServiceClient\n\
             BlobServiceClient.from_connection_string(sys.argv[1]).create_container(sys.argv[2])",
        )
        .args([AZURITE, &container])
        .output()
        .unwrap();
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let _ = rustls::crypto::ring::default_provider().install_default();
    let store = MicrosoftAzureBuilder::new()
        .with_use_emulator(true)
        .with_allow_http(true)
        .with_container_name(&container)
        .build()
        .unwrap();
    let config = json!({
        "connector.class": "AzureBlobStorageSink",
        "azblob.container.name": container,
        "azblob.connection.string": AZURITE,
        "topics": "events",
        "flush.size": "3",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
        "format.class": "JsonFormat",
    });
    let worker = TestWorker::start(true).await;
    create_topic(&worker.bootstrap, "events").await;
    produce_values(&worker.bootstrap, "events", (0..6).map(|n| json!({"n": n}).to_string())).await;
    worker.create("azure", config).await;
    let objects = wait_for_objects(&store, "topics", 2, Duration::from_secs(60)).await;
    let log = std::fs::read_to_string(worker.dir().join("worker.log")).unwrap_or_default();
    assert_eq!(
        objects,
        [
            "topics/events/partition=0/events+0+0000000000.json",
            "topics/events/partition=0/events+0+0000000003.json",
        ],
        "{}; the worker's log ends:\n{}",
        worker.rest.state("azure").await,
        &log[log.len().saturating_sub(3000)..]
    );
    for (object, first) in objects.iter().zip([0, 3]) {
        let text = String::from_utf8(read(&store, object).await).unwrap();
        let expected: String = (first..first + 3).map(|n| format!("{{\"n\":{n}}}\n")).collect();
        assert_eq!(text, expected, "{object}");
    }
}
