//! The kconnect plugin API.
//!
//! Everything a connector, converter, transformation or predicate needs, and nothing more: the
//! Connect data model ([`Schema`], [`Value`], [`Struct`], logical types, [`Headers`]), the records
//! that travel through a pipeline ([`SourceRecord`], [`SinkRecord`]), the plugin traits, the
//! declarative [`ConfigDef`] and the typed [`ConnectError`]. This crate knows no Kafka client and no
//! runtime: plugins depend on it alone.

pub mod config;
pub mod config_provider;
pub mod connector;
pub mod converter;
pub mod error;
pub mod header;
pub mod kafka_cluster;
pub mod logical;
pub mod metrics;
pub mod plugin;
pub mod record;
pub mod schema;
pub mod schema_projector;
pub mod sink;
pub mod source;
pub mod topic_log;
pub mod transform;
pub mod value;
pub mod values;

pub use config::{ConfigDef, ConfigInfos, ConfigKey, ConfigMap, ConfigType, ConfigValue, Importance};
pub use config_provider::ConfigProvider;
pub use connector::{Connector, ConnectorContext, ConnectorKind};
pub use converter::{Converter, HeaderConverter};
pub use error::{ConnectError, Result};
pub use header::{Header, Headers};
pub use kafka_cluster::{KafkaAdmin, KafkaClients, KafkaReader, KafkaRecord, KafkaWriter};
pub use plugin::{
    ChainRecord, ConnectorFactory, PluginClass, PluginTable, PluginType, PredicateFactory, TransformationFactory,
};
pub use record::{ConnectRecord, OffsetMap, RecordCore, SchemaAndValue, SinkRecord, SourceRecord};
pub use schema::{Field, Schema, SchemaBuilder, SchemaRef, SchemaType};
pub use sink::{SinkConnector, SinkTask, SinkTaskContext, TopicPartition};
pub use source::{
    ExactlyOnceSupport, OffsetStorageReader, RecordMetadata, SourceConnector, SourceTask, SourceTaskContext,
    TransactionContext,
};
pub use topic_log::{LogTopic, TopicLog};
pub use transform::{Predicate, Transformation};
pub use value::{Struct, Value};
