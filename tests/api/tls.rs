//! Built-in TLS against the real binary: the handshake, and SIGHUP
//! swapping the certificate while an open stream stays alive.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::ServerProcess;
use crate::ws::PATIENCE;

/// A self-signed certificate for localhost: (certificate DER, cert PEM, key PEM).
fn certificate() -> (CertificateDer<'static>, String, String) {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    (
        made.cert.der().clone(),
        made.cert.pem(),
        made.signing_key.serialize_pem(),
    )
}

fn connector(trusted: &[&CertificateDer<'static>]) -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    for cert in trusted {
        roots.add((*cert).clone()).unwrap();
    }
    #[allow(deprecated)] // the server's provider; see src/ops/tls.rs
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

async fn handshake(addr: &str, tls: &TlsConnector) -> TlsStream<TcpStream> {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    tls.connect(name, tcp).await.unwrap()
}

fn served_certificate(stream: &TlsStream<TcpStream>) -> CertificateDer<'static> {
    stream.get_ref().1.peer_certificates().unwrap()[0].clone()
}

/// One HTTP/1.1 POST over a fresh TLS connection: status, head, body.
async fn post(
    addr: &str,
    tls: &TlsConnector,
    path: &str,
    token: Option<&str>,
    body: &Value,
) -> (u16, String, String) {
    let mut stream = handshake(addr, tls).await;
    let body = body.to_string();
    let auth = token.map_or(String::new(), |t| format!("authorization: Bearer {t}\r\n"));
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n\
         {auth}content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_owned(), body.to_owned())
}

type TlsWs = tokio_tungstenite::WebSocketStream<TlsStream<TcpStream>>;

async fn open_stream(addr: &str, tls: &TlsConnector, token: &str) -> TlsWs {
    let mut request = format!("wss://{addr}/api/v1/stream")
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    tokio_tungstenite::client_async(request, handshake(addr, tls).await)
        .await
        .unwrap()
        .0
}

/// The next JSON frame.
async fn next_text(ws: &mut TlsWs) -> Value {
    loop {
        let m = tokio::time::timeout(PATIENCE, ws.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        if let Message::Text(t) = m {
            return serde_json::from_str(&t).unwrap();
        }
    }
}

fn write_pair(dir: &Path, cert: &str, key: &str) {
    // Written beside and renamed, as a renewal tool does.
    std::fs::write(dir.join("cert.pem.new"), cert).unwrap();
    std::fs::write(dir.join("key.pem.new"), key).unwrap();
    std::fs::rename(dir.join("cert.pem.new"), dir.join("cert.pem")).unwrap();
    std::fs::rename(dir.join("key.pem.new"), dir.join("key.pem")).unwrap();
}

#[tokio::test]
async fn sighup_swaps_the_certificate_and_an_open_stream_stays_alive() {
    let dir = tempfile::tempdir().unwrap();
    let (der_a, cert_a, key_a) = certificate();
    let (der_b, cert_b, key_b) = certificate();
    write_pair(dir.path(), &cert_a, &key_a);
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let server = ServerProcess::start(
        &dir.path().join("data"),
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    )
    .unwrap();
    assert!(server.base.starts_with("https://"), "{}", server.base);
    let addr = server.base.trim_start_matches("https://").to_owned();
    let tls = connector(&[&der_a, &der_b]);
    assert_eq!(served_certificate(&handshake(&addr, &tls).await), der_a);

    // Sign up over TLS: the session cookie is Secure.
    let (status, head, _) = post(
        &addr,
        &tls,
        "/api/v1/users",
        None,
        &json!({"username": "tess"}),
    )
    .await;
    assert_eq!(status, 201, "{head}");
    let cookie = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
    let token = cookie
        .split_once('=')
        .unwrap()
        .1
        .split(';')
        .next()
        .unwrap()
        .to_owned();

    // A stream over TLS, subscribed to the lobby.
    let mut ws = open_stream(&addr, &tls, &token).await;
    assert_eq!(next_text(&mut ws).await["type"], "hello");
    ws.send(Message::Text(
        json!({"type": "subscribe", "rooms": {"1": 0}})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();

    // Renew and signal: new handshakes get the new certificate.
    write_pair(dir.path(), &cert_b, &key_b);
    let status = std::process::Command::new("kill")
        .args(["-HUP", &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while served_certificate(&handshake(&addr, &tls).await) != der_b {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the certificate was not reloaded"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The stream opened before the reload still carries live messages.
    let (status, _, body) = post(
        &addr,
        &tls,
        "/api/v1/rooms/1/messages",
        Some(&token),
        &json!({"client_id": "after-reload-1", "body": "still here"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    while next_text(&mut ws).await["message"]["body"] != "still here" {}
}

#[tokio::test]
async fn a_certificate_that_does_not_match_its_key_stops_the_server_with_one_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let (_, cert_a, _) = certificate();
    let (_, _, key_b) = certificate();
    std::fs::write(dir.path().join("cert.pem"), cert_a).unwrap();
    std::fs::write(dir.path().join("key.pem"), key_b).unwrap();
    let err = ServerProcess::start(
        &dir.path().join("data"),
        &[
            "--tls-cert",
            dir.path().join("cert.pem").to_str().unwrap(),
            "--tls-key",
            dir.path().join("key.pem").to_str().unwrap(),
        ],
    )
    .err()
    .expect("refused");
    assert!(err.contains("do not go together"), "{err}");
}

#[tokio::test]
async fn plain_http_on_the_redirect_listener_is_sent_to_https() {
    let dir = tempfile::tempdir().unwrap();
    let (_, cert, key) = certificate();
    write_pair(dir.path(), &cert, &key);
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let redirect = free.local_addr().unwrap();
    drop(free);
    let server = ServerProcess::start(
        &dir.path().join("data"),
        &[
            "--tls-cert",
            dir.path().join("cert.pem").to_str().unwrap(),
            "--tls-key",
            dir.path().join("key.pem").to_str().unwrap(),
            "--http-redirect-listen",
            &redirect.to_string(),
        ],
    )
    .unwrap();
    let port = server.base.rsplit(':').next().unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = client
        .get(format!("http://localhost:{}/chat?room=1", redirect.port()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::PERMANENT_REDIRECT);
    assert_eq!(
        r.headers()["location"],
        format!("https://localhost:{port}/chat?room=1").as_str()
    );
}
