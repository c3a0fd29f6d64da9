//! Signed-in devices on PostgreSQL: when and how each session was last
//! used, ending one, and pruning idle ones. Ending a session announces the
//! event that closes its live connections, from the same transaction.

use std::collections::BTreeMap;

use postgres::GenericClient;

use crate::domain::{EndedSessions, Event, SessionsEnded, Timestamp, UserId};
use crate::storage::{SessionRecord, SessionSeen, StoreResult};

/// Every use in one statement: a node's failover hands thousands of
/// sessions to the others at once, and one update each took the writer two
/// round trips, a parse and a plan per session.
pub fn seen(c: &mut impl GenericClient, seen: &[([u8; 32], SessionSeen)]) -> StoreResult<()> {
    // One row per session, its later use (an update joined to two rows of
    // one session would take either), in the order of the hashes, so two
    // nodes writing the same sessions lock them in the same order.
    let latest: BTreeMap<&[u8; 32], &SessionSeen> = seen.iter().map(|(h, s)| (h, s)).collect();
    let hashes: Vec<&[u8]> = latest.keys().map(|h| &h[..]).collect();
    let at: Vec<i64> = latest.values().map(|s| s.at.millis()).collect();
    let agents: Vec<Option<&str>> = latest
        .values()
        .map(|s| Some(s.user_agent.as_str()).filter(|a| !a.is_empty()))
        .collect();
    let ips: Vec<Option<&str>> = latest
        .values()
        .map(|s| Some(s.ip.as_str()).filter(|a| !a.is_empty()))
        .collect();
    c.execute(
        "UPDATE sessions s SET last_seen_at = u.at,
             user_agent = coalesce(u.agent, s.user_agent), ip = coalesce(u.ip, s.ip)
         FROM unnest($1::bytea[], $2::int8[], $3::text[], $4::text[]) AS u(hash, at, agent, ip)
         WHERE s.token_hash = u.hash",
        &[&hashes, &at, &agents, &ips],
    )?;
    Ok(())
}

fn hash_of(bytes: &[u8]) -> [u8; 32] {
    let mut hash = [0u8; 32];
    if bytes.len() == 32 {
        hash.copy_from_slice(bytes);
    }
    hash
}

pub fn of_user(c: &mut impl GenericClient, user: UserId) -> StoreResult<Vec<SessionRecord>> {
    c.query(
        "SELECT token_hash, created_at, coalesce(last_seen_at, created_at), user_agent, ip
         FROM sessions WHERE user_id = $1
         ORDER BY coalesce(last_seen_at, created_at) DESC LIMIT 100",
        &[&user.0],
    )?
    .iter()
    .map(|r| {
        Ok(SessionRecord {
            token_hash: hash_of(r.try_get(0)?),
            created_at: Timestamp(r.try_get(1)?),
            last_seen_at: Timestamp(r.try_get(2)?),
            user_agent: r.try_get(3)?,
            ip: r.try_get(4)?,
        })
    })
    .collect()
}

pub fn end_one(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    user: UserId,
    token_hash: &[u8; 32],
) -> StoreResult<bool> {
    let n = c.execute(
        "DELETE FROM sessions WHERE token_hash = $1 AND user_id = $2",
        &[&&token_hash[..], &user.0],
    )?;
    if n > 0 {
        events.push(Event::Sessions(SessionsEnded {
            user,
            which: EndedSessions::One(*token_hash),
        }));
    }
    Ok(n > 0)
}

pub fn prune_idle(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    idle_since: Timestamp,
    limit: u32,
) -> StoreResult<u32> {
    // Deleted in one statement: another node pruning at the same time
    // skips the rows this one took (and announces none of them twice).
    let ended = c.query(
        "DELETE FROM sessions WHERE token_hash IN (
             SELECT token_hash FROM sessions
             WHERE coalesce(last_seen_at, created_at) < $1
             LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING token_hash, user_id",
        &[&idle_since.millis(), &i64::from(limit)],
    )?;
    for r in &ended {
        events.push(Event::Sessions(SessionsEnded {
            user: UserId(r.try_get(1)?),
            which: EndedSessions::One(hash_of(r.try_get(0)?)),
        }));
    }
    Ok(u32::try_from(ended.len()).unwrap_or(u32::MAX))
}
