//! What a stored file is and how it may be served. The type is decided
//! from the file's first bytes (magic numbers, via `infer`), never from the
//! client's `Content-Type` or file name. Only a short list of media types
//! that browsers render without running anything is served inline;
//! everything else (SVG, HTML, PDF, unknown ...) is served as
//! `application/octet-stream` with `Content-Disposition: attachment`, so it
//! is saved, never rendered on our origin. Every download also carries
//! `nosniff` and a sandboxing CSP, so even a polyglot (a JPEG that is also
//! HTML) cannot run script.

use axum::http::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_SECURITY_POLICY, CONTENT_TYPE,
    X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderName, HeaderValue};

use super::DisplayName;

/// Served as themselves and shown inline: images that browsers decode
/// without script, and plain audio and video.
const INLINE: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "video/mp4",
    "video/webm",
    "audio/mpeg",
    "audio/ogg",
    "audio/x-wav",
    "audio/x-flac",
];

const OPAQUE: &str = "application/octet-stream";

/// The kind of a stored file, from its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentKind {
    /// The sniffed media type, `application/octet-stream` when unknown.
    /// Worth storing with the file (the client can pick an icon by it);
    /// it is not what every file is served as (see `served_type`).
    pub mime: &'static str,
}

impl ContentKind {
    /// Decides from a file's first bytes (the upload keeps 8 KiB of them).
    pub fn sniff(head: &[u8]) -> Self {
        Self {
            mime: infer::get(head).map_or(OPAQUE, |t| t.mime_type()),
        }
    }

    /// Rebuilds a kind from the `mime` stored with a file. Only the inline
    /// list survives the trip: any other text becomes opaque, so a
    /// tampered or old row can never widen what is served inline.
    pub fn from_stored(mime: &str) -> Self {
        Self {
            mime: INLINE
                .iter()
                .find(|m| **m == mime)
                .copied()
                .unwrap_or(OPAQUE),
        }
    }

    /// Shown in the page (`<img>`, `<video>`, `<audio>`) and served inline.
    pub fn inline(&self) -> bool {
        INLINE.contains(&self.mime)
    }

    /// The `Content-Type` a download is served with.
    pub fn served_type(&self) -> &'static str {
        if self.inline() {
            self.mime
        } else {
            OPAQUE
        }
    }

    /// An image the preview maker can decode (and so may get a thumbnail).
    pub fn is_image(&self) -> bool {
        self.mime.starts_with("image/") && self.inline()
    }
}

/// The headers every download of a stored file carries. `len` is the
/// file's length (the `StoredFile` says it).
pub fn download_headers(
    kind: &ContentKind,
    name: &DisplayName,
    len: u64,
) -> Vec<(HeaderName, HeaderValue)> {
    vec![
        (CONTENT_TYPE, HeaderValue::from_static(kind.served_type())),
        (CONTENT_LENGTH, HeaderValue::from(len)),
        (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        // Even opened directly, the file is its own sandboxed origin that
        // may load nothing and run nothing.
        (
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("sandbox; default-src 'none'"),
        ),
        (
            CONTENT_DISPOSITION,
            content_disposition(kind.inline(), name),
        ),
        // Only the member's own browser may keep a copy, never a shared cache.
        (
            CACHE_CONTROL,
            HeaderValue::from_static("private, max-age=3600"),
        ),
        // Other sites cannot embed our files and learn from them.
        (
            HeaderName::from_static("cross-origin-resource-policy"),
            HeaderValue::from_static("same-origin"),
        ),
    ]
}

/// `Content-Disposition` per RFC 6266: `inline` or `attachment`, an ASCII
/// `filename` for old clients and the exact name as `filename*=UTF-8''…`
/// (RFC 5987 percent-encoding). Always a valid header value.
pub fn content_disposition(inline: bool, name: &DisplayName) -> HeaderValue {
    let disposition = if inline { "inline" } else { "attachment" };
    let fallback: String = name
        .as_str()
        .chars()
        .map(|c| match c {
            ' ' | '!' | '#'..='[' | ']'..='~' if c != '%' => c,
            _ => '_',
        })
        .collect();
    let value = format!(
        "{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{}",
        percent_encode(name.as_str())
    );
    HeaderValue::from_str(&value).expect("only visible ASCII was written")
}

/// RFC 5987 `value-chars`: `attr-char`s as they are, every other byte of
/// the UTF-8 as `%XX`.
fn percent_encode(text: &str) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        let attr_char = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#' | b'$' | b'&' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~'
            );
        if attr_char {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
#[path = "sniff_tests.rs"]
mod tests;
