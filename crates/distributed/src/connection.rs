//! One connection to a broker, speaking Kafka request/response frames (kafka-protocol crate), over
//! plain TCP or TLS and authenticated with SASL when the worker's `security.protocol` asks.

use std::sync::Arc;
use std::time::Duration;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use kafka_protocol::messages::{
    RequestHeader, ResponseHeader, SaslAuthenticateRequest, SaslAuthenticateResponse, SaslHandshakeRequest,
    SaslHandshakeResponse,
};
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion, Request, StrBytes};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::group::{GroupError, codes};
use crate::group_security::{GroupSecurity, SaslCredentials, SaslMechanism};
use crate::scram::ScramClient;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const SASL_HANDSHAKE_VERSION: i16 = 1;
const SASL_AUTHENTICATE_VERSION: i16 = 2;

/// A byte stream to a broker: TCP, or TLS over TCP.
trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}

impl<S: AsyncRead + AsyncWrite + Unpin + Send> Stream for S {}

/// Opens connections to brokers as this worker: its client id, TLS and SASL.
#[derive(Debug, Clone)]
pub struct Dialer {
    client_id: String,
    security: GroupSecurity,
}

impl Dialer {
    /// A dialer identifying as `client_id`, securing connections as `security` says.
    pub fn new(client_id: &str, security: GroupSecurity) -> Self {
        Self {
            client_id: client_id.to_string(),
            security,
        }
    }

    /// Connects to `address` (`host:port`), completing TLS and SASL before returning.
    pub async fn open(&self, address: &str) -> Result<Connection, GroupError> {
        let tcp = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(address))
            .await
            .map_err(|_| GroupError::Io(std::io::ErrorKind::TimedOut.into()))??;
        tcp.set_nodelay(true)?;
        let stream: Box<dyn Stream> = match &self.security.tls {
            None => Box::new(tcp),
            Some(tls) => {
                let host = address.rsplit_once(':').map_or(address, |(host, _)| host);
                let host = host.trim_start_matches('[').trim_end_matches(']');
                let name = ServerName::try_from(host.to_string())
                    .map_err(|err| GroupError::Protocol(format!("TLS server name {host}: {err}")))?;
                let connector = TlsConnector::from(Arc::clone(tls));
                let handshake = connector.connect(name, tcp);
                Box::new(
                    tokio::time::timeout(CONNECT_TIMEOUT, handshake)
                        .await
                        .map_err(|_| GroupError::Io(std::io::ErrorKind::TimedOut.into()))??,
                )
            }
        };
        let mut connection = Connection {
            stream,
            client_id: self.client_id.clone(),
            correlation: 0,
        };
        if let Some(credentials) = &self.security.sasl {
            connection.authenticate(credentials).await?;
        }
        Ok(connection)
    }
}

/// One connection to a broker, speaking request/response.
pub struct Connection {
    stream: Box<dyn Stream>,
    client_id: String,
    correlation: i32,
}

fn sasl_failed(message: String) -> GroupError {
    GroupError::Authentication(message)
}

impl Connection {
    /// SaslHandshake, then SaslAuthenticate rounds for `credentials`' mechanism.
    async fn authenticate(&mut self, credentials: &SaslCredentials) -> Result<(), GroupError> {
        let mechanism = credentials.mechanism.name();
        let request = SaslHandshakeRequest::default().with_mechanism(StrBytes::from_static_str(mechanism));
        let response: SaslHandshakeResponse = self.call(&request, SASL_HANDSHAKE_VERSION, CONNECT_TIMEOUT).await?;
        if response.error_code != codes::NONE {
            let offered: Vec<&str> = response.mechanisms.iter().map(|m| m.as_str()).collect();
            return Err(sasl_failed(format!(
                "the broker does not take SASL {mechanism} (error {}; it offers {offered:?})",
                response.error_code
            )));
        }
        match credentials.mechanism {
            SaslMechanism::Plain => {
                let token = format!("\0{}\0{}", credentials.username, credentials.password);
                self.sasl_round(token.into_bytes()).await?;
            }
            SaslMechanism::Scram(hash) => {
                let nonce = uuid::Uuid::new_v4().simple().to_string();
                let mut scram = ScramClient::new(hash, &credentials.username, &credentials.password, nonce);
                let server_first = self.sasl_round(scram.client_first()).await?;
                let client_final = scram.client_final(&server_first).map_err(sasl_failed)?;
                let server_final = self.sasl_round(client_final).await?;
                scram.verify_server_final(&server_final).map_err(sasl_failed)?;
            }
        }
        Ok(())
    }

    /// Sends one SaslAuthenticate token; returns the broker's.
    async fn sasl_round(&mut self, token: Vec<u8>) -> Result<Bytes, GroupError> {
        let request = SaslAuthenticateRequest::default().with_auth_bytes(Bytes::from(token));
        let response: SaslAuthenticateResponse =
            self.call(&request, SASL_AUTHENTICATE_VERSION, CONNECT_TIMEOUT).await?;
        if response.error_code != codes::NONE {
            let message = response.error_message.map(|m| m.to_string()).unwrap_or_default();
            return Err(sasl_failed(format!(
                "SASL authentication failed (error {}): {message}",
                response.error_code
            )));
        }
        Ok(response.auth_bytes)
    }

    /// Sends `request` at `version` and waits at most `timeout` for its response.
    pub async fn call<R: Request>(
        &mut self,
        request: &R,
        version: i16,
        timeout: Duration,
    ) -> Result<R::Response, GroupError> {
        tokio::time::timeout(timeout, self.exchange(request, version))
            .await
            .map_err(|_| GroupError::Timeout(R::KEY))?
    }

    async fn exchange<R: Request>(&mut self, request: &R, version: i16) -> Result<R::Response, GroupError> {
        self.correlation = self.correlation.wrapping_add(1);
        let header = RequestHeader::default()
            .with_request_api_key(R::KEY)
            .with_request_api_version(version)
            .with_correlation_id(self.correlation)
            .with_client_id(Some(StrBytes::from_string(self.client_id.clone())));
        let mut body = BytesMut::new();
        header
            .encode(&mut body, R::header_version(version))
            .and_then(|()| request.encode(&mut body, version))
            .map_err(|err| GroupError::Protocol(err.to_string()))?;
        let mut frame = BytesMut::with_capacity(body.len() + 4);
        frame.put_i32(body.len() as i32);
        frame.extend_from_slice(&body);
        self.stream.write_all(&frame).await?;
        let length = self.stream.read_i32().await?;
        let mut response = vec![0; length.max(0) as usize];
        self.stream.read_exact(&mut response).await?;
        let mut response = Bytes::from(response);
        let header = ResponseHeader::decode(&mut response, R::Response::header_version(version))
            .map_err(|err| GroupError::Protocol(err.to_string()))?;
        if header.correlation_id != self.correlation {
            return Err(GroupError::Protocol("response out of order".into()));
        }
        let decoded =
            R::Response::decode(&mut response, version).map_err(|err| GroupError::Protocol(err.to_string()))?;
        if response.has_remaining() {
            tracing::trace!(left = response.remaining(), "response bytes left unread");
        }
        Ok(decoded)
    }
}
