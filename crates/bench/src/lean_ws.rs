//! A lean WebSocket client for the receiving clients: the generator shares
//! the server's two cores, so what it spends per delivery is taken from
//! the server. Compared with tokio-tungstenite it reads each frame in place
//! from one buffer (no zero-filling, no copy into a message), and it skips
//! the read that only finds the socket empty: after a short read the
//! socket's readiness is cleared, and the next edge from the kernel sets it
//! again (tokio registers sockets edge-triggered). It speaks just what natter sends: unfragmented text frames, pings
//! and close.

use std::io;
use std::net::IpAddr;

use anyhow::{anyhow, bail, Context, Result};
use tokio::io::{AsyncReadExt, AsyncWriteExt, Interest};
use tokio::net::TcpStream;

use crate::client;

/// Room for a few frames; a larger frame grows it.
const BUFFER: usize = 4096;
const HEADER_MAX: usize = 14;

pub struct LeanWs {
    socket: TcpStream,
    buf: Vec<u8>,
    /// Unparsed bytes are `buf[start..end]`.
    start: usize,
    end: usize,
}

/// What the server sent next.
pub enum Incoming<'a> {
    Text(&'a str),
    /// A close frame (with its code, if any) or the end of the stream.
    Closed(Option<u16>),
}

enum Parsed {
    /// A complete frame: opcode and where its payload lies in `buf`.
    Frame(u8, usize, usize),
    NeedMore(usize),
}

impl LeanWs {
    /// Connects to `url` (`ws://host:port/path`) as the holder of `token`,
    /// from `source` if given, and completes the upgrade.
    pub async fn connect(url: &str, token: &str, source: Option<IpAddr>) -> Result<Self> {
        let parsed = url::Url::parse(url)?;
        let target = client::server_addr(url)?;
        let mut tcp = client::tcp_connect(target, source).await?;
        let host = parsed.host_str().ok_or_else(|| anyhow!("no host"))?;
        let request = format!(
            "GET {} HTTP/1.1\r\nHost: {host}:{}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
             Authorization: Bearer {token}\r\n\r\n",
            parsed.path(),
            target.port()
        );
        tcp.write_all(request.as_bytes()).await?;
        // The response head; what follows it (the `hello` frame, often in
        // the same read) stays in the buffer.
        let mut buf = vec![0u8; BUFFER];
        let mut end = 0;
        let head_len = loop {
            let n = tcp.read(&mut buf[end..]).await?;
            if n == 0 {
                bail!("closed during the WebSocket upgrade");
            }
            end += n;
            let mut headers = [httparse::EMPTY_HEADER; 16];
            let mut response = httparse::Response::new(&mut headers);
            match response
                .parse(&buf[..end])
                .context("reading the upgrade response")?
            {
                httparse::Status::Complete(len) => {
                    if response.code != Some(101) {
                        bail!("WebSocket upgrade refused: HTTP {:?}", response.code);
                    }
                    break len;
                }
                httparse::Status::Partial if end == buf.len() => bail!("upgrade response too long"),
                httparse::Status::Partial => {}
            }
        };
        Ok(Self {
            socket: tcp,
            buf,
            start: head_len,
            end,
        })
    }

    /// Sends one text frame (masked, as a client must).
    pub async fn send_text(&mut self, text: &str) -> io::Result<()> {
        self.send(0x1, text.as_bytes()).await
    }

    async fn send(&mut self, opcode: u8, payload: &[u8]) -> io::Result<()> {
        let mut frame = Vec::with_capacity(payload.len() + HEADER_MAX);
        frame.push(0x80 | opcode);
        match payload.len() {
            n @ 0..=125 => frame.push(0x80 | u8::try_from(n).expect("fits")),
            n @ 126..=0xffff => {
                frame.push(0x80 | 0x7e);
                frame.extend_from_slice(&u16::try_from(n).expect("fits").to_be_bytes());
            }
            n => {
                frame.push(0x80 | 0x7f);
                frame.extend_from_slice(&u64::try_from(n).expect("fits").to_be_bytes());
            }
        }
        let mask: [u8; 4] = rand::random();
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.socket.write_all(&frame).await
    }

    /// The next text frame or the end; pings are answered on the way.
    pub async fn next(&mut self) -> Result<Incoming<'_>> {
        loop {
            match self.parse()? {
                Parsed::Frame(opcode, from, to) => match opcode {
                    0x1 => {
                        let text = std::str::from_utf8(&self.buf[from..to])
                            .context("a text frame that is not UTF-8")?;
                        return Ok(Incoming::Text(text));
                    }
                    0x8 => {
                        let code = (to - from >= 2)
                            .then(|| u16::from_be_bytes([self.buf[from], self.buf[from + 1]]));
                        return Ok(Incoming::Closed(code));
                    }
                    0x9 => {
                        let payload = self.buf[from..to].to_vec();
                        self.send(0xA, &payload).await?;
                    }
                    0xA => {}
                    other => bail!("unexpected frame opcode {other:#x}"),
                },
                Parsed::NeedMore(total) => {
                    if self.fill(total).await? == 0 {
                        return Ok(Incoming::Closed(None));
                    }
                }
            }
        }
    }

    /// Takes the next whole frame off the buffer, or says how many bytes
    /// (from `start`) it needs.
    fn parse(&mut self) -> Result<Parsed> {
        let parsed = frame_at(&self.buf[self.start..self.end])?;
        if let Parsed::Frame(opcode, from, to) = parsed {
            let (from, to) = (self.start + from, self.start + to);
            self.start = to;
            return Ok(Parsed::Frame(opcode, from, to));
        }
        Ok(parsed)
    }

    /// Reads more; `needed` is the size of the frame being assembled (from
    /// `start`). Returns the bytes read (0: the peer closed).
    async fn fill(&mut self, needed: usize) -> io::Result<usize> {
        // Move the unparsed tail to the front, and grow for a large frame.
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if needed > self.buf.len() {
            self.buf.resize(needed.max(BUFFER), 0);
        }
        loop {
            self.socket.readable().await?;
            let space = self.buf.len() - self.end;
            match self.socket.try_read(&mut self.buf[self.end..]) {
                Ok(n) => {
                    self.end += n;
                    if n > 0 && n < space {
                        // A short read emptied the socket: clear its readiness
                        // (a closure that "would block" does that, without a
                        // syscall) and wait for the kernel's next edge, instead
                        // of reading again only to hear "would block". Safe on
                        // the worker's one-thread runtime: no readiness event
                        // can be processed between the read and the clearing.
                        let _ = self.socket.try_io(Interest::READABLE, || {
                            Err::<(), _>(io::ErrorKind::WouldBlock.into())
                        });
                    }
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
    }
}

/// The frame at the start of `data` (payload offsets relative to `data`), or
/// how many bytes it needs to be whole.
fn frame_at(data: &[u8]) -> Result<Parsed> {
    if data.len() < 2 {
        return Ok(Parsed::NeedMore(2));
    }
    if data[0] & 0x80 == 0 {
        bail!("fragmented frames are not expected from natter");
    }
    if data[1] & 0x80 != 0 {
        bail!("a masked frame from the server");
    }
    let (len, header) = match data[1] & 0x7f {
        126 if data.len() < 4 => return Ok(Parsed::NeedMore(4)),
        126 => (usize::from(u16::from_be_bytes([data[2], data[3]])), 4),
        127 if data.len() < 10 => return Ok(Parsed::NeedMore(10)),
        127 => {
            let mut b = [0u8; 8];
            b.copy_from_slice(&data[2..10]);
            (usize::try_from(u64::from_be_bytes(b))?, 10)
        }
        n => (usize::from(n), 2),
    };
    if data.len() < header + len {
        return Ok(Parsed::NeedMore(header + len));
    }
    Ok(Parsed::Frame(data[0] & 0x0f, header, header + len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
        let mut f = vec![0x80 | opcode];
        if payload.len() < 126 {
            f.push(u8::try_from(payload.len()).unwrap());
        } else {
            f.push(126);
            f.extend_from_slice(&u16::try_from(payload.len()).unwrap().to_be_bytes());
        }
        f.extend_from_slice(payload);
        f
    }

    #[test]
    fn frames_are_found_whole_and_partial_ones_say_what_they_need() {
        let long = vec![b'x'; 300];
        let mut data = frame(0x1, b"hello");
        data.extend(frame(0x1, &long));
        data.extend(frame(0x9, b""));
        let Parsed::Frame(0x1, 2, 7) = frame_at(&data).unwrap() else {
            panic!("first frame")
        };
        let rest = &data[7..];
        let Parsed::Frame(0x1, 4, 304) = frame_at(rest).unwrap() else {
            panic!("16-bit length")
        };
        assert!(matches!(
            frame_at(&rest[304..]).unwrap(),
            Parsed::Frame(0x9, 2, 2)
        ));
        // Cut anywhere, a frame asks for exactly what it lacks.
        assert!(matches!(frame_at(&rest[..1]).unwrap(), Parsed::NeedMore(2)));
        assert!(matches!(frame_at(&rest[..3]).unwrap(), Parsed::NeedMore(4)));
        assert!(matches!(
            frame_at(&rest[..100]).unwrap(),
            Parsed::NeedMore(304)
        ));
    }

    #[test]
    fn masked_or_fragmented_server_frames_are_errors() {
        assert!(frame_at(&[0x81, 0x85, 1, 2, 3, 4, 0]).is_err());
        assert!(frame_at(&[0x01, 0x01, b'x']).is_err());
    }
}
