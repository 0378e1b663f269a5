//! The process's rustls provider, for the client libraries that take it rather than a
//! configuration of their own (redis-rs, async-nats): the binary links two providers (ring, and
//! aws-lc-rs through other crates), so rustls cannot choose one by itself.

/// Makes ring the process's provider, unless one was chosen already.
pub(crate) fn choose_ring() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
