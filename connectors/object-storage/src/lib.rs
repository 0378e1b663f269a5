//! Object storage sinks and sources for Amazon S3, Google Cloud Storage and Azure Blob Storage, as
//! drop-ins for Confluent's S3, GCS and Azure Blob connectors: the same keys, the same object names
//! (`<topics.dir>/<topic>/<encoded partition>/<topic>+<partition>+<start offset>.<ext>`), the same
//! partitioners and formats, on one storage layer (the `object_store` crate). The sources read
//! back what the sinks wrote (backup and restore) or any objects (generic mode).
//!
//! Exactly once: a Kafka partition's objects are cut at deterministic points (`flush.size`, record
//! time, schema changes), written with conditional puts (an object already there is left as it
//! was), and the consumer offset is committed only past records in completely uploaded objects, so
//! a replay after a crash rewrites the same names with the same records.

mod compatibility;
mod config;
mod format;
mod joda;
mod listing;
mod open_object;
mod partition_writer;
mod partitioner;
mod record_objects;
mod schedule;
mod sink;
mod sink_settings;
mod source;
mod store;
mod stored;
mod writers;

use config::{Azure, Gcs, S3};
use sink::ObjectStorageSinkConnector;
use source::ObjectStorageSourceConnector;

/// The sinks and sources, under Confluent's class names.
pub fn plugins() -> kconnect_api::PluginTable {
    kconnect_api::PluginTable::new()
        .sink_connector("io.confluent.connect.s3.S3SinkConnector", || {
            Box::new(ObjectStorageSinkConnector::<S3>::default())
        })
        .sink_connector("io.confluent.connect.gcs.GcsSinkConnector", || {
            Box::new(ObjectStorageSinkConnector::<Gcs>::default())
        })
        .sink_connector("io.confluent.connect.azure.blob.AzureBlobStorageSinkConnector", || {
            Box::new(ObjectStorageSinkConnector::<Azure>::default())
        })
        .source_connector("io.confluent.connect.s3.source.S3SourceConnector", || {
            Box::new(ObjectStorageSourceConnector::<S3>::default())
        })
        .source_connector("io.confluent.connect.gcs.GcsSourceConnector", || {
            Box::new(ObjectStorageSourceConnector::<Gcs>::default())
        })
        .source_connector(
            "io.confluent.connect.azure.blob.storage.AzureBlobStorageSourceConnector",
            || Box::new(ObjectStorageSourceConnector::<Azure>::default()),
        )
}
