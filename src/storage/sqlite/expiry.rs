//! Disappearing messages in SQLite: the room's timer, each message's expiry
//! time, the server's retention, and picking what is due — erasing it is
//! `erase.rs`'s job.

use rusqlite::{params, Connection, OptionalExtension};

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::doomed_slices::{self, Doom};
use super::erase::{erase, Due, Erasure, STEP};
use super::messages::{log_event, next_seq};
use super::writer_parts::Chain;
use super::SqliteStore;
use crate::domain::{Event, RoomChange, RoomEvent, RoomId, Seq, Timestamp};
use crate::storage::{Disappearing, Expired};
use crate::storage::{StoreError, StoreResult};
use async_trait::async_trait;

/// Takes the room's next seq and reads its timer in the same statement:
/// the send path pays nothing extra for disappearing messages.
pub fn next_seq_and_timer(c: &Connection, room: RoomId) -> StoreResult<(Seq, u32)> {
    Ok(c.prepare_cached(
        "UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ?1
         RETURNING last_seq, disappear_after_secs",
    )?
    .query_row([room.0], |r| Ok((Seq(r.get(0)?), r.get(1)?)))?)
}

/// Sets the room's timer and logs the change as a room event.
pub fn set_disappearing(
    c: &Connection,
    events: &mut Vec<Event>,
    room: RoomId,
    secs: u32,
    changed_by: &str,
) -> StoreResult<Seq> {
    let changed = c
        .prepare_cached("UPDATE rooms SET disappear_after_secs = ?2 WHERE id = ?1")?
        .execute(params![room.0, secs])?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    let seq = next_seq(c, room)?;
    let event = RoomEvent {
        room_id: room,
        seq,
        change: RoomChange::DisappearingChanged {
            seconds: secs,
            changed_by: changed_by.to_owned(),
        },
    };
    log_event(c, events, event, Timestamp::now())?;
    Ok(seq)
}

/// The soonest pending expiry: one step down the partial index.
pub fn next_expiry(c: &Connection) -> StoreResult<Option<Timestamp>> {
    Ok(c.prepare_cached(
        "SELECT expires_at FROM messages
         WHERE expires_at IS NOT NULL AND deleted_at IS NULL
         ORDER BY expires_at LIMIT 1",
    )?
    .query_row([], |r| r.get::<_, i64>(0))
    .optional()?
    .map(Timestamp))
}

/// How long one expiry write may run: the sends queued behind it, or
/// committed in its group, wait that long (BENCHMARKS.md, issue 18). A
/// write that runs out of time stops with more due (`Expired::cut_short`),
/// and the expiry task asks again once the sends that queued meanwhile are in.
/// With a million messages expiring beside 1,000 sends a second, parts of
/// 5, 3 and 2 ms gave the sends an ack p99 of 23-25, 19.5 and 17 ms (8.5 ms
/// with nothing expiring; the task resting as long as each slice took),
/// and the expiry took about as long with each.
const BUDGET: Duration = Duration::from_millis(2);

/// Expires at most `limit` messages due at `now`, soonest first, for at
/// most `BUDGET`: each becomes a tombstone, its logged edits lose their
/// text, and each room they were in logs one `messages.expired` with its
/// next seq. `doom`: an index slice whose every live message is due, to
/// drop whole (`doomed_slices.rs`).
pub fn expire_due(
    c: &Connection,
    events: &mut Vec<Event>,
    now: Timestamp,
    limit: u32,
    doom: Option<Doom>,
) -> StoreResult<Expired> {
    let started = Instant::now();
    if let Some(doom) = doom {
        doomed_slices::mark(c, doom)?;
    }
    let mut erasure = Erasure::default();
    let mut drained = false;
    let mut pick = c.prepare_cached(
        "SELECT json, body FROM messages
         WHERE expires_at IS NOT NULL AND deleted_at IS NULL AND expires_at <= ?1
         ORDER BY expires_at LIMIT ?2",
    )?;
    while erasure.gone.looked_at < limit {
        // Due messages are picked a step at a time, the time looked at between.
        let step = u32::try_from(STEP)
            .unwrap_or(u32::MAX)
            .min(limit - erasure.gone.looked_at);
        // Those erased in the steps before are no longer due.
        let due = pick
            .query_map(params![now.millis(), step], Due::from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let picked = u32::try_from(due.len()).unwrap_or(u32::MAX);
        erasure.gone.looked_at += picked;
        erasure.erase(c, &due, now)?;
        if picked < step {
            drained = true;
            break;
        }
        if erasure.gone.looked_at < limit && started.elapsed() >= BUDGET {
            erasure.gone.cut_short = true;
            break;
        }
    }
    // Cut short, more parts of this slice follow and the last one tells
    // the rooms; otherwise this is the last part.
    if erasure.gone.cut_short {
        let held = erasure.hold(c, events, now)?;
        doomed_slices::purge(c, started + BUDGET)?;
        return Ok(held);
    }
    let mut expired = erasure.log(c, events, now)?;
    if drained {
        // Nothing is due: whatever a doomed slice held is gone.
        doomed_slices::drop_all(c)?;
    }
    // A dropped slice still being emptied: more parts follow, as if
    // more were due.
    if doomed_slices::purge(c, started + BUDGET)? && drained {
        expired.cut_short = true;
    }
    Ok(expired)
}

/// Server-wide retention: expires at most `limit` messages posted before
/// `cutoff`, oldest first. Ids grow with posting time (the writer takes
/// them in commit order), so the walk is a range of the rowid from the
/// last one looked at (kept in `server_settings`), not a scan of history.
pub fn expire_posted_before(
    c: &Connection,
    events: &mut Vec<Event>,
    cutoff: Timestamp,
    now: Timestamp,
    limit: u32,
) -> StoreResult<Expired> {
    let cursor: i64 = c
        .prepare_cached("SELECT value FROM server_settings WHERE key = 'retention_cursor'")?
        .query_row([], |r| r.get::<_, String>(0))
        .optional()?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let rows = c
        .prepare_cached(
            "SELECT id, created_at, deleted_at IS NOT NULL, json, body FROM messages
             WHERE id > ?1 ORDER BY id LIMIT ?2",
        )?
        .query_map(params![cursor, limit], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut last = cursor;
    let mut looked_at = 0u32;
    let mut due = Vec::new();
    for (id, created_at, deleted, json, body) in rows {
        if created_at >= cutoff.millis() {
            break;
        }
        if !deleted {
            due.push(Due { json, body });
        }
        looked_at += 1;
        last = id;
    }
    if last != cursor {
        c.prepare_cached(
            "INSERT INTO server_settings (key, value) VALUES ('retention_cursor', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )?
        .execute([last.to_string()])?;
    }
    Ok(Expired {
        looked_at,
        ..erase(c, events, &due, now)?
    })
}

pub fn retention_days(c: &Connection) -> StoreResult<u32> {
    Ok(
        c.prepare_cached("SELECT value FROM server_settings WHERE key = 'retention_days'")?
            .query_row([], |r| r.get::<_, String>(0))
            .optional()?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
    )
}

pub fn set_retention_days(c: &Connection, days: u32) -> StoreResult<()> {
    c.prepare_cached(
        "INSERT INTO server_settings (key, value) VALUES ('retention_days', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute([days.to_string()])?;
    Ok(())
}

#[async_trait]
impl Disappearing for SqliteStore {
    async fn set_disappearing(
        &self,
        room: RoomId,
        secs: u32,
        changed_by: &str,
    ) -> StoreResult<Seq> {
        let by = changed_by.to_owned();
        self.writer
            .write(move |c, ev| set_disappearing(c, ev, room, secs, &by))
            .await
    }

    async fn next_expiry(&self) -> StoreResult<Option<Timestamp>> {
        self.readers.read_quick(next_expiry).await
    }

    /// In parts of `BUDGET` each, one after the other with the writes
    /// that queue meanwhile in between (`writer_parts.rs`), until `limit`
    /// messages were looked at or none are left due.
    /// A reader looks first whether the soonest due message's index
    /// slice can go whole; the first part marks it so.
    async fn expire_due(&self, now: Timestamp, limit: u32) -> StoreResult<Expired> {
        let checks = Arc::clone(&self.doom_checks);
        let doom = self.readers.read(move |c| checks.check(c, now)).await?;
        let chain = Chain {
            work: move |c: &Connection, ev: &mut Vec<Event>, before: Option<&Expired>| {
                let looked_at = before.map_or(0, |b| b.looked_at);
                let doom = doom.filter(|_| before.is_none());
                expire_due(c, ev, now, limit - looked_at, doom)
            },
            fold: |before: Expired, part: Expired| Expired {
                looked_at: before.looked_at + part.looked_at,
                messages: before.messages + part.messages,
                files: before.files + part.files,
                cut_short: part.cut_short,
            },
            more: move |total: &Expired| total.cut_short && total.looked_at < limit,
        };
        self.writer.write_in_parts(chain).await
    }

    async fn expire_posted_before(&self, cutoff: Timestamp, limit: u32) -> StoreResult<Expired> {
        self.writer
            .write(move |c, ev| expire_posted_before(c, ev, cutoff, Timestamp::now(), limit))
            .await
    }

    async fn retention_days(&self) -> StoreResult<u32> {
        self.readers.read_quick(retention_days).await
    }

    async fn set_retention_days(&self, days: u32) -> StoreResult<()> {
        self.writer
            .write(move |c, _| set_retention_days(c, days))
            .await
    }
}
