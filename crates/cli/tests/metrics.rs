//! `GET /metrics` after a pipeline ran: the record totals equal the records moved, and the task
//! health signals (time since the last poll or put, the sink's lag) say the pipeline keeps up.

use std::path::Path;
use std::time::Duration;

use kconnect_test_kit::{Quickstart, RestApi, append_lines, metric_value, numbered_lines, wait_until};

const BIN: &str = env!("CARGO_BIN_EXE_kconnect");

#[tokio::test(flavor = "multi_thread")]
async fn record_totals_equal_the_records_moved() {
    let quickstart = Quickstart::of_repository(Path::new(BIN), 500);
    append_lines(&quickstart.input(), numbered_lines(0, 1_000));
    let worker = quickstart.start();
    tokio::task::block_in_place(|| quickstart.wait_for_lines(&worker, 1_000));
    let api = RestApi::new(quickstart.rest_port);
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
    let source = "{connector=\"local-file-source\",task=\"0\"}";
    let sink = "{connector=\"local-file-sink\",task=\"0\"}";
    let positive = [
        format!("kafka_connect_source_task_metrics_source_record_poll_rate{source}"),
        format!("kafka_connect_sink_task_metrics_sink_record_send_rate{sink}"),
        format!("kafka_connect_connector_task_metrics_batch_size_max{source}"),
        format!("kafka_connect_connector_task_metrics_batch_size_avg{sink}"),
        format!("kafka_connect_connector_task_metrics_offset_commit_success_percentage{sink}"),
        format!("kafka_connect_sink_task_metrics_offset_commit_completion_total{sink}"),
        format!("kafka_connect_sink_task_metrics_put_batch_max_time_ms{sink}"),
    ];
    let mut text = String::new();
    // The totals match once the records moved; the sink's commits follow within a flush interval.
    let settled = wait_until(Duration::from_secs(30), || {
        text = tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(api.metrics()));
        expected
            .iter()
            .all(|(series, value)| metric_value(&text, series) == Some(*value))
            && positive
                .iter()
                .all(|series| metric_value(&text, series).is_some_and(|v| v > 0.0))
    });
    assert!(settled, "metrics:\n{text}");
    let exact = [
        (format!("kafka_connect_connector_task_metrics_running_ratio{sink}"), 1.0),
        (format!("kafka_connect_connector_task_metrics_pause_ratio{source}"), 0.0),
        (format!("kafka_connect_sink_task_metrics_partition_count{sink}"), 1.0),
        (
            "kafka_connect_connect_worker_metrics_connector_startup_success_total".into(),
            2.0,
        ),
        (
            "kafka_connect_connect_worker_metrics_task_startup_failure_total".into(),
            0.0,
        ),
        (
            "kafka_connect_connect_worker_metrics_connector_total_task_count{connector=\"local-file-sink\"}".into(),
            1.0,
        ),
    ];
    for (series, value) in exact {
        assert_eq!(metric_value(&text, &series), Some(value), "{series} in\n{text}");
    }
    assert!(text.contains("kafka_connect_connector_metrics_connector_class{connector=\"local-file-sink\",connector_class=\"org.apache.kafka.connect.file.FileStreamSinkConnector\"} 1"), "{text}");
    assert!(
        !text.contains("rebalance"),
        "a standalone worker is in no group:\n{text}"
    );
    assert!(text.contains("# TYPE kafka_connect_source_task_metrics_source_record_poll_total counter"));
    assert!(text.contains("kafka_connect_connector_metrics_status{connector=\"local-file-sink\",status=\"running\",connector_type=\"sink\"} 1"));
    assert_eq!(
        metric_value(
            &text,
            &format!("kafka_connect_sink_task_metrics_sink_record_lag_max{sink}")
        ),
        Some(0.0),
        "the sink read all there is"
    );
    let since_poll = metric_value(
        &text,
        &format!("kafka_connect_source_task_metrics_kconnect_time_since_last_poll_ms{source}"),
    );
    assert!(since_poll.is_some_and(|ms| ms < 5_000.0), "{since_poll:?}");

    let (_, status) = api.get("/connectors/local-file-sink/status").await;
    let health = &status["tasks"][0]["kconnect"];
    assert_eq!(health["sink_record_lag_max"], 0, "{status}");
    assert!(health["ms_since_last_progress"].is_u64(), "{status}");
    let (_, status) = api.get("/connectors/local-file-source/status").await;
    let health = &status["tasks"][0]["kconnect"];
    assert!(
        health["ms_since_last_progress"].as_u64().is_some_and(|ms| ms < 5_000),
        "{status}"
    );
    assert!(health.get("sink_record_lag_max").is_none(), "{status}");
}
