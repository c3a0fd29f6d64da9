//! The bodies of the cargo-fuzz targets in `fuzz/`: what each checks of
//! arbitrary bytes. They live here so that `cargo test` runs every target
//! briefly — over its seed corpus and a fixed-seed batch of mutations, as
//! the browser suite runs the Markdown fuzzer — while `cargo fuzz` runs
//! them for as long as one likes.

use std::io::{Read, Write};

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method};
use tungstenite::protocol::{Role, WebSocket};
use tungstenite::Message;

use crate::domain::{ClientId, MessageBody, RoomName, Username};
use crate::http::ranges::{self, Wanted};
use crate::http::upgrade;
use crate::http::OriginPolicy;
use crate::realtime::close;
use crate::realtime::connection::reader_config;
use crate::realtime::wire::{cursors, Command};

/// Usernames, room names, message bodies, client ids, seq cursors and
/// download ranges: each parser answers with a value that keeps its rules,
/// or an error.
pub fn input_parsers(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(name) = Username::parse(text) {
        let n = name.as_str();
        assert!(!n.is_empty() && n.len() <= 32);
        assert!(n
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')));
    }
    if let Ok(room) = RoomName::parse(text) {
        let n = room.as_str();
        assert!(!n.is_empty() && n.chars().count() <= 64);
        assert!(!n.chars().any(char::is_control));
    }
    if let Ok(body) = MessageBody::parse(text, 4000) {
        assert!(body.as_str().chars().count() <= 4000 && !body.as_str().trim().is_empty());
    }
    if let Ok(id) = ClientId::parse(text) {
        assert!(id.as_str().len() <= 64);
    }
    // A history cursor arrives as a number in a query string.
    let _ = text.parse::<i64>();
    // A download's `Range` header: a part is always inside the file.
    for file_len in [0, 1, 1000, u64::MAX] {
        if let Wanted::Part { start, len } = ranges::parse(text, file_len) {
            assert!(len >= 1 && start < file_len && len <= file_len - start);
        }
    }
}

/// WebSocket commands: a command or an error; a subscribe's room keys turn
/// into sorted ids or an error.
pub fn stream_command(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(Command::Subscribe { rooms }) = serde_json::from_str::<Command>(text) {
        if let Ok(list) = cursors(rooms) {
            assert!(
                list.windows(2).all(|w| w[0] <= w[1]),
                "cursors come out sorted"
            );
        }
    }
}

/// The largest client message in this target (small, so that the size
/// limits are reached).
const MAX_MESSAGE: usize = 1024;

/// A stream connection's input: a request head (up to the blank line) and
/// the bytes after it. The head goes through the upgrade check and the
/// host and origin rules, the rest through the frame reader with the
/// server's settings. Every refusal is a close code RFC 6455 gives bad
/// input (never "internal error"), no message is over the limit, and every
/// text message is a command or an error.
pub fn stream_upgrade(data: &[u8]) {
    let (head, frames) = match data.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(end) => data.split_at(end + 4),
        None => (data, &[][..]),
    };
    request_head(head);
    read_frames(frames);
}

fn request_head(head: &[u8]) {
    let mut slots = [httparse::EMPTY_HEADER; 32];
    let mut request = httparse::Request::new(&mut slots);
    let Ok(httparse::Status::Complete(_)) = request.parse(head) else {
        return;
    };
    let Ok(method) = Method::from_bytes(request.method.unwrap_or_default().as_bytes()) else {
        return;
    };
    let mut headers = HeaderMap::new();
    for h in request.headers.iter() {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(h.name.as_bytes()),
            HeaderValue::from_bytes(h.value),
        ) {
            headers.append(name, value);
        }
    }
    if let Ok(key) = upgrade::check(&method, &headers) {
        assert_eq!(method, Method::GET);
        assert_eq!(upgrade::accept_key(key.as_bytes()).len(), 28);
    }
    let public = OriginPolicy::new(
        Some("https://chat.test"),
        &[
            "https://chat.test".into(),
            "https://xn--bcher-kva.example".into(),
        ],
    )
    .expect("valid origins");
    let _ = public.host_allowed(&headers);
    if public.same_origin(&headers) {
        if let Some(origin) = headers.get("origin").and_then(|o| o.to_str().ok()) {
            let origin = url::Url::parse(origin)
                .expect("a trusted origin parses")
                .origin();
            let trusted = ["https://chat.test", "https://xn--bcher-kva.example"]
                .map(|t| url::Url::parse(t).expect("valid").origin());
            assert!(trusted.contains(&origin), "{origin:?} passed as trusted");
        }
    }
    let own = OriginPolicy::new(None, &[]).expect("no origins");
    let _ = (own.host_allowed(&headers), own.same_origin(&headers));
}

/// The bytes a client sent after the upgrade, as the server's reader sees
/// them; what it answers (pongs) goes nowhere.
struct Input<'a> {
    data: &'a [u8],
}

impl Read for Input<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.data.read(buf)
    }
}

impl Write for Input<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn read_frames(frames: &[u8]) {
    let mut ws = WebSocket::from_raw_socket(
        Input { data: frames },
        Role::Server,
        Some(reader_config(MAX_MESSAGE)),
    );
    // Each message takes at least two bytes of input.
    for _ in 0..=frames.len() / 2 {
        match ws.read() {
            Ok(Message::Text(text)) => {
                assert!(text.len() <= MAX_MESSAGE);
                stream_command(text.as_bytes());
            }
            Ok(Message::Binary(bytes)) => assert!(bytes.len() <= MAX_MESSAGE),
            Ok(_) => {}
            Err(e) => {
                if let Some((code, _)) = close::for_read_error(&e) {
                    assert!(
                        matches!(
                            code,
                            close::PROTOCOL_ERROR | close::INVALID_DATA | close::TOO_BIG
                        ),
                        "{e} would close with {code}"
                    );
                }
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// Mutations of the corpus entries per target (a few seconds in a
    /// debug build; `cargo fuzz` runs for as long as one likes).
    const MUTATIONS: usize = 20_000;

    fn corpus(target: &str) -> Vec<Vec<u8>> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/corpus")
            .join(target);
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        entries.iter().map(|p| std::fs::read(p).unwrap()).collect()
    }

    /// A few byte-level edits of a corpus entry, spliced with another now
    /// and then: what libFuzzer's mutator does, in a fixed order.
    fn mutate(rng: &mut StdRng, corpus: &[Vec<u8>]) -> Vec<u8> {
        let mut data = corpus[rng.gen_range(0..corpus.len())].clone();
        for _ in 0..rng.gen_range(1..8) {
            let at = rng.gen_range(0..=data.len());
            match rng.gen_range(0..5) {
                0 if at < data.len() => data[at] ^= 1 << rng.gen_range(0..8),
                1 => data.insert(at, rng.gen()),
                2 if at < data.len() => {
                    let end = rng.gen_range(at..=data.len());
                    data.drain(at..end);
                }
                3 if at < data.len() => {
                    let end = rng.gen_range(at..=data.len().min(at + 64));
                    let copy = data[at..end].to_vec();
                    data.splice(at..at, copy);
                }
                _ => {
                    let other = &corpus[rng.gen_range(0..corpus.len())];
                    let from = rng.gen_range(0..=other.len());
                    data.extend_from_slice(&other[from..]);
                }
            }
        }
        data
    }

    fn run(target: &str, body: fn(&[u8])) {
        let corpus = corpus(target);
        assert!(!corpus.is_empty(), "{target} has a seed corpus");
        for entry in &corpus {
            body(entry);
        }
        let mut rng = StdRng::seed_from_u64(20_261_204);
        for _ in 0..MUTATIONS {
            body(&mutate(&mut rng, &corpus));
        }
    }

    #[test]
    fn the_input_parsers_target_holds_over_its_corpus_and_mutations() {
        run("input_parsers", super::input_parsers);
    }

    #[test]
    fn the_stream_command_target_holds_over_its_corpus_and_mutations() {
        run("stream_command", super::stream_command);
    }

    #[test]
    fn the_stream_upgrade_target_holds_over_its_corpus_and_mutations() {
        run("stream_upgrade", super::stream_upgrade);
    }
}
