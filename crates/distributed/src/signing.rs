//! Internal request signatures (KIP-507): `X-Connect-Authorization` is the Base64 HMAC of the raw
//! body under the cluster's session key, `X-Connect-Request-Signature-Algorithm` names the MAC.

use base64::Engine;
use hmac::{Hmac, Mac};
use kconnect_runtime::RuntimeError;
use sha2::Sha256;

use crate::config_records::SessionKey;

/// The only algorithm kconnect signs and verifies with (Apache's default).
pub const ALGORITHM: &str = "HmacSHA256";
/// The signature header.
pub const SIGNATURE_HEADER: &str = "X-Connect-Authorization";
/// The algorithm header.
pub const ALGORITHM_HEADER: &str = "X-Connect-Request-Signature-Algorithm";

fn mac(key: &[u8], body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(body);
    mac
}

/// The Base64 signature of `body`.
pub fn sign(key: &SessionKey, body: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(mac(&key.key, body).finalize().into_bytes())
}

/// Checks a request's `(signature, algorithm)` headers against `key`, with Apache's statuses:
/// 400 when missing or of an unknown algorithm, 503 before a key exists, 403 when wrong.
pub fn verify(key: Option<&SessionKey>, body: &[u8], headers: Option<(String, String)>) -> Result<(), RuntimeError> {
    let rejected = |status: u16, message: &str| RuntimeError::Rejected {
        status,
        message: message.to_string(),
    };
    let Some((signature, algorithm)) = headers else {
        return Err(rejected(400, "Internal request missing required signature"));
    };
    if algorithm != ALGORITHM {
        return Err(rejected(
            400,
            &format!("Internal request signature algorithm {algorithm} is not allowed"),
        ));
    }
    let Some(key) = key else {
        return Err(rejected(
            503,
            "This worker does not yet have a session key to verify internal requests with",
        ));
    };
    let given = base64::engine::general_purpose::STANDARD
        .decode(signature)
        .map_err(|_| rejected(403, "Internal request contained invalid signature"))?;
    mac(&key.key, body)
        .verify_slice(&given)
        .map_err(|_| rejected(403, "Internal request contained invalid signature"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies_with_apaches_statuses() {
        let key = SessionKey {
            key: b"secret".to_vec(),
            algorithm: ALGORITHM.into(),
            created: 0,
        };
        let body = br#"[{"task.class":"T"}]"#;
        let good = Some((sign(&key, body), ALGORITHM.to_string()));
        assert!(verify(Some(&key), body, good.clone()).is_ok());
        let status = |result: Result<(), RuntimeError>| match result {
            Err(RuntimeError::Rejected { status, .. }) => status,
            other => panic!("{other:?}"),
        };
        assert_eq!(status(verify(Some(&key), b"other", good.clone())), 403);
        assert_eq!(status(verify(Some(&key), body, None)), 400);
        assert_eq!(status(verify(None, body, good)), 503);
        assert_eq!(
            status(verify(Some(&key), body, Some(("x".into(), "HmacMD5".into())))),
            400
        );
    }
}
