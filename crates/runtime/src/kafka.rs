//! librdkafka client configurations for a task: worker-wide `producer.*` / `consumer.*` / `admin.*`
//! and connector `*.override.*` settings, over Connect's defaults. Java-only keys that librdkafka
//! does not know are skipped with a warning instead of failing the client.

use kconnect_api::ConfigMap;
use kconnect_api::config::with_prefix;
use rdkafka::ClientConfig;

use crate::worker_config::WorkerConfig;

/// Worker keys that every client inherits, as Apache passes them to its clients.
const SHARED_PREFIXES: [&str; 3] = ["security.protocol", "ssl.", "sasl."];

fn known_to_librdkafka(key: &str, value: &str) -> bool {
    ClientConfig::new().set(key, value).create_native_config().is_ok()
}

fn apply(config: &mut ClientConfig, settings: &ConfigMap, origin: &str) {
    for (key, value) in settings {
        if known_to_librdkafka(key, value) {
            config.set(key, value);
        } else {
            tracing::warn!(key = %key, origin, "ignoring a client setting that librdkafka does not support");
        }
    }
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

/// The producer of a source task: idempotent, `acks=all`, Java's murmur2 partitioner.
pub fn producer_config(worker: &WorkerConfig, connector: &ConfigMap, client_id: &str) -> ClientConfig {
    let defaults = [
        ("client.id", client_id),
        ("enable.idempotence", "true"),
        ("acks", "all"),
        ("partitioner", "murmur2_random"),
        ("linger.ms", "5"),
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
    let defaults = [
        ("group.id", group.as_str()),
        ("client.id", client_id),
        ("enable.auto.commit", "false"),
        ("enable.auto.offset.store", "false"),
        ("auto.offset.reset", "earliest"),
        ("enable.partition.eof", "false"),
        // Notice a subscribed topic soon after it is created (librdkafka's default is 5 minutes).
        ("topic.metadata.refresh.interval.ms", "5000"),
    ];
    layered(&defaults, worker, "consumer", connector)
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
    }

    #[test]
    fn sink_consumers_join_connect_group() {
        let config = consumer_config(&worker(&[]), &ConfigMap::new(), "file-sink", "c");
        assert_eq!(config.get("group.id"), Some("connect-file-sink"));
        assert_eq!(config.get("enable.auto.commit"), Some("false"));
    }
}
