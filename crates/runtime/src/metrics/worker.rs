//! What the worker measures: `connector-metrics` (class, type, version), the startup counts of
//! `connect-worker-metrics`, and `connect-worker-rebalance-metrics` in a cluster.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use super::exposition::{Samples, labels};
use super::stats::{Stat, millis};

/// A connector's `connector-class`, `connector-type` and `connector-version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectorInfo {
    /// The class as configured.
    pub class: String,
    /// `source` or `sink`.
    pub kind: String,
    /// What the connector reports.
    pub version: String,
}

/// Start attempts and their outcomes.
#[derive(Debug, Default)]
pub struct Startups {
    successes: AtomicU64,
    failures: AtomicU64,
}

impl Startups {
    /// Records one attempt and whether it succeeded.
    pub fn record(&self, succeeded: bool) {
        let outcome = if succeeded { &self.successes } else { &self.failures };
        outcome.fetch_add(1, Ordering::Relaxed);
    }

    /// `<what>-startup-{attempts,success,failure}-total` and `-{success,failure}-percentage`.
    fn push(&self, samples: &mut Samples, what: &str) {
        let successes = self.successes.load(Ordering::Relaxed) as f64;
        let failures = self.failures.load(Ordering::Relaxed) as f64;
        let attempts = successes + failures;
        let share = |part: f64| if attempts == 0.0 { 0.0 } else { part / attempts };
        samples.push_all(
            "connect-worker-metrics",
            "",
            &[
                (&format!("{what}-startup-attempts-total"), attempts),
                (&format!("{what}-startup-success-total"), successes),
                (&format!("{what}-startup-failure-total"), failures),
                (&format!("{what}-startup-success-percentage"), share(successes)),
                (&format!("{what}-startup-failure-percentage"), share(failures)),
            ],
        );
    }
}

/// The worker's own measurements.
#[derive(Debug, Default)]
pub struct WorkerMetrics {
    connectors: Mutex<BTreeMap<String, ConnectorInfo>>,
    /// Connector starts.
    pub connector_startups: Startups,
    /// Task starts.
    pub task_startups: Startups,
    /// The worker group's rebalances (a distributed worker only).
    pub rebalances: RebalanceMetrics,
}

impl WorkerMetrics {
    /// Notes what connector `name` is, once it started.
    pub fn connector_started(&self, name: &str, info: ConnectorInfo) {
        self.connectors
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_string(), info);
    }

    /// Forgets a deleted connector.
    pub fn forget(&self, name: &str) {
        self.connectors.lock().unwrap_or_else(|e| e.into_inner()).remove(name);
    }

    /// Adds this worker's series to `samples`.
    pub fn push(&self, samples: &mut Samples, now: Instant) {
        for (name, info) in self.connectors.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            for (metric, label, value) in [
                ("connector-class", "connector_class", &info.class),
                ("connector-type", "connector_type", &info.kind),
                ("connector-version", "connector_version", &info.version),
            ] {
                let labels = labels(&[("connector", name), (label, value)]);
                samples.push("connector-metrics", metric, &labels, 1.0);
            }
        }
        self.connector_startups.push(samples, "connector");
        self.task_startups.push(samples, "task");
        self.rebalances.push(samples, now);
    }
}

/// `connect-worker-rebalance-metrics`.
#[derive(Debug, Default)]
pub struct RebalanceMetrics {
    state: Mutex<RebalanceState>,
    completed: AtomicU64,
    time: Stat,
}

#[derive(Debug, Default)]
struct RebalanceState {
    /// The subprotocol of the last completed rebalance; unset until a worker group is joined.
    protocol: Option<String>,
    leader: String,
    epoch: i64,
    began: Option<Instant>,
    last_completed: Option<Instant>,
}

impl RebalanceMetrics {
    /// A rebalance began (again, when already under way, changes nothing).
    pub fn began(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.began.get_or_insert_with(Instant::now);
    }

    /// A rebalance completed: generation `epoch`, led by `leader` (its URL), with `protocol`.
    pub fn completed(&self, protocol: &str, leader: &str, epoch: i64) {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(began) = state.began.take() {
            self.time.record_time(now.duration_since(began));
        }
        self.completed.fetch_add(1, Ordering::Relaxed);
        state.protocol = Some(protocol.to_string());
        state.leader = leader.to_string();
        state.epoch = epoch;
        state.last_completed = Some(now);
    }

    fn push(&self, samples: &mut Samples, now: Instant) {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let Some(protocol) = &state.protocol else {
            return;
        };
        let group = "connect-worker-rebalance-metrics";
        samples.push(group, "connect-protocol", &labels(&[("protocol", protocol)]), 1.0);
        samples.push(group, "leader-name", &labels(&[("leader", &state.leader)]), 1.0);
        let since = state
            .last_completed
            .map_or(f64::INFINITY, |at| now.duration_since(at).as_millis() as f64);
        samples.push_all(
            group,
            "",
            &[
                ("epoch", state.epoch as f64),
                (
                    "completed-rebalances-total",
                    self.completed.load(Ordering::Relaxed) as f64,
                ),
                ("rebalancing", f64::from(u8::from(state.began.is_some()))),
                ("rebalance-max-time-ms", millis(self.time.max())),
                ("rebalance-avg-time-ms", millis(self.time.avg())),
                ("time-since-last-rebalance-ms", since),
            ],
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebalance_metrics_appear_once_a_group_is_joined() {
        let metrics = WorkerMetrics::default();
        let mut samples = Samples::default();
        metrics.push(&mut samples, Instant::now());
        assert!(!samples.render().contains("rebalance"));

        metrics.rebalances.began();
        metrics.rebalances.completed("sessioned", "http://w1:8083/", 3);
        metrics.rebalances.began();
        metrics.task_startups.record(true);
        metrics.task_startups.record(false);
        let mut samples = Samples::default();
        metrics.push(&mut samples, Instant::now());
        let text = samples.render();
        for line in [
            "kafka_connect_connect_worker_rebalance_metrics_connect_protocol{protocol=\"sessioned\"} 1",
            "kafka_connect_connect_worker_rebalance_metrics_leader_name{leader=\"http://w1:8083/\"} 1",
            "kafka_connect_connect_worker_rebalance_metrics_epoch 3",
            "kafka_connect_connect_worker_rebalance_metrics_completed_rebalances_total 1",
            "kafka_connect_connect_worker_rebalance_metrics_rebalancing 1",
            "kafka_connect_connect_worker_metrics_task_startup_attempts_total 2",
            "kafka_connect_connect_worker_metrics_task_startup_success_percentage 0.5",
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
    }
}
