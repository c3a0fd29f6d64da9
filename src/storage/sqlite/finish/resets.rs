//! One-time password reset links in SQLite: at most one per user (a new
//! one replaces it), only the code's SHA-256 stored, and using one is a
//! single transaction with the new password and the new session.

use rusqlite::{params, Connection, OptionalExtension};

use crate::domain::Changed;
use crate::domain::{Event, Timestamp, User, UserId};
use crate::storage::sqlite::accounts;
use crate::storage::{StoreError, StoreResult};

pub fn create(
    c: &Connection,
    user: UserId,
    code_hash: &[u8; 32],
    expires_at: Timestamp,
    now: Timestamp,
) -> StoreResult<()> {
    let exists = c
        .prepare_cached("SELECT 1 FROM users WHERE id = ?1")?
        .query_row([user.0], |_| Ok(()))
        .optional()?
        .is_some();
    if !exists {
        return Err(StoreError::NotFound);
    }
    c.prepare_cached("DELETE FROM password_resets WHERE user_id = ?1")?
        .execute([user.0])?;
    c.prepare_cached(
        "INSERT INTO password_resets (code_hash, user_id, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        &code_hash[..],
        user.0,
        now.millis(),
        expires_at.millis()
    ])?;
    Ok(())
}

pub fn use_link(
    c: &Connection,
    events: &mut Vec<Event>,
    code_hash: &[u8; 32],
    password_hash: &str,
    new_session: &[u8; 32],
    now: Timestamp,
) -> StoreResult<User> {
    // A used link is gone: it works once.
    let taken: Option<(i64, i64)> = c
        .prepare_cached(
            "DELETE FROM password_resets WHERE code_hash = ?1 RETURNING user_id, expires_at",
        )?
        .query_row([&code_hash[..]], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((user, expires_at)) = taken else {
        return Err(StoreError::NotFound);
    };
    if expires_at <= now.millis() {
        // The error rolls the delete back: an expired link stays (one row
        // per user at most) until a new link for them replaces it.
        return Err(StoreError::NotFound);
    }
    let user = UserId(user);
    let changed = c
        .prepare_cached(
            "UPDATE users SET password_hash = ?2 WHERE id = ?1 AND deactivated_at IS NULL",
        )?
        .execute(params![user.0, password_hash])?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    accounts::delete_sessions_of(c, events, user, None)?;
    // The new password: what a cached session resolves to is stale.
    events.push(Event::Changed(Changed::Account(user)));
    accounts::create_session(c, user, new_session, now)?;
    Ok(accounts::user_by_id(c, user)?
        .ok_or(StoreError::NotFound)?
        .user)
}

/// `natter admin reset-password`: a link made straight in the database
/// file, so it works whether or not a server is running on it.
pub fn create_offline(
    database: &std::path::Path,
    username: &str,
    code_hash: &[u8; 32],
    expires_at: Timestamp,
) -> anyhow::Result<()> {
    let conn = crate::storage::sqlite::server::offline::open(database)?;
    let user: Option<i64> = conn
        .query_row(
            "SELECT id FROM users WHERE username_key = ?1",
            [username.trim().to_ascii_lowercase()],
            |r| r.get(0),
        )
        .optional()?;
    let Some(user) = user else {
        anyhow::bail!("there is no user named {}", username.trim());
    };
    let tx = conn.unchecked_transaction()?;
    create(&tx, UserId(user), code_hash, expires_at, Timestamp::now())?;
    tx.commit()?;
    Ok(())
}
