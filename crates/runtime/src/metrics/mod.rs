//! Apache's Connect metrics as Prometheus series, `kafka_connect_<group>_<metric>` with
//! `connector` and `task` labels: `connector-metrics`, `connector-task-metrics`,
//! `source-task-metrics`, `sink-task-metrics`, `task-error-metrics`, `connect-worker-metrics` and,
//! in a cluster, `connect-worker-rebalance-metrics`; and the gauges tasks report themselves
//! (`plugins`, Apache's KIP-877). A string metric (a connector's class, the
//! group's leader) is a series of value 1 with the string as a label.

mod exposition;
mod stats;
mod task;
mod worker;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use exposition::{Samples, labels};
use stats::millis;
pub use stats::{Counter, Level, SAMPLE_WINDOW, Stat};
pub use task::{Progress, TaskMetrics, TimeInState};
pub use worker::{ConnectorInfo, RebalanceMetrics, Startups, WorkerMetrics};

use crate::status::{ConnectorStatus, State};

/// Renders every metric in the Prometheus text format.
pub fn render(
    tasks: &BTreeMap<(String, u32), Arc<TaskMetrics>>,
    statuses: &[ConnectorStatus],
    worker: &WorkerMetrics,
) -> String {
    let now = Instant::now();
    let mut samples = Samples::default();
    for ((connector, task), metrics) in tasks {
        let labels = labels(&[("connector", connector), ("task", &task.to_string())]);
        let kind = statuses
            .iter()
            .find(|s| &s.name == connector)
            .map(|s| s.connector_type.as_str());
        push_task(&mut samples, &labels, metrics, kind == Some("source"), now);
    }
    for status in statuses {
        push_statuses(&mut samples, status);
    }
    let task_count = statuses.iter().map(|s| s.tasks.len()).sum::<usize>();
    samples.push_all(
        "connect-worker-metrics",
        "",
        &[
            ("connector-count", statuses.len() as f64),
            ("task-count", task_count as f64),
        ],
    );
    worker.push(&mut samples, now);
    samples.render()
}

/// One task's `connector-task-metrics`, its source or sink group and `task-error-metrics`.
fn push_task(samples: &mut Samples, labels: &str, m: &TaskMetrics, source: bool, now: Instant) {
    let (running, paused) = m.time_in_state.ratios(now);
    let (succeeded, failed) = m.commit_outcomes();
    samples.push_all(
        "connector-task-metrics",
        labels,
        &[
            ("running-ratio", running),
            ("pause-ratio", paused),
            ("offset-commit-avg-time-ms", millis(m.offset_commit_time.avg())),
            ("offset-commit-max-time-ms", millis(m.offset_commit_time.max())),
            ("offset-commit-success-percentage", succeeded),
            ("offset-commit-failure-percentage", failed),
            ("batch-size-avg", m.batch_size.avg()),
            ("batch-size-max", m.batch_size.max()),
        ],
    );
    let active = &m.active_records;
    if source {
        samples.push_all(
            "source-task-metrics",
            labels,
            &[
                ("source-record-poll-total", m.source_record_poll.total() as f64),
                ("source-record-poll-rate", m.source_record_poll.rate(now)),
                ("source-record-write-total", m.source_record_write.total() as f64),
                ("source-record-write-rate", m.source_record_write.rate(now)),
                ("poll-batch-avg-time-ms", millis(m.batch_time.avg())),
                ("poll-batch-max-time-ms", millis(m.batch_time.max())),
                ("source-record-active-count", active.current()),
                ("source-record-active-count-max", active.seen().max()),
                ("source-record-active-count-avg", active.seen().avg()),
                ("kconnect-time-since-last-poll-ms", millis_since(&m.progress)),
            ],
        );
        if m.transaction_size.count() > 0 {
            samples.push_all(
                "source-task-metrics",
                labels,
                &[
                    ("transaction-size-min", m.transaction_size.min()),
                    ("transaction-size-max", m.transaction_size.max()),
                    ("transaction-size-avg", m.transaction_size.avg()),
                ],
            );
        }
    } else {
        samples.push_all(
            "sink-task-metrics",
            labels,
            &[
                ("sink-record-read-total", m.sink_record_read.total() as f64),
                ("sink-record-read-rate", m.sink_record_read.rate(now)),
                ("sink-record-send-total", m.sink_record_send.total() as f64),
                ("sink-record-send-rate", m.sink_record_send.rate(now)),
                ("partition-count", m.partition_count.load(Ordering::Relaxed) as f64),
                ("offset-commit-seq-no", m.offset_commit_completion.total() as f64),
                (
                    "offset-commit-completion-total",
                    m.offset_commit_completion.total() as f64,
                ),
                ("offset-commit-completion-rate", m.offset_commit_completion.rate(now)),
                ("offset-commit-skip-total", m.offset_commit_skip.total() as f64),
                ("offset-commit-skip-rate", m.offset_commit_skip.rate(now)),
                ("put-batch-avg-time-ms", millis(m.batch_time.avg())),
                ("put-batch-max-time-ms", millis(m.batch_time.max())),
                ("sink-record-active-count", active.current()),
                ("sink-record-active-count-max", active.seen().max()),
                ("sink-record-active-count-avg", active.seen().avg()),
                (
                    "sink-record-lag-max",
                    m.sink_record_lag_max.load(Ordering::Relaxed) as f64,
                ),
                ("kconnect-time-since-last-put-ms", millis_since(&m.progress)),
            ],
        );
    }
    let plugins = m.plugins.values();
    for (name, value) in &plugins {
        samples.push("plugins", name, labels, *value);
    }
    let e = &m.errors;
    let load = |counter: &std::sync::atomic::AtomicU64| counter.load(Ordering::Relaxed) as f64;
    samples.push_all(
        "task-error-metrics",
        labels,
        &[
            ("total-record-failures", load(&e.total_record_failures)),
            ("total-record-errors", load(&e.total_record_errors)),
            ("total-records-skipped", load(&e.total_records_skipped)),
            ("total-retries", load(&e.total_retries)),
            ("total-errors-logged", load(&e.total_errors_logged)),
            (
                "deadletterqueue-produce-requests",
                load(&e.deadletterqueue_produce_requests),
            ),
            (
                "deadletterqueue-produce-failures",
                load(&e.deadletterqueue_produce_failures),
            ),
            (
                "last-error-timestamp",
                e.last_error_timestamp.load(Ordering::Relaxed) as f64,
            ),
        ],
    );
}

/// A connector's and its tasks' `status`, and its task counts by state.
fn push_statuses(samples: &mut Samples, status: &ConnectorStatus) {
    let name = status.name.as_str();
    let state = state_name(status.connector.state);
    let connector_labels = labels(&[
        ("connector", name),
        ("status", &state),
        ("connector_type", &status.connector_type),
    ]);
    samples.push("connector-metrics", "status", &connector_labels, 1.0);
    for task in &status.tasks {
        let task_labels = labels(&[
            ("connector", name),
            ("task", &task.id.to_string()),
            ("status", &state_name(task.status.state)),
        ]);
        samples.push("connector-task-metrics", "status", &task_labels, 1.0);
    }
    let count = |state: State| status.tasks.iter().filter(|t| t.status.state == state).count() as f64;
    samples.push_all(
        "connect-worker-metrics",
        &labels(&[("connector", name)]),
        &[
            ("connector-total-task-count", status.tasks.len() as f64),
            ("connector-running-task-count", count(State::Running)),
            ("connector-paused-task-count", count(State::Paused)),
            ("connector-failed-task-count", count(State::Failed)),
            ("connector-unassigned-task-count", count(State::Unassigned)),
            ("connector-restarting-task-count", count(State::Restarting)),
            // Apache counts tasks of a deleted connector here; a deleted connector has no status.
            ("connector-destroyed-task-count", 0.0),
        ],
    );
}

fn state_name(state: State) -> String {
    format!("{state:?}").to_lowercase()
}

/// Milliseconds since the task last made progress; NaN before its first poll or put.
fn millis_since(progress: &Progress) -> f64 {
    progress.since().map_or(f64::NAN, |since| since.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::StatusStore;

    #[test]
    fn renders_labelled_series() {
        let store = StatusStore::new("w:8083");
        store.put_connector("src", "source", State::Running, None);
        store.put_task("src", 0, State::Running, None);
        let metrics = Arc::new(TaskMetrics::default());
        metrics.source_record_poll.add(5);
        metrics.batch(5, std::time::Duration::from_millis(2));
        let tasks = BTreeMap::from([(("src".to_string(), 0), metrics)]);
        let worker = WorkerMetrics::default();
        worker.connector_started(
            "src",
            ConnectorInfo {
                class: "FileStreamSource".into(),
                kind: "source".into(),
                version: "3.9.0".into(),
            },
        );
        let text = render(&tasks, &[store.connector("src").unwrap()], &worker);
        for line in [
            "# TYPE kafka_connect_source_task_metrics_source_record_poll_total counter",
            "kafka_connect_source_task_metrics_source_record_poll_total{connector=\"src\",task=\"0\"} 5",
            "kafka_connect_source_task_metrics_poll_batch_max_time_ms{connector=\"src\",task=\"0\"} 2",
            "kafka_connect_connector_task_metrics_batch_size_avg{connector=\"src\",task=\"0\"} 5",
            "kafka_connect_connect_worker_metrics_connector_count 1",
            "kafka_connect_connect_worker_metrics_connector_running_task_count{connector=\"src\"} 1",
            "kafka_connect_connector_metrics_status{connector=\"src\",status=\"running\",connector_type=\"source\"} 1",
            "kafka_connect_connector_metrics_connector_class{connector=\"src\",connector_class=\"FileStreamSource\"} 1",
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
        assert!(!text.contains("sink_task_metrics"), "{text}");
    }
}
