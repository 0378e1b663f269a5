//! `GET /metrics` after a pipeline ran: the record totals equal the records moved.

use std::path::Path;
use std::time::Duration;

use kconnect_test_kit::{Quickstart, append_lines, numbered_lines, wait_until};

const BIN: &str = env!("CARGO_BIN_EXE_kconnect");

fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series).and_then(|rest| rest.trim().parse().ok()))
}

#[tokio::test(flavor = "multi_thread")]
async fn record_totals_equal_the_records_moved() {
    let quickstart = Quickstart::new(
        Path::new(BIN),
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config"),
        500,
    );
    append_lines(&quickstart.input(), numbered_lines(0, 1_000));
    let worker = quickstart.start();
    tokio::task::block_in_place(|| quickstart.wait_for_lines(&worker, 1_000));
    let url = format!("http://127.0.0.1:{}/metrics", quickstart.rest_port);
    let expected = [
        (
            "kafka_connect_source_task_metrics_source_record_poll_total{connector=\"local-file-source\",task=\"0\"}",
            1_000.0,
        ),
        (
            "kafka_connect_source_task_metrics_source_record_write_total{connector=\"local-file-source\",task=\"0\"}",
            1_000.0,
        ),
        (
            "kafka_connect_sink_task_metrics_sink_record_read_total{connector=\"local-file-sink\",task=\"0\"}",
            1_000.0,
        ),
        (
            "kafka_connect_sink_task_metrics_sink_record_send_total{connector=\"local-file-sink\",task=\"0\"}",
            1_000.0,
        ),
        (
            "kafka_connect_task_error_metrics_total_record_failures{connector=\"local-file-sink\",task=\"0\"}",
            0.0,
        ),
        ("kafka_connect_connect_worker_metrics_connector_count", 2.0),
        ("kafka_connect_connect_worker_metrics_task_count", 2.0),
    ];
    let mut text = String::new();
    let settled = wait_until(Duration::from_secs(30), || {
        text = tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current()
                .block_on(async { reqwest::get(&url).await.unwrap().text().await.unwrap() })
        });
        expected
            .iter()
            .all(|(series, value)| sample(&text, series) == Some(*value))
    });
    assert!(settled, "metrics:\n{text}");
    assert!(text.contains("# TYPE kafka_connect_source_task_metrics_source_record_poll_total counter"));
    assert!(text.contains("kafka_connect_connector_metrics_status{connector=\"local-file-sink\",status=\"running\",connector_type=\"sink\"} 1"));
}
