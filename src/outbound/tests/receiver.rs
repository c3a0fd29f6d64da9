//! A real HTTP(S) receiver on loopback for the tests: records every request
//! and answers as the test's script says (status, headers, body, delay).

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Response, StatusCode};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::rustls;

/// One request as received.
#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

/// What to answer.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
    pub delay: Duration,
}

impl Answer {
    pub fn status(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            delay: Duration::ZERO,
        }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// The script: the request and how many came before it, to the answer.
pub(crate) type Script = Arc<dyn Fn(&Recorded, usize) -> Answer + Send + Sync>;

pub(crate) fn always(status: u16) -> Script {
    Arc::new(move |_, _| Answer::status(status))
}

/// Answers `failure` to the first `n` requests, then `success`.
pub(crate) fn fails_then(n: usize, failure: u16, success: u16) -> Script {
    Arc::new(move |_, seen| Answer::status(if seen < n { failure } else { success }))
}

/// A self-signed certificate for `names` (DNS names or IP addresses).
pub(crate) struct TestCert {
    pub cert_pem: String,
    config: Arc<rustls::ServerConfig>,
}

impl TestCert {
    pub fn new(names: &[&str]) -> Self {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let certified = rcgen::generate_simple_self_signed(names).expect("a test certificate");
        let cert_der = certified.cert.der().clone();
        let key_der =
            rustls::pki_types::PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("default TLS versions")
            .with_no_client_auth()
            .with_single_cert(vec![cert_der], key_der.into())
            .expect("the test certificate and key match");
        Self {
            cert_pem: certified.cert.pem(),
            config: Arc::new(config),
        }
    }
}

/// A running receiver; stops when dropped.
pub(crate) struct Receiver {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    task: JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    /// Plain HTTP on `ip` (a random port).
    pub async fn http(ip: &str, script: Script) -> Self {
        Self::start(ip, script, None).await
    }

    /// HTTPS with `cert` on `ip` (a random port).
    pub async fn https(ip: &str, script: Script, cert: &TestCert) -> Self {
        Self::start(
            ip,
            script,
            Some(tokio_rustls::TlsAcceptor::from(cert.config.clone())),
        )
        .await
    }

    async fn start(ip: &str, script: Script, tls: Option<tokio_rustls::TlsAcceptor>) -> Self {
        let ip: IpAddr = ip.parse().unwrap();
        let listener = TcpListener::bind((ip, 0))
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let recorded = requests.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let (script, recorded, tls) = (script.clone(), recorded.clone(), tls.clone());
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        handle(req, script.clone(), recorded.clone())
                    });
                    let http = hyper::server::conn::http1::Builder::new();
                    match tls {
                        Some(acceptor) => {
                            let Ok(stream) = acceptor.accept(tcp).await else {
                                return;
                            };
                            let _ = http
                                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                                .await;
                        }
                        None => {
                            let _ = http
                                .serve_connection(hyper_util::rt::TokioIo::new(tcp), service)
                                .await;
                        }
                    }
                });
            }
        });
        Self {
            addr,
            requests,
            task,
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

async fn handle(
    req: hyper::Request<hyper::body::Incoming>,
    script: Script,
    recorded: Arc<Mutex<Vec<Recorded>>>,
) -> Result<Response<Body>, std::convert::Infallible> {
    let (parts, body) = req.into_parts();
    let body: Bytes = axum::body::to_bytes(Body::new(body), usize::MAX)
        .await
        .unwrap_or_default();
    let request = Recorded {
        path: parts.uri.path().to_owned(),
        headers: parts.headers,
        body: body.to_vec(),
    };
    let answer = {
        let mut all = recorded.lock().unwrap();
        let answer = script(&request, all.len());
        all.push(request);
        answer
    };
    tokio::time::sleep(answer.delay).await;
    let mut response = Response::builder().status(StatusCode::from_u16(answer.status).unwrap());
    for (name, value) in answer.headers {
        response = response.header(name, value);
    }
    Ok(response.body(Body::from(answer.body)).unwrap())
}
