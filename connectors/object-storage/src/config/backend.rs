//! The keys that differ between the three stores: where the bucket or container is, how to sign
//! in, the upload part size and the compression key, each under the name Confluent's connector for
//! that store uses.

use kconnect_api::ConfigDef;
use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance, ParsedConfig, Validator};

use crate::store::StoreSettings;

/// S3's smallest part of a multipart upload but the last; also the floor of every part size key.
pub(crate) const MIN_PART_SIZE: i64 = 5 * 1024 * 1024;
/// Confluent's default part size: 25 MiB.
const DEFAULT_PART_SIZE: i32 = 26_214_400;

/// One object store's own keys.
pub(crate) trait Backend: Send + Sync + 'static {
    /// The keys of reaching the store: bucket or container, endpoint, credentials.
    fn definition() -> ConfigDef;
    /// The keys of writing to it: part size, compression, encryption.
    fn upload_definition() -> ConfigDef;
    /// The key of the upload part size.
    const PART_SIZE: &'static str;
    /// The key of the compression type of JSON, CSV and byte array objects.
    const COMPRESSION: &'static str;
    /// Where and how to reach the store.
    fn settings(parsed: &ParsedConfig) -> StoreSettings;
}

fn string(name: &str, importance: Importance, doc: &str) -> ConfigKey {
    ConfigKey::new(name, ConfigType::String)
        .default_value(ConfigValue::Null)
        .importance(importance)
        .doc(doc)
}

fn password(name: &str, doc: &str) -> ConfigKey {
    ConfigKey::new(name, ConfigType::Password)
        .default_value(ConfigValue::Null)
        .importance(Importance::High)
        .doc(doc)
}

fn required(name: &str, doc: &str) -> ConfigKey {
    ConfigKey::new(name, ConfigType::String)
        .validator(Validator::NonEmptyString)
        .importance(Importance::High)
        .doc(doc)
}

fn part_size(name: &str) -> ConfigKey {
    ConfigKey::new(name, ConfigType::Int)
        .default_value(ConfigValue::Int(DEFAULT_PART_SIZE))
        .validator(Validator::Between(MIN_PART_SIZE as f64, f64::from(i32::MAX)))
        .importance(Importance::High)
        .doc("The part size of multipart uploads: an open object's bytes go up in parts of this size.")
}

fn compression(name: &str) -> ConfigKey {
    ConfigKey::new(name, ConfigType::String)
        .default_value(ConfigValue::String("none".into()))
        .validator(Validator::one_of(&["none", "gzip"]))
        .importance(Importance::Low)
        .doc("Compression of JSON, CSV and byte array objects: none or gzip (the name gains .gz).")
}

const STORE_URL: &str = "store.url";

fn store_url() -> ConfigKey {
    string(
        STORE_URL,
        Importance::High,
        "The store's endpoint, for an S3-, GCS- or Azure-compatible server other than the cloud's own.",
    )
}

/// An optional string that is null when empty.
fn text(parsed: &ParsedConfig, name: &str) -> Option<String> {
    parsed.string(name).filter(|s| !s.is_empty()).map(str::to_string)
}

/// Amazon S3 (`io.confluent.connect.s3.S3SinkConnector`).
#[derive(Debug, Clone)]
pub(crate) struct S3;

impl Backend for S3 {
    const PART_SIZE: &'static str = "s3.part.size";
    const COMPRESSION: &'static str = "s3.compression.type";

    fn definition() -> ConfigDef {
        ConfigDef::new()
            .define(required("s3.bucket.name", "The S3 bucket."))
            .define(
                ConfigKey::new("s3.region", ConfigType::String)
                    .default_value(ConfigValue::String("us-west-2".into()))
                    .importance(Importance::Medium)
                    .doc("The AWS region of the bucket."),
            )
            .define(store_url())
            .define(string(
                "aws.access.key.id",
                Importance::High,
                "The access key; unset, the default AWS credential chain (environment, profile, instance role) signs in.",
            ))
            .define(password("aws.secret.access.key", "The secret access key."))
            .define(
                ConfigKey::new("s3.path.style.access.enabled", ConfigType::Boolean)
                    .default_value(ConfigValue::Boolean(true))
                    .importance(Importance::Low)
                    .doc("Path-style requests (endpoint/bucket/key) rather than virtual-hosted ones."),
            )
    }

    fn upload_definition() -> ConfigDef {
        ConfigDef::new()
            .define(part_size(Self::PART_SIZE))
            .define(compression(Self::COMPRESSION))
            .define(
                ConfigKey::new("s3.ssea.name", ConfigType::String)
                    .default_value(ConfigValue::String(String::new()))
                    .validator(Validator::one_of(&["", "AES256", "aws:kms"]))
                    .importance(Importance::Low)
                    .doc("Server-side encryption: empty for the bucket's default, AES256 or aws:kms."),
            )
            .define(string(
                "s3.sse.kms.key.id",
                Importance::Low,
                "The KMS key of aws:kms server-side encryption.",
            ))
    }

    fn settings(parsed: &ParsedConfig) -> StoreSettings {
        StoreSettings::S3 {
            bucket: text(parsed, "s3.bucket.name").unwrap_or_default(),
            region: text(parsed, "s3.region").unwrap_or_default(),
            endpoint: text(parsed, STORE_URL),
            access_key_id: text(parsed, "aws.access.key.id"),
            secret_access_key: text(parsed, "aws.secret.access.key"),
            sse: text(parsed, "s3.ssea.name"),
            kms_key_id: text(parsed, "s3.sse.kms.key.id"),
            path_style: parsed.boolean("s3.path.style.access.enabled").unwrap_or(true),
        }
    }
}

/// Google Cloud Storage (`io.confluent.connect.gcs.GcsSinkConnector`).
#[derive(Debug, Clone)]
pub(crate) struct Gcs;

impl Backend for Gcs {
    const PART_SIZE: &'static str = "gcs.part.size";
    const COMPRESSION: &'static str = "gcs.compression.type";

    fn definition() -> ConfigDef {
        ConfigDef::new()
            .define(required("gcs.bucket.name", "The GCS bucket."))
            .define(store_url())
            .define(string(
                "gcs.credentials.path",
                Importance::High,
                "A service account key file; unset, application default credentials sign in.",
            ))
            .define(password("gcs.credentials.json", "A service account key, as JSON text."))
    }

    fn upload_definition() -> ConfigDef {
        ConfigDef::new()
            .define(part_size(Self::PART_SIZE))
            .define(compression(Self::COMPRESSION))
    }

    fn settings(parsed: &ParsedConfig) -> StoreSettings {
        StoreSettings::Gcs {
            bucket: text(parsed, "gcs.bucket.name").unwrap_or_default(),
            endpoint: text(parsed, STORE_URL),
            credentials_path: text(parsed, "gcs.credentials.path"),
            credentials_json: text(parsed, "gcs.credentials.json"),
        }
    }
}

/// Azure Blob Storage (`io.confluent.connect.azure.blob.AzureBlobStorageSinkConnector`).
#[derive(Debug, Clone)]
pub(crate) struct Azure;

impl Backend for Azure {
    const PART_SIZE: &'static str = "azblob.block.size";
    const COMPRESSION: &'static str = "az.compression.type";

    fn definition() -> ConfigDef {
        ConfigDef::new()
            .define(required("azblob.container.name", "The blob container."))
            .define(string("azblob.account.name", Importance::High, "The storage account."))
            .define(password("azblob.account.key", "The storage account's key."))
            .define(password(
                "azblob.connection.string",
                "A connection string (account name, key and endpoint), instead of the keys above.",
            ))
            .define(store_url())
    }

    fn upload_definition() -> ConfigDef {
        ConfigDef::new()
            .define(part_size(Self::PART_SIZE))
            .define(compression(Self::COMPRESSION))
    }

    fn settings(parsed: &ParsedConfig) -> StoreSettings {
        StoreSettings::Azure {
            container: text(parsed, "azblob.container.name").unwrap_or_default(),
            account: text(parsed, "azblob.account.name"),
            key: text(parsed, "azblob.account.key"),
            connection_string: text(parsed, "azblob.connection.string"),
            endpoint: text(parsed, STORE_URL),
        }
    }
}
