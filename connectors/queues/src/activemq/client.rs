//! A STOMP 1.2 connection to ActiveMQ: the handshake, with failures told apart by the key at fault,
//! and the connection split into a frame reader and a shared frame writer.

use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use kconnect_api::{ConnectError, Result};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::Mutex;
use tokio_util::codec::{FramedRead, FramedWrite};

use super::config::{ConnectionConfig, URL, USERNAME};
use super::frame::{Frame, StompCodec};

/// The frames the broker sends.
pub(crate) type Reader = FramedRead<OwnedReadHalf, StompCodec>;
/// Where frames to the broker go, shared by whoever sends them.
pub(crate) type Writer = Arc<Mutex<FramedWrite<OwnedWriteHalf, StompCodec>>>;

/// Connects and logs in (as `client_id`, for durable subscriptions, when given).
pub(crate) async fn connect(config: &ConnectionConfig, client_id: Option<&str>) -> Result<(Reader, Writer)> {
    let address = &config.address;
    let unreachable =
        |error: String| ConnectError::config(URL, format!("cannot connect to ActiveMQ at {address}: {error}"));
    let stream = tokio::time::timeout(config.connect_timeout, TcpStream::connect(address))
        .await
        .map_err(|_| unreachable("timed out".into()))?
        .map_err(|error| unreachable(error.to_string()))?;
    stream
        .set_nodelay(true)
        .map_err(|error| unreachable(error.to_string()))?;
    let (read, write) = stream.into_split();
    let (mut reader, mut writer) = (FramedRead::new(read, StompCodec), FramedWrite::new(write, StompCodec));
    let host = address.rsplit_once(':').map_or(address.as_str(), |(host, _)| host);
    let mut connect = Frame::new("CONNECT")
        .header("accept-version", "1.2")
        .header("host", host)
        .header("heart-beat", "0,0");
    if !config.username.is_empty() {
        connect = connect
            .header("login", config.username.clone())
            .header("passcode", config.password.clone());
    }
    if let Some(client_id) = client_id {
        connect = connect.header("client-id", client_id);
    }
    writer
        .send(connect)
        .await
        .map_err(|error| unreachable(error.to_string()))?;
    let answer = tokio::time::timeout(config.connect_timeout, reader.next()).await;
    match answer {
        Ok(Some(Ok(frame))) if frame.command == "CONNECTED" => Ok((reader, Arc::new(Mutex::new(writer)))),
        Ok(Some(Ok(frame))) if frame.command == "ERROR" => Err(ConnectError::config(
            USERNAME,
            format!("ActiveMQ at {address} refused the connection: {}", error_text(&frame)),
        )),
        _ => Err(unreachable(
            "no STOMP answer (is this the broker's STOMP transport, not OpenWire?)".into(),
        )),
    }
}

/// What an ERROR frame says.
pub(crate) fn error_text(frame: &Frame) -> String {
    let body = String::from_utf8_lossy(&frame.body);
    let first_line = body.lines().next().unwrap_or_default();
    match frame.get("message") {
        Some(message) if first_line.is_empty() => message.to_string(),
        Some(message) => format!("{message} ({first_line})"),
        None => first_line.to_string(),
    }
}

/// Sends `frames` and flushes them once.
pub(crate) async fn send_all(writer: &Writer, frames: impl IntoIterator<Item = Frame>) -> Result<()> {
    let mut writer = writer.lock().await;
    for frame in frames {
        writer.feed(frame).await.map_err(lost)?;
    }
    writer.flush().await.map_err(lost)
}

/// Says goodbye, best effort, within `wait`.
pub(crate) async fn disconnect(writer: &Writer, wait: Duration) {
    let goodbye = send_all(writer, [Frame::new("DISCONNECT")]);
    if let Ok(Err(error)) = tokio::time::timeout(wait, goodbye).await {
        tracing::debug!(%error, "disconnecting from ActiveMQ");
    }
}

/// A failure while connected: the connection was lost, so retrying on a new one may succeed.
pub(crate) fn lost(error: impl std::fmt::Display) -> ConnectError {
    ConnectError::Retriable(format!("ActiveMQ connection lost: {error}"))
}
