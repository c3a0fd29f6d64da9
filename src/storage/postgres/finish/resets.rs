//! One-time password reset links on PostgreSQL: at most one per user (a
//! new one replaces it), only the code's SHA-256 stored, and using one is a
//! single transaction with the new password and the new session.

use postgres::GenericClient;

use crate::domain::{Changed, Event, Timestamp, User, UserId};
use crate::storage::postgres::accounts;
use crate::storage::{StoreError, StoreResult};

pub fn create(
    c: &mut impl GenericClient,
    user: UserId,
    code_hash: &[u8; 32],
    expires_at: Timestamp,
    now: Timestamp,
) -> StoreResult<()> {
    let exists = c
        .query_opt("SELECT 1 FROM users WHERE id = $1", &[&user.0])?
        .is_some();
    if !exists {
        return Err(StoreError::NotFound);
    }
    c.execute("DELETE FROM password_resets WHERE user_id = $1", &[&user.0])?;
    c.execute(
        "INSERT INTO password_resets (code_hash, user_id, created_at, expires_at)
         VALUES ($1, $2, $3, $4)",
        &[
            &&code_hash[..],
            &user.0,
            &now.millis(),
            &expires_at.millis(),
        ],
    )?;
    Ok(())
}

pub fn use_link(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    code_hash: &[u8; 32],
    password_hash: &str,
    new_session: &[u8; 32],
    now: Timestamp,
) -> StoreResult<User> {
    // A used link is gone: it works once (the delete's row lock makes a
    // second node using it at the same moment find nothing).
    let taken = c
        .query_opt(
            "DELETE FROM password_resets WHERE code_hash = $1 RETURNING user_id, expires_at",
            &[&&code_hash[..]],
        )?
        .ok_or(StoreError::NotFound)?;
    let (user, expires_at): (i64, i64) = (taken.try_get(0)?, taken.try_get(1)?);
    if expires_at <= now.millis() {
        // The error rolls the delete back: an expired link stays (one row
        // per user at most) until a new link for them replaces it.
        return Err(StoreError::NotFound);
    }
    let user = UserId(user);
    let changed = c.execute(
        "UPDATE users SET password_hash = $2 WHERE id = $1 AND deactivated_at IS NULL",
        &[&user.0, &password_hash],
    )?;
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
