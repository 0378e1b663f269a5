//! What one task measures: `connector-task-metrics`, `source-task-metrics`, `sink-task-metrics`
//! and `task-error-metrics`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kconnect_api::metrics::PluginMetrics;

use super::stats::{Counter, Level, Stat};
use crate::error_handling::ErrorMetrics;

/// The measurements of one task, kept across its restarts.
#[derive(Debug, Default)]
pub struct TaskMetrics {
    /// `source-record-poll-*`: records returned by `poll`.
    pub source_record_poll: Counter,
    /// `source-record-write-*`: records sent to Kafka after the transformations.
    pub source_record_write: Counter,
    /// `sink-record-read-*`: records read from Kafka.
    pub sink_record_read: Counter,
    /// `sink-record-send-*`: records given to `put` after the transformations.
    pub sink_record_send: Counter,
    /// `offset-commit-completion-*`: offset commits that succeeded.
    pub offset_commit_completion: Counter,
    /// `offset-commit-skip-*`: commits skipped because the task had nothing safe to commit.
    pub offset_commit_skip: Counter,
    /// Offset commits that failed.
    pub offset_commit_failures: AtomicU64,
    /// `offset-commit-avg-time-ms`, `offset-commit-max-time-ms` (microseconds).
    pub offset_commit_time: Stat,
    /// `batch-size-avg`, `batch-size-max`: records per `poll` or `put`.
    pub batch_size: Stat,
    /// `transaction-size-{min,max,avg}`: records per committed transaction of an exactly-once
    /// source task.
    pub transaction_size: Stat,
    /// `poll-batch-*-time-ms` (sources) or `put-batch-*-time-ms` (sinks), in microseconds.
    pub batch_time: Stat,
    /// `source-record-active-count*` (sent, not yet acknowledged) or `sink-record-active-count*`
    /// (given to `put`, offsets not yet committed).
    pub active_records: Level,
    /// `partition-count`: partitions assigned to a sink task.
    pub partition_count: AtomicU64,
    /// `running-ratio`, `pause-ratio`.
    pub time_in_state: TimeInState,
    /// `task-error-metrics`.
    pub errors: ErrorMetrics,
    /// When the task last polled (source) or put (sink) successfully.
    pub progress: Progress,
    /// `sink-record-lag-max`: how many records the sink task is behind the end of its most
    /// lagging partition, as of its last offset commit.
    pub sink_record_lag_max: AtomicU64,
    /// The task's own gauges (`plugins`).
    pub plugins: Arc<PluginMetrics>,
}

/// When a task last made progress.
#[derive(Debug, Default)]
pub struct Progress(Mutex<Option<Instant>>);

impl Progress {
    /// The task polled or put successfully just now.
    pub fn mark(&self) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
    }

    /// How long ago the task last made progress; `None` before its first poll or put.
    pub fn since(&self) -> Option<Duration> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).map(|at| at.elapsed())
    }
}

impl TaskMetrics {
    /// Records an offset commit that took `elapsed`.
    pub fn committed(&self, elapsed: Duration) {
        self.offset_commit_completion.add(1);
        self.offset_commit_time.record_time(elapsed);
    }

    /// Records an offset commit that failed after `elapsed`.
    pub fn commit_failed(&self, elapsed: Duration) {
        self.offset_commit_failures.fetch_add(1, Ordering::Relaxed);
        self.offset_commit_time.record_time(elapsed);
    }

    /// Records a `poll` or `put` of `records` that took `elapsed`.
    pub fn batch(&self, records: usize, elapsed: Duration) {
        self.batch_size.record(records as u64);
        self.batch_time.record_time(elapsed);
    }

    /// `offset-commit-success-percentage` and `offset-commit-failure-percentage`, as fractions
    /// like Apache's.
    pub fn commit_outcomes(&self) -> (f64, f64) {
        let succeeded = self.offset_commit_completion.total() as f64;
        let failed = self.offset_commit_failures.load(Ordering::Relaxed) as f64;
        let all = succeeded + failed;
        if all == 0.0 {
            (0.0, 0.0)
        } else {
            (succeeded / all, failed / all)
        }
    }
}

/// How long a task has been running and paused since it was first started.
#[derive(Debug)]
pub struct TimeInState {
    clock: Mutex<StateClock>,
}

#[derive(Debug)]
struct StateClock {
    paused: bool,
    since: Instant,
    running: Duration,
    paused_for: Duration,
}

impl Default for TimeInState {
    fn default() -> Self {
        Self {
            clock: Mutex::new(StateClock {
                paused: false,
                since: Instant::now(),
                running: Duration::ZERO,
                paused_for: Duration::ZERO,
            }),
        }
    }
}

impl TimeInState {
    /// Notes that the task is paused (or running) from now on.
    pub fn set_paused(&self, paused: bool) {
        let mut clock = self.clock.lock().unwrap_or_else(|e| e.into_inner());
        if clock.paused != paused {
            clock.close(Instant::now());
            clock.paused = paused;
        }
    }

    /// (`running-ratio`, `pause-ratio`) as of `now`.
    pub fn ratios(&self, now: Instant) -> (f64, f64) {
        let mut clock = self.clock.lock().unwrap_or_else(|e| e.into_inner());
        clock.close(now);
        let all = (clock.running + clock.paused_for).as_secs_f64();
        if all == 0.0 {
            return (
                if clock.paused { 0.0 } else { 1.0 },
                if clock.paused { 1.0 } else { 0.0 },
            );
        }
        (clock.running.as_secs_f64() / all, clock.paused_for.as_secs_f64() / all)
    }
}

impl StateClock {
    /// Adds the time since the last change to the current state's total.
    fn close(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.since);
        if self.paused {
            self.paused_for += elapsed;
        } else {
            self.running += elapsed;
        }
        self.since = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commits_count_as_successes_or_failures() {
        let metrics = TaskMetrics::default();
        assert_eq!(metrics.commit_outcomes(), (0.0, 0.0));
        metrics.committed(Duration::from_millis(4));
        metrics.committed(Duration::from_millis(2));
        metrics.commit_failed(Duration::from_millis(6));
        let (success, failure) = metrics.commit_outcomes();
        assert!((success - 2.0 / 3.0).abs() < 1e-9 && (failure - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!(metrics.offset_commit_time.max(), 6000.0);
        assert_eq!(metrics.offset_commit_completion.total(), 2);
    }

    #[test]
    fn time_in_state_splits_running_and_paused() {
        let time = TimeInState::default();
        let start = time.clock.lock().unwrap().since;
        time.clock.lock().unwrap().close(start + Duration::from_secs(3));
        time.clock.lock().unwrap().paused = true;
        let (running, paused) = time.ratios(start + Duration::from_secs(4));
        assert!(
            (running - 0.75).abs() < 1e-9 && (paused - 0.25).abs() < 1e-9,
            "{running} {paused}"
        );
    }
}
