//! Apache's Connect metrics as Prometheus series: `kafka_connect_<group>_<metric>` with
//! `connector` and `task` labels (`source-task-metrics`, `sink-task-metrics`, `task-error-metrics`,
//! `connector-metrics`, `connect-worker-metrics`).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error_handling::ErrorMetrics;
use crate::status::{ConnectorStatus, State};

/// The counters of one task.
#[derive(Debug, Default)]
pub struct TaskMetrics {
    /// `source-record-poll-total`: records returned by `poll`.
    pub source_record_poll_total: AtomicU64,
    /// `source-record-write-total`: records sent to Kafka after the transformations.
    pub source_record_write_total: AtomicU64,
    /// `sink-record-read-total`: records read from Kafka.
    pub sink_record_read_total: AtomicU64,
    /// `sink-record-send-total`: records given to `put` after the transformations.
    pub sink_record_send_total: AtomicU64,
    /// `offset-commit-completion-total` (sinks) / successful offset commits (sources).
    pub offset_commit_completion_total: AtomicU64,
    /// `task-error-metrics`.
    pub errors: ErrorMetrics,
}

impl TaskMetrics {
    /// Adds `n` to `counter`.
    pub fn add(counter: &AtomicU64, n: usize) {
        counter.fetch_add(n as u64, Ordering::Relaxed);
    }
}

/// One series: (metric family, labels, value).
type Sample = (String, String, f64);

fn family(group: &str, metric: &str) -> String {
    format!("kafka_connect_{}_{}", group.replace('-', "_"), metric.replace('-', "_"))
}

fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Renders every metric in the Prometheus text format.
pub fn render(tasks: &BTreeMap<(String, u32), std::sync::Arc<TaskMetrics>>, statuses: &[ConnectorStatus]) -> String {
    let mut samples: Vec<Sample> = Vec::new();
    let load = |c: &AtomicU64| c.load(Ordering::Relaxed) as f64;
    for ((connector, task), m) in tasks {
        let labels = format!("connector=\"{}\",task=\"{task}\"", escape(connector));
        let kind = statuses
            .iter()
            .find(|s| &s.name == connector)
            .map(|s| s.connector_type.as_str());
        let group_samples: Vec<(&str, &str, f64)> = match kind {
            Some("source") => vec![
                (
                    "source-task-metrics",
                    "source-record-poll-total",
                    load(&m.source_record_poll_total),
                ),
                (
                    "source-task-metrics",
                    "source-record-write-total",
                    load(&m.source_record_write_total),
                ),
            ],
            _ => vec![
                (
                    "sink-task-metrics",
                    "sink-record-read-total",
                    load(&m.sink_record_read_total),
                ),
                (
                    "sink-task-metrics",
                    "sink-record-send-total",
                    load(&m.sink_record_send_total),
                ),
                (
                    "sink-task-metrics",
                    "offset-commit-completion-total",
                    load(&m.offset_commit_completion_total),
                ),
            ],
        };
        let e = &m.errors;
        let errors = [
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
        ];
        for (group, metric, value) in group_samples {
            samples.push((family(group, metric), labels.clone(), value));
        }
        for (metric, value) in errors {
            samples.push((family("task-error-metrics", metric), labels.clone(), value));
        }
    }
    let mut task_count = 0;
    for status in statuses {
        let state = format!("{:?}", status.connector.state).to_lowercase();
        let labels = format!(
            "connector=\"{}\",status=\"{state}\",connector_type=\"{}\"",
            escape(&status.name),
            status.connector_type
        );
        samples.push((family("connector-metrics", "status"), labels, 1.0));
        task_count += status.tasks.len();
        for task in &status.tasks {
            let labels = format!(
                "connector=\"{}\",task=\"{}\",status=\"{}\"",
                escape(&status.name),
                task.id,
                format!("{:?}", task.status.state).to_lowercase()
            );
            samples.push((family("connector-task-metrics", "status"), labels, 1.0));
        }
        let running = status.tasks.iter().filter(|t| t.status.state == State::Running).count();
        samples.push((
            family("connect-worker-metrics", "connector-running-task-count"),
            format!("connector=\"{}\"", escape(&status.name)),
            running as f64,
        ));
    }
    samples.push((
        family("connect-worker-metrics", "connector-count"),
        String::new(),
        statuses.len() as f64,
    ));
    samples.push((
        family("connect-worker-metrics", "task-count"),
        String::new(),
        task_count as f64,
    ));

    let mut out = String::new();
    let mut last_family = String::new();
    samples.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    for (name, labels, value) in &samples {
        if *name != last_family {
            let kind = if name.ends_with("_total") { "counter" } else { "gauge" };
            let _ = writeln!(out, "# TYPE {name} {kind}");
            last_family.clone_from(name);
        }
        if labels.is_empty() {
            let _ = writeln!(out, "{name} {value}");
        } else {
            let _ = writeln!(out, "{name}{{{labels}}} {value}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::status::StatusStore;

    #[test]
    fn renders_labelled_series() {
        let store = StatusStore::new("w:8083");
        store.put_connector("src", "source", State::Running, None);
        store.put_task("src", 0, State::Running, None);
        let metrics = Arc::new(TaskMetrics::default());
        TaskMetrics::add(&metrics.source_record_poll_total, 5);
        let tasks = BTreeMap::from([(("src".to_string(), 0), metrics)]);
        let text = render(&tasks, &[store.connector("src").unwrap()]);
        assert!(
            text.contains("# TYPE kafka_connect_source_task_metrics_source_record_poll_total counter"),
            "{text}"
        );
        assert!(
            text.contains("kafka_connect_source_task_metrics_source_record_poll_total{connector=\"src\",task=\"0\"} 5"),
            "{text}"
        );
        assert!(
            text.contains("kafka_connect_connect_worker_metrics_connector_count 1"),
            "{text}"
        );
        assert!(text.contains("kafka_connect_connector_metrics_status{connector=\"src\",status=\"running\",connector_type=\"source\"} 1"), "{text}");
    }
}
