//! Attachments: taking an upload in (streamed to the file store within the
//! size limit and the uploader's quota, with an image preview made off the
//! runtime), serving a file only to those who may read it, removing a
//! deleted message's files, and sweeping uploads never sent.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures_util::Stream;

use super::upload_quota::QuotaHold;
use super::Chat;
use crate::domain::{Attachment, RoomId, Seq, Timestamp, User};
use crate::error::{Error, Result};
use crate::files::{
    self, ContentKind, DisplayName, FileKey, FileStore, ImageWorkers, Preview, StoredFile,
    SweepReport,
};
use crate::storage::{NewUpload, StoredPreview};

/// The longest side of an image's timeline preview, in pixels.
const PREVIEW_SIDE: u32 = 480;
/// The most files one message carries.
pub const MAX_FILES_PER_MESSAGE: usize = 10;
/// Files listed per round of the orphan sweep.
const SWEEP_BATCH: usize = 500;

/// Limits that come from configuration.
#[derive(Debug, Clone, Copy)]
pub struct FileSettings {
    /// `--max-upload-bytes`.
    pub max_upload_bytes: u64,
    /// `--upload-quota-bytes`: every upload of a user still kept counts.
    pub quota_bytes: u64,
    /// An upload not attached to a message after this long is removed.
    pub orphan_age: Duration,
}

/// Where files live and what makes their previews.
pub struct Attachments {
    pub store: Arc<dyn FileStore>,
    pub workers: ImageWorkers,
    pub settings: FileSettings,
}

/// A file a reader may download: how to serve it and its bytes.
pub struct Download {
    pub kind: ContentKind,
    pub name: DisplayName,
    /// The stored file served (the original or its preview): never
    /// changes under its key, so the key is its entity tag.
    pub key: FileKey,
    pub file: StoredFile,
}

impl Chat {
    /// Gives the chat its file store; without one, uploads are refused.
    pub fn keep_files(&mut self, attachments: Attachments) {
        self.files = Some(Arc::new(attachments));
    }

    fn attachments(&self) -> Result<&Arc<Attachments>> {
        self.files
            .as_ref()
            .ok_or_else(|| Error::Unavailable("This server does not take files.".into()))
    }

    /// Streams an upload into the file store. Refused with 413 as soon as
    /// the declared or the streamed size passes the per-file limit or what
    /// is left of the user's quota; nothing of a refused upload is kept.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id))]
    pub async fn upload_file<S, E>(
        &self,
        user: &User,
        client_name: &str,
        body: S,
        declared: Option<u64>,
    ) -> Result<Attachment>
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Send,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let files = self.attachments()?;
        let (hold, limit) = QuotaHold::take(
            &self.store,
            user.id,
            declared,
            files.settings.max_upload_bytes,
            files.settings.quota_bytes,
        )
        .await?;
        let up = files::receive(&*files.store, body, declared, limit).await?;
        let name = DisplayName::sanitise(client_name).into_string();
        let (dimensions, preview) = match self.make_preview(files, &up.key, up.kind).await {
            Ok(made) => made,
            Err(e) => {
                let _ = files.store.delete(&up.key).await;
                return Err(e);
            }
        };
        let record = NewUpload {
            key: up.key.clone(),
            uploader: user.id,
            name,
            size: up.size,
            mime: up.kind.mime.to_owned(),
            sha256: up.sha256_hex(),
            dimensions,
            preview: preview.clone(),
            now: Timestamp::now(),
            reservation: hold.recorded(),
        };
        let reservation = record.reservation;
        match self.store.record_upload(record).await {
            Ok(attachment) => Ok(attachment),
            Err(e) => {
                // Without its row nobody can reach the file; the sweep
                // would remove it later, this does it now.
                let _ = files.store.delete(&up.key).await;
                if let Some(p) = preview {
                    let _ = files.store.delete(&p.key).await;
                }
                // The failed transaction did not give the quota back.
                if let Some(id) = reservation {
                    let _ = self.store.release_upload_quota(id).await;
                }
                Err(e.into())
            }
        }
    }

    /// An image's displayed size and stored preview. An image that cannot
    /// be previewed (too large, broken, workers busy) is kept without one.
    async fn make_preview(
        &self,
        files: &Attachments,
        key: &FileKey,
        kind: ContentKind,
    ) -> Result<(Option<(u32, u32)>, Option<StoredPreview>)> {
        if !kind.is_image() {
            return Ok((None, None));
        }
        let Ok(summary) = files
            .workers
            .preview(
                &*files.store,
                key,
                Preview::Thumbnail {
                    max_side: PREVIEW_SIDE,
                },
            )
            .await
        else {
            return Ok((None, None));
        };
        let image = summary.preview;
        let preview_key = files::put_bytes(&*files.store, image.bytes).await?;
        Ok((
            Some((summary.width, summary.height)),
            Some(StoredPreview {
                key: preview_key,
                mime: image.mime.to_owned(),
                width: image.width,
                height: image.height,
            }),
        ))
    }

    /// Opens a file (or its preview) for a reader: a member of the room it
    /// was posted in, or its uploader before it is sent. Anyone else, a
    /// malformed key and a missing file all get the same 404.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id))]
    pub async fn open_file(&self, user: &User, key: &str, preview: bool) -> Result<Download> {
        let files = self.attachments()?;
        let missing = || Error::not_found("File not found.");
        let key = FileKey::parse(key).ok_or_else(missing)?;
        let record = self
            .store
            .readable_upload(&key, user.id)
            .await?
            .ok_or_else(missing)?;
        let (key, mime) = if preview {
            let p = record.preview.ok_or_else(missing)?;
            (p.key, p.mime)
        } else {
            (record.key, record.mime)
        };
        let file = files.store.open(&key).await.map_err(|e| match e {
            files::FileError::NotFound => missing(),
            other => other.into(),
        })?;
        Ok(Download {
            kind: ContentKind::from_stored(&mime),
            name: DisplayName::sanitise(&record.name),
            key,
            file,
        })
    }

    /// The same download from `offset` on (a range request): the reader
    /// was checked by `open_file`.
    pub async fn reopen_file_from(&self, download: Download, offset: u64) -> Result<Download> {
        let files = self.attachments()?;
        let file = files
            .store
            .open_from(&download.key, offset)
            .await
            .map_err(|e| match e {
                files::FileError::NotFound => Error::not_found("File not found."),
                other => other.into(),
            })?;
        Ok(Download { file, ..download })
    }

    /// Sends a message with files uploaded before (their ids, in order).
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id, room = %room))]
    pub async fn post_message_with_files(
        &self,
        user: &User,
        room: RoomId,
        client_id: &str,
        body: &str,
        file_ids: &[String],
    ) -> Result<crate::domain::Posted> {
        if file_ids.len() > MAX_FILES_PER_MESSAGE {
            return Err(Error::invalid(
                "too_many_files",
                format!("A message can carry at most {MAX_FILES_PER_MESSAGE} files."),
            ));
        }
        let unknown = || {
            Error::invalid(
                "upload_unknown",
                "A file of this message is not an upload of yours waiting to be sent; upload it again.",
            )
        };
        let mut keys = Vec::with_capacity(file_ids.len());
        for id in file_ids {
            let key = FileKey::parse(id).ok_or_else(unknown)?;
            if keys.contains(&key) {
                return Err(unknown());
            }
            keys.push(key);
        }
        let client_id = crate::domain::ClientId::parse(client_id)?;
        self.post(user, room, client_id, body, None, keys).await
    }

    /// The stored files of the message at `seq`, read before it is deleted.
    pub(super) async fn files_to_remove(&self, room: RoomId, seq: Seq) -> Result<Vec<FileKey>> {
        if self.files.is_none() {
            return Ok(Vec::new());
        }
        Ok(self.store.files_of_message(room, seq).await?)
    }

    /// Removes files whose rows are gone (after the commit). A failure is
    /// logged: the orphan sweep removes what is left.
    pub(super) async fn remove_files(&self, keys: Vec<FileKey>) {
        let Some(files) = &self.files else { return };
        for key in keys {
            if let Err(e) = files.store.delete(&key).await {
                tracing::warn!(error = %e, "a deleted message's file stays until the sweep");
            }
        }
    }

    /// Removes uploads never attached to a message once they are older than
    /// the orphan age, and files that nothing refers to.
    pub async fn sweep_orphan_files(&self) -> Result<SweepReport> {
        let files = self.attachments()?;
        let age = files.settings.orphan_age;
        let now = SystemTime::now();
        let cutoff = Timestamp::now().millis() - i64::try_from(age.as_millis()).unwrap_or(i64::MAX);
        let store = Arc::clone(&self.store);
        files::sweep_orphans(&*files.store, now, age, SWEEP_BATCH, move |keys| {
            let store = Arc::clone(&store);
            async move { Ok(store.expire_uploads(keys, Timestamp(cutoff)).await?) }
        })
        .await
    }
}
