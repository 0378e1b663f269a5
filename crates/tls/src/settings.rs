//! Apache's `ssl.*` keys of an HTTPS listener: its keystore, its truststore and whether clients
//! must show a certificate.

use std::path::Path;

use crate::store::{StoreFile, StoreType};

/// `ssl.client.auth`: whether an HTTPS listener asks clients for a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientAuth {
    /// Clients show none (Apache's default).
    #[default]
    None,
    /// Clients may show one, which must then be trusted.
    Requested,
    /// Clients must show a trusted one.
    Required,
}

/// The `ssl.*` settings of one listener, or of the client that calls other workers.
#[derive(Debug, Clone, Default)]
pub struct HttpsSettings {
    /// `ssl.keystore.*`: the listener's certificate and key (and the client's, for client auth).
    pub keystore: Option<StoreFile>,
    /// `ssl.key.password`: the key's own password in a JKS keystore.
    pub key_password: Option<String>,
    /// `ssl.truststore.*`: the certificates trusted to sign clients' (and other workers').
    pub truststore: Option<StoreFile>,
    /// `ssl.client.auth`.
    pub client_auth: ClientAuth,
}

impl HttpsSettings {
    /// Reads the settings through `get`, which looks a key such as `ssl.keystore.location` up
    /// where the listener's settings live; an error names the key with `prefix` before it.
    pub fn read(prefix: &str, get: &dyn Fn(&str) -> Option<String>) -> Result<Self, String> {
        let get = |key: &str| get(key).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let store = |kind: &str| -> Result<Option<StoreFile>, String> {
            let Some(location) = get(&format!("ssl.{kind}.location")) else {
                return Ok(None);
            };
            let type_key = format!("ssl.{kind}.type");
            let store_type = get(&type_key)
                .map(|name| StoreType::named(&name).map_err(|err| format!("{prefix}{type_key}: {err}")))
                .transpose()?;
            let password = get(&format!("ssl.{kind}.password"));
            Ok(Some(StoreFile::new(
                Path::new(&location),
                store_type,
                password.as_deref(),
            )))
        };
        let client_auth = match get("ssl.client.auth").map(|v| v.to_ascii_lowercase()).as_deref() {
            None | Some("none") => ClientAuth::None,
            Some("requested") => ClientAuth::Requested,
            Some("required") => ClientAuth::Required,
            Some(other) => {
                return Err(format!(
                    "{prefix}ssl.client.auth: {other} is not one of none, requested, required"
                ));
            }
        };
        let settings = Self {
            keystore: store("keystore")?,
            key_password: get("ssl.key.password"),
            truststore: store("truststore")?,
            client_auth,
        };
        if settings.client_auth != ClientAuth::None && settings.truststore.is_none() {
            return Err(format!(
                "{prefix}ssl.truststore.location: required to check client certificates (ssl.client.auth={})",
                get("ssl.client.auth").unwrap_or_default()
            ));
        }
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<HttpsSettings, String> {
        let map: BTreeMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        HttpsSettings::read("listeners.https.", &|key| map.get(key).cloned())
    }

    #[test]
    fn stores_their_types_and_client_auth_are_read() {
        let settings = read(&[
            ("ssl.keystore.location", "/etc/ks.jks"),
            ("ssl.keystore.type", "jks"),
            ("ssl.keystore.password", "changeit"),
            ("ssl.truststore.location", "/etc/ts.p12"),
            ("ssl.client.auth", "REQUIRED"),
        ])
        .unwrap();
        let keystore = settings.keystore.unwrap();
        assert_eq!(keystore.kind, Some(StoreType::Jks));
        assert_eq!(keystore.password.as_deref(), Some("changeit"));
        assert_eq!(settings.truststore.unwrap().kind, None, "read off the file");
        assert_eq!(settings.client_auth, ClientAuth::Required);
        assert!(
            !format!("{keystore:?}").contains("changeit"),
            "the password is not shown"
        );
    }

    #[test]
    fn bad_values_name_their_key() {
        let kind = read(&[("ssl.keystore.location", "/k"), ("ssl.keystore.type", "BCFKS")]);
        assert!(
            kind.unwrap_err()
                .starts_with("listeners.https.ssl.keystore.type: BCFKS")
        );
        let auth = read(&[("ssl.client.auth", "always")]);
        assert!(auth.unwrap_err().starts_with("listeners.https.ssl.client.auth: always"));
        let untrusted = read(&[("ssl.client.auth", "required")]);
        assert!(
            untrusted
                .unwrap_err()
                .starts_with("listeners.https.ssl.truststore.location")
        );
    }
}
