//! A lean HTTP/1.1 keep-alive client for the measured loops (HTTP sends,
//! history pages). The generator shares the two cores with the server, and
//! reqwest's per-request work was most of the generator's CPU in those
//! scenarios; this writes one request and reads one `content-length`
//! response per call, on a connection of its own.

use anyhow::{bail, Context, Result};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use url::Url;

/// Largest response head or body accepted (a 200-message page is ~60 KiB).
const MAX_RESPONSE: usize = 4 << 20;

pub struct Conn {
    /// `host:port`, to connect to and for the `host` header.
    addr: String,
    stream: Option<TcpStream>,
    buf: Vec<u8>,
    request: Vec<u8>,
}

/// A response: its status and body.
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Conn {
    /// A client for `base` (`http://host:port`); connects on first use.
    pub fn new(base: &Url) -> Result<Self> {
        let host = base.host_str().context("a host in the server URL")?;
        let port = base.port_or_known_default().unwrap_or(80);
        Ok(Self {
            addr: format!("{host}:{port}"),
            stream: None,
            buf: Vec::with_capacity(16 << 10),
            request: Vec::with_capacity(512),
        })
    }

    /// Sends one request with a bearer token (and a JSON body, if any) and
    /// reads the whole response. A connection the server closed while idle
    /// is reopened once.
    pub async fn call(
        &mut self,
        method: &str,
        path: &str,
        token: &str,
        json: Option<&[u8]>,
    ) -> Result<Reply> {
        self.request.clear();
        self.request.extend_from_slice(
            format!(
                "{method} {path} HTTP/1.1\r\nhost: {}\r\nauthorization: Bearer {token}\r\n",
                self.addr
            )
            .as_bytes(),
        );
        if let Some(body) = json {
            self.request.extend_from_slice(
                format!(
                    "content-type: application/json\r\ncontent-length: {}\r\n",
                    body.len()
                )
                .as_bytes(),
            );
        }
        self.request.extend_from_slice(b"\r\n");
        if let Some(body) = json {
            self.request.extend_from_slice(body);
        }
        let reused = self.stream.is_some();
        match self.exchange().await {
            Ok(reply) => Ok(reply),
            Err(_) if reused => {
                // Closed while idle (keep-alive timeout): one fresh try.
                self.stream = None;
                self.exchange().await
            }
            Err(e) => Err(e),
        }
    }

    async fn exchange(&mut self) -> Result<Reply> {
        if self.stream.is_none() {
            let stream = TcpStream::connect(&self.addr)
                .await
                .with_context(|| format!("connect to {}", self.addr))?;
            stream.set_nodelay(true)?;
            self.stream = Some(stream);
        }
        let stream = self.stream.as_mut().expect("connected above");
        let result = async {
            stream.write_all(&self.request).await?;
            read_reply(stream, &mut self.buf).await
        }
        .await;
        if result.is_err() {
            self.stream = None;
        }
        result
    }
}

async fn read_reply(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<Reply> {
    buf.clear();
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut head = httparse::Response::new(&mut headers);
        if let httparse::Status::Complete(head_len) = head.parse(buf)? {
            let status = head.code.context("a status code")?;
            let mut length = None;
            for h in head.headers.iter() {
                if h.name.eq_ignore_ascii_case("content-length") {
                    length = Some(std::str::from_utf8(h.value)?.trim().parse::<usize>()?);
                } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
                    bail!("a chunked response (the bench expects content-length)");
                }
            }
            let length = length.unwrap_or(0);
            if length > MAX_RESPONSE {
                bail!("a response of {length} bytes");
            }
            while buf.len() < head_len + length {
                fill(stream, buf).await?;
            }
            // One request at a time: nothing may follow the body.
            let body = buf[head_len..head_len + length].to_vec();
            return Ok(Reply { status, body });
        }
        if buf.len() > MAX_RESPONSE {
            bail!("a response head over {MAX_RESPONSE} bytes");
        }
        fill(stream, buf).await?;
    }
}

async fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<()> {
    buf.reserve(16 << 10);
    let n = stream.read_buf(buf).await?;
    if n == 0 {
        bail!("the server closed the connection");
    }
    Ok(())
}
