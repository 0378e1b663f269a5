//! STOMP 1.2 frames and their codec: a command line, `name:value` header lines (escaped as 1.2
//! says, except in CONNECT and CONNECTED), a blank line, the body and a NUL. A body is read up to
//! `content-length` when given (it may hold NULs), else up to the first NUL; the end-of-lines
//! between frames (heart-beats) are skipped.

use bytes::{Buf, BufMut, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

/// A frame larger than this is refused (a broken peer, not a message).
const MAX_FRAME: usize = 64 * 1024 * 1024;

/// One STOMP frame.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Frame {
    pub command: String,
    /// In order; a repeated header's first value is the one that counts.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Frame {
    /// A frame of `command` with no header and no body.
    pub fn new(command: &str) -> Self {
        Self {
            command: command.into(),
            ..Self::default()
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The value of header `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    fn escapes_headers(&self) -> bool {
        self.command != "CONNECT" && self.command != "CONNECTED"
    }
}

/// A frame that does not follow STOMP 1.2.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FrameError {
    #[error("malformed STOMP frame: {0}")]
    Malformed(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Reads and writes frames.
#[derive(Debug, Default)]
pub(crate) struct StompCodec;

impl Decoder for StompCodec {
    type Item = Frame;
    type Error = FrameError;

    fn decode(&mut self, buffer: &mut BytesMut) -> Result<Option<Frame>, FrameError> {
        let blank = buffer.iter().take_while(|b| **b == b'\n' || **b == b'\r').count();
        buffer.advance(blank);
        // The headers end at the first blank line, whichever end-of-line it uses.
        let ends = [
            find(buffer, b"\n\n").map(|at| (at, 2)),
            find(buffer, b"\r\n\r\n").map(|at| (at, 4)),
        ];
        let Some((head_len, separator)) = ends.into_iter().flatten().min() else {
            return too_large(buffer.len()).map(|()| None);
        };
        let head = std::str::from_utf8(&buffer[..head_len])
            .map_err(|_| FrameError::Malformed("headers are not UTF-8".into()))?;
        let mut lines = head.lines();
        let command = lines.next().unwrap_or_default().trim_end_matches('\r').to_string();
        let mut frame = Frame::new(&command);
        let escaped = frame.escapes_headers();
        for line in lines {
            let line = line.trim_end_matches('\r');
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| FrameError::Malformed(format!("header line {line:?} has no colon")))?;
            let (name, value) = if escaped {
                (unescape(name)?, unescape(value)?)
            } else {
                (name.to_string(), value.to_string())
            };
            frame.headers.push((name, value));
        }
        let body_start = head_len + separator;
        let body_len = match frame.get("content-length") {
            Some(length) => length
                .trim()
                .parse::<usize>()
                .map_err(|_| FrameError::Malformed(format!("content-length {length:?}")))?,
            None => match buffer[body_start..].iter().position(|b| *b == 0) {
                Some(at) => at,
                None => return too_large(buffer.len()).map(|()| None),
            },
        };
        too_large(body_len)?;
        if buffer.len() < body_start + body_len + 1 {
            buffer.reserve(body_start + body_len + 1 - buffer.len());
            return Ok(None);
        }
        if buffer[body_start + body_len] != 0 {
            return Err(FrameError::Malformed("the body does not end with NUL".into()));
        }
        frame.body = buffer[body_start..body_start + body_len].to_vec();
        buffer.advance(body_start + body_len + 1);
        Ok(Some(frame))
    }
}

impl Encoder<Frame> for StompCodec {
    type Error = FrameError;

    fn encode(&mut self, frame: Frame, buffer: &mut BytesMut) -> Result<(), FrameError> {
        let escaped = frame.escapes_headers();
        buffer.reserve(frame.command.len() + frame.body.len() + 64);
        buffer.put_slice(frame.command.as_bytes());
        buffer.put_u8(b'\n');
        for (name, value) in &frame.headers {
            if escaped {
                put_escaped(buffer, name);
                buffer.put_u8(b':');
                put_escaped(buffer, value);
            } else {
                buffer.put_slice(name.as_bytes());
                buffer.put_u8(b':');
                buffer.put_slice(value.as_bytes());
            }
            buffer.put_u8(b'\n');
        }
        buffer.put_u8(b'\n');
        buffer.put_slice(&frame.body);
        buffer.put_u8(0);
        Ok(())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

fn too_large(length: usize) -> Result<(), FrameError> {
    if length > MAX_FRAME {
        Err(FrameError::Malformed(format!("a frame of over {MAX_FRAME} bytes")))
    } else {
        Ok(())
    }
}

fn unescape(text: &str) -> Result<String, FrameError> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next() {
            Some('n') => '\n',
            Some('r') => '\r',
            Some('c') => ':',
            Some('\\') => '\\',
            other => return Err(FrameError::Malformed(format!("escape \\{other:?} in a header"))),
        });
    }
    Ok(out)
}

fn put_escaped(buffer: &mut BytesMut, text: &str) {
    for c in text.chars() {
        match c {
            '\\' => buffer.put_slice(b"\\\\"),
            '\n' => buffer.put_slice(b"\\n"),
            '\r' => buffer.put_slice(b"\\r"),
            ':' => buffer.put_slice(b"\\c"),
            other => {
                let mut utf8 = [0; 4];
                buffer.put_slice(other.encode_utf8(&mut utf8).as_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: &[u8]) -> Vec<Frame> {
        let mut buffer = BytesMut::from(bytes);
        let mut frames = Vec::new();
        while let Some(frame) = StompCodec.decode(&mut buffer).unwrap() {
            frames.push(frame);
        }
        assert!(buffer.is_empty(), "left {buffer:?}");
        frames
    }

    #[test]
    fn a_frame_survives_encoding_with_escaped_headers_and_a_body_with_nuls() {
        let frame = Frame::new("SEND")
            .header("destination", "/queue/a:b")
            .header("note", "line\nbreak\\")
            .header("content-length", "3");
        let frame = Frame {
            body: vec![1, 0, 2],
            ..frame
        };
        let mut buffer = BytesMut::new();
        StompCodec.encode(frame.clone(), &mut buffer).unwrap();
        assert!(buffer.starts_with(b"SEND\ndestination:/queue/a\\cb\n"));
        assert_eq!(decode_all(&buffer), [frame]);
    }

    #[test]
    fn heart_beats_are_skipped_and_a_body_without_length_ends_at_nul() {
        let frames = decode_all(b"\n\r\nMESSAGE\r\nmessage-id:1\r\n\r\nhello\0\nRECEIPT\nreceipt-id:7\n\n\0");
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[0].get("message-id"), Some("1"));
        assert_eq!(frames[0].body, b"hello");
        assert_eq!(frames[1].command, "RECEIPT");
    }

    #[test]
    fn a_partial_frame_waits_for_the_rest() {
        let mut buffer = BytesMut::from(&b"MESSAGE\ncontent-length:5\n\nhel"[..]);
        assert_eq!(StompCodec.decode(&mut buffer).unwrap(), None);
        buffer.extend_from_slice(b"lo\0");
        assert_eq!(StompCodec.decode(&mut buffer).unwrap().unwrap().body, b"hello");
    }

    #[test]
    fn connect_headers_are_not_escaped() {
        let mut buffer = BytesMut::new();
        let connect = Frame::new("CONNECT").header("passcode", "a:b");
        StompCodec.encode(connect, &mut buffer).unwrap();
        assert!(buffer.starts_with(b"CONNECT\npasscode:a:b\n"));
    }
}
