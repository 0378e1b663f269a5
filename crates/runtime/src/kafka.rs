//! librdkafka client configurations for a task: worker-wide `producer.*` / `consumer.*` / `admin.*`
//! and connector `*.override.*` settings, over Connect's defaults. Java-only keys that librdkafka
//! does not know are skipped with a warning instead of failing the client.

use kconnect_api::ConfigMap;
use kconnect_api::config::with_prefix;
use rdkafka::ClientConfig;

use crate::worker_config::WorkerConfig;

/// Worker keys that every client inherits, as Apache passes them to its clients.
const SHARED_PREFIXES: [&str; 3] = ["security.protocol", "ssl.", "sasl."];

/// Java client keys that librdkafka spells differently: (Java, librdkafka).
const JAVA_CLIENT_KEYS: [(&str, &str); 1] = [("fetch.max.wait.ms", "fetch.wait.max.ms")];

/// The longest a sink's fetch waits for records on kconnect's own broker. That broker holds every
/// fetch for half of the requested wait even when records are ready, so Kafka's 500 ms default
/// caps a sink at one fetch per 250 ms there; on any other broker the client's default stands.
const OWN_BROKER_FETCH_WAIT_MS: &str = "50";

/// How long a sink's consumer waits before fetching again once its queue of prefetched records
/// reached `queued.min.messages` (100,000) or `queued.max.messages.kbytes`. librdkafka's default,
/// a second, idled a sink that takes 10,000 records a batch: it emptied the queue in half of that
/// and then waited for the rest (the Redis sink's benchmark: 150,000 records/s, 266,000 with 10 ms).
/// The thresholds still bound the queue's memory.
const FETCH_QUEUE_BACKOFF_MS: &str = "10";

/// librdkafka's name for a client key, which is the Java name for most keys.
fn librdkafka_key(key: &str) -> &str {
    JAVA_CLIENT_KEYS
        .iter()
        .find(|(java, _)| *java == key)
        .map_or(key, |(_, native)| native)
}

fn known_to_librdkafka(key: &str, value: &str) -> bool {
    ClientConfig::new().set(key, value).create_native_config().is_ok()
}

fn apply(config: &mut ClientConfig, settings: &ConfigMap, origin: &str) {
    for (key, value) in settings {
        let key = librdkafka_key(key);
        if known_to_librdkafka(key, value) {
            config.set(key, value);
        } else {
            tracing::warn!(key = %key, origin, "ignoring a client setting that librdkafka does not support");
        }
    }
}

/// A client configuration of `settings` alone (another cluster than the worker's), without the
/// keys librdkafka does not know.
pub fn settings_config(settings: &ConfigMap, origin: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    apply(&mut config, settings, origin);
    config
}

/// `defaults`, then the shared security keys, the worker's `<client_prefix>.*` keys and the
/// connector's `<client_prefix>.override.*` keys on top.
fn layered(
    defaults: &[(&str, &str)],
    worker: &WorkerConfig,
    client_prefix: &str,
    connector: &ConfigMap,
) -> ClientConfig {
    let mut config = ClientConfig::new();
    for (key, value) in defaults {
        config.set(*key, *value);
    }
    if let Some(servers) = &worker.bootstrap_servers {
        config.set("bootstrap.servers", servers);
    }
    let shared: ConfigMap = worker
        .originals()
        .iter()
        .filter(|(k, _)| SHARED_PREFIXES.iter().any(|p| k.starts_with(p)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    apply(&mut config, &shared, "worker");
    apply(&mut config, &worker.with_prefix(&format!("{client_prefix}.")), "worker");
    apply(
        &mut config,
        &with_prefix(connector, &format!("{client_prefix}.override.")),
        "connector",
    );
    config
}

/// The producer of a source task: idempotent, `acks=all`, Java's murmur2 partitioner, and, as
/// Apache's Connect sets for source producers, a delivery timeout at its maximum, so that a broker
/// outage delays records instead of failing the task (librdkafka retries until the broker is back).
pub fn producer_config(worker: &WorkerConfig, connector: &ConfigMap, client_id: &str) -> ClientConfig {
    let defaults = [
        ("client.id", client_id),
        ("enable.idempotence", "true"),
        ("acks", "all"),
        ("partitioner", "murmur2_random"),
        ("linger.ms", "5"),
        ("delivery.timeout.ms", "2147483647"),
    ];
    layered(&defaults, worker, "producer", connector)
}

/// The consumer of a sink task, in group `connect-<connector>`, committing only what was flushed.
pub fn consumer_config(
    worker: &WorkerConfig,
    connector: &ConfigMap,
    connector_name: &str,
    client_id: &str,
) -> ClientConfig {
    let group = format!("connect-{connector_name}");
    let mut defaults = vec![
        ("group.id", group.as_str()),
        ("client.id", client_id),
        ("enable.auto.commit", "false"),
        ("enable.auto.offset.store", "false"),
        ("auto.offset.reset", "earliest"),
        ("enable.partition.eof", "false"),
        // Notice a subscribed topic soon after it is created (librdkafka's default is 5 minutes).
        ("topic.metadata.refresh.interval.ms", "5000"),
        // The statistics that `sink-record-lag-max` is read from.
        ("statistics.interval.ms", "5000"),
        ("fetch.queue.backoff.ms", FETCH_QUEUE_BACKOFF_MS),
    ];
    defaults.extend(own_broker_consumer_settings(worker));
    layered(&defaults, worker, "consumer", connector)
}

/// What every consumer adds on kconnect's own broker: the shorter fetch wait. Empty on any other
/// Kafka.
pub fn own_broker_consumer_settings(worker: &WorkerConfig) -> Vec<(&'static str, &'static str)> {
    if worker.own_broker {
        vec![("fetch.wait.max.ms", OWN_BROKER_FETCH_WAIT_MS)]
    } else {
        Vec::new()
    }
}

/// An admin client's configuration.
pub fn admin_config(worker: &WorkerConfig, connector: &ConfigMap) -> ClientConfig {
    layered(&[], worker, "admin", connector)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worker(extra: &[(&str, &str)]) -> WorkerConfig {
        let mut props: ConfigMap = [
            ("key.converter", "StringConverter"),
            ("value.converter", "StringConverter"),
            ("offset.storage.file.filename", "/tmp/x"),
            ("bootstrap.servers", "127.0.0.1:9092"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        props.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        WorkerConfig::new(props).unwrap()
    }

    #[test]
    fn overrides_layer_and_java_only_keys_are_dropped() {
        let worker = worker(&[("producer.linger.ms", "20"), ("producer.buffer.memory", "1000")]);
        let connector: ConfigMap = [("producer.override.linger.ms".to_string(), "50".to_string())].into();
        let config = producer_config(&worker, &connector, "connector-producer-x-0");
        assert_eq!(config.get("linger.ms"), Some("50"));
        assert_eq!(config.get("buffer.memory"), None);
        assert_eq!(config.get("partitioner"), Some("murmur2_random"));
        assert_eq!(config.get("bootstrap.servers"), Some("127.0.0.1:9092"));
        assert_eq!(
            config.get("delivery.timeout.ms"),
            Some("2147483647"),
            "a broker outage delays records, never fails the task"
        );
    }

    #[test]
    fn java_key_names_reach_librdkafka_under_its_names() {
        let worker = worker(&[("consumer.fetch.max.wait.ms", "200")]);
        let config = consumer_config(&worker, &ConfigMap::new(), "file-sink", "c");
        assert_eq!(config.get("fetch.wait.max.ms"), Some("200"));
        assert_eq!(config.get("fetch.max.wait.ms"), None);
    }

    #[test]
    fn sinks_wait_briefly_for_records_only_on_kconnects_own_broker() {
        let mut worker = worker(&[]);
        let config = consumer_config(&worker, &ConfigMap::new(), "file-sink", "c");
        assert_eq!(
            config.get("fetch.wait.max.ms"),
            None,
            "any other broker keeps the client default"
        );
        worker.own_broker = true;
        let config = consumer_config(&worker, &ConfigMap::new(), "file-sink", "c");
        assert_eq!(config.get("fetch.wait.max.ms"), Some(OWN_BROKER_FETCH_WAIT_MS));
        let connector: ConfigMap = [("consumer.override.fetch.max.wait.ms".to_string(), "500".to_string())].into();
        let config = consumer_config(&worker, &connector, "file-sink", "c");
        assert_eq!(config.get("fetch.wait.max.ms"), Some("500"), "the user's setting wins");
    }

    #[test]
    fn sink_consumers_join_connect_group() {
        let config = consumer_config(&worker(&[]), &ConfigMap::new(), "file-sink", "c");
        assert_eq!(config.get("group.id"), Some("connect-file-sink"));
        assert_eq!(config.get("enable.auto.commit"), Some("false"));
        assert_eq!(
            config.get("fetch.queue.backoff.ms"),
            Some(FETCH_QUEUE_BACKOFF_MS),
            "a full prefetch queue is refilled soon after the task drains it"
        );
    }
}
