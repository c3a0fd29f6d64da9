//! The reading side of a stream connection: tungstenite parses the client's
//! frames from bytes read straight from the kernel (after those the HTTP
//! layer read past the upgrade); its writes (pongs, the close reply) go
//! through the connection's one `SocketOut`.
//!
//! tungstenite's blocking API is driven here by the task itself rather than
//! through tokio-tungstenite: that wrapper keeps two `Arc`s of wakers per
//! connection (128 bytes) and a larger state in every idle connection's
//! task, for a socket only this task reads.

use std::io::{self, Read, Write};
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use axum::body::Bytes;
use tokio::net::TcpStream;
use tungstenite::protocol::{Role, WebSocketConfig};
use tungstenite::{Error, Message, WebSocket};

use super::socket::SocketOut;

/// The socket as tungstenite sees it: reads come from the kernel without
/// waiting (after what the HTTP layer had already read past the upgrade),
/// writes go through the shared [`SocketOut`] in order with everything else.
pub struct StreamIo {
    tcp: Arc<TcpStream>,
    out: Arc<SocketOut>,
    /// Bytes read before the upgrade that belong to the WebSocket.
    early: Bytes,
}

impl StreamIo {
    pub fn new(tcp: Arc<TcpStream>, out: Arc<SocketOut>, early: &[u8]) -> Self {
        Self {
            tcp,
            out,
            // Copied: the HTTP layer's bytes are a slice of its whole read
            // buffer (8 KiB), which a reference would keep alive for as
            // long as the connection (measured: 3.5 -> 7.9 KiB per idle
            // connection).
            early: Bytes::copy_from_slice(early),
        }
    }
}

impl Read for StreamIo {
    /// `WouldBlock` when the kernel has nothing (tokio then clears the
    /// socket's readiness, so [`Reader`] waits for the next).
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.early.is_empty() {
            let n = self.early.len().min(buf.len());
            buf[..n].copy_from_slice(&self.early.split_to(n));
            if self.early.is_empty() {
                self.early = Bytes::new();
            }
            return Ok(n);
        }
        self.tcp.try_read(buf)
    }
}

impl Write for StreamIo {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.out.push(Bytes::copy_from_slice(data));
        Ok(data.len())
    }

    /// Nothing to wait for here: what the kernel did not take waits in the
    /// `SocketOut`, which told the connection's task to flush it.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The client's messages, read as they arrive.
pub struct Reader {
    ws: WebSocket<StreamIo>,
    /// The connection ended or failed: nothing more will be read.
    ended: bool,
}

impl Reader {
    pub fn new(io: StreamIo, config: WebSocketConfig) -> Self {
        Self {
            ws: WebSocket::from_raw_socket(io, Role::Server, Some(config)),
            ended: false,
        }
    }

    /// The next message; `None` once the connection is closed (as
    /// tokio-tungstenite's stream ends), or after an error was returned.
    pub async fn next(&mut self) -> Option<Result<Message, Error>> {
        std::future::poll_fn(|cx| self.poll_next(cx)).await
    }

    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, Error>>> {
        if self.ended {
            return Poll::Ready(None);
        }
        loop {
            match self.ws.read() {
                Ok(message) => return Poll::Ready(Some(Ok(message))),
                Err(Error::Io(e)) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(Error::AlreadyClosed | Error::ConnectionClosed) => {
                    self.ended = true;
                    return Poll::Ready(None);
                }
                Err(e) => {
                    self.ended = true;
                    return Poll::Ready(Some(Err(e)));
                }
            }
            // Ready again only once the kernel has more (or the socket failed:
            // the next read reports it).
            if let Err(e) = ready!(self.ws.get_ref().tcp.poll_read_ready(cx)) {
                self.ended = true;
                return Poll::Ready(Some(Err(Error::Io(e))));
            }
        }
    }
}
