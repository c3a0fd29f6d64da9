//! Files of expired messages: their upload rows go in the expiry's
//! transaction and their keys wait in `file_deletions` until the bytes are
//! deleted after the commit (so a crash in between forgets nothing).

use rusqlite::{params, Connection};

use crate::domain::MessageId;
use crate::files::FileKey;
use crate::storage::StoreResult;

/// Queues the message's files (originals and previews) for deletion and
/// removes their upload rows: from here on nobody can download them.
pub fn queue_files_of(c: &Connection, message: MessageId) -> StoreResult<usize> {
    let queued = c
        .prepare_cached(
            "INSERT OR IGNORE INTO file_deletions (key)
         SELECT key FROM uploads WHERE message_id = ?1
         UNION ALL
         SELECT preview_key FROM uploads WHERE message_id = ?1 AND preview_key IS NOT NULL",
        )?
        .execute([message.0])?;
    crate::storage::sqlite::files::forget_files_of(c, message)?;
    Ok(queued)
}

pub fn pending(c: &Connection, limit: u32) -> StoreResult<Vec<FileKey>> {
    let texts = c
        .prepare_cached("SELECT key FROM file_deletions ORDER BY key LIMIT ?1")?
        .query_map([limit], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut keys = Vec::with_capacity(texts.len());
    for text in texts {
        match FileKey::parse(&text) {
            Some(key) => keys.push(key),
            // Names no stored file: nothing to delete, and it must not
            // come back every round.
            None => {
                c.prepare_cached("DELETE FROM file_deletions WHERE key = ?1")?
                    .execute([&text])?;
            }
        }
    }
    Ok(keys)
}

pub fn done(c: &Connection, keys: &[FileKey]) -> StoreResult<()> {
    for key in keys {
        c.prepare_cached("DELETE FROM file_deletions WHERE key = ?1")?
            .execute(params![key.as_str()])?;
    }
    Ok(())
}
