//! Certificates and keys written back out as PEM text, for TLS clients (lapin's, say) that take
//! PEM rather than a rustls configuration.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The characters of base64 on one PEM line, as RFC 7468 writes them.
const LINE: usize = 64;

/// `certs` as one PEM text of `CERTIFICATE` blocks.
pub fn certificates_pem(certs: &[CertificateDer<'_>]) -> String {
    certs.iter().map(|cert| block("CERTIFICATE", cert.as_ref())).collect()
}

/// `key` as a PEM block labelled after its encoding (PKCS#8, PKCS#1 or SEC1).
pub fn private_key_pem(key: &PrivateKeyDer<'_>) -> String {
    let label = match key {
        PrivateKeyDer::Pkcs1(_) => "RSA PRIVATE KEY",
        PrivateKeyDer::Sec1(_) => "EC PRIVATE KEY",
        _ => "PRIVATE KEY",
    };
    block(label, key.secret_der())
}

fn block(label: &str, der: &[u8]) -> String {
    let encoded = STANDARD.encode(der);
    let mut text = format!("-----BEGIN {label}-----\n");
    for line in encoded.as_bytes().chunks(LINE) {
        text.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        text.push('\n');
    }
    text.push_str(&format!("-----END {label}-----\n"));
    text
}

#[cfg(test)]
mod tests {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{PrivatePkcs1KeyDer, PrivatePkcs8KeyDer};

    use super::*;

    #[test]
    fn what_is_written_reads_back_the_same() {
        let certs = vec![CertificateDer::from(vec![7u8; 100]), CertificateDer::from(vec![9u8; 3])];
        let text = certificates_pem(&certs);
        assert!(text.lines().all(|line| line.len() <= LINE), "{text}");
        let read: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(text.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(read, certs);

        let pkcs8 = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(vec![1u8, 2, 3]));
        let text = private_key_pem(&pkcs8);
        assert!(text.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert_eq!(PrivateKeyDer::from_pem_slice(text.as_bytes()).unwrap(), pkcs8);
        let pkcs1 = PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(vec![4u8, 5]));
        let text = private_key_pem(&pkcs1);
        assert!(text.starts_with("-----BEGIN RSA PRIVATE KEY-----\n"));
        assert_eq!(PrivateKeyDer::from_pem_slice(text.as_bytes()).unwrap(), pkcs1);
    }
}
