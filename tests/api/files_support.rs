//! Helpers of the files tests: images made on the spot, uploads, and raw
//! HTTP for bodies that a normal client would not send.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use reqwest::Method;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{Answer, Client};

/// A PNG of `w` × `h` pixels.
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([x.to_le_bytes()[0], y.to_le_bytes()[0], 90])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("PNG");
    out.into_inner()
}

/// A few hundred bytes whose header claims `w` × `h` pixels.
pub fn png_bomb(w: u32, h: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, *b"IHDR", &ihdr);
    // A zlib stream of a few zero bytes: far too little for the pixels.
    chunk(
        &mut out,
        *b"IDAT",
        &[0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01],
    );
    chunk(&mut out, *b"IEND", &[]);
    out
}

fn chunk(out: &mut Vec<u8>, kind: [u8; 4], data: &[u8]) {
    out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
    let start = out.len();
    out.extend_from_slice(&kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

pub async fn upload(c: &Client, name: &str, bytes: Vec<u8>) -> Answer {
    let name: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
    c.raw(
        Method::POST,
        &format!("/api/v1/uploads?name={name}"),
        bytes,
        &[("content-type", "application/octet-stream")],
    )
    .await
}

pub async fn message_with_files(c: &Client, room: i64, body: &str, files: &[&str]) -> Answer {
    let id = uuid::Uuid::new_v4().to_string();
    c.post(
        &format!("/api/v1/rooms/{room}/messages"),
        json!({"body": body, "client_id": id, "files": files}),
    )
    .await
}

/// Every stored file (originals and previews) under the data directory.
pub fn stored_files(data_dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if entry.file_name() != "tmp" {
                    walk(&path, out);
                }
            } else {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&data_dir.join("files"), &mut out);
    out
}

fn host_of(base: &str) -> String {
    base.trim_start_matches("http://").to_owned()
}

async fn answer_of(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    // Read until the head and the (short) error body have come.
    loop {
        let n = stream.read(&mut buf).await.unwrap_or(0);
        answer.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&answer);
        if n == 0 || (text.contains("\r\n\r\n") && text.trim_end().ends_with('}')) {
            return text.into_owned();
        }
    }
}

/// Declares `length` bytes and sends none: the answer comes from the header.
pub async fn declared_too_large(base: &str, token: &str, length: u64) -> String {
    let host = host_of(base);
    let mut stream = TcpStream::connect(&host).await.unwrap();
    let head = format!(
        "POST /api/v1/uploads?name=big.bin HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/octet-stream\r\nContent-Length: {length}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    answer_of(&mut stream).await
}

/// Streams more than `limit` bytes in chunks and never ends the body: the
/// answer must come while the upload is still open.
pub async fn streamed_too_large(base: &str, token: &str, limit: usize) -> String {
    let host = host_of(base);
    let mut stream = TcpStream::connect(&host).await.unwrap();
    let head = format!(
        "POST /api/v1/uploads?name=big.bin HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b'x'; 8192];
    let mut sent = 0;
    while sent <= limit {
        let mut piece = format!("{:x}\r\n", chunk.len()).into_bytes();
        piece.extend_from_slice(&chunk);
        piece.extend_from_slice(b"\r\n");
        if stream.write_all(&piece).await.is_err() {
            break;
        }
        sent += chunk.len();
    }
    answer_of(&mut stream).await
}
