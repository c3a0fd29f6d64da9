//! Built-in TLS (`--tls-cert`, `--tls-key`): a terminator in front of the
//! plain HTTP loop. Each TLS connection is decrypted here and carried over
//! a loopback TCP connection into the ordinary connection loop, which
//! learns the real client address and that it came over TLS (see
//! `TlsPeers`). The loop, and the hub that writes live frames straight
//! into stream sockets, so stay exactly as they are for plain connections,
//! and TLS costs a copy and a loopback socket only where it is used. The
//! certificate is read again on `reload` (SIGHUP): new handshakes use the
//! new one, open connections keep theirs.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use anyhow::Context;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio_rustls::TlsAcceptor;

use crate::http::server::accept;

/// The certificate in force, and where to read it again from.
pub struct TlsFront {
    acceptor: RwLock<TlsAcceptor>,
    cert: PathBuf,
    key: PathBuf,
}

impl TlsFront {
    pub fn load(cert: &Path, key: &Path) -> anyhow::Result<Self> {
        Ok(Self {
            acceptor: RwLock::new(acceptor(cert, key)?),
            cert: cert.to_owned(),
            key: key.to_owned(),
        })
    }

    /// Reads the certificate and key again; on any error the one in force
    /// stays (a half-copied renewal must not take the server down).
    pub fn reload(&self) -> anyhow::Result<()> {
        let fresh = acceptor(&self.cert, &self.key)?;
        *self.acceptor.write().expect("tls lock") = fresh;
        Ok(())
    }

    fn current(&self) -> TlsAcceptor {
        self.acceptor.read().expect("tls lock").clone()
    }
}

fn acceptor(cert: &Path, key: &Path) -> anyhow::Result<TlsAcceptor> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(Iterator::collect)
        .with_context(|| format!("cannot read the TLS certificate {}", cert.display()))?;
    if certs.is_empty() {
        anyhow::bail!(
            "the TLS certificate file {} holds no certificate",
            cert.display()
        );
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .with_context(|| format!("cannot read the TLS key {}", key.display()))?;
    // ring, not aws-lc-rs: it builds with a plain C compiler (no cmake),
    // at the price of the post-quantum hybrid key exchange, which rustls
    // only offers with aws-lc-rs.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS setup")?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .context("the TLS certificate and key do not go together")?;
    // The connection loop speaks HTTP/1.1 (WebSocket upgrades need it).
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Loopback connections the terminator opened, by their local address,
/// with the client each carries; the connection loop takes the entry when
/// it accepts the connection.
#[derive(Default)]
pub struct TlsPeers(Mutex<HashMap<SocketAddr, SocketAddr>>);

impl TlsPeers {
    /// The client behind a loopback connection from `from`, if the
    /// terminator opened it.
    pub fn take(&self, from: SocketAddr) -> Option<SocketAddr> {
        self.0.lock().expect("tls peers lock").remove(&from)
    }

    fn put(&self, from: SocketAddr, client: SocketAddr) {
        self.0.lock().expect("tls peers lock").insert(from, client);
    }
}

/// Accepts TLS connections on `listener` until `stop` is set, and carries
/// each into the plain loop listening on `inner`.
pub async fn serve(
    listener: TcpListener,
    front: Arc<TlsFront>,
    inner: SocketAddr,
    peers: Arc<TlsPeers>,
    handshake_timeout: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let stopped = async move {
        // The guard `wait_for` returns must not live across an await.
        let _ = stop.wait_for(|s| *s).await;
    };
    let mut stopped = std::pin::pin!(stopped);
    loop {
        let (tcp, client) = tokio::select! {
            pair = accept(&listener) => pair,
            () = &mut stopped => return,
        };
        let acceptor = front.current();
        let peers = Arc::clone(&peers);
        tokio::spawn(async move {
            if let Err(e) = carry(tcp, client, acceptor, inner, &peers, handshake_timeout).await {
                tracing::debug!(error = %e, client = %client.ip(), "TLS connection ended");
            }
        });
    }
}

async fn carry(
    tcp: TcpStream,
    client: SocketAddr,
    acceptor: TlsAcceptor,
    inner: SocketAddr,
    peers: &TlsPeers,
    handshake_timeout: Duration,
) -> anyhow::Result<()> {
    let _ = tcp.set_nodelay(true);
    let mut tls = tokio::time::timeout(handshake_timeout, acceptor.accept(tcp))
        .await
        .context("handshake timed out")??;
    let socket = if inner.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.bind(SocketAddr::new(inner.ip(), 0))?;
    let from = socket.local_addr()?;
    // Registered before connecting, so the loop finds it when it accepts.
    peers.put(from, client);
    let plain = socket.connect(inner).await;
    let mut plain = match plain {
        Ok(p) => p,
        Err(e) => {
            peers.take(from);
            return Err(e.into());
        }
    };
    let _ = plain.set_nodelay(true);
    tokio::io::copy_bidirectional(&mut tls, &mut plain).await?;
    Ok(())
}

/// The router of the HTTP→HTTPS redirect listener: every request is sent
/// to the same path over HTTPS, at `public_url` when it is given, else at
/// the host asked for on `https_port`.
pub fn redirect_router(public_url: Option<String>, https_port: u16) -> axum::Router {
    use axum::http::{header, HeaderMap, StatusCode, Uri};
    let base = public_url.filter(|u| u.starts_with("https://"));
    axum::Router::new().fallback(move |headers: HeaderMap, uri: Uri| {
        let base = base.clone();
        async move {
            let path = uri.path_and_query().map_or("/", |p| p.as_str());
            let origin = base.map_or_else(
                || {
                    let host = headers
                        .get(header::HOST)
                        .and_then(|h| h.to_str().ok())
                        .unwrap_or("localhost");
                    let host = host.rsplit_once(':').map_or(host, |(h, p)| {
                        if p.chars().all(|c| c.is_ascii_digit()) {
                            h
                        } else {
                            host
                        }
                    });
                    if https_port == 443 {
                        format!("https://{host}")
                    } else {
                        format!("https://{host}:{https_port}")
                    }
                },
                |u| u.trim_end_matches('/').to_owned(),
            );
            (
                StatusCode::PERMANENT_REDIRECT,
                [(header::LOCATION, format!("{origin}{path}"))],
            )
        }
    })
}
