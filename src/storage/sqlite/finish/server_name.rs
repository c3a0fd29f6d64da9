//! Server settings admins change: the server's name, and whether
//! members may make invite links.

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

/// Whether members may make invite links (off unless an admin allowed it).
pub fn members_can_invite(c: &Connection) -> StoreResult<bool> {
    Ok(
        c.prepare_cached("SELECT value FROM server_settings WHERE key = 'members_can_invite'")?
            .query_row([], |r| r.get::<_, String>(0))
            .optional()?
            .is_some_and(|v| v == "true"),
    )
}

pub fn set_members_can_invite(c: &Connection, allowed: bool) -> StoreResult<()> {
    c.prepare_cached(
        "INSERT INTO server_settings (key, value) VALUES ('members_can_invite', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute([if allowed { "true" } else { "false" }])?;
    Ok(())
}
