//! kconnect driven by a REST client that users run against Apache Kafka Connect: kafka-connect-py
//! (installed by `.ci/services` into the venv `KCONNECT_VENV`, `~/.cache/kconnect-venv` unless
//! set), through every call it offers, over real HTTP.

use std::path::Path;
use std::process::Command;

use kconnect_test_kit::{Quickstart, append_lines, numbered_lines, run_to_success, venv_python};

const BIN: &str = env!("CARGO_BIN_EXE_kconnect");

#[test]
fn every_call_of_kafka_connect_py_behaves_as_on_apache() {
    let python = venv_python();
    let quickstart = Quickstart::of_repository(Path::new(BIN), 1_000);
    let worker = quickstart.start_with(&[]);
    quickstart.wait_for_rest(&worker);
    let source = quickstart.path("py-source.txt");
    append_lines(&source, numbered_lines(0, 10));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/kafka_connect_py.py");
    run_to_success(
        Command::new(python)
            .arg(script)
            .arg(format!("http://127.0.0.1:{}", quickstart.rest_port))
            .arg(&source),
        || format!("worker log:\n{}", worker.log()),
    );
}
