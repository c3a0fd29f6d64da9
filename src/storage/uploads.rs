//! Uploads: what the store keeps of attachments (the bytes are in the file
//! store), who may read them, and the orphan sweep's database side.

use std::collections::HashSet;

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{Attachment, RoomId, Seq, Timestamp, UserId};
use crate::files::FileKey;

#[async_trait]
pub trait Uploads: Send + Sync {
    /// Records an upload whose bytes are durable in the file store,
    /// unattached until a message of its uploader takes it.
    async fn record_upload(&self, upload: NewUpload) -> StoreResult<Attachment>;
    /// The upload with this key if `reader` may read it: a member of the
    /// room of its message, or its uploader while it is unattached.
    async fn readable_upload(
        &self,
        key: &FileKey,
        reader: UserId,
    ) -> StoreResult<Option<UploadRecord>>;
    /// The stored files (originals and previews) of the message at `seq`.
    async fn files_of_message(&self, room: RoomId, seq: Seq) -> StoreResult<Vec<FileKey>>;
    /// The orphan sweep's database side, in one transaction: removes the
    /// unattached uploads among `keys` made before `made_before`, and
    /// returns the keys among `keys` still referred to.
    async fn expire_uploads(
        &self,
        keys: Vec<FileKey>,
        made_before: Timestamp,
    ) -> StoreResult<HashSet<FileKey>>;
    /// Reserves quota for an upload in one atomic step with the check: what
    /// the user keeps and their other reservations leave `wanted` bytes
    /// (`None`, size unknown: whatever is left, at most `most`). `Err`
    /// carries what is left when it does not fit.
    async fn reserve_upload_quota(
        &self,
        user: UserId,
        wanted: Option<u64>,
        most: u64,
        quota: u64,
    ) -> StoreResult<Result<UploadReservation, u64>>;
    /// Gives back the reservation of an upload that was not recorded
    /// (`record_upload` gives back its upload's own).
    async fn release_upload_quota(&self, reservation: i64) -> StoreResult<()>;
}

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
