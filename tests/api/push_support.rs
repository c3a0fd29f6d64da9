//! For the Web Push tests: a push service on loopback (HTTPS with a test
//! certificate the server is told to trust) that records each push, and a
//! browser's subscription keys that decrypt them (RFC 8291 and RFC 8188,
//! written again from the RFCs so the test does not trust the server's code).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes128Gcm, Nonce};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hkdf::Hkdf;
use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use p256::{PublicKey, SecretKey};
use rand::RngCore;
use serde_json::{json, Value};
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// One push as the service received it.
#[derive(Debug, Clone)]
pub struct Push {
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
    /// What the service answered.
    pub status: u16,
}

/// A push service on 127.0.0.1: answers 201, or the status set for a path.
pub struct PushService {
    pub addr: SocketAddr,
    /// The CA certificate (PEM) to give the server (`--outbound-ca-file`).
    pub cert_file: tempfile::NamedTempFile,
    answers: Arc<Mutex<HashMap<String, u16>>>,
    received: tokio::sync::Mutex<mpsc::UnboundedReceiver<Push>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for PushService {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl PushService {
    pub async fn start() -> Self {
        let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()])
            .expect("a test certificate");
        let key =
            rustls::pki_types::PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![certified.cert.der().clone()], key.into())
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let cert_file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(cert_file.path(), certified.cert.pem()).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let answers: Arc<Mutex<HashMap<String, u16>>> = Arc::default();
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn({
            let answers = Arc::clone(&answers);
            async move {
                loop {
                    let Ok((tcp, _)) = listener.accept().await else {
                        return;
                    };
                    let (acceptor, answers, tx) =
                        (acceptor.clone(), Arc::clone(&answers), tx.clone());
                    tokio::spawn(async move {
                        let Ok(mut tls) = acceptor.accept(tcp).await else {
                            return;
                        };
                        let Some(mut push) = read_request(&mut tls).await else {
                            return;
                        };
                        let status = answers
                            .lock()
                            .unwrap()
                            .get(&push.path)
                            .copied()
                            .unwrap_or(201);
                        push.status = status;
                        let _ = tx.send(push);
                        let reply = format!(
                            "HTTP/1.1 {status} Answer\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                        );
                        let _ = tls.write_all(reply.as_bytes()).await;
                        let _ = tls.shutdown().await;
                    });
                }
            }
        });
        Self {
            addr,
            cert_file,
            answers,
            received: tokio::sync::Mutex::new(rx),
            task,
        }
    }

    pub fn endpoint(&self, path: &str) -> String {
        format!("https://{}{path}", self.addr)
    }

    /// From now on, pushes to `path` are answered with `status`.
    pub fn answer(&self, path: &str, status: u16) {
        self.answers.lock().unwrap().insert(path.to_owned(), status);
    }

    /// The next push received (pushes arrive after the send's answer, off
    /// its path; the minute is a safety net against a hang, not a speed
    /// requirement).
    pub async fn next(&self) -> Push {
        tokio::time::timeout(Duration::from_mins(1), self.received.lock().await.recv())
            .await
            .expect("a push arrives")
            .expect("the service runs")
    }
}

async fn read_request<S: tokio::io::AsyncRead + Unpin>(s: &mut S) -> Option<Push> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let path = lines.next()?.split(' ').nth(1)?.to_owned();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers.get("content-length")?.parse().ok()?;
    while buf.len() < head_end + length {
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some(Push {
        path,
        headers,
        body: buf[head_end..head_end + length].to_vec(),
        status: 0,
    })
}

/// A browser's subscription keys.
pub struct Browser {
    secret: SecretKey,
    auth: [u8; 16],
}

impl Browser {
    pub fn new() -> Self {
        let mut auth = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut auth);
        Self {
            secret: SecretKey::random(&mut rand::rngs::OsRng),
            auth,
        }
    }

    /// What `PushSubscription.toJSON()` gives the page.
    pub fn subscription(&self, endpoint: &str) -> Value {
        let p256dh =
            URL_SAFE_NO_PAD.encode(self.secret.public_key().to_encoded_point(false).as_bytes());
        json!({
            "endpoint": endpoint,
            "expirationTime": null,
            "keys": { "p256dh": p256dh, "auth": URL_SAFE_NO_PAD.encode(self.auth) },
        })
    }

    /// Decrypts an `aes128gcm` push body into its JSON.
    pub fn read(&self, body: &[u8]) -> Value {
        let plain = self
            .decrypt(body)
            .expect("the push decrypts with this subscription's keys");
        serde_json::from_slice(&plain).expect("the push is JSON")
    }

    pub fn decrypt(&self, body: &[u8]) -> Result<Vec<u8>, &'static str> {
        // salt(16) | rs(4) | idlen(1) | keyid(65) | one record
        if body.len() < 16 + 4 + 1 + 65 + 17 {
            return Err("too short");
        }
        let (salt, rest) = body.split_at(16);
        if rest[4] != 65 {
            return Err("keyid is not a P-256 point");
        }
        let as_public_bytes = &rest[5..70];
        let record = &rest[70..];
        let as_public =
            PublicKey::from_sec1_bytes(as_public_bytes).map_err(|_| "bad sender key")?;
        let shared =
            p256::ecdh::diffie_hellman(self.secret.to_nonzero_scalar(), as_public.as_affine());
        let ua_public = self.secret.public_key().to_encoded_point(false);
        // RFC 8291 3.3: IKM from the auth secret and both public keys.
        let mut key_info = b"WebPush: info\0".to_vec();
        key_info.extend_from_slice(ua_public.as_bytes());
        key_info.extend_from_slice(as_public_bytes);
        let mut ikm = [0u8; 32];
        Hkdf::<Sha256>::new(Some(&self.auth), shared.raw_secret_bytes())
            .expand(&key_info, &mut ikm)
            .unwrap();
        // RFC 8188 2.2: the content key and nonce from the salt.
        let prk = Hkdf::<Sha256>::new(Some(salt), &ikm);
        let (mut cek, mut nonce) = ([0u8; 16], [0u8; 12]);
        prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek)
            .unwrap();
        prk.expand(b"Content-Encoding: nonce\0", &mut nonce)
            .unwrap();
        let mut plain = Aes128Gcm::new_from_slice(&cek)
            .unwrap()
            .decrypt(Nonce::from_slice(&nonce), record)
            .map_err(|_| "authentication failed")?;
        let end = plain.iter().rposition(|&b| b != 0).ok_or("no delimiter")?;
        if plain[end] != 2 {
            return Err("not a last-record delimiter");
        }
        plain.truncate(end);
        Ok(plain)
    }
}
