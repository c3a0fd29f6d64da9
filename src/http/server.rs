//! The connection loop: accepts TCP connections and serves HTTP/1.1 (with
//! WebSocket upgrades) on each, with the limits that keep careless or
//! hostile clients from holding the server: a cap on connections per IP,
//! a deadline for request headers (no slowloris), a header size cap, and an
//! idle timeout between requests.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

use crate::ops::proxy::TrustedProxies;
use crate::ops::tls::TlsPeers;

/// Connection-level limits.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// Open connections one IP address may hold (0: no limit).
    pub max_per_ip: usize,
    /// Time a client has to send a request's headers once it starts.
    pub header_read_timeout: Duration,
    /// Largest request head (request line and headers), in bytes.
    pub max_header_bytes: usize,
    /// A connection with no request in flight and nothing read or written
    /// for this long is closed. (WebSockets have their own heartbeat.)
    pub idle_timeout: Duration,
    /// Proxies whose forwarding headers name the client (and which are
    /// not held to the per-IP cap: all their clients share their address).
    pub trusted_proxies: TrustedProxies,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_per_ip: 1000,
            header_read_timeout: Duration::from_secs(10),
            max_header_bytes: 16 * 1024,
            idle_timeout: Duration::from_secs(75),
            trusted_proxies: TrustedProxies::default(),
        }
    }
}

/// The open connections: per IP (for the cap) and in all, for metrics.
#[derive(Default)]
pub struct Connections {
    per_ip: Mutex<HashMap<IpAddr, usize>>,
    open: AtomicUsize,
    /// Taken over by a WebSocket.
    upgraded: AtomicUsize,
    /// Refused for the per-IP cap.
    refused: AtomicU64,
    /// Loopback connections from the TLS terminator, with their clients.
    tls_peers: Arc<TlsPeers>,
}

/// Counts of [`Connections`] at one moment.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionCounts {
    pub http: usize,
    pub websocket: usize,
    pub refused: u64,
}

impl Connections {
    pub fn tls_peers(&self) -> Arc<TlsPeers> {
        Arc::clone(&self.tls_peers)
    }

    pub fn counts(&self) -> ConnectionCounts {
        let open = self.open.load(Ordering::Relaxed);
        let websocket = self.upgraded.load(Ordering::Relaxed);
        ConnectionCounts {
            http: open.saturating_sub(websocket),
            websocket,
            refused: self.refused.load(Ordering::Relaxed),
        }
    }

    fn take(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<Slot> {
        let mut per_ip = self.per_ip.lock().expect("per-ip lock");
        let n = per_ip.entry(ip).or_insert(0);
        if max > 0 && *n >= max {
            self.refused.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        *n += 1;
        self.open.fetch_add(1, Ordering::Relaxed);
        Some(Slot {
            connections: Arc::clone(self),
            ip,
            upgraded: false,
        })
    }
}

/// A connection's place in [`Connections`], given back when it closes.
struct Slot {
    connections: Arc<Connections>,
    ip: IpAddr,
    upgraded: bool,
}

impl Slot {
    fn upgrade(&mut self) {
        self.upgraded = true;
        self.connections.upgraded.fetch_add(1, Ordering::Relaxed);
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.connections.open.fetch_sub(1, Ordering::Relaxed);
        if self.upgraded {
            self.connections.upgraded.fetch_sub(1, Ordering::Relaxed);
        }
        let mut per_ip = self.connections.per_ip.lock().expect("per-ip lock");
        if let Some(n) = per_ip.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                per_ip.remove(&self.ip);
            }
        }
    }
}

const TOO_MANY: &[u8] = b"HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\nretry-after: 5\r\nconnection: close\r\ncontent-length: 98\r\n\r\n{\"error\":{\"code\":\"too_many_connections\",\"message\":\"Too many open connections from your address.\"}}";

/// Connections the kernel completes and queues for `accept` before it
/// drops new SYNs (capped by `net.core.somaxconn`). The standard library's
/// 128 overflowed when thousands of clients connected at once (a burst of
/// reconnects after a restart): each dropped SYN costs its client a 1 s
/// retransmit.
const ACCEPT_BACKLOG: i32 = 4096;

/// Serves until `shutdown` completes; then stops accepting, lets open
/// connections finish their current request (and stream connections say
/// goodbye), and returns when they have.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    connections: Arc<Connections>,
    shutdown: impl Future<Output = ()> + Send,
) {
    // Listening again on a listening socket only sets its backlog.
    if let Err(e) = socket2::SockRef::from(&listener).listen(ACCEPT_BACKLOG) {
        tracing::warn!(error = %e, "could not raise the accept backlog");
    }
    let (closing_tx, closing) = tokio::sync::watch::channel(false);
    // Each connection task holds a sender; when all are gone, all are done.
    let (alive, mut all_done) = tokio::sync::mpsc::channel::<()>(1);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            pair = accept(&listener) => pair,
            () = &mut shutdown => break,
        };
        // A connection from our TLS terminator carries its client's address.
        let (peer, tls) = connections
            .tls_peers
            .take(peer)
            .map_or((peer, false), |client| (client, true));
        let max = if limits.trusted_proxies.trusts(peer.ip()) {
            0
        } else {
            limits.max_per_ip
        };
        let Some(slot) = connections.take(peer.ip(), max) else {
            tokio::spawn(refuse(stream));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let limits = limits.clone();
        let closing = closing.clone();
        let alive = alive.clone();
        tokio::spawn(async move {
            serve_connection(stream, slot, alive, (peer, tls), router, &limits, closing).await;
        });
    }
    closing_tx.send_replace(true);
    drop(alive);
    let _ = all_done.recv().await;
}

/// The next connection; an error (out of file descriptors and the like)
/// is logged and waited out, not spun on.
pub async fn accept(listener: &TcpListener) -> (TcpStream, SocketAddr) {
    loop {
        match listener.accept().await {
            Ok(pair) => return pair,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

async fn refuse(mut stream: TcpStream) {
    let _ = tokio::time::timeout(Duration::from_secs(1), stream.write_all(TOO_MANY)).await;
}

async fn serve_connection(
    stream: TcpStream,
    slot: Slot,
    alive: Alive,
    (peer, tls): (SocketAddr, bool),
    router: Router,
    limits: &ConnectionLimits,
    mut closing: tokio::sync::watch::Receiver<bool>,
) {
    let started = Instant::now();
    let activity = Arc::new(AtomicU64::new(0));
    let io = TokioIo::new(Tracked {
        inner: stream,
        started,
        last: Arc::clone(&activity),
        slot,
        alive,
    });
    let trusted = limits.trusted_proxies.clone();
    let service = router.map_request(move |mut req: hyper::Request<Incoming>| {
        // Everything after this (rate-limit keys, logs, the Secure flag of
        // cookies) sees the client as resolved through trusted proxies.
        let client = trusted.client(peer.ip(), tls, req.headers());
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(client.ip, peer.port())));
        req.extensions_mut().insert(client);
        req
    });
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(limits.max_header_bytes.max(8192))
        .keep_alive(true);
    let conn = http
        .serve_connection(io, TowerToHyperService::new(service))
        .with_upgrades();
    let mut conn = std::pin::pin!(conn);
    let check = limits.idle_timeout / 4;
    let closing = async move {
        // The guard `wait_for` returns must not live across an await.
        let _ = closing.wait_for(|c| *c).await;
    };
    let mut closing = std::pin::pin!(closing);
    loop {
        tokio::select! {
            _ = conn.as_mut() => return,
            () = &mut closing => {
                conn.as_mut().graceful_shutdown();
                let _ = conn.as_mut().await;
                return;
            }
            () = tokio::time::sleep(check) => {
                let last = Duration::from_millis(activity.load(Ordering::Relaxed));
                if started.elapsed().saturating_sub(last) > limits.idle_timeout {
                    // Finishes a request in flight, then closes.
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// Held by every connection, upgraded ones too: `serve` returns once all
/// are dropped, so on shutdown a stream connection's goodbye is written
/// before the process exits.
type Alive = tokio::sync::mpsc::Sender<()>;

/// A socket that remembers when data last moved, for the idle timeout, and
/// holds its IP's connection slot for as long as it lives — through a
/// WebSocket upgrade too, since the upgraded stream is this same object.
struct Tracked {
    inner: TcpStream,
    started: Instant,
    last: Arc<AtomicU64>,
    slot: Slot,
    alive: Alive,
}

/// A connection taken over after an upgrade: the socket itself, the IP's
/// connection slot, and the server's count of live connections, held for
/// as long as this lives.
pub struct TakenOver {
    pub tcp: Arc<TcpStream>,
    _slot: Slot,
    _alive: Alive,
}

impl TakenOver {
    /// The socket under an upgraded connection (with what hyper had read
    /// past the request), or `None` if it was not served by this loop.
    pub fn from_upgrade(upgraded: hyper::upgrade::Upgraded) -> Option<(Self, axum::body::Bytes)> {
        let parts = upgraded.downcast::<TokioIo<Tracked>>().ok()?;
        let mut tracked = parts.io.into_inner();
        tracked.slot.upgrade();
        Some((
            Self {
                tcp: Arc::new(tracked.inner),
                _slot: tracked.slot,
                _alive: tracked.alive,
            },
            parts.read_buf,
        ))
    }
}

impl crate::realtime::connection::TakenOver for TakenOver {
    fn tcp(&self) -> &Arc<TcpStream> {
        &self.tcp
    }
}

impl Tracked {
    fn touch(&self) {
        let ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(ms, Ordering::Relaxed);
    }
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.touch();
        }
        r
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refusal_is_a_complete_http_answer() {
        let text = std::str::from_utf8(TOO_MANY).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("content-length: {}", body.len())));
        assert!(serde_json::from_str::<serde_json::Value>(body).is_ok());
    }

    #[test]
    fn an_ip_gets_at_most_its_share_of_connections() {
        let per_ip = Arc::new(Connections::default());
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let a = per_ip.take(ip, 2).unwrap();
        let _b = per_ip.take(ip, 2).unwrap();
        assert!(per_ip.take(ip, 2).is_none());
        drop(a);
        assert!(per_ip.take(ip, 2).is_some());
        assert!(per_ip.take("127.0.0.2".parse().unwrap(), 2).is_some());
    }
}
