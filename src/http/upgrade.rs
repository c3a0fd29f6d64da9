//! The WebSocket handshake (RFC 6455 §4.2), done here rather than by
//! axum's `WebSocketUpgrade` so the connection keeps its TCP socket: the
//! hub writes live frames into it directly (see `realtime::socket`).

use std::convert::Infallible;
use std::future::Future;

use axum::body::{Body, Bytes};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use base64::Engine;
use hyper::upgrade::OnUpgrade;
use sha1::{Digest, Sha1};

use super::server::TakenOver;

/// A request to open a WebSocket, or why it is not one.
pub struct WsUpgrade(pub Result<Handshake, &'static str>);

pub struct Handshake {
    key: HeaderValue,
    on_upgrade: OnUpgrade,
}

impl<S: Send + Sync> FromRequestParts<S> for WsUpgrade {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Self(handshake(parts)))
    }
}

fn handshake(parts: &mut Parts) -> Result<Handshake, &'static str> {
    let key = check(&parts.method, &parts.headers)?.clone();
    let on_upgrade = parts
        .extensions
        .remove::<OnUpgrade>()
        .ok_or("this connection cannot be upgraded")?;
    Ok(Handshake { key, on_upgrade })
}

/// Whether the request head asks for a WebSocket as RFC 6455 §4.2.1 says;
/// its `Sec-WebSocket-Key` if so, or why not, as the end of a sentence.
pub fn check<'a>(method: &Method, headers: &'a HeaderMap) -> Result<&'a HeaderValue, &'static str> {
    if method != Method::GET {
        return Err("the request must be a GET");
    }
    if !has_token(headers, header::CONNECTION, "upgrade") {
        return Err("the Connection header must include \"upgrade\"");
    }
    if !has_token(headers, header::UPGRADE, "websocket") {
        return Err("the Upgrade header must be \"websocket\"");
    }
    if headers
        .get(header::SEC_WEBSOCKET_VERSION)
        .is_none_or(|v| v != "13")
    {
        return Err("the Sec-WebSocket-Version header must be 13");
    }
    headers
        .get(header::SEC_WEBSOCKET_KEY)
        .ok_or("the Sec-WebSocket-Key header is missing")
}

/// Whether a comma-separated header holds `token` (any case).
fn has_token(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

/// The `Sec-WebSocket-Accept` answer to a key.
pub fn accept_key(key: &[u8]) -> String {
    let mut sha1 = Sha1::new();
    sha1.update(key);
    sha1.update(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    base64::engine::general_purpose::STANDARD.encode(sha1.finalize())
}

impl Handshake {
    /// Answers 101 and, once hyper hands the connection over, runs `serve`
    /// with its socket and the bytes already read past the request.
    pub fn accept<F, Fut>(self, serve: F) -> Response
    where
        F: FnOnce(TakenOver, Bytes) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let on_upgrade = self.on_upgrade;
        tokio::spawn(async move {
            let Ok(upgraded) = on_upgrade.await else {
                return;
            };
            if let Some((taken, early)) = TakenOver::from_upgrade(upgraded) {
                // A task of its own rather than awaited here: an async
                // block keeps what it captured (`serve` and its arguments)
                // for as long as it runs, so awaiting would carry them in
                // every idle connection's task beside the copies `serve`
                // moved into its own future.
                tokio::spawn(serve(taken, early));
            } else {
                tracing::error!("an upgraded connection was not a TCP socket");
            }
        });
        Response::builder()
            .status(StatusCode::SWITCHING_PROTOCOLS)
            .header(header::CONNECTION, "upgrade")
            .header(header::UPGRADE, "websocket")
            .header(
                header::SEC_WEBSOCKET_ACCEPT,
                accept_key(self.key.as_bytes()),
            )
            .body(Body::empty())
            .expect("a valid response")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_accept_key_is_the_one_rfc_6455_gives_for_its_example() {
        assert_eq!(
            accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }
}
