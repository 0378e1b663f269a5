//! A TLS client's truststore and keystore as a connector's keys name them (Confluent's
//! `mqtt.ssl.*`, `rabbitmq.https.ssl.*`), read into what each client library takes: a rustls
//! configuration, or PEM text. JKS, PKCS12 and PEM stores are read alike; errors name the key of
//! the store at fault.

use std::path::Path;
use std::sync::Arc;

use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance, ParsedConfig};
use kconnect_api::{ConfigDef, ConnectError, Result};
use kconnect_tls::{ClientConfigError, Identity, StoreFile, StoreType};
use rustls::ClientConfig;
use rustls::pki_types::CertificateDer;

/// The keys a connector names its stores with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StoreKeys {
    pub truststore_location: &'static str,
    pub truststore_password: &'static str,
    /// The truststore's type (`JKS`, `PKCS12`, `PEM`), where the connector has such a key.
    pub truststore_type: Option<&'static str>,
    pub keystore_location: &'static str,
    pub keystore_password: &'static str,
    pub keystore_type: Option<&'static str>,
    pub key_password: &'static str,
}

/// The stores a task connects with; none of either means the system's roots and no client
/// certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClientStores {
    keys: StoreKeys,
    truststore: Option<StoreFile>,
    keystore: Option<StoreFile>,
    key_password: Option<String>,
}

/// PEM text of what to trust (added to the system's roots) and of the client certificate chain
/// and key.
pub(crate) struct PemStores {
    pub trusted: Option<String>,
    pub identity: Option<(String, String)>,
}

impl ClientStores {
    /// The stores `parsed` names under `keys`; a blank location means none.
    pub fn read(parsed: &ParsedConfig, keys: StoreKeys) -> Result<Self> {
        let text = |key: &str| -> Result<Option<String>> {
            let value = parsed.get_string(key)?.trim();
            Ok(Some(value.to_string()).filter(|value| !value.is_empty()))
        };
        let store = |location: &'static str, password: &str, kind: Option<&'static str>| -> Result<Option<StoreFile>> {
            let Some(path) = text(location)? else {
                return Ok(None);
            };
            let store_type = match kind {
                Some(key) => text(key)?
                    .map(|name| StoreType::named(&name).map_err(|err| ConnectError::config(key, err)))
                    .transpose()?,
                None => None,
            };
            Ok(Some(StoreFile::new(
                Path::new(&path),
                store_type,
                text(password)?.as_deref(),
            )))
        };
        Ok(Self {
            truststore: store(keys.truststore_location, keys.truststore_password, keys.truststore_type)?,
            keystore: store(keys.keystore_location, keys.keystore_password, keys.keystore_type)?,
            key_password: text(keys.key_password)?,
            keys,
        })
    }

    /// `definition` with the keys of `keys` declared, blank by default, in `group`.
    pub fn define(definition: ConfigDef, keys: StoreKeys, group: &str) -> ConfigDef {
        let key = |name: &str, kind: ConfigType, doc: &str| {
            let blank = match kind {
                ConfigType::Password => ConfigValue::Password(String::new()),
                _ => ConfigValue::String(String::new()),
            };
            ConfigKey::new(name, kind)
                .default_value(blank)
                .importance(Importance::High)
                .doc(doc)
                .group(group, 0)
        };
        let type_doc = "The store's format: JKS, PKCS12 or PEM; blank reads it off the file.";
        let mut definition = definition
            .define(key(
                keys.truststore_location,
                ConfigType::String,
                "The truststore (JKS, PKCS12 or PEM) with the certificates that sign the server's; blank \
                 trusts the system's certificate authorities.",
            ))
            .define(key(
                keys.truststore_password,
                ConfigType::Password,
                "The truststore's password.",
            ))
            .define(key(
                keys.keystore_location,
                ConfigType::String,
                "The keystore (JKS, PKCS12, or PEM with an unencrypted key) with the certificate and key \
                 to show a server that asks for a client certificate; blank for none.",
            ))
            .define(key(
                keys.keystore_password,
                ConfigType::Password,
                "The keystore's password.",
            ))
            .define(key(
                keys.key_password,
                ConfigType::Password,
                "The password of the key in a JKS keystore, when it differs from the keystore's.",
            ));
        for type_key in [keys.truststore_type, keys.keystore_type].into_iter().flatten() {
            definition = definition.define(key(type_key, ConfigType::String, type_doc));
        }
        definition
    }

    fn trusted(&self) -> Result<Option<Vec<CertificateDer<'static>>>> {
        self.truststore
            .as_ref()
            .map(|store| {
                store
                    .trusted()
                    .map_err(|err| ConnectError::config(self.keys.truststore_location, err))
            })
            .transpose()
    }

    fn identity(&self) -> Result<Option<Identity>> {
        self.keystore
            .as_ref()
            .map(|store| {
                store
                    .identity(self.key_password.as_deref())
                    .map_err(|err| ConnectError::config(self.keys.keystore_location, err))
            })
            .transpose()
    }

    /// A rustls configuration trusting the truststore (the system's roots without one) and
    /// showing the keystore's certificate.
    pub fn rustls(&self) -> Result<Arc<ClientConfig>> {
        kconnect_tls::client_config(self.trusted()?, self.identity()?)
            .map(Arc::new)
            .map_err(|err| match err {
                ClientConfigError::Truststore(err) => ConnectError::config(self.keys.truststore_location, err),
                ClientConfigError::Keystore(err) => ConnectError::config(self.keys.keystore_location, err),
            })
    }

    /// The stores as PEM text.
    pub fn pem(&self) -> Result<PemStores> {
        Ok(PemStores {
            trusted: self.trusted()?.map(|certs| kconnect_tls::certificates_pem(&certs)),
            identity: self.identity()?.map(|Identity { chain, key }| {
                (
                    kconnect_tls::certificates_pem(&chain),
                    kconnect_tls::private_key_pem(&key),
                )
            }),
        })
    }
}
