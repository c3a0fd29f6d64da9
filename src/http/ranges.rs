//! Range requests on file downloads (RFC 9110 §14), so a video or a song
//! seeks and a broken download resumes: one byte range is answered 206
//! with `Content-Range`; a range past the end 416 with `Content-Range:
//! bytes */length`; `If-Range` with anything but the file's entity tag (the
//! file changed, or a date: we send no `Last-Modified`) gets the whole
//! file. Several ranges in one request get the whole file too (allowed,
//! and no browser player asks for them). A stored file never changes under
//! its key, so the entity tag is the key itself.

use axum::http::header::{ACCEPT_RANGES, ETAG, IF_NONE_MATCH, IF_RANGE, RANGE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};

/// What part of the file a request wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    Whole,
    /// `len` bytes from `start`, both within the file.
    Part {
        start: u64,
        len: u64,
    },
    /// Not one byte of it is in the file (416).
    Unsatisfiable,
    /// The reader's copy is this file (304).
    NotModified,
}

/// The entity tag of the stored file `key`.
pub fn etag_of(key: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{key}\"")).expect("file keys are hex")
}

/// What `headers` ask of a file of `len` bytes whose entity tag is `etag`.
pub fn wanted(headers: &HeaderMap, etag: &HeaderValue, len: u64) -> Wanted {
    if headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/").as_bytes() == etag.as_bytes())
    {
        return Wanted::NotModified;
    }
    let Some(range) = headers.get(RANGE).and_then(|v| v.to_str().ok()) else {
        return Wanted::Whole;
    };
    if headers.get(IF_RANGE).is_some_and(|v| v != etag) {
        return Wanted::Whole;
    }
    parse(range, len)
}

/// One `bytes=` range of a file of `len` bytes; anything else is ignored.
pub fn parse(range: &str, len: u64) -> Wanted {
    let Some(spec) = range.trim().strip_prefix("bytes=") else {
        return Wanted::Whole;
    };
    let mut ranges = spec.split(',').map(str::trim).filter(|r| !r.is_empty());
    let (Some(one), None) = (ranges.next(), ranges.next()) else {
        return Wanted::Whole;
    };
    let Some((first, last)) = one.split_once('-') else {
        return Wanted::Whole;
    };
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        // `bytes=-n`: the last n bytes.
        return match number(last) {
            None => Wanted::Whole,
            Some(n) if n == 0 || len == 0 => Wanted::Unsatisfiable,
            Some(n) => Wanted::Part {
                start: len - n.min(len),
                len: n.min(len),
            },
        };
    }
    let Some(start) = number(first) else {
        return Wanted::Whole;
    };
    let end = if last.is_empty() {
        None
    } else {
        match number(last) {
            Some(end) if end >= start => Some(end),
            _ => return Wanted::Whole,
        }
    };
    if start >= len {
        return Wanted::Unsatisfiable;
    }
    let end = end.map_or(len - 1, |end| end.min(len - 1));
    Wanted::Part {
        start,
        len: end - start + 1,
    }
}

/// Digits only (`u64::from_str` would also take a `+`).
fn number(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// The headers every download carries for ranges.
pub fn range_headers(headers: &mut HeaderMap, etag: HeaderValue) {
    headers.insert(ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers.insert(ETAG, etag);
}

/// `Content-Range` of a part (206) or of a refusal (416, `start` None).
pub fn content_range(part: Option<(u64, u64)>, total: u64) -> HeaderValue {
    let text = match part {
        Some((start, len)) => format!("bytes {start}-{}/{total}", start + len - 1),
        None => format!("bytes */{total}"),
    };
    HeaderValue::from_str(&text).expect("digits")
}

/// The status of an answer to `wanted`.
pub fn status(wanted: Wanted) -> StatusCode {
    match wanted {
        Wanted::Whole => StatusCode::OK,
        Wanted::Part { .. } => StatusCode::PARTIAL_CONTENT,
        Wanted::Unsatisfiable => StatusCode::RANGE_NOT_SATISFIABLE,
        Wanted::NotModified => StatusCode::NOT_MODIFIED,
    }
}

#[cfg(test)]
#[path = "ranges_tests.rs"]
mod tests;
