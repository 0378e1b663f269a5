//! The sinks' keys, declared once with Confluent's names and defaults, and the typed configuration
//! their tasks are handed.

mod backend;
mod layout;
mod source;

use std::marker::PhantomData;

use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance, ParsedConfig, PluginConfig, Validator};
use kconnect_api::{ConfigDef, Result};

pub(crate) use backend::{Azure, Backend, Gcs, MIN_PART_SIZE, S3};
pub(crate) use layout::{Extractor, Naming, NullValues, PartitionerSpec, Rotation, simple_name};
pub(crate) use source::{Mode, SourceConfig};

use crate::compatibility::Compatibility;
use crate::format::FormatSpec;
use crate::store::StoreSettings;
use crate::stored::Companions;

const FLUSH_SIZE: &str = "flush.size";
const MEMORY_MAX_BYTES: &str = "kconnect.memory.max.bytes";
/// The default memory budget of one task's open objects: 64 MiB.
const DEFAULT_MEMORY_MAX_BYTES: i64 = 64 * 1024 * 1024;

/// The keys every store shares.
fn common_definition() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(FLUSH_SIZE, ConfigType::Int)
                .validator(Validator::AtLeast(1.0))
                .importance(Importance::High)
                .doc("Records per object: once a Kafka partition has written this many, its objects are uploaded."),
        )
        .define(
            ConfigKey::new(MEMORY_MAX_BYTES, ConfigType::Long)
                .default_value(ConfigValue::Long(DEFAULT_MEMORY_MAX_BYTES))
                .validator(Validator::AtLeast(MIN_PART_SIZE as f64))
                .importance(Importance::Medium)
                .doc(
                    "kconnect's own: the bytes a task may hold in open objects across all its partitions. \
                     Past it, the largest open objects upload parts early (multipart) instead of the worker \
                     running out of memory.",
                ),
        )
        .merge(&layout::definition())
        .merge(&crate::format::definition())
        .merge(&crate::stored::definition())
        .merge(&crate::compatibility::definition())
}

/// A sink's configuration, for the store `B`.
#[derive(Debug, Clone)]
pub(crate) struct SinkConfig<B> {
    /// Where the objects go.
    pub store: StoreSettings,
    /// Records per Kafka partition before its objects are uploaded.
    pub flush_size: u64,
    /// When objects are uploaded before `flush_size` records.
    pub rotation: Rotation,
    /// How objects are named.
    pub naming: Naming,
    /// How records are grouped into directories.
    pub partitioner: PartitionerSpec,
    /// How records become bytes.
    pub format: FormatSpec,
    /// The keys and headers written beside the values.
    pub companions: Companions,
    /// How value schema changes are written.
    pub compatibility: Compatibility,
    /// What a null value does.
    pub null_values: NullValues,
    /// The part size of multipart uploads.
    pub part_size: usize,
    /// The bytes the open objects may hold before parts go up early.
    pub memory_max_bytes: usize,
    backend: PhantomData<B>,
}

impl<B: Backend> PluginConfig for SinkConfig<B> {
    fn definition() -> ConfigDef {
        common_definition()
            .merge(&B::definition())
            .merge(&B::upload_definition())
    }

    fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        let format = FormatSpec::from_parsed(parsed, Some(B::COMPRESSION))?;
        Ok(Self {
            store: B::settings(parsed),
            companions: Companions::from_parsed(parsed, &format)?,
            compatibility: Compatibility::from_parsed(parsed)?,
            format,
            flush_size: parsed.get_int(FLUSH_SIZE)?.max(1) as u64,
            rotation: Rotation::from_parsed(parsed)?,
            naming: Naming::from_parsed(parsed)?,
            partitioner: PartitionerSpec::from_parsed(parsed)?,
            null_values: NullValues::from_parsed(parsed)?,
            part_size: parsed.get_int(B::PART_SIZE)?.max(0) as usize,
            memory_max_bytes: parsed.get_long(MEMORY_MAX_BYTES)?.max(0) as usize,
            backend: PhantomData,
        })
    }

    fn cross_checks(&self) -> Vec<(&'static str, String)> {
        let mut broken = self.partitioner.cross_checks();
        broken.extend(self.rotation.cross_checks());
        broken
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::ConfigMap;

    use super::*;

    fn props(pairs: &[(&str, &str)]) -> ConfigMap {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn s3(extra: &[(&str, &str)]) -> ConfigMap {
        let mut config = props(&[
            ("s3.bucket.name", "b"),
            ("flush.size", "3"),
            ("format.class", "io.confluent.connect.s3.format.json.JsonFormat"),
        ]);
        config.extend(props(extra));
        config
    }

    #[test]
    fn the_example_configuration_is_valid() {
        let text = include_str!("../../../../config/connect-s3-sink.properties");
        let config = SinkConfig::<S3>::parse(&kconnect_api::config::parse_properties(text)).unwrap();
        assert_eq!(config.flush_size, 1000);
    }

    #[test]
    fn confluents_defaults_apply() {
        let config = SinkConfig::<S3>::parse(&s3(&[])).unwrap();
        assert_eq!(config.flush_size, 3);
        assert_eq!(config.part_size, 26_214_400);
        assert_eq!(config.naming.topics_dir, "topics");
        assert_eq!(config.naming.zero_pad_width, 10);
        assert_eq!(config.partitioner, PartitionerSpec::Default);
        assert!(matches!(config.store, StoreSettings::S3 { ref region, .. } if region == "us-west-2"));
    }

    #[test]
    fn each_missing_or_bad_key_is_named() {
        let mut config = s3(&[]);
        config.remove("s3.bucket.name");
        let err = SinkConfig::<S3>::parse(&config).unwrap_err().to_string();
        assert!(err.contains("s3.bucket.name"), "{err}");
        let err = SinkConfig::<S3>::parse(&s3(&[("flush.size", "0")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("flush.size"), "{err}");
        let err = SinkConfig::<S3>::parse(&s3(&[("s3.part.size", "1000")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("s3.part.size"), "{err}");
        let err = SinkConfig::<Gcs>::parse(&s3(&[])).unwrap_err().to_string();
        assert!(err.contains("gcs.bucket.name"), "{err}");
    }

    #[test]
    fn the_validate_answer_blames_the_key_a_cross_rule_breaks() {
        let infos = SinkConfig::<S3>::validate(&s3(&[(
            "partitioner.class",
            "io.confluent.connect.storage.partitioner.FieldPartitioner",
        )]));
        let field = infos
            .configs
            .iter()
            .find(|info| info.definition.name == "partition.field.name")
            .unwrap();
        assert_eq!(field.value.errors.len(), 1, "{:?}", field.value.errors);
    }
}
