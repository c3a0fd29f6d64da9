//! Server settings admins change: the server's name, whether members
//! may make invite links, and how long messages are kept.

use postgres::GenericClient;

use crate::storage::StoreResult;

pub fn get(c: &mut impl GenericClient) -> StoreResult<Option<String>> {
    Ok(c.query_opt(
        "SELECT value FROM server_settings WHERE key = 'server_name'",
        &[],
    )?
    .map(|r| r.try_get::<_, String>(0))
    .transpose()?
    .filter(|name| !name.is_empty()))
}

pub fn set(c: &mut impl GenericClient, name: &str) -> StoreResult<()> {
    c.execute(
        "INSERT INTO server_settings (key, value) VALUES ('server_name', $1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        &[&name],
    )?;
    Ok(())
}

/// Whether members may make invite links (off unless an admin allowed it).
pub fn members_can_invite(c: &mut impl GenericClient) -> StoreResult<bool> {
    Ok(c.query_opt(
        "SELECT value FROM server_settings WHERE key = 'members_can_invite'",
        &[],
    )?
    .map(|r| r.try_get::<_, String>(0))
    .transpose()?
    .is_some_and(|v| v == "true"))
}

pub fn set_members_can_invite(c: &mut impl GenericClient, allowed: bool) -> StoreResult<()> {
    c.execute(
        "INSERT INTO server_settings (key, value) VALUES ('members_can_invite', $1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        &[&if allowed { "true" } else { "false" }],
    )?;
    Ok(())
}

/// How many days messages are kept (0: for ever), as the Disappearing
/// area's `set_retention_days` stores it, for an audited change.
pub fn set_retention_days(c: &mut impl GenericClient, days: u32) -> StoreResult<()> {
    c.execute(
        "INSERT INTO server_settings (key, value) VALUES ('retention_days', $1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        &[&days.to_string()],
    )?;
    Ok(())
}
