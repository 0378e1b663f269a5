//! An embedded broker behind a TLS-terminating proxy, with certificates from a test CA made by the
//! `openssl` command: what a worker with `security.protocol=SSL` talks to in tests.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use kconnect_broker::{BrokerOptions, EmbeddedBroker, StorageKind};
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use crate::free_port;
use crate::kafka::start_with;

/// A broker reachable only through TLS at `bootstrap`.
pub struct TlsBroker {
    /// The `bootstrap.servers` value: the proxy's address, which the broker advertises.
    pub bootstrap: String,
    /// The PEM certificate of the CA that signed the proxy's, for `ssl.ca.location`.
    pub ca: PathBuf,
    _broker: EmbeddedBroker,
    proxy: JoinHandle<()>,
}

impl Drop for TlsBroker {
    fn drop(&mut self) {
        self.proxy.abort();
    }
}

/// Runs `program` with `args` in `dir`, panicking with its message on failure.
pub(crate) fn run_tool(program: &str, args: &[&str], dir: &Path) {
    let made = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|err| panic!("{program}: {err}"));
    assert!(
        made.status.success(),
        "{program}: {}",
        String::from_utf8_lossy(&made.stderr)
    );
}

/// Runs `openssl` with `args` in `dir`.
fn openssl(args: &[&str], dir: &Path) {
    run_tool("openssl", args, dir);
}

/// Makes a test CA and a certificate it signs for 127.0.0.1 and localhost in `dir`:
/// (CA certificate, server certificate, server key), all PEM.
pub fn test_certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let new_key = ["-newkey", "rsa:2048", "-nodes"];
    openssl(
        &[
            &["req", "-x509"],
            &new_key[..],
            &[
                "-days",
                "1",
                "-subj",
                "/CN=kconnect test CA",
                "-keyout",
                "ca-key.pem",
                "-out",
                "ca.pem",
            ],
        ]
        .concat(),
        dir,
    );
    openssl(
        &[
            &["req"],
            &new_key[..],
            &["-subj", "/CN=localhost", "-keyout", "key.pem", "-out", "server.csr"],
        ]
        .concat(),
        dir,
    );
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .expect("write extensions");
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca-key.pem",
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            "server.ext",
            "-out",
            "cert.pem",
        ],
        dir,
    );
    (dir.join("ca.pem"), dir.join("cert.pem"), dir.join("key.pem"))
}

/// Starts an in-memory broker and a TLS proxy in front of it; files go to `dir`.
pub async fn start_tls_broker(dir: &Path) -> TlsBroker {
    let (ca, cert, key) = test_certificates(dir);
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert)
        .and_then(|certs| certs.collect())
        .expect("certificate");
    let key = PrivateKeyDer::from_pem_file(&key).expect("key");
    let config = ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_no_client_auth().with_single_cert(chain, key))
        .expect("TLS server config");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let front = TcpListener::bind("127.0.0.1:0").await.expect("proxy listener");
    let advertised = front.local_addr().expect("proxy address");
    let listen = format!("127.0.0.1:{}", free_port()).parse().expect("address");
    let broker = start_with(BrokerOptions {
        listen,
        advertised: Some(advertised),
        data_dir: dir.join("broker"),
        storage: StorageKind::Memory,
        require_sasl: false,
    })
    .await;
    let proxy = tokio::spawn(async move {
        while let Ok((client, _)) = front.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let (Ok(mut tls), Ok(mut plain)) = (acceptor.accept(client).await, TcpStream::connect(listen).await)
                else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    TlsBroker {
        bootstrap: advertised.to_string(),
        ca,
        _broker: broker,
        proxy,
    }
}
