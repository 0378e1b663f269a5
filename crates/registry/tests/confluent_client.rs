//! The registry through Confluent's own Python client (`confluent-kafka`, PyPI): its
//! SchemaRegistryClient registers, looks up, lists, reads by id, sets and tests compatibility (a
//! schema the level refuses is a 409) and deletes,
//! and its AvroSerializer and AvroDeserializer write and read a record through the registry on
//! the Confluent wire format. Each read goes through a fresh client, so none is served from its
//! cache.

use std::sync::Arc;

use kconnect_registry::{Registry, router};
use serde_json::{Value, json};

const SCRIPT: &str = r#"
import json, sys
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.serialization import MessageField, SerializationContext

conf = {"url": sys.argv[1]}
fresh = lambda: SchemaRegistryClient(conf)
a = Schema('{"type": "record", "name": "Order", "fields": [{"name": "id", "type": "long"}]}', "AVRO")
b = Schema('{"type":"record","name":"Order","fields":[{"name":"id","type":"long"},'
           '{"name":"note","type":["null","string"],"default":null}]}', "AVRO")
out = {}
client = fresh()
out["ids"] = [client.register_schema("orders-value", a), client.register_schema("orders-value", a),
              client.register_schema("orders-value", b), client.register_schema("other-value", a)]
found = fresh().lookup_schema("orders-value", b)
out["lookup"] = [found.schema_id, found.version, found.subject]
out["by_id"] = json.loads(fresh().get_schema(out["ids"][2]).schema_str)
out["versions"] = fresh().get_versions("orders-value")
latest = fresh().get_latest_version("orders-value")
out["latest"] = [latest.schema_id, latest.version]
out["subjects"] = fresh().get_subjects()
fresh().set_compatibility("orders-value", "FULL")
out["compatibility"] = fresh().get_compatibility("orders-value")
required = Schema(b.schema_str[:-2] + ',{"name":"qty","type":"int"}]}', "AVRO")
defaulted = Schema(b.schema_str[:-2] + ',{"name":"qty","type":"int","default":1}]}', "AVRO")
out["compatible"] = [fresh().test_compatibility("orders-value", required),
                     fresh().test_compatibility("orders-value", defaulted)]
def error(call):
    try:
        call()
    except SchemaRegistryError as e:
        return [e.http_status_code, e.error_code]
out["bad"] = error(lambda: fresh().register_schema("bad-value", Schema('{"type": "record", "name": "X"}', "AVRO")))
out["missing"] = error(lambda: fresh().get_schema(999))
out["incompatible"] = error(lambda: fresh().register_schema("orders-value", required))
out["no_subject"] = error(lambda: fresh().get_versions("nobody"))
out["deleted"] = fresh().delete_subject("other-value")
out["deleted_permanently"] = fresh().delete_subject("other-value", permanent=True)
out["subjects_after"] = fresh().get_subjects()
context = SerializationContext("orders", MessageField.VALUE)
data = AvroSerializer(fresh(), b.schema_str)({"id": 7, "note": "x"}, context)
out["wire"] = [data[0], int.from_bytes(data[1:5], "big")]
out["read_back"] = AvroDeserializer(fresh())(data, context)
print(json.dumps(out))
"#;

#[tokio::test(flavor = "multi_thread")]
async fn confluents_client_and_serializers_work_against_the_registry() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router(Arc::new(Registry::new()))).await });

    let python = kconnect_test_kit::venv_python();
    let output = tokio::process::Command::new(python)
        .args(["-W", "ignore", "-c", SCRIPT, &url])
        .output()
        .await
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let out: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(out["ids"], json!([1, 1, 2, 1]), "one id per schema, in every subject");
    assert_eq!(out["lookup"], json!([2, 2, "orders-value"]));
    assert_eq!(out["by_id"]["fields"][1]["name"], "note");
    assert_eq!(out["versions"], json!([1, 2]));
    assert_eq!(out["latest"], json!([2, 2]));
    assert_eq!(out["subjects"], json!(["orders-value", "other-value"]));
    assert_eq!(out["compatibility"], "FULL");
    assert_eq!(
        out["compatible"],
        json!([false, true]),
        "FULL: a new field needs a default"
    );
    assert_eq!(out["incompatible"], json!([409, 409]));
    assert_eq!(out["bad"], json!([422, 42201]));
    assert_eq!(out["missing"], json!([404, 40403]));
    assert_eq!(out["no_subject"], json!([404, 40401]));
    assert_eq!(out["deleted"], json!([1]));
    assert_eq!(out["deleted_permanently"], json!([1]));
    assert_eq!(out["subjects_after"], json!(["orders-value"]));
    assert_eq!(
        out["wire"],
        json!([0, 2]),
        "magic byte 0, then the registered schema's id"
    );
    assert_eq!(out["read_back"], json!({"id": 7, "note": "x"}));
}
