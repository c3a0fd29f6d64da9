//! Files whose rows are gone (expired messages, replaced avatars): their
//! keys wait in `file_deletions` until the bytes are deleted after the
//! commit, so a crash in between forgets nothing.

use postgres::GenericClient;

use crate::files::FileKey;
use crate::storage::StoreResult;

pub fn pending(c: &mut impl GenericClient, limit: u32) -> StoreResult<Vec<FileKey>> {
    let rows = c.query(
        "SELECT key FROM file_deletions ORDER BY key LIMIT $1",
        &[&i64::from(limit)],
    )?;
    let mut keys = Vec::with_capacity(rows.len());
    let mut unknown = Vec::new();
    for row in &rows {
        let text: String = row.try_get(0)?;
        match FileKey::parse(&text) {
            Some(key) => keys.push(key),
            // Names no stored file: nothing to delete, and it must not
            // come back every round.
            None => unknown.push(text),
        }
    }
    if !unknown.is_empty() {
        c.execute(
            "DELETE FROM file_deletions WHERE key = ANY($1)",
            &[&unknown],
        )?;
    }
    Ok(keys)
}

pub fn done(c: &mut impl GenericClient, keys: &[FileKey]) -> StoreResult<()> {
    let keys: Vec<&str> = keys.iter().map(FileKey::as_str).collect();
    c.execute("DELETE FROM file_deletions WHERE key = ANY($1)", &[&keys])?;
    Ok(())
}
