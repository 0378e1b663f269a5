//! TLS with Apache's `ssl.*` keys: PEM, PKCS12 and JKS keystores and truststores, client
//! certificates (`ssl.client.auth`), HTTPS for kconnect's REST API, the HTTP client workers call
//! each other with (feature `http-client`), and the client configurations connectors reach their
//! systems with.

mod client;
mod pem;
mod server;
mod settings;
mod store;

use std::sync::Arc;

use rustls::RootCertStore;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::CertificateDer;

#[cfg(feature = "http-client")]
pub use client::worker_http_client;
pub use client::{ClientConfigError, client_config};
pub use pem::{certificates_pem, private_key_pem};
pub use server::server_config;
pub use settings::{ClientAuth, HttpsSettings};
pub use store::{Identity, StoreFile, StoreType};

/// The cryptography every TLS configuration here uses.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A root store of `certs`; a certificate that is not a valid trust anchor is an error.
fn root_store(certs: Vec<CertificateDer<'static>>) -> Result<RootCertStore, String> {
    let mut roots = RootCertStore::empty();
    for cert in certs {
        roots
            .add(cert)
            .map_err(|err| format!("a trusted certificate is invalid: {err}"))?;
    }
    Ok(roots)
}
