//! The broker goes away and comes back: a standalone file pipeline on a separately started
//! `kconnect broker`, which is killed for 30 seconds mid-stream and restarted on the same data.
//! Every line arrives, the tasks end RUNNING, and the REST API answers throughout.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use kconnect_test_kit::{
    BrokerProcess, Quickstart, RestApi, append_lines, create_topic, free_port, numbered_lines, wait_until,
};

const BIN: &str = env!("CARGO_BIN_EXE_kconnect");
const OUTAGE: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread")]
async fn a_file_pipeline_survives_a_broker_outage_with_every_line_delivered() {
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let broker = BrokerProcess::start(Path::new(BIN), port, data.path(), "sqlite");
    create_topic(&broker.bootstrap, "connect-test").await;
    let quickstart = Quickstart::of_repository(Path::new(BIN), 1_000);
    quickstart.use_broker(&broker.bootstrap);
    let worker = quickstart.start();
    quickstart.wait_for_rest(&worker);
    let api = RestApi::new(quickstart.rest_port);

    append_lines(&quickstart.input(), numbered_lines(0, 100));
    quickstart.wait_for_lines(&worker, 100);
    drop(broker);
    append_lines(&quickstart.input(), numbered_lines(100, 100));
    let outage_ends = Instant::now() + OUTAGE;
    while Instant::now() < outage_ends {
        let asked = Instant::now();
        let (status, _) = api.get("/connectors/local-file-source/status").await;
        assert_eq!(status, 200);
        assert!(
            asked.elapsed() < Duration::from_secs(1),
            "REST took {:?}",
            asked.elapsed()
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let _broker = BrokerProcess::start(Path::new(BIN), port, data.path(), "sqlite");
    append_lines(&quickstart.input(), numbered_lines(200, 100));

    let expected: BTreeSet<String> = numbered_lines(0, 300).collect();
    let complete = tokio::task::block_in_place(|| {
        wait_until(Duration::from_secs(120), || {
            quickstart.output().into_iter().collect::<BTreeSet<_>>() == expected
        })
    });
    let output = quickstart.output();
    assert!(
        complete,
        "{} distinct of 300 lines arrived\nworker log:\n{}",
        output.iter().collect::<BTreeSet<_>>().len(),
        worker.log()
    );
    eprintln!("{} duplicate lines after the outage", output.len() - expected.len());
    for name in ["local-file-source", "local-file-sink"] {
        let status = api.state(name).await;
        assert_eq!(status["connector"]["state"], "RUNNING", "{status}");
        assert_eq!(status["tasks"][0]["state"], "RUNNING", "{status}\n{}", worker.log());
    }
}
