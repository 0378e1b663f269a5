//! The TLS configuration of an HTTPS listener.

use std::sync::Arc;

use rustls::ServerConfig;
use rustls::server::WebPkiClientVerifier;

use crate::settings::{ClientAuth, HttpsSettings};
use crate::{provider, root_store};

/// The server configuration of `settings`: its keystore's certificate and key, and with
/// `ssl.client.auth` the truststore that client certificates must chain to. Errors name the key
/// with `prefix` before it.
pub fn server_config(settings: &HttpsSettings, prefix: &str) -> Result<Arc<ServerConfig>, String> {
    let keystore = settings.keystore.as_ref().ok_or_else(|| {
        format!("{prefix}ssl.keystore.location: Missing required configuration for an https listener")
    })?;
    let identity = keystore
        .identity(settings.key_password.as_deref())
        .map_err(|err| format!("{prefix}ssl.keystore.location: {err}"))?;
    let builder = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|err| format!("{prefix}ssl.protocol: {err}"))?;
    let builder = match (settings.client_auth, &settings.truststore) {
        (ClientAuth::None, _) | (_, None) => builder.with_no_client_auth(),
        (auth, Some(truststore)) => {
            let roots = truststore
                .trusted()
                .and_then(root_store)
                .map_err(|err| format!("{prefix}ssl.truststore.location: {err}"))?;
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider());
            let verifier = if auth == ClientAuth::Requested {
                verifier.allow_unauthenticated()
            } else {
                verifier
            };
            let verifier = verifier
                .build()
                .map_err(|err| format!("{prefix}ssl.truststore.location: {err}"))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let config = builder
        .with_single_cert(identity.chain, identity.key)
        .map_err(|err| format!("{prefix}ssl.keystore.location: {err}"))?;
    Ok(Arc::new(config))
}
