//! `schema.registry.ssl.*`: the truststore a converter checks an HTTPS schema registry's
//! certificate against and the keystore it shows one that asks for a client certificate, in the
//! PEM, PKCS12 or JKS files Confluent's clients take, with their keys.

use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance, ParsedConfig, Validator};
use kconnect_api::{ConfigDef, ConnectError, Result};
use kconnect_tls::{HttpsSettings, StoreFile, private_key_pem};
use ureq::tls::{Certificate, ClientCert, PrivateKey, RootCerts, TlsConfig};

/// Where the registry's `ssl.*` keys live in a converter's configuration.
const PREFIX: &str = "schema.registry.";
const ENDPOINT_IDENTIFICATION: &str = "schema.registry.ssl.endpoint.identification.algorithm";

/// Adds the registry's TLS keys to `def`.
pub(crate) fn define(def: ConfigDef) -> ConfigDef {
    let key = |suffix: &str, kind: ConfigType, doc: &str| {
        ConfigKey::new(format!("{PREFIX}ssl.{suffix}"), kind)
            .default_value(ConfigValue::Null)
            .importance(Importance::Medium)
            .doc(doc)
    };
    def.define(key(
        "truststore.location",
        ConfigType::String,
        "The trusted certificates the registry's certificate is checked against (JKS, PKCS12 or PEM); the system's roots when unset.",
    ))
    .define(key(
        "truststore.password",
        ConfigType::Password,
        "The truststore's password.",
    ))
    .define(key(
        "truststore.type",
        ConfigType::String,
        "JKS, PKCS12 or PEM; read off the file when unset.",
    ))
    .define(key(
        "keystore.location",
        ConfigType::String,
        "The certificate and key shown to a registry that asks for a client certificate (JKS, PKCS12 or PEM).",
    ))
    .define(key(
        "keystore.password",
        ConfigType::Password,
        "The keystore's password.",
    ))
    .define(key(
        "keystore.type",
        ConfigType::String,
        "JKS, PKCS12 or PEM; read off the file when unset.",
    ))
    .define(key(
        "key.password",
        ConfigType::Password,
        "The key's own password in a JKS keystore.",
    ))
    .define(
        ConfigKey::new(ENDPOINT_IDENTIFICATION, ConfigType::String)
            .default_value(ConfigValue::String("https".into()))
            .validator(Validator::one_of_ignore_case(&["https"]))
            .importance(Importance::Low)
            .doc("https: the registry's certificate must name its host. kconnect always checks it, so turning it off (an empty value) is refused."),
    )
}

/// An error of a store, which names its key first (`key: what`), as a configuration error.
fn store_error(message: String) -> ConnectError {
    match message.split_once(": ") {
        Some((key, what)) => ConnectError::config(key, what),
        None => ConnectError::config(format!("{PREFIX}ssl"), message),
    }
}

fn certificate(der: &[u8]) -> Certificate<'static> {
    Certificate::from_der(der).to_owned()
}

/// The TLS the keys give the registry client: `None` without stores (the client's defaults).
pub(crate) fn tls_config(parsed: &ParsedConfig) -> Result<Option<TlsConfig>> {
    let settings = HttpsSettings::read(PREFIX, &|key| {
        parsed.string(&format!("{PREFIX}{key}")).map(str::to_string)
    })
    .map_err(store_error)?;
    if settings.truststore.is_none() && settings.keystore.is_none() {
        return Ok(None);
    }
    let mut config = TlsConfig::builder();
    if let Some(truststore) = &settings.truststore {
        let trusted = trusted(truststore)?;
        config = config.root_certs(RootCerts::from(trusted));
    }
    if let Some(keystore) = &settings.keystore {
        let identity = keystore
            .identity(settings.key_password.as_deref())
            .map_err(|err| ConnectError::config(format!("{PREFIX}ssl.keystore.location"), err))?;
        let chain: Vec<Certificate<'static>> = identity.chain.iter().map(|cert| certificate(cert)).collect();
        // ureq names a key's kind only through PEM.
        let key = PrivateKey::from_pem(private_key_pem(&identity.key).as_bytes())
            .map_err(|err| ConnectError::config(format!("{PREFIX}ssl.keystore.location"), err.to_string()))?;
        config = config.client_cert(Some(ClientCert::new_with_certs(&chain, key)));
    }
    Ok(Some(config.build()))
}

fn trusted(truststore: &StoreFile) -> Result<Vec<Certificate<'static>>> {
    let certs = truststore
        .trusted()
        .map_err(|err| ConnectError::config(format!("{PREFIX}ssl.truststore.location"), err))?;
    Ok(certs.iter().map(|cert| certificate(cert)).collect())
}

#[cfg(test)]
mod tests {
    use kconnect_api::ConfigMap;

    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<Option<TlsConfig>> {
        let config: ConfigMap = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        tls_config(&define(ConfigDef::new()).parse(&config)?)
    }

    #[test]
    fn stores_are_read_and_bad_ones_named_by_key() {
        assert!(parse(&[]).unwrap().is_none(), "no stores, the client's defaults");
        let dir = tempfile::tempdir().unwrap();
        let stores = kconnect_test_kit::java_stores(dir.path());
        let password = kconnect_test_kit::STORE_PASSWORD;
        let truststore = stores.truststore_jks.to_string_lossy().to_string();
        let keystore = stores.keystore_p12.to_string_lossy().to_string();
        let tls = parse(&[
            ("schema.registry.ssl.truststore.location", &truststore),
            ("schema.registry.ssl.truststore.password", password),
            ("schema.registry.ssl.keystore.location", &keystore),
            ("schema.registry.ssl.keystore.password", password),
        ])
        .unwrap()
        .unwrap();
        assert!(matches!(tls.root_certs(), RootCerts::Specific(certs) if certs.len() == 1));
        assert!(tls.client_cert().is_some());

        let missing = parse(&[("schema.registry.ssl.truststore.location", "/nowhere/ts.jks")]).unwrap_err();
        assert!(
            missing.to_string().contains("schema.registry.ssl.truststore.location"),
            "{missing}"
        );
        let kind = parse(&[
            ("schema.registry.ssl.keystore.location", &keystore),
            ("schema.registry.ssl.keystore.type", "BCFKS"),
        ])
        .unwrap_err();
        assert!(kind.to_string().contains("schema.registry.ssl.keystore.type"), "{kind}");
        let unchecked = parse(&[(ENDPOINT_IDENTIFICATION, "")]).unwrap_err();
        assert!(unchecked.to_string().contains(ENDPOINT_IDENTIFICATION), "{unchecked}");
    }
}
