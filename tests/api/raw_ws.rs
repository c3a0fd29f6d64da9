//! A WebSocket client at the byte level, for frames a proper client library
//! never sends (unmasked, reserved bits, unknown opcodes, bad UTF-8) and for
//! seeing exactly how the server ends a connection: its close code, then an
//! orderly end of stream or a reset.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::ws::PATIENCE;

pub struct RawWs {
    tcp: TcpStream,
    /// Bytes read past the last frame taken.
    buf: Vec<u8>,
    /// The server reset the connection (rather than ending it in order).
    reset: bool,
}

/// How the server ended the connection.
#[derive(Debug, PartialEq, Eq)]
pub enum End {
    /// A close frame with this code (`None`: an empty close), then the end
    /// of the stream.
    Closed(Option<u16>),
    /// The stream ended (or was reset) without a close frame.
    NoClose,
}

impl RawWs {
    /// Upgrades a fresh connection with `token` as the bearer.
    pub async fn connect(base: &str, token: &str) -> Self {
        let addr = base.trim_start_matches("http://");
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        let request = format!(
            "GET /api/v1/stream HTTP/1.1\r\nHost: {addr}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
             Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
             Authorization: Bearer {token}\r\n\r\n"
        );
        tcp.write_all(request.as_bytes()).await.unwrap();
        let mut ws = Self {
            tcp,
            buf: Vec::new(),
            reset: false,
        };
        loop {
            if let Some(end) = ws.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&ws.buf[..end]).into_owned();
                assert!(head.starts_with("HTTP/1.1 101"), "{head}");
                ws.buf.drain(..end + 4);
                break;
            }
            assert!(ws.fill().await > 0, "no answer to the upgrade");
        }
        ws
    }

    async fn fill(&mut self) -> usize {
        let mut chunk = [0u8; 8192];
        let read = tokio::time::timeout(PATIENCE, self.tcp.read(&mut chunk))
            .await
            .expect("the server answers in time");
        let n = read.unwrap_or_else(|_| {
            self.reset = true;
            0
        });
        self.buf.extend_from_slice(&chunk[..n]);
        n
    }

    /// Sends raw bytes.
    pub async fn send_bytes(&mut self, bytes: &[u8]) {
        self.tcp.write_all(bytes).await.unwrap();
    }

    /// Sends a frame: `first` is FIN, RSV and opcode; masked as a client's
    /// frames must be unless `masked` is false.
    pub async fn send_frame(&mut self, first: u8, payload: &[u8], masked: bool) {
        let mut frame = vec![first];
        let len = payload.len();
        let mask_bit = if masked { 0x80 } else { 0 };
        if len < 126 {
            frame.push(mask_bit | u8::try_from(len).unwrap());
        } else {
            frame.push(mask_bit | 0x7e);
            frame.extend_from_slice(&u16::try_from(len).unwrap().to_be_bytes());
        }
        if masked {
            let key = [0x12, 0x34, 0x56, 0x78];
            frame.extend_from_slice(&key);
            frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
        } else {
            frame.extend_from_slice(payload);
        }
        self.send_bytes(&frame).await;
    }

    /// The next whole frame from the server: (first byte, payload), or
    /// `None` at the end of the stream.
    pub async fn next_frame(&mut self) -> Option<(u8, Vec<u8>)> {
        loop {
            if let Some((header, len)) = frame_length(&self.buf) {
                if self.buf.len() >= header + len {
                    let first = self.buf[0];
                    let payload = self.buf[header..header + len].to_vec();
                    self.buf.drain(..header + len);
                    return Some((first, payload));
                }
            }
            if self.fill().await == 0 {
                return None;
            }
        }
    }

    /// Reads past any other frames to the close, then checks the stream
    /// ends there (the server closes its side after the close frame).
    pub async fn end(&mut self) -> End {
        loop {
            match self.next_frame().await {
                Some((0x88, payload)) => {
                    let code =
                        (payload.len() >= 2).then(|| u16::from_be_bytes([payload[0], payload[1]]));
                    // The server ends the stream after its close.
                    let rest =
                        tokio::time::timeout(Duration::from_secs(5), self.next_frame()).await;
                    assert!(
                        matches!(rest, Ok(None)) && !self.reset,
                        "the stream did not end in order after the close: {rest:?}, reset: {}",
                        self.reset
                    );
                    return End::Closed(code);
                }
                Some(_) => {}
                None => return End::NoClose,
            }
        }
    }
}

/// A frame's header length and payload length, once the header is in.
fn frame_length(buf: &[u8]) -> Option<(usize, usize)> {
    let second = *buf.get(1)?;
    match second & 0x7f {
        126 => Some((
            4,
            usize::from(u16::from_be_bytes([*buf.get(2)?, *buf.get(3)?])),
        )),
        127 => {
            let bytes: [u8; 8] = buf.get(2..10)?.try_into().ok()?;
            Some((10, usize::try_from(u64::from_be_bytes(bytes)).ok()?))
        }
        n => Some((2, usize::from(n))),
    }
}
