//! `natter admin create-user`, `promote`, `demote`, `deactivate`,
//! `reactivate`: each change made straight in the database file, in one
//! transaction with its audit record (actor "natter admin") and the events
//! a running server must publish (see `outside.rs`), so it works on a
//! stopped server and, safely, on a running one.

use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context};
use rusqlite::{params, Connection, OptionalExtension};

use super::outside;
use crate::domain::{Changed, Event, RoomId, Timestamp, User, UserId, Username};
use crate::storage::sqlite::{accounts, server};
use crate::storage::StoreError;

/// How long a command waits for a running server to apply its change.
const PATIENCE: Duration = Duration::from_secs(10);

/// What a command changed, as the running server (if any) sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reached {
    /// No server runs on the database: nothing to tell.
    NoServer,
    /// The running server applied it (caches forgotten, sockets closed).
    Applied,
    /// A server runs but did not apply it within the patience.
    NotYet,
}

/// Appends a command-line action to the audit log (no signed-in actor).
pub(super) fn audit(
    c: &Connection,
    action: &str,
    target: &str,
    room: Option<RoomId>,
    now: Timestamp,
) -> anyhow::Result<()> {
    c.execute(
        "INSERT INTO audit_log (at, actor_id, action, target, room_id)
         VALUES (?1, NULL, ?2, ?3, ?4)",
        params![now.millis(), action, target, room.map(|r| r.0)],
    )?;
    Ok(())
}

/// Runs `work` in one transaction on the database file, records its events
/// for a running server, commits, and waits for that server to apply them.
fn change<T>(
    database: &Path,
    work: impl FnOnce(&Connection, &mut Vec<Event>, Timestamp) -> anyhow::Result<T>,
) -> anyhow::Result<(T, Reached)> {
    let mut conn = server::offline::open(database)?;
    conn.execute_batch("PRAGMA foreign_keys = ON")?;
    // Immediate: the write lock is taken (waiting for a running server's
    // writer) before anything is read.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let now = Timestamp::now();
    let mut events = Vec::new();
    let out = work(&tx, &mut events, now)?;
    let id = outside::record(&tx, &events, now)?;
    tx.commit().context("cannot commit the change")?;
    let reached = if !outside::server_running(database) {
        Reached::NoServer
    } else if outside::wait_applied(database, id, PATIENCE)? {
        Reached::Applied
    } else {
        Reached::NotYet
    };
    Ok((out, reached))
}

fn user_id(c: &Connection, username: &str) -> anyhow::Result<UserId> {
    let id: Option<i64> = c
        .query_row(
            "SELECT id FROM users WHERE username_key = ?1",
            [username.trim().to_ascii_lowercase()],
            |r| r.get(0),
        )
        .optional()?;
    match id {
        Some(id) => Ok(UserId(id)),
        None => bail!("there is no user named {}", username.trim()),
    }
}

/// Creates an account (with the password hash, if any); `admin` makes it
/// one of the server's admins, as does being the server's first account.
pub fn create_user(
    database: &Path,
    username: &Username,
    password_hash: Option<&str>,
    admin: bool,
) -> anyhow::Result<(User, Reached)> {
    change(database, |c, events, now| {
        let user = accounts::create_user(
            c,
            events,
            username.as_str(),
            &username.key(),
            password_hash,
            now,
        )
        .map_err(|e| match e {
            StoreError::Conflict => anyhow::anyhow!("the username {} is taken", username.as_str()),
            other => anyhow::Error::new(other),
        })?;
        if admin {
            server::set_admin(c, user.id, true)?;
        } else {
            server::claim_first_admin(c, user.id)?;
        }
        audit(c, "user.create", username.as_str(), None, now)?;
        Ok(user)
    })
}

/// Promotes (`admin`) or demotes a user by name.
pub fn set_admin(database: &Path, username: &str, admin: bool) -> anyhow::Result<Reached> {
    let ((), reached) = change(database, |c, events, now| {
        let user = user_id(c, username)?;
        server::set_admin(c, user, admin)?;
        events.push(Event::Changed(Changed::Account(user)));
        let action = if admin { "promote" } else { "demote" };
        audit(c, action, username.trim(), None, now)
    })?;
    Ok(reached)
}

/// Deactivates a user (ending every session of theirs: on a running server
/// their sockets close and their next request is refused) or reactivates
/// them.
pub fn set_deactivated(
    database: &Path,
    username: &str,
    deactivated: bool,
) -> anyhow::Result<Reached> {
    let ((), reached) = change(database, |c, events, now| {
        let user = user_id(c, username)?;
        server::set_deactivated(c, events, user, deactivated, now)?;
        let action = if deactivated {
            "deactivate"
        } else {
            "reactivate"
        };
        audit(c, action, username.trim(), None, now)
    })?;
    Ok(reached)
}
