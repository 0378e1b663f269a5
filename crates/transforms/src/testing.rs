//! Records and configurations for the transformations' tests.

use kconnect_api::record::TimestampType;
use kconnect_api::{ConfigMap, OffsetMap, RecordCore, SchemaAndValue, SinkRecord, SourceRecord, Transformation};

/// A configuration from pairs.
pub(crate) fn config(pairs: &[(&str, &str)]) -> ConfigMap {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// A source record on topic `test` with the given value.
pub(crate) fn source(value: SchemaAndValue) -> SourceRecord {
    let mut core = RecordCore::new("test", value);
    core.kafka_partition = Some(0);
    core.timestamp = Some(1_483_425_001_864);
    SourceRecord::new(OffsetMap::new(), OffsetMap::new(), core)
}

/// A sink record on topic `test`, partition 0, offset 42, with the given value.
pub(crate) fn sink(value: SchemaAndValue) -> SinkRecord {
    let mut core = RecordCore::new("test", value);
    core.timestamp = Some(1_483_425_001_864);
    SinkRecord::new(core, 0, 42, TimestampType::CreateTime)
}

/// Configures `transformation` and applies it to `record`.
pub(crate) fn apply<R: kconnect_api::ConnectRecord, T: Transformation<R>>(
    mut transformation: T,
    pairs: &[(&str, &str)],
    record: R,
) -> kconnect_api::Result<Option<R>> {
    transformation.configure(&config(pairs))?;
    transformation.apply(record)
}
