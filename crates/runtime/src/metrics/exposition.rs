//! The Prometheus text format: `kafka_connect_<group>_<metric>{labels} value`, one `# TYPE` line
//! per family, families in name order.

use std::fmt::Write;

/// The series of one scrape.
#[derive(Debug, Default)]
pub struct Samples {
    series: Vec<(String, String, f64)>,
}

/// `name="value"` pairs, values escaped.
pub fn labels(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(name, value)| format!("{name}=\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect::<Vec<_>>()
        .join(",")
}

impl Samples {
    /// Adds Apache's metric `metric` of group `group` (both as Apache spells them).
    pub fn push(&mut self, group: &str, metric: &str, labels: &str, value: f64) {
        let family = format!("kafka_connect_{}_{}", group.replace('-', "_"), metric.replace('-', "_"));
        self.series.push((family, labels.to_string(), value));
    }

    /// Adds several metrics of one group with the same labels.
    pub fn push_all(&mut self, group: &str, labels: &str, metrics: &[(&str, f64)]) {
        for (metric, value) in metrics {
            self.push(group, metric, labels, *value);
        }
    }

    /// The text format; totals are counters, everything else gauges.
    pub fn render(mut self) -> String {
        self.series.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        let mut out = String::new();
        let mut last_family = "";
        for (family, labels, value) in &self.series {
            if family != last_family {
                let kind = if family.ends_with("_total") { "counter" } else { "gauge" };
                let _ = writeln!(out, "# TYPE {family} {kind}");
                last_family = family;
            }
            let value = if value.is_infinite() {
                "+Inf".to_string()
            } else {
                value.to_string()
            };
            if labels.is_empty() {
                let _ = writeln!(out, "{family} {value}");
            } else {
                let _ = writeln!(out, "{family}{{{labels}}} {value}");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_are_typed_once_and_labels_escaped() {
        let mut samples = Samples::default();
        samples.push(
            "sink-task-metrics",
            "sink-record-read-total",
            &labels(&[("connector", "a\"b")]),
            3.0,
        );
        samples.push(
            "sink-task-metrics",
            "sink-record-read-total",
            &labels(&[("connector", "c")]),
            1.0,
        );
        samples.push(
            "connect-worker-rebalance-metrics",
            "time-since-last-rebalance-ms",
            "",
            f64::INFINITY,
        );
        let text = samples.render();
        assert_eq!(
            text,
            "# TYPE kafka_connect_connect_worker_rebalance_metrics_time_since_last_rebalance_ms gauge\n\
             kafka_connect_connect_worker_rebalance_metrics_time_since_last_rebalance_ms +Inf\n\
             # TYPE kafka_connect_sink_task_metrics_sink_record_read_total counter\n\
             kafka_connect_sink_task_metrics_sink_record_read_total{connector=\"a\\\"b\"} 3\n\
             kafka_connect_sink_task_metrics_sink_record_read_total{connector=\"c\"} 1\n"
        );
    }
}
