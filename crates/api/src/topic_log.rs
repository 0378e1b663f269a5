//! A task's own durable log in a Kafka topic, beside the records it produces: what Debezium keeps
//! its schema history in. The task names the topic (and, optionally, another cluster); the runtime
//! creates it when missing (one partition, records kept forever), reads it whole and appends to it,
//! so a connector needs no Kafka client of its own.

use async_trait::async_trait;

use crate::config::ConfigMap;
use crate::error::Result;

/// Where a task's log lives.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogTopic {
    /// The topic.
    pub topic: String,
    /// Kafka client settings (`bootstrap.servers`, `security.protocol`, `ssl.*`, `sasl.*` …) of a
    /// cluster other than the worker's; empty: the worker's cluster, with the worker's settings.
    pub client: ConfigMap,
}

impl LogTopic {
    /// The log in `topic` of the worker's cluster.
    pub fn new(topic: impl Into<String>) -> Self {
        Self {
            topic: topic.into(),
            client: ConfigMap::new(),
        }
    }

    /// The log on the cluster `client` connects to, when it names one (`bootstrap.servers`).
    pub fn on(mut self, client: ConfigMap) -> Self {
        if client.contains_key("bootstrap.servers") {
            self.client = client;
        }
        self
    }
}

/// A durable, ordered log of values, shared by every run of the task that writes it.
#[async_trait]
pub trait TopicLog: Send + Sync {
    /// Every value written so far, oldest first.
    async fn read_all(&self) -> Result<Vec<Vec<u8>>>;

    /// Writes `values` in order and returns once the cluster has stored them all.
    async fn append(&self, values: Vec<Vec<u8>>) -> Result<()>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_is_on_the_workers_cluster_unless_its_settings_name_another() {
        let settings: ConfigMap = [("security.protocol".to_string(), "SSL".to_string())].into();
        assert!(LogTopic::new("history").on(settings).client.is_empty());
        let elsewhere: ConfigMap = [("bootstrap.servers".to_string(), "kafka:9092".to_string())].into();
        assert_eq!(LogTopic::new("history").on(elsewhere.clone()).client, elsewhere);
    }
}
