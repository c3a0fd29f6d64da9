//! What the store keeps of an upload.

use crate::domain::{Timestamp, UserId};
use crate::files::FileKey;

/// An upload taken in completely, to be recorded.
#[derive(Debug, Clone)]
pub struct NewUpload {
    pub key: FileKey,
    pub uploader: UserId,
    /// Already sanitised (`files::DisplayName`).
    pub name: String,
    pub size: u64,
    /// Sniffed from the content.
    pub mime: String,
    pub sha256: String,
    /// An image's size as displayed.
    pub dimensions: Option<(u32, u32)>,
    pub preview: Option<StoredPreview>,
    pub now: Timestamp,
    /// Its quota reservation, given back as the upload is recorded.
    pub reservation: Option<i64>,
}

/// An image's preview, stored as a file of its own.
#[derive(Debug, Clone)]
pub struct StoredPreview {
    pub key: FileKey,
    pub mime: String,
    pub width: u32,
    pub height: u32,
}

/// A readable upload, as a download needs it.
#[derive(Debug, Clone)]
pub struct UploadRecord {
    pub key: FileKey,
    pub name: String,
    pub size: u64,
    pub mime: String,
    pub preview: Option<StoredPreview>,
}

/// Bytes of a user's upload quota held for an upload in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadReservation {
    pub id: i64,
    pub bytes: u64,
}
