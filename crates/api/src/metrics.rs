//! Metrics a plugin reports, as Apache's `PluginMetrics` (KIP-877): gauges a task sets, which the
//! worker shows in `/metrics` in the `plugins` group with the task's `connector` and `task` labels.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// A value a plugin sets whenever it knows it better.
#[derive(Debug, Default)]
pub struct Gauge(AtomicU64);

impl Gauge {
    /// Sets the value.
    pub fn set(&self, value: f64) {
        self.0.store(value.to_bits(), Ordering::Relaxed);
    }

    /// The value last set (0 before).
    pub fn get(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::Relaxed))
    }
}

/// The gauges of one task, by name (Apache's metric names: `slot-lag-bytes`).
#[derive(Debug, Default)]
pub struct PluginMetrics(Mutex<BTreeMap<String, Arc<Gauge>>>);

impl PluginMetrics {
    /// The gauge named `name`: the same one each time it is asked for.
    pub fn gauge(&self, name: &str) -> Arc<Gauge> {
        let mut gauges = self.0.lock().unwrap_or_else(|e| e.into_inner());
        gauges.entry(name.to_string()).or_default().clone()
    }

    /// Every gauge's name and value, by name.
    pub fn values(&self) -> Vec<(String, f64)> {
        let gauges = self.0.lock().unwrap_or_else(|e| e.into_inner());
        gauges.iter().map(|(name, gauge)| (name.clone(), gauge.get())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gauge_is_kept_by_name() {
        let metrics = PluginMetrics::default();
        metrics.gauge("slot-lag-bytes").set(42.0);
        assert_eq!(metrics.gauge("slot-lag-bytes").get(), 42.0);
        assert_eq!(metrics.values(), vec![("slot-lag-bytes".to_string(), 42.0)]);
    }
}
