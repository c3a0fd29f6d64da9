//! Signed-in devices in SQLite: when and how each session was last used,
//! ending one, and pruning idle ones. Ending a session logs the event that
//! closes its live connections, in the same transaction.

use rusqlite::{params, Connection};

use crate::domain::{EndedSessions, Event, SessionsEnded, Timestamp, UserId};
use crate::storage::{SessionRecord, SessionSeen, StoreResult};

pub fn seen(c: &Connection, token_hash: &[u8; 32], seen: &SessionSeen) -> StoreResult<()> {
    c.prepare_cached(
        "UPDATE sessions SET last_seen_at = ?2, user_agent = coalesce(?3, user_agent),
             ip = coalesce(?4, ip)
         WHERE token_hash = ?1",
    )?
    .execute(params![
        &token_hash[..],
        seen.at.millis(),
        Some(seen.user_agent.as_str()).filter(|a| !a.is_empty()),
        Some(seen.ip.as_str()).filter(|a| !a.is_empty())
    ])?;
    Ok(())
}

fn hash_of(bytes: &[u8]) -> [u8; 32] {
    let mut hash = [0u8; 32];
    if bytes.len() == 32 {
        hash.copy_from_slice(bytes);
    }
    hash
}

pub fn of_user(c: &Connection, user: UserId) -> StoreResult<Vec<SessionRecord>> {
    let mut stmt = c.prepare_cached(
        "SELECT token_hash, created_at, coalesce(last_seen_at, created_at), user_agent, ip
         FROM sessions WHERE user_id = ?1
         ORDER BY coalesce(last_seen_at, created_at) DESC LIMIT 100",
    )?;
    let rows = stmt
        .query_map([user.0], |r| {
            Ok(SessionRecord {
                token_hash: hash_of(&r.get::<_, Vec<u8>>(0)?),
                created_at: Timestamp(r.get(1)?),
                last_seen_at: Timestamp(r.get(2)?),
                user_agent: r.get(3)?,
                ip: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn end_one(
    c: &Connection,
    events: &mut Vec<Event>,
    user: UserId,
    token_hash: &[u8; 32],
) -> StoreResult<bool> {
    let n = c
        .prepare_cached("DELETE FROM sessions WHERE token_hash = ?1 AND user_id = ?2")?
        .execute(params![&token_hash[..], user.0])?;
    if n > 0 {
        events.push(Event::Sessions(SessionsEnded {
            user,
            which: EndedSessions::One(*token_hash),
        }));
    }
    Ok(n > 0)
}

pub fn prune_idle(
    c: &Connection,
    events: &mut Vec<Event>,
    idle_since: Timestamp,
    limit: u32,
) -> StoreResult<u32> {
    let idle = c
        .prepare_cached(
            "SELECT token_hash, user_id FROM sessions
             WHERE coalesce(last_seen_at, created_at) < ?1 LIMIT ?2",
        )?
        .query_map(params![idle_since.millis(), limit], |r| {
            Ok((hash_of(&r.get::<_, Vec<u8>>(0)?), UserId(r.get(1)?)))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (hash, user) in &idle {
        end_one(c, events, *user, hash)?;
    }
    Ok(u32::try_from(idle.len()).unwrap_or(u32::MAX))
}
