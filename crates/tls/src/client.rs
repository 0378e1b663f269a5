//! TLS clients: the configuration a connector's client connects with, and the HTTP client a worker
//! calls other workers with (forwarded REST writes, task configurations sent to the leader, task
//! restarts sent to their worker).

use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

use crate::store::Identity;
use crate::{provider, root_store};

/// What makes a client configuration impossible, told apart by the store at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientConfigError {
    /// A trusted certificate is unusable.
    Truststore(String),
    /// The client certificate or its key is unusable.
    Keystore(String),
}

/// A client configuration that trusts `trusted` (the system's roots when `None`) and shows
/// `identity` to a server that asks for a client certificate.
pub fn client_config(
    trusted: Option<Vec<CertificateDer<'static>>>,
    identity: Option<Identity>,
) -> Result<ClientConfig, ClientConfigError> {
    let roots = match trusted {
        Some(certs) => root_store(certs).map_err(ClientConfigError::Truststore)?,
        None => {
            let mut roots = RootCertStore::empty();
            roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
            roots
        }
    };
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|err| ClientConfigError::Keystore(err.to_string()))?
        .with_root_certificates(roots);
    match identity {
        Some(Identity { chain, key }) => builder
            .with_client_auth_cert(chain, key)
            .map_err(|err| ClientConfigError::Keystore(format!("the certificate and key do not fit: {err}"))),
        None => Ok(builder.with_no_client_auth()),
    }
}

#[cfg(feature = "http-client")]
pub use worker::worker_http_client;

#[cfg(feature = "http-client")]
mod worker {
    use std::time::Duration;

    use super::{ClientConfigError, client_config};
    use crate::settings::HttpsSettings;

    /// How long a request to another worker may take in all: Apache's REST request timeout.
    const REQUEST_TIMEOUT: Duration = Duration::from_secs(90);
    /// How long connecting to another worker may take.
    const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

    /// A client with Apache's timeouts that trusts the certificates of `settings`' truststore
    /// (the system's roots without one) and shows its keystore's certificate to a worker that
    /// asks.
    pub fn worker_http_client(settings: &HttpsSettings) -> Result<reqwest::Client, String> {
        let trusted = match &settings.truststore {
            Some(truststore) => Some(
                truststore
                    .trusted()
                    .map_err(|err| format!("ssl.truststore.location: {err}"))?,
            ),
            None => None,
        };
        let identity = match &settings.keystore {
            Some(keystore) => Some(
                keystore
                    .identity(settings.key_password.as_deref())
                    .map_err(|err| format!("ssl.keystore.location: {err}"))?,
            ),
            None => None,
        };
        let tls = client_config(trusted, identity).map_err(|err| match err {
            ClientConfigError::Truststore(err) => format!("ssl.truststore.location: {err}"),
            ClientConfigError::Keystore(err) => format!("ssl.keystore.location: {err}"),
        })?;
        reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .use_preconfigured_tls(tls)
            .build()
            .map_err(|err| format!("cannot build the HTTP client for other workers: {err}"))
    }
}
