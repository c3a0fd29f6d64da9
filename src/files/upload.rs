//! Taking an upload in: the body is streamed into the `FileStore` while it
//! is counted, hashed (SHA-256) and its first bytes kept for sniffing.
//! Never more than one chunk plus the store's write buffer is in memory.
//! A declared `Content-Length` over the limit is refused before a byte is
//! read; a body that streams past the limit is cut off at that chunk and
//! what was written of it removed.

use std::fmt;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};

use super::{ContentKind, FileError, FileKey, FileStore};

/// How many leading bytes are kept for content sniffing.
const SNIFF_BYTES: usize = 8 << 10;

/// Which rule a limit comes from, so the refusal can say which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitKind {
    /// `--max-upload-bytes`.
    PerFile,
    /// What is left of the uploader's quota.
    Quota,
}

/// The most bytes one upload may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadLimit {
    pub bytes: u64,
    pub kind: LimitKind,
}

impl UploadLimit {
    pub fn per_file(bytes: u64) -> Self {
        Self {
            bytes,
            kind: LimitKind::PerFile,
        }
    }

    /// The smaller of this limit and what is left of a quota.
    #[must_use]
    pub fn within_quota(self, quota_left: u64) -> Self {
        if quota_left < self.bytes {
            Self {
                bytes: quota_left,
                kind: LimitKind::Quota,
            }
        } else {
            self
        }
    }
}

/// A file taken in completely.
#[derive(Debug, Clone)]
pub struct Uploaded {
    pub key: FileKey,
    pub size: u64,
    pub sha256: [u8; 32],
    /// What the bytes are, by their content (never the client's word).
    pub kind: ContentKind,
}

impl Uploaded {
    pub fn sha256_hex(&self) -> String {
        super::hex(&self.sha256)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// Declared or streamed past the limit (413); nothing is kept.
    #[error("the upload is larger than {} bytes", .0.bytes)]
    TooLarge(UploadLimit),
    /// The body ended early or broke off; nothing is kept.
    #[error("the upload stopped before its end: {0}")]
    Incomplete(String),
    #[error(transparent)]
    Store(FileError),
}

impl From<UploadError> for crate::error::Error {
    fn from(e: UploadError) -> Self {
        match e {
            UploadError::TooLarge(limit) => match limit.kind {
                LimitKind::PerFile => Self::TooLarge {
                    code: "file_too_large",
                    message: format!(
                        "The file is larger than the limit of {}.",
                        Size(limit.bytes)
                    ),
                },
                LimitKind::Quota => Self::TooLarge {
                    code: "quota_exceeded",
                    message: format!(
                        "The file does not fit in what is left of your storage quota ({}).",
                        Size(limit.bytes)
                    ),
                },
            },
            UploadError::Incomplete(_) => super::incomplete_upload(),
            UploadError::Store(e) => e.into(),
        }
    }
}

/// Streams `body` into `store`. `declared` is the request's
/// `Content-Length`, if it had one.
pub async fn receive<S, E>(
    store: &dyn FileStore,
    body: S,
    declared: Option<u64>,
    limit: UploadLimit,
) -> Result<Uploaded, UploadError>
where
    S: Stream<Item = Result<Bytes, E>> + Send,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    if declared.is_some_and(|n| n > limit.bytes) {
        return Err(UploadError::TooLarge(limit));
    }
    let mut meter = Meter {
        limit,
        size: 0,
        hash: Sha256::new(),
        head: Vec::new(),
        over: false,
    };
    let metered = body.map(|chunk| meter.take(chunk.map_err(std::io::Error::other)?));
    let stored = store.put(Box::pin(metered)).await;
    if meter.over {
        return Err(UploadError::TooLarge(limit));
    }
    let key = match stored {
        Ok(key) => key,
        Err(FileError::Aborted(e)) => return Err(UploadError::Incomplete(e.to_string())),
        Err(e) => return Err(UploadError::Store(e)),
    };
    if declared.is_some_and(|n| n != meter.size) {
        // A framing layer that let a short body through: keep nothing.
        store.delete(&key).await.map_err(UploadError::Store)?;
        return Err(UploadError::Incomplete(format!(
            "{} bytes of {} declared",
            meter.size,
            declared.unwrap_or_default()
        )));
    }
    Ok(Uploaded {
        key,
        size: meter.size,
        sha256: meter.hash.finalize().into(),
        kind: ContentKind::sniff(&meter.head),
    })
}

/// Counts, hashes and keeps the head of what passes through.
struct Meter {
    limit: UploadLimit,
    size: u64,
    hash: Sha256,
    head: Vec<u8>,
    over: bool,
}

impl Meter {
    fn take(&mut self, chunk: Bytes) -> std::io::Result<Bytes> {
        self.size += chunk.len() as u64;
        if self.size > self.limit.bytes {
            self.over = true;
            return Err(std::io::Error::other("past the upload limit"));
        }
        self.hash.update(&chunk);
        let room = SNIFF_BYTES.saturating_sub(self.head.len());
        self.head.extend_from_slice(&chunk[..room.min(chunk.len())]);
        Ok(chunk)
    }
}

/// A byte count as a person reads it: "25 MiB", "1.5 KiB", "300 bytes".
struct Size(u64);

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
        if self.0 < 1024 {
            return write!(f, "{} bytes", self.0);
        }
        #[allow(clippy::cast_precision_loss)] // a rounded figure for people
        let mut n = self.0 as f64 / 1024.0;
        let mut unit = 0;
        while n >= 1024.0 && unit + 1 < UNITS.len() {
            n /= 1024.0;
            unit += 1;
        }
        if (n - n.round()).abs() < 0.05 {
            write!(f, "{:.0} {}", n, UNITS[unit])
        } else {
            write!(f, "{:.1} {}", n, UNITS[unit])
        }
    }
}

#[cfg(test)]
#[path = "upload_tests.rs"]
mod tests;
