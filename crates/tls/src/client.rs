//! The HTTP client a worker calls other workers with: forwarded REST writes, task configurations
//! sent to the leader, task restarts sent to their worker.

use std::time::Duration;

use rustls::{ClientConfig, RootCertStore};

use crate::settings::HttpsSettings;
use crate::{provider, root_store};

/// How long a request to another worker may take in all: Apache's REST request timeout.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(90);
/// How long connecting to another worker may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A client with Apache's timeouts that trusts the certificates of `settings`' truststore (the
/// system's roots without one) and shows its keystore's certificate to a worker that asks.
pub fn worker_http_client(settings: &HttpsSettings) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .use_preconfigured_tls(client_config(settings)?)
        .build()
        .map_err(|err| format!("cannot build the HTTP client for other workers: {err}"))
}

fn client_config(settings: &HttpsSettings) -> Result<ClientConfig, String> {
    let roots = match &settings.truststore {
        Some(truststore) => truststore
            .trusted()
            .and_then(root_store)
            .map_err(|err| format!("ssl.truststore.location: {err}"))?,
        None => {
            let mut roots = RootCertStore::empty();
            roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
            roots
        }
    };
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|err| format!("ssl.protocol: {err}"))?
        .with_root_certificates(roots);
    match &settings.keystore {
        Some(keystore) => {
            let identity = keystore
                .identity(settings.key_password.as_deref())
                .map_err(|err| format!("ssl.keystore.location: {err}"))?;
            builder
                .with_client_auth_cert(identity.chain, identity.key)
                .map_err(|err| format!("ssl.keystore.location: {err}"))
        }
        None => Ok(builder.with_no_client_auth()),
    }
}
