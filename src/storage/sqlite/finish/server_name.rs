//! The server's name, one of the admins' server settings.

use rusqlite::{Connection, OptionalExtension};

use crate::storage::StoreResult;

pub fn get(c: &Connection) -> StoreResult<Option<String>> {
    Ok(
        c.prepare_cached("SELECT value FROM server_settings WHERE key = 'server_name'")?
            .query_row([], |r| r.get::<_, String>(0))
            .optional()?
            .filter(|name| !name.is_empty()),
    )
}

pub fn set(c: &Connection, name: &str) -> StoreResult<()> {
    c.prepare_cached(
        "INSERT INTO server_settings (key, value) VALUES ('server_name', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute([name])?;
    Ok(())
}
