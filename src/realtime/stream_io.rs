//! The reading side of a stream connection as tungstenite sees it: bytes
//! from the kernel after those the HTTP layer read past the upgrade; its
//! writes (pongs) go through the connection's one `SocketOut`.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use axum::body::Bytes;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::socket::SocketOut;

/// The socket as tungstenite sees it: reads come from the kernel (after
/// what the HTTP layer had already read past the upgrade), writes (its
/// pongs) go through the shared [`SocketOut`] in order with everything else.
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

impl AsyncRead for StreamIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if !self.early.is_empty() {
            let n = self.early.len().min(buf.remaining());
            let head = self.early.split_to(n);
            buf.put_slice(&head);
            if self.early.is_empty() {
                self.early = Bytes::new();
            }
            return Poll::Ready(Ok(()));
        }
        loop {
            ready!(self.tcp.poll_read_ready(cx))?;
            let unfilled = buf.initialize_unfilled();
            match self.tcp.try_read(unfilled) {
                Ok(n) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

impl AsyncWrite for StreamIo {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.out.push(Bytes::copy_from_slice(data));
        Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.out.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.out.poll_flush(cx)
    }
}
