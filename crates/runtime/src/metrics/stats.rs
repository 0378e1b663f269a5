//! The statistics behind Apache's metrics: totals with their recent rate (`-total`, `-rate`),
//! and measured values with their average and maximum (`-avg`, `-max`).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How often a rate takes a new sample; a rate covers one to two of these, as Kafka's does with
/// `metrics.sample.window.ms` (30 s) and `metrics.num.samples` (2).
pub const SAMPLE_WINDOW: Duration = Duration::from_secs(30);

/// A running total and, on demand, its rate per second over the last sample windows.
#[derive(Debug)]
pub struct Counter {
    total: AtomicU64,
    /// (when, total then), oldest first; never empty.
    samples: Mutex<VecDeque<(Instant, u64)>>,
}

impl Default for Counter {
    fn default() -> Self {
        Self {
            total: AtomicU64::new(0),
            samples: Mutex::new(VecDeque::from([(Instant::now(), 0)])),
        }
    }
}

impl Counter {
    /// Adds `n`.
    pub fn add(&self, n: usize) {
        self.total.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// The total so far.
    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    /// Per second since the oldest sample still in the window, as of `now`.
    pub fn rate(&self, now: Instant) -> f64 {
        let total = self.total();
        let mut samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        if samples
            .back()
            .is_some_and(|(at, _)| now.duration_since(*at) >= SAMPLE_WINDOW)
        {
            samples.push_back((now, total));
        }
        while samples.len() > 1
            && samples
                .front()
                .is_some_and(|(at, _)| now.duration_since(*at) > 2 * SAMPLE_WINDOW)
        {
            samples.pop_front();
        }
        let (since, then) = samples.front().copied().unwrap_or((now, total));
        let seconds = now.duration_since(since).as_secs_f64();
        if seconds > 0.0 {
            total.saturating_sub(then) as f64 / seconds
        } else {
            0.0
        }
    }
}

/// Measured values (a batch's size, a duration in microseconds): how many, their sum, the
/// largest and the smallest.
#[derive(Debug, Default)]
pub struct Stat {
    count: AtomicU64,
    sum: AtomicU64,
    max: AtomicU64,
    /// The smallest value plus one; 0 before the first.
    min_plus_one: AtomicU64,
}

impl Stat {
    /// Records one value.
    pub fn record(&self, value: u64) {
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum.fetch_add(value, Ordering::Relaxed);
        self.max.fetch_max(value, Ordering::Relaxed);
        let candidate = value.saturating_add(1);
        let _ = self
            .min_plus_one
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |min| {
                (min == 0 || candidate < min).then_some(candidate)
            });
    }

    /// Records a duration, in microseconds.
    pub fn record_time(&self, elapsed: Duration) {
        self.record(elapsed.as_micros().try_into().unwrap_or(u64::MAX));
    }

    /// The average, 0 before the first value.
    pub fn avg(&self) -> f64 {
        match self.count.load(Ordering::Relaxed) {
            0 => 0.0,
            count => self.sum.load(Ordering::Relaxed) as f64 / count as f64,
        }
    }

    /// The largest value, 0 before the first.
    pub fn max(&self) -> f64 {
        self.max.load(Ordering::Relaxed) as f64
    }

    /// The smallest value, 0 before the first.
    pub fn min(&self) -> f64 {
        self.min_plus_one.load(Ordering::Relaxed).saturating_sub(1) as f64
    }

    /// How many values were recorded.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }
}

/// A count that goes up and down (records in flight), with the average and maximum of the values
/// it was set to.
#[derive(Debug, Default)]
pub struct Level {
    current: AtomicU64,
    seen: Stat,
}

impl Level {
    /// Sets the count.
    pub fn set(&self, value: usize) {
        self.current.store(value as u64, Ordering::Relaxed);
        self.seen.record(value as u64);
    }

    /// The count now.
    pub fn current(&self) -> f64 {
        self.current.load(Ordering::Relaxed) as f64
    }

    /// The values it was set to.
    pub fn seen(&self) -> &Stat {
        &self.seen
    }
}

/// Milliseconds in a value recorded in microseconds.
pub fn millis(micros: f64) -> f64 {
    micros / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_counts_per_second_since_its_oldest_sample() {
        let counter = Counter::default();
        let start = counter.samples.lock().unwrap()[0].0;
        counter.add(300);
        assert!((counter.rate(start + Duration::from_secs(10)) - 30.0).abs() < 1e-9);
        // A sample is taken after a window; the oldest one leaves after two.
        counter.add(600);
        assert!((counter.rate(start + Duration::from_secs(30)) - 30.0).abs() < 1e-9);
        counter.add(100);
        let rate = counter.rate(start + Duration::from_secs(70));
        assert!((rate - 100.0 / 40.0).abs() < 1e-9, "{rate}");
    }

    #[test]
    fn a_stat_keeps_the_average_the_maximum_and_the_minimum() {
        let stat = Stat::default();
        assert_eq!((stat.avg(), stat.max(), stat.min()), (0.0, 0.0, 0.0));
        for value in [2, 8, 5] {
            stat.record(value);
        }
        assert_eq!((stat.avg(), stat.max(), stat.min(), stat.count()), (5.0, 8.0, 2.0, 3));
        stat.record(0);
        assert_eq!(stat.min(), 0.0);
        let level = Level::default();
        level.set(4);
        level.set(0);
        assert_eq!(
            (level.current(), level.seen().max(), level.seen().avg()),
            (0.0, 4.0, 2.0)
        );
    }
}
