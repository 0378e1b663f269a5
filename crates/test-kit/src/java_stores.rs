//! Keystores and truststores as a Java user makes them for `listeners.https.ssl.*`: a PKCS12
//! keystore by `openssl pkcs12 -export`, its JKS copy and the CA's truststores by `keytool`.

use std::path::{Path, PathBuf};

use crate::test_certificates;
use crate::tls_broker::run_tool as run;

/// The password of every store made here.
pub const STORE_PASSWORD: &str = "changeit";

/// The test CA, the certificate it signs for 127.0.0.1 and localhost (PEM), and the stores.
pub struct JavaStores {
    /// The CA's certificate (PEM).
    pub ca: PathBuf,
    /// The certificate (PEM), usable by a server and by a client.
    pub cert: PathBuf,
    /// Its private key (PEM).
    pub key: PathBuf,
    /// The certificate and key in a PKCS12 keystore.
    pub keystore_p12: PathBuf,
    /// The certificate and key in a JKS keystore.
    pub keystore_jks: PathBuf,
    /// The CA in a PKCS12 truststore.
    pub truststore_p12: PathBuf,
    /// The CA in a JKS truststore.
    pub truststore_jks: PathBuf,
}

/// Makes the CA, the certificate and every store in `dir`, each store with [`STORE_PASSWORD`].
pub fn java_stores(dir: &Path) -> JavaStores {
    let (ca, cert, key) = test_certificates(dir);
    let pass = format!("pass:{STORE_PASSWORD}");
    let export = [
        "pkcs12",
        "-export",
        "-name",
        "kconnect",
        "-in",
        "cert.pem",
        "-inkey",
        "key.pem",
        "-certfile",
        "ca.pem",
        "-passout",
        pass.as_str(),
        "-out",
        "keystore.p12",
    ];
    run("openssl", &export, dir);
    let store = ["-storepass", STORE_PASSWORD, "-noprompt"];
    run(
        "keytool",
        &[
            "-importkeystore",
            "-srckeystore",
            "keystore.p12",
            "-srcstoretype",
            "PKCS12",
            "-srcstorepass",
            STORE_PASSWORD,
            "-destkeystore",
            "keystore.jks",
            "-deststoretype",
            "JKS",
            "-deststorepass",
            STORE_PASSWORD,
            "-noprompt",
        ],
        dir,
    );
    for (file, kind) in [("truststore.p12", "PKCS12"), ("truststore.jks", "JKS")] {
        let import = [
            "-importcert",
            "-alias",
            "kconnect-ca",
            "-file",
            "ca.pem",
            "-keystore",
            file,
            "-storetype",
            kind,
        ];
        run("keytool", &[&import[..], &store[..]].concat(), dir);
    }
    JavaStores {
        ca,
        cert,
        key,
        keystore_p12: dir.join("keystore.p12"),
        keystore_jks: dir.join("keystore.jks"),
        truststore_p12: dir.join("truststore.p12"),
        truststore_jks: dir.join("truststore.jks"),
    }
}
