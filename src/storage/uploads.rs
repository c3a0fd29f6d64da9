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
    /// Bytes of every upload of the user still kept (for the quota).
    async fn upload_bytes_of(&self, user: UserId) -> StoreResult<u64>;
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
