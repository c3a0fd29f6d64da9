//! Uploads in SQLite: recording them, attaching them to a message in its
//! transaction, reading them through the reader's memberships, and the
//! orphan sweep's side.

use std::collections::HashSet;

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::SqliteStore;
use crate::domain::{Attachment, MessageId, PreviewSize, RoomId, Seq, Timestamp, UserId};
use crate::files::FileKey;
use crate::storage::Uploads;
use crate::storage::{NewUpload, StoreError, StoreResult, StoredPreview, UploadRecord};
use async_trait::async_trait;

pub fn record_upload(c: &Connection, u: &NewUpload) -> StoreResult<Attachment> {
    if let Some(reservation) = u.reservation {
        super::upload_quota::release(c, reservation)?;
    }
    let (width, height) = u.dimensions.unzip();
    let p = u.preview.as_ref();
    c.prepare_cached(
        "INSERT INTO uploads (key, uploader_id, name, size, mime, sha256, width, height,
             preview_key, preview_mime, preview_width, preview_height, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        u.key.as_str(),
        u.uploader.0,
        u.name,
        u.size,
        u.mime,
        u.sha256,
        width,
        height,
        p.map(|p| p.key.as_str()),
        p.map(|p| p.mime.as_str()),
        p.map(|p| p.width),
        p.map(|p| p.height),
        u.now.millis(),
    ])?;
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

pub fn upload_bytes_of(c: &Connection, user: UserId) -> StoreResult<u64> {
    let bytes: i64 = c
        .prepare_cached("SELECT coalesce(sum(size), 0) FROM uploads WHERE uploader_id = ?1")?
        .query_row([user.0], |r| r.get(0))?;
    Ok(u64::try_from(bytes).unwrap_or(0))
}

fn key_of(row: &Row<'_>, column: usize) -> rusqlite::Result<FileKey> {
    let text: String = row.get(column)?;
    FileKey::parse(&text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            column,
            rusqlite::types::Type::Text,
            "a stored file key is malformed".into(),
        )
    })
}

fn preview_of(row: &Row<'_>, first: usize) -> rusqlite::Result<Option<StoredPreview>> {
    if row.get::<_, Option<String>>(first)?.is_none() {
        return Ok(None);
    }
    Ok(Some(StoredPreview {
        key: key_of(row, first)?,
        mime: row.get(first + 1)?,
        width: row.get(first + 2)?,
        height: row.get(first + 3)?,
    }))
}

/// The membership check is part of the query: a file of a message is found
/// only through a membership of the reader in the message's room.
pub fn readable_upload(
    c: &Connection,
    key: &FileKey,
    reader: UserId,
) -> StoreResult<Option<UploadRecord>> {
    Ok(c.prepare_cached(
        "SELECT u.key, u.name, u.size, u.mime, u.preview_key, u.preview_mime,
                u.preview_width, u.preview_height
         FROM uploads u
         LEFT JOIN messages m ON m.id = u.message_id
         WHERE u.key = ?1
           AND ((u.message_id IS NULL AND u.uploader_id = ?2)
                OR (m.deleted_at IS NULL AND EXISTS (
                    SELECT 1 FROM memberships ms
                    WHERE ms.room_id = m.room_id AND ms.user_id = ?2)))",
    )?
    .query_row(params![key.as_str(), reader.0], |row| {
        Ok(UploadRecord {
            key: key_of(row, 0)?,
            name: row.get(1)?,
            size: row.get(2)?,
            mime: row.get(3)?,
            preview: preview_of(row, 4)?,
        })
    })
    .optional()?)
}

/// Attaches the author's unattached uploads to a new message, in the
/// message's transaction; returns them as the message carries them.
/// `NotFound` when a key is not an unattached upload of the author (never
/// uploaded, someone else's, already sent, or swept).
pub fn attach_uploads(
    c: &Connection,
    message: MessageId,
    author: UserId,
    keys: &[FileKey],
) -> StoreResult<Vec<Attachment>> {
    let mut files = Vec::with_capacity(keys.len());
    for (position, key) in keys.iter().enumerate() {
        let attachment = c
            .prepare_cached(
                "UPDATE uploads SET message_id = ?1, position = ?2
                 WHERE key = ?3 AND uploader_id = ?4 AND message_id IS NULL
                 RETURNING key, name, size, mime, width, height, preview_width, preview_height",
            )?
            .query_row(
                params![message.0, position, key.as_str(), author.0],
                |row| {
                    let preview = match (row.get(6)?, row.get(7)?) {
                        (Some(width), Some(height)) => Some(PreviewSize { width, height }),
                        _ => None,
                    };
                    Ok(Attachment {
                        id: row.get(0)?,
                        name: row.get(1)?,
                        size: row.get(2)?,
                        mime: row.get(3)?,
                        width: row.get(4)?,
                        height: row.get(5)?,
                        preview,
                    })
                },
            )
            .optional()?
            .ok_or(StoreError::NotFound)?;
        files.push(attachment);
    }
    Ok(files)
}

/// The files of a message, originals and previews.
pub fn files_of_message(c: &Connection, room: RoomId, seq: Seq) -> StoreResult<Vec<FileKey>> {
    let mut stmt = c.prepare_cached(
        "SELECT u.key, u.preview_key FROM uploads u JOIN messages m ON m.id = u.message_id
         WHERE m.room_id = ?1 AND m.seq = ?2",
    )?;
    let rows = stmt.query_map([room.0, seq.0], |row| {
        let preview = match row.get::<_, Option<String>>(1)? {
            Some(_) => Some(key_of(row, 1)?),
            None => None,
        };
        Ok((key_of(row, 0)?, preview))
    })?;
    let mut keys = Vec::new();
    for row in rows {
        let (key, preview) = row?;
        keys.push(key);
        keys.extend(preview);
    }
    Ok(keys)
}

/// Removes the uploads rows of a message being deleted (its files are then
/// removed from the file store after the commit; a crash in between leaves
/// orphans the sweep removes).
pub fn forget_files_of(c: &Connection, message: MessageId) -> StoreResult<()> {
    c.prepare_cached("DELETE FROM uploads WHERE message_id = ?1")?
        .execute([message.0])?;
    Ok(())
}

pub fn expire_uploads(
    c: &Connection,
    keys: &[FileKey],
    made_before: Timestamp,
) -> StoreResult<HashSet<FileKey>> {
    let mut wanted = HashSet::new();
    for key in keys {
        c.prepare_cached(
            "DELETE FROM uploads WHERE key = ?1 AND message_id IS NULL AND created_at < ?2",
        )?
        .execute(params![key.as_str(), made_before.millis()])?;
        let referred: bool = c
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM uploads WHERE key = ?1)
                     OR EXISTS (SELECT 1 FROM uploads WHERE preview_key = ?1)",
            )?
            .query_row([key.as_str()], |r| r.get(0))?;
        // An avatar is no upload row, yet very much wanted.
        if referred || super::profiles::is_avatar(c, key.as_str())? {
            wanted.insert(key.clone());
        }
    }
    Ok(wanted)
}

#[async_trait]
impl Uploads for SqliteStore {
    async fn record_upload(&self, upload: NewUpload) -> StoreResult<Attachment> {
        self.writer
            .write(move |c, _| record_upload(c, &upload))
            .await
    }

    async fn readable_upload(
        &self,
        key: &crate::files::FileKey,
        reader: UserId,
    ) -> StoreResult<Option<UploadRecord>> {
        let key = key.clone();
        self.readers
            .read_quick(move |c| readable_upload(c, &key, reader))
            .await
    }

    async fn files_of_message(
        &self,
        room: RoomId,
        seq: Seq,
    ) -> StoreResult<Vec<crate::files::FileKey>> {
        self.readers
            .read_quick(move |c| files_of_message(c, room, seq))
            .await
    }

    async fn expire_uploads(
        &self,
        keys: Vec<crate::files::FileKey>,
        made_before: Timestamp,
    ) -> StoreResult<std::collections::HashSet<crate::files::FileKey>> {
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
    ) -> StoreResult<Result<crate::storage::UploadReservation, u64>> {
        self.reserve_quota(user, wanted, most, quota).await
    }

    async fn release_upload_quota(&self, reservation: i64) -> StoreResult<()> {
        self.release_quota(reservation).await
    }
}
