//! Keystores and truststores in the formats Apache's `ssl.keystore.type` and
//! `ssl.truststore.type` name: `PEM` (certificates and an unencrypted PKCS#8, PKCS#1 or SEC1 key
//! in one file), `PKCS12` and `JKS`.

use std::path::{Path, PathBuf};

use p12_keystore::{KeyStoreEntry, Pkcs12ImportPolicy};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The format of a store file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreType {
    /// PEM text.
    Pem,
    /// PKCS#12 (`.p12`, `.pfx`; keytool's default since Java 9).
    Pkcs12,
    /// The Java KeyStore format.
    Jks,
}

impl StoreType {
    /// The type `name` names, as Apache spells it (case-insensitive); another name is an error
    /// saying which are known.
    pub fn named(name: &str) -> Result<Self, String> {
        match name.to_ascii_uppercase().as_str() {
            "PEM" => Ok(Self::Pem),
            "PKCS12" => Ok(Self::Pkcs12),
            "JKS" => Ok(Self::Jks),
            _ => Err(format!("{name} is not one of JKS, PKCS12, PEM")),
        }
    }

    /// The type of `bytes`: JKS's magic number, DER's SEQUENCE for PKCS#12, else PEM.
    fn detect(bytes: &[u8]) -> Self {
        match bytes {
            [0xFE, 0xED, 0xFE, 0xED, ..] => Self::Jks,
            [0x30, ..] => Self::Pkcs12,
            _ => Self::Pem,
        }
    }
}

/// A keystore or truststore file, its type and its password.
#[derive(Clone, PartialEq, Eq)]
pub struct StoreFile {
    /// `ssl.*store.location`.
    pub location: PathBuf,
    /// `ssl.*store.type`; `None` reads the type off the file.
    pub kind: Option<StoreType>,
    /// `ssl.*store.password`.
    pub password: Option<String>,
}

impl std::fmt::Debug for StoreFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreFile")
            .field("location", &self.location)
            .field("kind", &self.kind)
            .field("password", &self.password.as_ref().map(|_| "[hidden]"))
            .finish()
    }
}

/// A certificate chain, leaf first, and its private key.
pub struct Identity {
    /// The chain.
    pub chain: Vec<CertificateDer<'static>>,
    /// The key.
    pub key: PrivateKeyDer<'static>,
}

impl StoreFile {
    /// A store at `location` of `kind` (read off the file when `None`) with `password`.
    pub fn new(location: &Path, kind: Option<StoreType>, password: Option<&str>) -> Self {
        Self {
            location: location.to_path_buf(),
            kind,
            password: password.map(str::to_string),
        }
    }

    fn read(&self) -> Result<(Vec<u8>, StoreType), String> {
        let bytes =
            std::fs::read(&self.location).map_err(|err| format!("cannot read {}: {err}", self.location.display()))?;
        let kind = self.kind.unwrap_or_else(|| StoreType::detect(&bytes));
        Ok((bytes, kind))
    }

    fn shown(&self) -> std::path::Display<'_> {
        self.location.display()
    }

    fn password(&self) -> &str {
        self.password.as_deref().unwrap_or_default()
    }

    fn unreadable(&self, kind: StoreType, err: impl std::fmt::Display) -> String {
        format!(
            "cannot open {} (wrong password or not a {kind:?} store?): {err}",
            self.shown()
        )
    }

    /// A JKS store's entries, checked with the store password (an empty one when unset).
    fn jks(&self, bytes: &[u8]) -> Result<jks::KeyStore, String> {
        let mut store = jks::KeyStore::new();
        store
            .load(bytes, self.password().as_bytes())
            .map_err(|err| self.unreadable(StoreType::Jks, err))?;
        Ok(store)
    }

    /// A PKCS12 store's entries under `policy`.
    fn pkcs12(&self, bytes: &[u8], policy: Pkcs12ImportPolicy) -> Result<p12_keystore::KeyStore, String> {
        p12_keystore::KeyStore::from_pkcs12(bytes, self.password(), policy)
            .map_err(|err| self.unreadable(StoreType::Pkcs12, err))
    }

    /// The certificate chain and private key of a keystore: its first private key entry.
    /// `key_password` (`ssl.key.password`) decrypts a JKS key, defaulting to the store password.
    pub fn identity(&self, key_password: Option<&str>) -> Result<Identity, String> {
        let (bytes, kind) = self.read()?;
        let (chain, key) = match kind {
            StoreType::Pem => return pem_identity(&bytes, &self.shown()),
            StoreType::Pkcs12 => {
                let store = self.pkcs12(&bytes, Pkcs12ImportPolicy::Strict)?;
                let (_, chain) = store
                    .private_key_chain()
                    .ok_or_else(|| format!("{} holds no private key", self.shown()))?;
                let certs: Vec<Vec<u8>> = chain.certs().iter().map(|cert| cert.as_der().to_vec()).collect();
                (certs, chain.key().as_der().to_vec())
            }
            StoreType::Jks => {
                let store = self.jks(&bytes)?;
                let alias = store
                    .aliases()
                    .into_iter()
                    .find(|alias| store.is_private_key_entry(alias))
                    .ok_or_else(|| format!("{} holds no private key", self.shown()))?;
                let password = key_password.unwrap_or(self.password());
                let entry = store
                    .get_private_key_entry(&alias, password.as_bytes())
                    .map_err(|err| {
                        format!(
                            "cannot read the key {alias} of {} (ssl.key.password?): {err}",
                            self.shown()
                        )
                    })?;
                let certs = entry.certificate_chain.into_iter().map(|cert| cert.content).collect();
                (certs, entry.private_key)
            }
        };
        let chain: Vec<CertificateDer<'static>> = chain.into_iter().map(CertificateDer::from).collect();
        if chain.is_empty() {
            return Err(format!("the private key of {} has no certificate", self.shown()));
        }
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key));
        Ok(Identity { chain, key })
    }

    /// The certificates a truststore trusts: every certificate of a PEM file, every trusted
    /// certificate entry of a Java store.
    pub fn trusted(&self) -> Result<Vec<CertificateDer<'static>>, String> {
        let (bytes, kind) = self.read()?;
        let certs: Vec<CertificateDer<'static>> = match kind {
            StoreType::Pem => pem_certificates(&bytes, &self.shown())?,
            StoreType::Pkcs12 => self
                .pkcs12(&bytes, Pkcs12ImportPolicy::Relaxed)?
                .entries()
                .filter_map(|(_, entry)| match entry {
                    KeyStoreEntry::Certificate(cert) => Some(CertificateDer::from(cert.as_der().to_vec())),
                    _ => None,
                })
                .collect(),
            StoreType::Jks => {
                let store = self.jks(&bytes)?;
                store
                    .aliases()
                    .into_iter()
                    .filter_map(|alias| store.get_trusted_certificate_entry(&alias).ok())
                    .map(|entry| CertificateDer::from(entry.certificate.content))
                    .collect()
            }
        };
        if certs.is_empty() {
            return Err(format!("{} holds no certificate", self.shown()));
        }
        Ok(certs)
    }
}

fn pem_certificates(bytes: &[u8], shown: &std::path::Display<'_>) -> Result<Vec<CertificateDer<'static>>, String> {
    CertificateDer::pem_slice_iter(bytes)
        .collect::<Result<_, _>>()
        .map_err(|err| format!("cannot read certificates from {shown}: {err}"))
}

fn pem_identity(bytes: &[u8], shown: &std::path::Display<'_>) -> Result<Identity, String> {
    let chain = pem_certificates(bytes, shown)?;
    if chain.is_empty() {
        return Err(format!("{shown} holds no certificate"));
    }
    let key = PrivateKeyDer::from_pem_slice(bytes)
        .map_err(|err| format!("cannot read an unencrypted private key from {shown}: {err}"))?;
    Ok(Identity { chain, key })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_type_is_read_off_the_file_when_unset() {
        assert_eq!(StoreType::detect(&[0xFE, 0xED, 0xFE, 0xED, 0, 0]), StoreType::Jks);
        assert_eq!(StoreType::detect(&[0x30, 0x82]), StoreType::Pkcs12);
        assert_eq!(StoreType::detect(b"-----BEGIN CERTIFICATE-----"), StoreType::Pem);
        assert_eq!(StoreType::named("pkcs12"), Ok(StoreType::Pkcs12));
        assert_eq!(
            StoreType::named("BCFKS"),
            Err("BCFKS is not one of JKS, PKCS12, PEM".to_string())
        );
    }

    #[test]
    fn a_missing_file_and_a_store_without_a_key_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let missing = StoreFile::new(&dir.path().join("nothing.p12"), None, None);
        assert!(missing.identity(None).err().unwrap().contains("nothing.p12"));
        let (ca, _, _) = kconnect_test_kit::test_certificates(dir.path());
        let only_certs = StoreFile::new(&ca, Some(StoreType::Pem), None);
        assert!(only_certs.identity(None).err().unwrap().contains("private key"));
        assert_eq!(only_certs.trusted().unwrap().len(), 1);
    }

    #[test]
    fn a_pkcs12_keystore_made_by_openssl_gives_its_chain_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let (_, cert, key) = kconnect_test_kit::test_certificates(dir.path());
        let p12 = dir.path().join("keystore.p12");
        let made = std::process::Command::new("openssl")
            .args(["pkcs12", "-export", "-passout", "pass:changeit", "-in"])
            .args([&cert, &PathBuf::from("-inkey"), &key, &PathBuf::from("-out"), &p12])
            .status()
            .unwrap();
        assert!(made.success());
        let identity = StoreFile::new(&p12, None, Some("changeit")).identity(None).unwrap();
        assert_eq!(identity.chain.len(), 1);
        let wrong = StoreFile::new(&p12, Some(StoreType::Pkcs12), Some("wrong")).identity(None);
        assert!(wrong.err().unwrap().contains("wrong password"));
    }

    #[test]
    fn keytools_jks_and_pkcs12_stores_give_their_key_and_trusted_certificates() {
        let dir = tempfile::tempdir().unwrap();
        let stores = kconnect_test_kit::java_stores(dir.path());
        let password = Some(kconnect_test_kit::STORE_PASSWORD);
        for keystore in [&stores.keystore_jks, &stores.keystore_p12] {
            let identity = StoreFile::new(keystore, None, password).identity(None).unwrap();
            assert_eq!(
                identity.chain.len(),
                2,
                "{}: the certificate and its CA",
                keystore.display()
            );
        }
        for truststore in [&stores.truststore_jks, &stores.truststore_p12] {
            let trusted = StoreFile::new(truststore, None, password).trusted().unwrap();
            assert_eq!(trusted.len(), 1, "{}", truststore.display());
        }
        let wrong_key_password = StoreFile::new(&stores.keystore_jks, None, password).identity(Some("nope"));
        assert!(wrong_key_password.err().unwrap().contains("ssl.key.password"));
    }
}
