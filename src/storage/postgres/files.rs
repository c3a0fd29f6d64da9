//! Uploads in PostgreSQL: recording them, attaching them to a message in
//! its transaction, reading them through the reader's memberships, the
//! files of deleted and expired messages, and the orphan sweep's side.

use std::collections::HashSet;

use async_trait::async_trait;
use postgres::{GenericClient, Row};

use super::PgStore;
use crate::domain::{Attachment, MessageId, PreviewSize, RoomId, Seq, Timestamp, UserId};
use crate::files::FileKey;
use crate::storage::{
    NewUpload, StoreError, StoreResult, StoredPreview, UploadRecord, UploadReservation, Uploads,
};

/// A stored count or size as the domain holds it (columns are BIGINT).
fn small(n: i64) -> StoreResult<u32> {
    u32::try_from(n)
        .map_err(|_| StoreError::Other(anyhow::anyhow!("a stored size is out of range")))
}

fn small_opt(n: Option<i64>) -> StoreResult<Option<u32>> {
    n.map(small).transpose()
}

fn bytes(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(crate) fn record_upload(c: &mut impl GenericClient, u: &NewUpload) -> StoreResult<Attachment> {
    if let Some(reservation) = u.reservation {
        super::upload_quota::release(c, reservation)?;
    }
    let (width, height) = u.dimensions.unzip();
    let p = u.preview.as_ref();
    c.execute(
        "INSERT INTO uploads (key, uploader_id, name, size, mime, sha256, width, height,
             preview_key, preview_mime, preview_width, preview_height, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        &[
            &u.key.as_str(),
            &u.uploader.0,
            &u.name,
            &bytes(u.size),
            &u.mime,
            &u.sha256,
            &width.map(i64::from),
            &height.map(i64::from),
            &p.map(|p| p.key.as_str()),
            &p.map(|p| p.mime.as_str()),
            &p.map(|p| i64::from(p.width)),
            &p.map(|p| i64::from(p.height)),
            &u.now.millis(),
        ],
    )?;
    Ok(Attachment {
        id: u.key.as_str().to_owned(),
        name: u.name.clone(),
        size: u.size,
        mime: u.mime.clone(),
        width,
        height,
        preview: p.map(|p| PreviewSize {
            width: p.width,
            height: p.height,
        }),
    })
}

fn key_of(row: &Row, column: usize) -> StoreResult<FileKey> {
    let text: &str = row.try_get(column)?;
    FileKey::parse(text)
        .ok_or_else(|| StoreError::Other(anyhow::anyhow!("a stored file key is malformed")))
}

fn preview_of(row: &Row, first: usize) -> StoreResult<Option<StoredPreview>> {
    if row.try_get::<_, Option<&str>>(first)?.is_none() {
        return Ok(None);
    }
    Ok(Some(StoredPreview {
        key: key_of(row, first)?,
        mime: row.try_get(first + 1)?,
        width: small(row.try_get(first + 2)?)?,
        height: small(row.try_get(first + 3)?)?,
    }))
}

/// The membership check is part of the query: a file of a message is found
/// only through a membership of the reader in the message's room.
pub(crate) fn readable_upload(
    c: &mut impl GenericClient,
    key: &FileKey,
    reader: UserId,
) -> StoreResult<Option<UploadRecord>> {
    let row = c.query_opt(
        "SELECT u.key, u.name, u.size, u.mime, u.preview_key, u.preview_mime,
                u.preview_width, u.preview_height
         FROM uploads u
         LEFT JOIN messages m ON m.id = u.message_id
         WHERE u.key = $1
           AND ((u.message_id IS NULL AND u.uploader_id = $2)
                OR (m.deleted_at IS NULL AND EXISTS (
                    SELECT 1 FROM memberships ms
                    WHERE ms.room_id = m.room_id AND ms.user_id = $2)))",
        &[&key.as_str(), &reader.0],
    )?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(UploadRecord {
        key: key_of(&row, 0)?,
        name: row.try_get(1)?,
        size: u64::try_from(row.try_get::<_, i64>(2)?).unwrap_or(0),
        mime: row.try_get(3)?,
        preview: preview_of(&row, 4)?,
    }))
}

/// Attaches the author's unattached uploads to a new message, in the
/// message's transaction (after its row is inserted: the foreign key);
/// returns them as the message carries them. `NotFound` when a key is not
/// an unattached upload of the author (never uploaded, someone else's,
/// already sent, or swept).
pub(crate) fn attach_uploads(
    c: &mut impl GenericClient,
    message: MessageId,
    author: UserId,
    keys: &[FileKey],
) -> StoreResult<Vec<Attachment>> {
    let mut files = Vec::with_capacity(keys.len());
    for (position, key) in keys.iter().enumerate() {
        let position = i64::try_from(position).unwrap_or(i64::MAX);
        let row = c
            .query_opt(
                "UPDATE uploads SET message_id = $1, position = $2
                 WHERE key = $3 AND uploader_id = $4 AND message_id IS NULL
                 RETURNING key, name, size, mime, width, height, preview_width, preview_height",
                &[&message.0, &position, &key.as_str(), &author.0],
            )?
            .ok_or(StoreError::NotFound)?;
        let preview = match (small_opt(row.try_get(6)?)?, small_opt(row.try_get(7)?)?) {
            (Some(width), Some(height)) => Some(PreviewSize { width, height }),
            _ => None,
        };
        files.push(Attachment {
            id: row.try_get(0)?,
            name: row.try_get(1)?,
            size: u64::try_from(row.try_get::<_, i64>(2)?).unwrap_or(0),
            mime: row.try_get(3)?,
            width: small_opt(row.try_get(4)?)?,
            height: small_opt(row.try_get(5)?)?,
            preview,
        });
    }
    Ok(files)
}

/// The files of a message, originals and previews.
pub(crate) fn files_of_message(
    c: &mut impl GenericClient,
    room: RoomId,
    seq: Seq,
) -> StoreResult<Vec<FileKey>> {
    let rows = c.query(
        "SELECT u.key, u.preview_key FROM uploads u JOIN messages m ON m.id = u.message_id
         WHERE m.room_id = $1 AND m.seq = $2",
        &[&room.0, &seq.0],
    )?;
    let mut keys = Vec::with_capacity(rows.len());
    for row in &rows {
        keys.push(key_of(row, 0)?);
        if row.try_get::<_, Option<&str>>(1)?.is_some() {
            keys.push(key_of(row, 1)?);
        }
    }
    Ok(keys)
}

/// Removes the uploads rows of a message being deleted (its files are then
/// removed from the file store after the commit; a crash in between leaves
/// orphans the sweep removes).
pub(crate) fn forget_files_of(c: &mut impl GenericClient, message: MessageId) -> StoreResult<()> {
    c.execute("DELETE FROM uploads WHERE message_id = $1", &[&message.0])?;
    Ok(())
}

/// Files of an expired message: their keys (originals and previews) wait
/// in `file_deletions` until the bytes are deleted after the commit (so a
/// crash in between forgets nothing), and their upload rows go now: from
/// here on nobody can download them.
pub(crate) fn queue_files_of(c: &mut impl GenericClient, message: MessageId) -> StoreResult<()> {
    c.execute(
        "INSERT INTO file_deletions (key)
         SELECT key FROM uploads WHERE message_id = $1
         UNION ALL
         SELECT preview_key FROM uploads WHERE message_id = $1 AND preview_key IS NOT NULL
         ON CONFLICT (key) DO NOTHING",
        &[&message.0],
    )?;
    forget_files_of(c, message)
}

pub(crate) fn expire_uploads(
    c: &mut impl GenericClient,
    keys: &[FileKey],
    made_before: Timestamp,
) -> StoreResult<HashSet<FileKey>> {
    let mut wanted = HashSet::new();
    for key in keys {
        c.execute(
            "DELETE FROM uploads WHERE key = $1 AND message_id IS NULL AND created_at < $2",
            &[&key.as_str(), &made_before.millis()],
        )?;
        // An avatar is no upload row, yet very much wanted.
        let referred: bool = c
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM uploads WHERE key = $1)
                     OR EXISTS (SELECT 1 FROM uploads WHERE preview_key = $1)
                     OR EXISTS (SELECT 1 FROM profiles WHERE avatar_key = $1)
                     OR EXISTS (SELECT 1 FROM profiles WHERE avatar_small_key = $1)",
                &[&key.as_str()],
            )?
            .try_get(0)?;
        if referred {
            wanted.insert(key.clone());
        }
    }
    Ok(wanted)
}

#[async_trait]
impl Uploads for PgStore {
    async fn record_upload(&self, upload: NewUpload) -> StoreResult<Attachment> {
        self.writer
            .write(move |c, _| record_upload(c, &upload))
            .await
    }

    async fn readable_upload(
        &self,
        key: &FileKey,
        reader: UserId,
    ) -> StoreResult<Option<UploadRecord>> {
        let key = key.clone();
        self.readers
            .read(move |c| readable_upload(c, &key, reader))
            .await
    }

    async fn files_of_message(&self, room: RoomId, seq: Seq) -> StoreResult<Vec<FileKey>> {
        self.readers
            .read(move |c| files_of_message(c, room, seq))
            .await
    }

    async fn expire_uploads(
        &self,
        keys: Vec<FileKey>,
        made_before: Timestamp,
    ) -> StoreResult<HashSet<FileKey>> {
        self.writer
            .write(move |c, _| expire_uploads(c, &keys, made_before))
            .await
    }

    async fn reserve_upload_quota(
        &self,
        user: UserId,
        wanted: Option<u64>,
        most: u64,
        quota: u64,
    ) -> StoreResult<Result<UploadReservation, u64>> {
        self.writer
            .write(move |c, _| {
                super::upload_quota::reserve(c, user, wanted, most, quota, Timestamp::now())
            })
            .await
    }

    async fn release_upload_quota(&self, reservation: i64) -> StoreResult<()> {
        self.writer
            .write(move |c, _| super::upload_quota::release(c, reservation))
            .await
    }
}
