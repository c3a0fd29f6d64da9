//! Attachments and avatars: where file bytes live (`FileStore`), how an
//! upload is taken in (`receive`), what a download may be served as
//! (`ContentKind`, `download_headers`), how a client's file name is shown
//! (`DisplayName`), image previews (`ImageWorkers`) and the orphan sweep.
//! Nothing here knows about rooms, users, HTTP routes or SQL: the database
//! keeps which message a `FileKey` belongs to, and the HTTP layer checks
//! membership before it opens anything.
//!
//! # Wiring an upload (`POST /api/v1/uploads`, say)
//! ```text
//! let limit = UploadLimit::per_file(config.max_upload_bytes)
//!     .within_quota(quota_left);                       // from the store
//! let up = files::receive(&*file_store, body.into_data_stream(),
//!                         declared_content_length, limit).await?;  // 413 at once
//! let name = DisplayName::sanitise(client_file_name);
//! let summary = if up.kind.is_image() {
//!     // Err (too large, broken, busy): keep the file without a preview.
//!     workers.preview(&*file_store, &up.key, Preview::Thumbnail { max_side: 400 }).await.ok()
//! } else { None };
//! let preview_key = match &summary {     // the preview is a stored file too
//!     Some(s) => Some(files::put_bytes(&*file_store, s.preview.bytes.clone()).await?),
//!     None => None,
//! };
//! // store row: key, name, up.size, up.sha256_hex(), up.kind.mime, uploader,
//! //            now, summary's width/height and preview's, preview key —
//! //            unattached until a message takes it (see `sweep_orphans`)
//! ```
//! The row is made in the database only after `receive` returned; a crash
//! in between leaves a file nobody refers to, which `sweep_orphans` removes.
//!
//! # Wiring a download (`GET /api/v1/files/{key}`)
//! Parse the key with `FileKey::parse` (a malformed key is a 404 like an
//! absent one), look its row up **through the reader's memberships** (404
//! to a non-member and to no session), then
//! `file_store.open(&key)` and answer with
//! `download_headers(&ContentKind::from_stored(&row.mime),
//! &DisplayName::sanitise(&row.name), file.len)` (sanitising is idempotent)
//! and `Body::from_stream(file.bytes)`. Avatars: `Preview::Avatar { side }`,
//! whose errors map to 400/413/503 (`From<PreviewError> for Error`).
//!
//! # Local disk now, a shared store later
//! `LocalDiskStore` keeps files under `<data dir>/files`; every node of a
//! cluster must see the same files, so a PostgreSQL-backed store (chunks
//! in a table, say) will implement the same trait. The trait therefore
//! speaks of keys and byte streams only, never of paths, and `contract`
//! is the test every implementation must pass.

#[cfg(test)]
mod child;
#[cfg(test)]
mod contract;
mod disk;
mod image;
mod name;
mod sniff;
mod sweep;
mod upload;
mod workers;

use std::fmt;
use std::pin::Pin;
use std::time::SystemTime;

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::{Stream, StreamExt};

pub use self::image::{
    make_preview, ImageLimits, ImageSummary, Preview, PreviewError, PreviewImage,
};
pub use disk::LocalDiskStore;
pub use name::DisplayName;
pub use sniff::{content_disposition, download_headers, ContentKind};
pub use sweep::{sweep_orphans, SweepReport};
pub use upload::{receive, LimitKind, UploadError, UploadLimit, Uploaded};
pub use workers::ImageWorkers;

/// Bytes arriving or leaving in chunks. Errors are `std::io::Error` so a
/// store can pass them to `axum::body::Body::from_stream` as they are.
pub type ByteStream<'a> = Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send + 'a>>;

/// The server-made name of a stored file: 128 random bits as 32 lower-case
/// hex digits. Never derived from anything the client sent, so it can be
/// neither guessed nor steered into a path.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileKey(String);

impl FileKey {
    /// A fresh key from the operating system's random source.
    pub fn random() -> Self {
        use rand::RngCore;
        let mut bits = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut bits);
        Self(hex(&bits))
    }

    /// Accepts exactly what `random` makes; anything else (a path, an upper-case
    /// or short key) is `None`, which a route answers with 404.
    pub fn parse(text: &str) -> Option<Self> {
        let ok = text.len() == 32
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        ok.then(|| Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FileKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for FileKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FileKey({})", self.0)
    }
}

/// A stored file opened for reading.
pub struct StoredFile {
    /// The length in bytes, for `Content-Length`.
    pub len: u64,
    pub bytes: ByteStream<'static>,
}

impl StoredFile {
    /// The file without its first `n` bytes.
    #[must_use]
    pub fn skip(self, n: u64) -> Self {
        let mut left = n.min(self.len);
        let len = self.len - left;
        let bytes = self.bytes.filter_map(move |chunk| {
            let rest = match chunk {
                Ok(mut chunk) if left > 0 => {
                    let cut = usize::try_from(left).unwrap_or(usize::MAX).min(chunk.len());
                    left -= cut as u64;
                    let rest = chunk.split_off(cut);
                    (!rest.is_empty()).then_some(Ok(rest))
                }
                other => Some(other),
            };
            std::future::ready(rest)
        });
        Self {
            len,
            bytes: Box::pin(bytes),
        }
    }

    /// The file's first `n` bytes at most.
    #[must_use]
    pub fn take(self, n: u64) -> Self {
        let len = n.min(self.len);
        let bytes = self.bytes.scan(len, |left, chunk| {
            let part = (*left > 0).then(|| {
                chunk.map(|mut chunk| {
                    let keep = usize::try_from(*left)
                        .unwrap_or(usize::MAX)
                        .min(chunk.len());
                    *left -= keep as u64;
                    chunk.truncate(keep);
                    chunk
                })
            });
            std::future::ready(part)
        });
        Self {
            len,
            bytes: Box::pin(bytes),
        }
    }
}

/// A stored file as the orphan sweep sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    pub key: FileKey,
    /// When the file was completely stored.
    pub stored_at: SystemTime,
}

/// What a file store can say went wrong.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("no such file")]
    NotFound,
    /// The bytes given to `put` ended with an error; nothing was stored.
    #[error("the upload stopped: {0}")]
    Aborted(#[source] std::io::Error),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl From<FileError> for crate::error::Error {
    fn from(e: FileError) -> Self {
        match e {
            FileError::NotFound => Self::not_found("File not found."),
            FileError::Aborted(_) => incomplete_upload(),
            FileError::Io(e) if e.kind() == std::io::ErrorKind::StorageFull => {
                tracing::error!(error = %e, "file store full");
                Self::Unavailable("The server cannot store files right now; try again soon.".into())
            }
            FileError::Io(e) => Self::Internal(anyhow::Error::new(e).context("file store")),
        }
    }
}

/// Lower-case hex digits of `bytes`.
fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(2 * bytes.len()), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn incomplete_upload() -> crate::error::Error {
    crate::error::Error::invalid(
        "upload_incomplete",
        "The upload stopped before the whole file arrived; send it again.",
    )
}

/// Where attachment and avatar bytes live. Every method is safe to call
/// from many tasks at once.
#[async_trait]
pub trait FileStore: Send + Sync {
    /// Stores `bytes` under a new key and returns it once every byte is
    /// durable. If the stream yields an error, nothing is kept and the
    /// error comes back as `FileError::Aborted`. No reader ever sees a part
    /// of a file under its key.
    async fn put(&self, bytes: ByteStream<'_>) -> Result<FileKey, FileError>;

    /// Opens a stored file; `FileError::NotFound` if there is none.
    async fn open(&self, key: &FileKey) -> Result<StoredFile, FileError>;

    /// Opens a stored file `offset` bytes in, for a range request; `len`
    /// is what is left from there. By default the bytes before are read
    /// and dropped; a store that can seek does better.
    async fn open_from(&self, key: &FileKey, offset: u64) -> Result<StoredFile, FileError> {
        Ok(self.open(key).await?.skip(offset))
    }

    /// Removes a file. Removing an absent file is not an error (a sweep and
    /// a message deletion may race); returns whether there was one.
    async fn delete(&self, key: &FileKey) -> Result<bool, FileError>;

    /// Up to `limit` stored files whose keys sort after `after` (from the
    /// first when `None`), in key order, with when each was stored: the
    /// orphan sweep pages through the whole store with it.
    async fn list(
        &self,
        after: Option<&FileKey>,
        limit: usize,
    ) -> Result<Vec<FileEntry>, FileError>;
}

/// Stores bytes already in memory (a thumbnail, an avatar).
pub async fn put_bytes(store: &dyn FileStore, bytes: Vec<u8>) -> Result<FileKey, FileError> {
    let once = futures_util::stream::once(async move { Ok(Bytes::from(bytes)) });
    store.put(Box::pin(once)).await
}

/// Reads a whole stored file into memory, refusing one longer than `max`
/// (for decoding an image, whose decoder wants all of it).
pub async fn read_all(
    store: &dyn FileStore,
    key: &FileKey,
    max: u64,
) -> Result<Option<Vec<u8>>, FileError> {
    use futures_util::StreamExt;
    let mut file = store.open(key).await?;
    if file.len > max {
        return Ok(None);
    }
    let mut all = Vec::with_capacity(usize::try_from(file.len).unwrap_or(0));
    while let Some(chunk) = file.bytes.next().await {
        all.extend_from_slice(&chunk?);
        if all.len() as u64 > max {
            return Ok(None);
        }
    }
    Ok(Some(all))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_random_key_has_128_bits_and_parses_back() {
        let key = FileKey::random();
        assert_eq!(key.as_str().len(), 32);
        assert_eq!(FileKey::parse(key.as_str()), Some(key.clone()));
        assert_ne!(FileKey::random(), key, "two keys in a row differ");
    }

    #[test]
    fn a_key_that_is_a_path_or_not_hex_is_refused() {
        for bad in [
            "",
            "../../etc/passwd",
            "0123456789abcdef0123456789abcde",
            "0123456789abcdef0123456789abcdef0",
            "0123456789ABCDEF0123456789ABCDEF",
            "0123456789abcdef/123456789abcdef",
            "0123456789abcdef0123456789abcdeg",
        ] {
            assert_eq!(FileKey::parse(bad), None, "{bad:?}");
        }
    }
}
