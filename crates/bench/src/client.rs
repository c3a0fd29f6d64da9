//! A WebSocket client of the stream: connect (from a chosen loopback source
//! address), and read the few fields of a server frame the bench needs.

use std::borrow::Cow;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

use anyhow::{anyhow, Context, Result};
use serde::Deserialize;
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::WebSocketStream;

pub type Ws = WebSocketStream<TcpStream>;

/// Opens the stream as the user with `token`. With `source`, the socket is
/// bound to that loopback address first: each source address has its own
/// ~28k ephemeral ports, which is what lets one machine hold more clients.
pub async fn connect(stream_url: &str, token: &str, source: Option<IpAddr>) -> Result<Ws> {
    let tcp = tcp_connect(server_addr(stream_url)?, source).await?;
    let mut request = stream_url.into_client_request()?;
    request.headers_mut().insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {token}"))?,
    );
    // Small buffers: the library's 128 KiB read buffer per client would
    // make the generator, not the server, run out of memory first. And
    // the library zero-fills the free part of it before every read — twice
    // per frame (the read that gets it, and the one that finds the socket
    // empty) — which at 8 KiB was the generator's top symbol (`memset`,
    // 8.5% of a fanout worker); frames are ~300 bytes and larger ones grow it.
    let config = WebSocketConfig::default()
        .read_buffer_size(1024)
        .write_buffer_size(0);
    let (ws, _) = tokio_tungstenite::client_async_with_config(request, tcp, Some(config))
        .await
        .context("WebSocket upgrade")?;
    Ok(ws)
}

/// A TCP connection to `target`, from `source` if given, without Nagle's delay.
pub async fn tcp_connect(target: SocketAddr, source: Option<IpAddr>) -> Result<TcpStream> {
    let socket = if target.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    if let Some(ip) = source {
        socket
            .bind(SocketAddr::new(ip, 0))
            .with_context(|| format!("binding to {ip}"))?;
    }
    let tcp = socket.connect(target).await.context("TCP connect")?;
    tcp.set_nodelay(true)?;
    Ok(tcp)
}

pub fn server_addr(stream_url: &str) -> Result<SocketAddr> {
    let url = url::Url::parse(stream_url)?;
    let host = url.host_str().ok_or_else(|| anyhow!("no host"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = url.port_or_known_default().unwrap_or(80);
    (host, port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| anyhow!("{host} does not resolve"))
}

/// The fields of a server frame the bench looks at; the rest is skipped.
#[derive(Debug, Deserialize)]
pub struct Frame<'a> {
    #[serde(rename = "type", borrow)]
    pub kind: Cow<'a, str>,
    pub room_id: Option<i64>,
    pub seq: Option<i64>,
    #[serde(borrow)]
    pub client_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub message: Option<FrameMessage<'a>>,
    /// Reaction events: which message, which emoji, whose.
    pub message_seq: Option<i64>,
    #[serde(borrow)]
    pub emoji: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub username: Option<Cow<'a, str>>,
}

#[derive(Debug, Deserialize)]
pub struct FrameMessage<'a> {
    pub room_id: i64,
    pub seq: i64,
    #[serde(borrow)]
    pub body: Cow<'a, str>,
    /// Set on replies: the seq of the thread's first message.
    pub thread_root: Option<i64>,
}

impl<'a> Frame<'a> {
    pub fn parse(text: &'a str) -> Result<Self> {
        serde_json::from_str(text).with_context(|| format!("unreadable frame {}", clip(text)))
    }

    /// A reaction event's identity (`mixed` matches it with the request
    /// that made it): see `reaction_key`.
    pub fn reaction_key(&self) -> Option<String> {
        let added = match self.kind.as_ref() {
            "reaction.added" => true,
            "reaction.removed" => false,
            _ => return None,
        };
        Some(reaction_key(
            self.room_id?,
            self.message_seq?,
            self.emoji.as_deref()?,
            self.username.as_deref()?,
            added,
        ))
    }
}

/// Who changed which reaction on which message, and how.
pub fn reaction_key(room: i64, message_seq: i64, emoji: &str, user: &str, added: bool) -> String {
    let sign = if added { '+' } else { '-' };
    format!("{room}:{message_seq}:{emoji}:{user}:{sign}")
}

/// The start of a frame, for error messages.
pub fn clip(text: &str) -> &str {
    let mut end = text.len().min(200);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_event_gives_room_seq_and_body() {
        let text = r#"{"room_id":1,"seq":58,"type":"message.created","message":{"id":9,"room_id":1,"seq":58,"author_id":3,"author":"a","client_id":"x","body":"t12:xx","created_at":"2026"}}"#;
        let f = Frame::parse(text).unwrap();
        assert_eq!(f.kind, "message.created");
        assert_eq!((f.room_id, f.seq), (Some(1), Some(58)));
        assert_eq!(f.message.unwrap().body, "t12:xx");
    }

    #[test]
    fn other_frames_parse_too() {
        let f = Frame::parse(r#"{"type":"subscribed","room_id":1,"last_seq":57}"#).unwrap();
        assert_eq!((f.kind.as_ref(), f.room_id), ("subscribed", Some(1)));
        let f = Frame::parse(
            r#"{"type":"presence","room_id":1,"online":[{"user_id":3,"username":"a"}]}"#,
        )
        .unwrap();
        assert_eq!(f.kind, "presence");
    }
}
