//! HTTPS for the REST listener (`listeners=https://…`), from a PEM keystore: one file holding the
//! certificate chain and the private key, as Apache's `ssl.keystore.type=PEM`.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// The TLS server configuration of a PEM keystore with its chain and key.
pub fn server_config(keystore: &Path) -> Result<Arc<ServerConfig>, String> {
    let shown = keystore.display();
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(keystore)
        .and_then(|certs| certs.collect())
        .map_err(|err| format!("cannot read certificates from {shown}: {err}"))?;
    if chain.is_empty() {
        return Err(format!("{shown} holds no certificate"));
    }
    let key = PrivateKeyDer::from_pem_file(keystore)
        .map_err(|err| format!("cannot read a private key from {shown}: {err}"))?;
    let config = ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_no_client_auth().with_single_cert(chain, key))
        .map_err(|err| format!("invalid keystore {shown}: {err}"))?;
    Ok(Arc::new(config))
}

/// A TCP listener that completes the TLS handshake before handing a connection to axum.
pub(crate) struct TlsListener {
    pub(crate) tcp: TcpListener,
    pub(crate) acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (stream, addr) = match self.tcp.accept().await {
                Ok(accepted) => accepted,
                Err(err) => {
                    tracing::warn!(error = %err, "accepting a REST connection failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            };
            match self.acceptor.accept(stream).await {
                Ok(tls) => return (tls, addr),
                Err(err) => tracing::debug!(%addr, error = %err, "TLS handshake failed"),
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}
