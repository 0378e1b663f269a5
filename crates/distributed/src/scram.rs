//! The client side of SASL SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802 and 7677), as Kafka brokers
//! speak it: no channel binding, the server's signature checked at the end.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256, Sha512};

/// The hash a SCRAM mechanism uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScramHash {
    /// SCRAM-SHA-256.
    Sha256,
    /// SCRAM-SHA-512.
    Sha512,
}

impl ScramHash {
    fn hmac(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha256 => keyed::<Hmac<Sha256>>(key, data),
            Self::Sha512 => keyed::<Hmac<Sha512>>(key, data),
        }
    }

    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha256 => Sha256::digest(data).to_vec(),
            Self::Sha512 => Sha512::digest(data).to_vec(),
        }
    }

    /// `Hi(password, salt, iterations)`: what a broker stores a SCRAM credential from.
    pub fn salted_password(self, password: &[u8], salt: &[u8], iterations: u32) -> Vec<u8> {
        match self {
            Self::Sha256 => pbkdf2::pbkdf2_hmac_array::<Sha256, 32>(password, salt, iterations).to_vec(),
            Self::Sha512 => pbkdf2::pbkdf2_hmac_array::<Sha512, 64>(password, salt, iterations).to_vec(),
        }
    }
}

fn keyed<M: Mac + hmac::digest::KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// One SCRAM exchange, from the client's first message to checking the server's signature.
#[derive(Debug)]
pub struct ScramClient {
    hash: ScramHash,
    password: String,
    nonce: String,
    client_first_bare: String,
    /// The server's expected signature, once the client's final message is made.
    server_signature: Option<Vec<u8>>,
}

/// The user name as SCRAM carries it: `=` and `,` escaped.
fn saslname(username: &str) -> String {
    username.replace('=', "=3D").replace(',', "=2C")
}

impl ScramClient {
    /// An exchange for `username` and `password` with a client nonce of the caller's choosing.
    pub fn new(hash: ScramHash, username: &str, password: &str, nonce: String) -> Self {
        Self {
            hash,
            password: password.to_string(),
            client_first_bare: format!("n={},r={nonce}", saslname(username)),
            nonce,
            server_signature: None,
        }
    }

    /// The client's first message.
    pub fn client_first(&self) -> Vec<u8> {
        format!("n,,{}", self.client_first_bare).into_bytes()
    }

    /// The client's final message, with its proof, answering the server's first message.
    pub fn client_final(&mut self, server_first: &[u8]) -> Result<Vec<u8>, String> {
        let server_first = std::str::from_utf8(server_first).map_err(|_| "server-first-message is not UTF-8")?;
        let attribute = |name: &str| {
            server_first
                .split(',')
                .find_map(|part| part.strip_prefix(name).and_then(|p| p.strip_prefix('=')))
                .ok_or_else(|| format!("server-first-message has no {name}: {server_first}"))
        };
        let nonce = attribute("r")?;
        if !nonce.starts_with(&self.nonce) {
            return Err("the server's nonce does not extend the client's".into());
        }
        let salt = STANDARD
            .decode(attribute("s")?)
            .map_err(|err| format!("bad salt: {err}"))?;
        let iterations: u32 = attribute("i")?
            .parse()
            .map_err(|err| format!("bad iteration count: {err}"))?;
        let salted = self.hash.salted_password(self.password.as_bytes(), &salt, iterations);
        let client_key = self.hash.hmac(&salted, b"Client Key");
        let stored_key = self.hash.digest(&client_key);
        let without_proof = format!("c=biws,r={nonce}");
        let auth_message = format!("{},{server_first},{without_proof}", self.client_first_bare);
        let client_signature = self.hash.hmac(&stored_key, auth_message.as_bytes());
        let proof: Vec<u8> = client_key.iter().zip(&client_signature).map(|(k, s)| k ^ s).collect();
        let server_key = self.hash.hmac(&salted, b"Server Key");
        self.server_signature = Some(self.hash.hmac(&server_key, auth_message.as_bytes()));
        Ok(format!("{without_proof},p={}", STANDARD.encode(proof)).into_bytes())
    }

    /// Checks the server's final message: it must prove the server knows the password too.
    pub fn verify_server_final(&self, server_final: &[u8]) -> Result<(), String> {
        let server_final = std::str::from_utf8(server_final).map_err(|_| "server-final-message is not UTF-8")?;
        if let Some(error) = server_final.strip_prefix("e=") {
            return Err(format!("the server refused: {error}"));
        }
        let signature = server_final
            .strip_prefix("v=")
            .and_then(|v| STANDARD.decode(v.split(',').next().unwrap_or_default()).ok())
            .ok_or_else(|| format!("server-final-message has no signature: {server_final}"))?;
        match &self.server_signature {
            Some(expected) if *expected == signature => Ok(()),
            _ => Err("the server's signature does not match".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SCRAM-SHA-256 example of RFC 7677, section 3.
    #[test]
    fn follows_the_rfc_7677_example() {
        let mut client = ScramClient::new(ScramHash::Sha256, "user", "pencil", "rOprNGfwEbeRWgbNEkqO".into());
        assert_eq!(client.client_first(), b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        let server_first = b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
        let client_final = client.client_final(server_first).unwrap();
        assert_eq!(
            String::from_utf8(client_final).unwrap(),
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        client
            .verify_server_final(b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
            .unwrap();
        assert!(client.verify_server_final(b"v=AAAA").is_err());
        assert!(client.verify_server_final(b"e=invalid-proof").is_err());
    }

    #[test]
    fn refuses_a_server_nonce_that_is_not_its_own() {
        let mut client = ScramClient::new(ScramHash::Sha512, "a=b,c", "secret", "abc".into());
        assert_eq!(client.client_first(), b"n,,n=a=3Db=2Cc,r=abc");
        assert!(client.client_final(b"r=xyz,s=AAAA,i=4096").is_err());
    }
}
