//! How the worker group's own connections to the coordinator are secured, from the keys librdkafka
//! reads for the worker's other clients: `security.protocol` (PLAINTEXT, SSL, SASL_PLAINTEXT,
//! SASL_SSL); `ssl.ca.location` (PEM; the system's roots without it), `ssl.certificate.location`
//! and `ssl.key.location` (a client certificate); `sasl.mechanism` (PLAIN, SCRAM-SHA-256,
//! SCRAM-SHA-512), `sasl.username`, `sasl.password`.

use std::sync::Arc;

use kconnect_runtime::ConfigMap;
use rustls::ClientConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::scram::ScramHash;

/// The key naming how connections to Kafka are secured.
pub const SECURITY_PROTOCOL: &str = "security.protocol";

/// A SASL mechanism the group connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaslMechanism {
    /// PLAIN: the password in the clear (inside TLS, one hopes).
    Plain,
    /// SCRAM-SHA-256 or SCRAM-SHA-512.
    Scram(ScramHash),
}

impl SaslMechanism {
    /// The name SaslHandshake carries.
    pub fn name(self) -> &'static str {
        match self {
            Self::Plain => "PLAIN",
            Self::Scram(ScramHash::Sha256) => "SCRAM-SHA-256",
            Self::Scram(ScramHash::Sha512) => "SCRAM-SHA-512",
        }
    }
}

/// Who the worker authenticates as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaslCredentials {
    /// The mechanism.
    pub mechanism: SaslMechanism,
    /// `sasl.username`.
    pub username: String,
    /// `sasl.password`.
    pub password: String,
}

/// TLS and SASL for the group connection; both `None` for PLAINTEXT.
#[derive(Clone, Default)]
pub struct GroupSecurity {
    /// TLS, for SSL and SASL_SSL.
    pub tls: Option<Arc<ClientConfig>>,
    /// SASL, for SASL_PLAINTEXT and SASL_SSL.
    pub sasl: Option<SaslCredentials>,
}

impl std::fmt::Debug for GroupSecurity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupSecurity")
            .field("tls", &self.tls.is_some())
            .field("sasl", &self.sasl.as_ref().map(|s| s.mechanism.name()))
            .finish()
    }
}

impl GroupSecurity {
    /// Reads the worker's keys; each error names its key and why.
    pub fn from_worker(originals: &ConfigMap) -> Result<Self, Vec<String>> {
        let get = |key: &str| {
            originals
                .get(key)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let protocol = get(SECURITY_PROTOCOL)
            .unwrap_or_else(|| "PLAINTEXT".into())
            .to_uppercase();
        let (tls, sasl) = match protocol.as_str() {
            "PLAINTEXT" => (false, false),
            "SSL" => (true, false),
            "SASL_PLAINTEXT" => (false, true),
            "SASL_SSL" => (true, true),
            other => {
                return Err(vec![format!(
                    "{SECURITY_PROTOCOL}: {other} is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL"
                )]);
            }
        };
        let mut errors = Vec::new();
        let tls = tls
            .then(|| tls_config(&get))
            .and_then(|r| r.map_err(|e| errors.push(e)).ok());
        let sasl = sasl
            .then(|| credentials(&get))
            .and_then(|r| r.map_err(|e| errors.push(e)).ok());
        if errors.is_empty() {
            Ok(Self { tls, sasl })
        } else {
            Err(errors)
        }
    }
}

fn credentials(get: &dyn Fn(&str) -> Option<String>) -> Result<SaslCredentials, String> {
    let (key, name) = get("sasl.mechanism")
        .map(|m| ("sasl.mechanism", m))
        .or_else(|| get("sasl.mechanisms").map(|m| ("sasl.mechanisms", m)))
        .unwrap_or(("sasl.mechanism", "GSSAPI".into()));
    let mechanism = match name.to_uppercase().as_str() {
        "PLAIN" => SaslMechanism::Plain,
        "SCRAM-SHA-256" => SaslMechanism::Scram(ScramHash::Sha256),
        "SCRAM-SHA-512" => SaslMechanism::Scram(ScramHash::Sha512),
        other => {
            return Err(format!(
                "{key}: {other} is not supported by distributed workers' group connection \
                 (PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 are)"
            ));
        }
    };
    let required = |key: &str| get(key).ok_or_else(|| format!("{key}: required for SASL {}", mechanism.name()));
    Ok(SaslCredentials {
        mechanism,
        username: required("sasl.username")?,
        password: required("sasl.password")?,
    })
}

fn tls_config(get: &dyn Fn(&str) -> Option<String>) -> Result<Arc<ClientConfig>, String> {
    let mut roots = rustls::RootCertStore::empty();
    match get("ssl.ca.location") {
        Some(path) => {
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&path)
                .and_then(|certs| certs.collect())
                .map_err(|err| format!("ssl.ca.location: cannot read certificates from {path}: {err}"))?;
            for cert in certs {
                roots
                    .add(cert)
                    .map_err(|err| format!("ssl.ca.location: {path}: {err}"))?;
            }
        }
        None => {
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
        }
    }
    let builder = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|err| format!("{SECURITY_PROTOCOL}: {err}"))?
        .with_root_certificates(roots);
    let config = match (get("ssl.certificate.location"), get("ssl.key.location")) {
        (Some(cert), Some(key)) => {
            let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert)
                .and_then(|certs| certs.collect())
                .map_err(|err| format!("ssl.certificate.location: cannot read {cert}: {err}"))?;
            let key = PrivateKeyDer::from_pem_file(&key)
                .map_err(|err| format!("ssl.key.location: cannot read {key}: {err}"))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|err| format!("ssl.key.location: {err}"))?
        }
        (None, None) => builder.with_no_client_auth(),
        (Some(_), None) => return Err("ssl.key.location: required with ssl.certificate.location".into()),
        (None, Some(_)) => return Err("ssl.certificate.location: required with ssl.key.location".into()),
    };
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn security(pairs: &[(&str, &str)]) -> Result<GroupSecurity, Vec<String>> {
        GroupSecurity::from_worker(&pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn plaintext_by_default() {
        let plain = security(&[]).unwrap();
        assert!(plain.tls.is_none() && plain.sasl.is_none());
    }

    #[test]
    fn sasl_credentials_come_from_librdkafkas_keys() {
        let sasl = security(&[
            ("security.protocol", "sasl_plaintext"),
            ("sasl.mechanisms", "SCRAM-SHA-512"),
            ("sasl.username", "connect"),
            ("sasl.password", "secret"),
        ])
        .unwrap();
        assert!(sasl.tls.is_none());
        assert_eq!(
            sasl.sasl,
            Some(SaslCredentials {
                mechanism: SaslMechanism::Scram(ScramHash::Sha512),
                username: "connect".into(),
                password: "secret".into(),
            })
        );
    }

    #[test]
    fn bad_settings_name_their_keys() {
        assert_eq!(
            security(&[("security.protocol", "TLS")]).unwrap_err(),
            ["security.protocol: TLS is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL"]
        );
        assert_eq!(
            security(&[("security.protocol", "SASL_PLAINTEXT"), ("sasl.mechanism", "GSSAPI")]).unwrap_err(),
            [
                "sasl.mechanism: GSSAPI is not supported by distributed workers' group connection \
              (PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 are)"
            ]
        );
        assert_eq!(
            security(&[
                ("security.protocol", "SASL_SSL"),
                ("sasl.mechanism", "PLAIN"),
                ("ssl.ca.location", "/nope.pem")
            ])
            .unwrap_err()
            .len(),
            2,
            "both the CA file and the missing user name are reported"
        );
    }
}
