//! The plugin table of this binary: the only place that names every plugin family.
//!
//! Converters, transformations, predicates and config providers are always built in; each connector family is behind
//! its own cargo feature (all on by default), so `--no-default-features --features file` builds a
//! binary with FileStream alone.

use kconnect_api::{ConfigMap, PluginTable};
use kconnect_runtime::PluginRegistry;

/// Every plugin built into this binary.
pub fn builtin_plugins() -> PluginTable {
    let table = kconnect_converters::plugins()
        .merge(kconnect_transforms::plugins())
        .merge(kconnect_config_providers::plugins());
    #[cfg(feature = "file")]
    let table = table.merge(kconnect_file::plugins());
    #[cfg(feature = "jdbc")]
    let table = table.merge(kconnect_jdbc::plugins());
    #[cfg(feature = "postgres")]
    let table = table.merge(kconnect_postgres::plugins());
    #[cfg(feature = "mysql")]
    let table = table.merge(kconnect_mysql::plugins());
    #[cfg(feature = "object-storage")]
    let table = table.merge(kconnect_object_storage::plugins());
    #[cfg(any(
        feature = "rabbitmq",
        feature = "activemq",
        feature = "mqtt",
        feature = "nats",
        feature = "redis"
    ))]
    let table = table.merge(kconnect_queues::plugins());
    #[cfg(feature = "mirror")]
    let table = table.merge(kconnect_mirror::plugins());
    table
}

/// What `kconnect mirror` takes from the MirrorMaker connectors: their classes and which keys are
/// client settings.
#[cfg(feature = "mirror")]
pub mod mirror {
    pub use kconnect_mirror::{CONNECTOR_CLASSES, is_client_key};
}

/// The plugins a worker configured with `worker` runs: those of `table` and, with the `java`
/// feature, the Java connectors of its `plugin.path` (built-in ones win a class both have unless
/// `kconnect.plugins.prefer=java`).
#[cfg(feature = "java")]
pub fn worker_registry(table: PluginTable, worker: &ConfigMap) -> anyhow::Result<PluginRegistry> {
    use kconnect_java::{JavaSettings, Prefer};
    let settings = JavaSettings::from_worker(worker)?;
    let Some(java) = kconnect_java::plugins(&settings)? else {
        return Ok(PluginRegistry::new(table));
    };
    let built_in: std::collections::HashSet<&str> = table.classes().iter().map(|c| c.class).collect();
    for both in java.classes().iter().filter(|c| built_in.contains(c.class)) {
        let runs = match settings.prefer {
            Prefer::Native => "the built-in one",
            Prefer::Java => "the jar's",
        };
        tracing::info!(
            class = both.class,
            "built in and on plugin.path: {runs} runs (kconnect.plugins.prefer)"
        );
    }
    let table = match settings.prefer {
        Prefer::Native => table.merge(java),
        Prefer::Java => java.merge(table),
    };
    Ok(PluginRegistry::new(table))
}

/// The plugins a worker runs: those of `table` (this binary has no Java plugin support).
#[cfg(not(feature = "java"))]
pub fn worker_registry(table: PluginTable, _worker: &ConfigMap) -> anyhow::Result<PluginRegistry> {
    Ok(PluginRegistry::new(table))
}

#[cfg(all(
    test,
    feature = "file",
    feature = "jdbc",
    feature = "postgres",
    feature = "mysql",
    feature = "object-storage",
    feature = "rabbitmq",
    feature = "activemq",
    feature = "mqtt",
    feature = "nats",
    feature = "redis",
    feature = "mirror"
))]
mod tests {
    use kconnect_api::{PluginType, SinkRecord, SourceRecord};

    use super::*;

    fn count(table: &PluginTable, kind: PluginType) -> usize {
        table.classes().iter().filter(|c| c.plugin_type == kind).count()
    }

    #[test]
    fn the_default_build_has_every_plugin_under_every_name() {
        let table = builtin_plugins();
        assert_eq!(count(&table, PluginType::Source) + count(&table, PluginType::Sink), 28);
        assert_eq!(count(&table, PluginType::Converter), 12);
        assert_eq!(count(&table, PluginType::HeaderConverter), 9);
        assert_eq!(count(&table, PluginType::Transformation), 29);
        assert_eq!(count(&table, PluginType::Predicate), 3);
        for name in [
            "org.apache.kafka.connect.file.FileStreamSourceConnector",
            "FileStreamSourceConnector",
            "FileStreamSource",
            "FileStreamSink",
            "io.confluent.connect.jdbc.JdbcSourceConnector",
            "JdbcSource",
            "JdbcSinkConnector",
            "io.debezium.connector.postgresql.PostgresConnector",
            "PostgresConnector",
            "Postgres",
            "io.debezium.connector.mysql.MySqlConnector",
            "MySqlConnector",
            "io.debezium.connector.mariadb.MariaDbConnector",
            "MariaDb",
            "io.confluent.connect.s3.S3SinkConnector",
            "S3Sink",
            "GcsSinkConnector",
            "AzureBlobStorageSink",
            "io.confluent.connect.s3.source.S3SourceConnector",
            "GcsSource",
            "AzureBlobStorageSourceConnector",
            "io.confluent.connect.rabbitmq.RabbitMQSourceConnector",
            "RabbitMQSource",
            "io.confluent.connect.rabbitmq.sink.RabbitMQSinkConnector",
            "RabbitMQSinkConnector",
            "io.confluent.connect.activemq.ActiveMQSourceConnector",
            "ActiveMqSinkConnector",
            "io.confluent.connect.activemq.ActiveMQSinkConnector",
            "io.confluent.connect.mqtt.MqttSourceConnector",
            "MqttSink",
            "io.kconnect.connect.nats.NatsSourceConnector",
            "NatsSink",
            "com.redis.kafka.connect.RedisStreamSourceConnector",
            "com.redis.kafka.connect.RedisSourceConnector",
            "RedisSinkConnector",
        ] {
            assert!(table.connector(name).is_some(), "{name}");
        }
        for name in [
            "JsonConverter",
            "Json",
            "org.apache.kafka.connect.storage.StringConverter",
            "LongConverter",
            "io.confluent.connect.avro.AvroConverter",
            "AvroConverter",
            "io.confluent.connect.json.JsonSchemaConverter",
            "JsonSchemaConverter",
            "io.confluent.connect.protobuf.ProtobufConverter",
            "ProtobufConverter",
        ] {
            assert!(table.new_converter(name).is_some(), "{name}");
        }
        assert!(table.new_header_converter("SimpleHeaderConverter").is_some());
        for name in [
            "InsertField$Value",
            "org.apache.kafka.connect.transforms.ValueToKey",
            "io.debezium.transforms.outbox.EventRouter",
            "ByLogicalTableRouter",
        ] {
            assert!(table.new_transformation::<SourceRecord>(name).is_some(), "{name}");
            assert!(table.new_transformation::<SinkRecord>(name).is_some(), "{name}");
        }
        assert!(table.new_predicate::<SinkRecord>("TopicNameMatches").is_some());
        assert_eq!(table.config_provider_classes().len(), 3);
        for name in [
            "org.apache.kafka.common.config.provider.FileConfigProvider",
            "EnvVarConfigProvider",
            "Directory",
        ] {
            assert!(table.new_config_provider(name).is_some(), "{name}");
        }
    }
}
