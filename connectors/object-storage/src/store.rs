//! The client role: one storage layer (the `object_store` crate) for S3, GCS and Azure Blob, and
//! the two writes the sink makes, both of which never replace an object that is already there.

use std::sync::Arc;

use kconnect_api::{ConnectError, Result};
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::azure::MicrosoftAzureBuilder;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::path::Path;
use object_store::{MultipartUpload, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};

/// Where a sink's objects go and how it signs in.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum StoreSettings {
    /// Amazon S3 or an S3-compatible server.
    S3 {
        /// The bucket.
        bucket: String,
        /// Its region.
        region: String,
        /// A custom endpoint (`store.url`).
        endpoint: Option<String>,
        /// With the secret: static credentials; without, the environment's chain.
        access_key_id: Option<String>,
        /// The secret access key.
        secret_access_key: Option<String>,
        /// Server-side encryption: `AES256` or `aws:kms`.
        sse: Option<String>,
        /// The KMS key of `aws:kms`.
        kms_key_id: Option<String>,
        /// Path-style rather than virtual-hosted requests.
        path_style: bool,
    },
    /// Google Cloud Storage.
    Gcs {
        /// The bucket.
        bucket: String,
        /// A custom endpoint (`store.url`), such as an emulator's.
        endpoint: Option<String>,
        /// A service account key file.
        credentials_path: Option<String>,
        /// A service account key.
        credentials_json: Option<String>,
    },
    /// Azure Blob Storage.
    Azure {
        /// The container.
        container: String,
        /// The storage account.
        account: Option<String>,
        /// Its key.
        key: Option<String>,
        /// A connection string with account, key and endpoint.
        connection_string: Option<String>,
        /// A custom endpoint (`store.url`), such as Azurite's.
        endpoint: Option<String>,
    },
}

/// The object_store builders reach the network through reqwest with rustls, whose crypto provider
/// is ring, as everywhere in kconnect; it must be installed once per process.
fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn unreachable(err: object_store::Error) -> ConnectError {
    ConnectError::Fatal(format!("cannot set up the object store client: {err}"))
}

/// `Name=value;...` pairs of an Azure connection string.
fn connection_string_part<'a>(connection: &'a str, name: &str) -> Option<&'a str> {
    connection
        .split(';')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| key.trim().eq_ignore_ascii_case(name))
        .map(|(_, value)| value.trim())
}

impl StoreSettings {
    /// A client of the store.
    pub fn connect(&self) -> Result<Arc<dyn ObjectStore>> {
        install_crypto_provider();
        match self {
            Self::S3 {
                bucket,
                region,
                endpoint,
                access_key_id,
                secret_access_key,
                sse,
                kms_key_id,
                path_style,
            } => {
                let mut builder = AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .with_region(region)
                    .with_virtual_hosted_style_request(!path_style);
                if let Some(endpoint) = endpoint {
                    builder = builder.with_endpoint(endpoint).with_allow_http(true);
                }
                if let (Some(id), Some(secret)) = (access_key_id, secret_access_key) {
                    builder = builder.with_access_key_id(id).with_secret_access_key(secret);
                }
                match sse.as_deref() {
                    Some("aws:kms") => {
                        builder = builder.with_sse_kms_encryption(kms_key_id.clone().unwrap_or_default())
                    }
                    Some(kind) => {
                        let key: AmazonS3ConfigKey = "aws_server_side_encryption".parse().map_err(unreachable)?;
                        builder = builder.with_config(key, kind);
                    }
                    None => {}
                }
                Ok(Arc::new(builder.build().map_err(unreachable)?))
            }
            Self::Gcs {
                bucket,
                endpoint,
                credentials_path,
                credentials_json,
            } => {
                let mut builder = GoogleCloudStorageBuilder::from_env().with_bucket_name(bucket);
                if let Some(endpoint) = endpoint {
                    builder = builder.with_base_url(endpoint);
                }
                if let Some(path) = credentials_path {
                    builder = builder.with_service_account_path(path);
                }
                if let Some(json) = credentials_json {
                    builder = builder.with_service_account_key(json);
                }
                Ok(Arc::new(builder.build().map_err(unreachable)?))
            }
            Self::Azure {
                container,
                account,
                key,
                connection_string,
                endpoint,
            } => {
                let mut builder = MicrosoftAzureBuilder::from_env().with_container_name(container);
                let from_string = |name| {
                    connection_string
                        .as_deref()
                        .and_then(|c| connection_string_part(c, name))
                };
                if let Some(account) = account.as_deref().or(from_string("AccountName")) {
                    builder = builder.with_account(account);
                }
                if let Some(key) = key.as_deref().or(from_string("AccountKey")) {
                    builder = builder.with_access_key(key);
                }
                if let Some(endpoint) = endpoint.as_deref().or(from_string("BlobEndpoint")) {
                    builder = builder.with_endpoint(endpoint.to_string()).with_allow_http(true);
                }
                Ok(Arc::new(builder.build().map_err(unreachable)?))
            }
        }
    }
}

/// The store's failure as the runtime's: a missing bucket or refused credentials stop the task,
/// anything else (a timeout, a server error, a refused connection) is tried again.
pub(crate) fn failed(action: &str, path: &Path, err: object_store::Error) -> ConnectError {
    let message = format!("{action} {path}: {err}");
    match err {
        object_store::Error::NotFound { .. }
        | object_store::Error::PermissionDenied { .. }
        | object_store::Error::Unauthenticated { .. }
        | object_store::Error::NotSupported { .. } => ConnectError::Fatal(message),
        _ => ConnectError::Retriable(message),
    }
}

/// What a write found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Written {
    /// The object is new.
    Created,
    /// An earlier run already wrote it (the same records, named the same): left as it was.
    AlreadyThere,
}

/// Writes `bytes` to `path` unless an object is there already (a conditional write).
pub(crate) async fn put_new(store: &dyn ObjectStore, path: &Path, bytes: PutPayload) -> Result<Written> {
    let options = PutOptions {
        mode: PutMode::Create,
        ..PutOptions::default()
    };
    match store.put_opts(path, bytes, options).await {
        Ok(_) => Ok(Written::Created),
        Err(object_store::Error::AlreadyExists { .. } | object_store::Error::Precondition { .. }) => {
            Ok(Written::AlreadyThere)
        }
        Err(err) => Err(failed("cannot write", path, err)),
    }
}

/// Whether an object is at `path`.
pub(crate) async fn exists(store: &dyn ObjectStore, path: &Path) -> Result<bool> {
    match store.head(path).await {
        Ok(_) => Ok(true),
        Err(object_store::Error::NotFound { .. }) => Ok(false),
        Err(err) => Err(failed("cannot look up", path, err)),
    }
}

/// Starts a multipart upload to `path`. Nothing is visible at `path` until it completes, so a
/// crash in between leaves no partial object.
pub(crate) async fn start_multipart(store: &dyn ObjectStore, path: &Path) -> Result<Box<dyn MultipartUpload>> {
    store
        .put_multipart(path)
        .await
        .map_err(|err| failed("cannot start an upload of", path, err))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn azure_connection_strings_are_read_by_name() {
        let connection = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;\
                          BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;";
        assert_eq!(
            connection_string_part(connection, "AccountName"),
            Some("devstoreaccount1")
        );
        assert_eq!(connection_string_part(connection, "accountkey"), Some("a2V5"));
        assert_eq!(
            connection_string_part(connection, "BlobEndpoint"),
            Some("http://127.0.0.1:10000/devstoreaccount1")
        );
        assert_eq!(connection_string_part(connection, "QueueEndpoint"), None);
    }
}
