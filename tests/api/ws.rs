//! A WebSocket test client speaking docs/protocol.md.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Long enough for a debug build on a busy machine; only reached on failure.
pub const PATIENCE: Duration = Duration::from_secs(20);

pub struct Ws {
    inner: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// How a connection attempt ended: connected, or refused with an HTTP status.
pub async fn try_connect(base: &str, token: &str, origin: Option<&str>) -> Result<Ws, u16> {
    try_connect_with(base, token, None, origin).await
}

/// `try_connect` naming another `Host` than the address connected to.
pub async fn try_connect_with(
    base: &str,
    token: &str,
    host: Option<&str>,
    origin: Option<&str>,
) -> Result<Ws, u16> {
    let url = format!("{}/api/v1/stream", base.replacen("http://", "ws://", 1));
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    if let Some(host) = host {
        request.headers_mut().insert("host", host.parse().unwrap());
    }
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("origin", origin.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((inner, _)) => Ok(Ws { inner }),
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => Err(r.status().as_u16()),
        Err(e) => panic!("connect failed: {e}"),
    }
}

/// Connects over a socket with a tiny receive buffer, so that a client that
/// stops reading backs the server up quickly (as a stalled phone would).
pub async fn connect_with_small_buffer(base: &str, token: &str) -> Ws {
    let addr: std::net::SocketAddr = base.trim_start_matches("http://").parse().unwrap();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket.connect(addr).await.unwrap();
    let url = format!("ws://{addr}/api/v1/stream");
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    let (inner, _) = tokio_tungstenite::client_async(request, MaybeTlsStream::Plain(stream))
        .await
        .unwrap();
    let mut ws = Ws { inner };
    assert_eq!(ws.next_frame().await["type"], "hello");
    ws
}

/// Connects and reads the `hello` frame.
pub async fn connect(base: &str, token: &str) -> Ws {
    let mut ws = try_connect(base, token, None)
        .await
        .expect("stream connects");
    let hello = ws.next_frame().await;
    assert_eq!(hello["type"], "hello");
    ws
}

impl Ws {
    pub async fn send(&mut self, v: Value) {
        self.inner
            .send(Message::Text(v.to_string().into()))
            .await
            .unwrap();
    }

    /// Sends, reporting instead of panicking when the server has hung up.
    pub async fn try_send(&mut self, v: Value) -> bool {
        self.inner
            .send(Message::Text(v.to_string().into()))
            .await
            .is_ok()
    }

    /// The next JSON frame (pings are answered by the library).
    pub async fn next_frame(&mut self) -> Value {
        match self.next_or_close().await {
            Ok(v) => v,
            Err(close) => panic!("connection closed: {close:?}"),
        }
    }

    /// The next JSON frame, or how the connection ended (close code, or None for EOF).
    pub async fn next_or_close(&mut self) -> Result<Value, Option<u16>> {
        loop {
            let msg = tokio::time::timeout(PATIENCE, self.inner.next())
                .await
                .expect("a frame in time");
            match msg {
                Some(Ok(Message::Text(t))) => return Ok(serde_json::from_str(&t).unwrap()),
                Some(Ok(Message::Close(frame))) => return Err(frame.map(|f| u16::from(f.code))),
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return Err(None),
            }
        }
    }

    /// Reads until the connection ends; how it ended (close code, or None).
    pub async fn end(&mut self) -> Option<u16> {
        loop {
            if let Err(end) = self.next_or_close().await {
                return end;
            }
        }
    }

    /// Frames until one of type `kind` (returned); the others are returned too, in order.
    pub async fn until(&mut self, kind: &str) -> (Value, Vec<Value>) {
        let mut before = Vec::new();
        loop {
            let f = self.next_frame().await;
            if f["type"] == kind {
                return (f, before);
            }
            before.push(f);
        }
    }

    /// Subscribes and returns the replayed room events (everything before `subscribed`).
    pub async fn subscribe(&mut self, room: i64, after: i64) -> Vec<Value> {
        self.send(json!({"type": "subscribe", "rooms": {room.to_string(): after}}))
            .await;
        let (subscribed, before) = self.until("subscribed").await;
        assert_eq!(subscribed["room_id"], room);
        before
            .into_iter()
            .filter(|f| f.get("seq").is_some())
            .collect()
    }

    /// Everything that arrives until a pong: a barrier proving the server
    /// has sent all it was going to send before it read our ping.
    pub async fn drain(&mut self) -> Vec<Value> {
        self.send(json!({"type": "ping"})).await;
        self.until("pong").await.1
    }

    pub async fn close(mut self) {
        let _ = self
            .inner
            .close(Some(tokio_tungstenite::tungstenite::protocol::CloseFrame {
                code: CloseCode::Normal,
                reason: "bye".into(),
            }))
            .await;
    }
}

/// Reads until the next room event (skipping presence, typing and the like).
pub async fn next_event(ws: &mut Ws) -> Value {
    loop {
        let f = ws.next_frame().await;
        if f.get("seq").is_some() {
            return f;
        }
    }
}

/// The seqs of room events, in the order given.
pub fn seqs(events: &[Value]) -> Vec<i64> {
    events.iter().map(|e| e["seq"].as_i64().unwrap()).collect()
}
