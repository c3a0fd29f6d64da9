//! Disappearing messages in SQLite: the room's timer, each message's expiry
//! time, and the expiry itself — the text and every edit of an expired
//! message are overwritten in the database (with `secure_delete` on the
//! writer, the freed bytes are zeroed too), leaving a tombstone that keeps
//! the room's seqs gap-free.

use rusqlite::{params, Connection, OptionalExtension};

use super::messages::{log_event, message_at, next_seq};
use super::SqliteStore;
use crate::domain::{Event, MessageId, MessageJson, RoomChange, RoomEvent, RoomId, Seq, Timestamp};
use crate::storage::Disappearing;
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

/// When a message posted at `now` under a timer of `secs` disappears.
pub fn expiry_of(now: Timestamp, secs: u32) -> Option<Timestamp> {
    (secs > 0).then(|| Timestamp(now.millis() + i64::from(secs) * 1000))
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

/// Expires at most `limit` messages due at `now`, soonest first: each
/// becomes a tombstone, its logged edits lose their text, and a
/// `message.expired` event with the room's next seq is logged. Returns how
/// many expired.
pub fn expire_due(
    c: &Connection,
    events: &mut Vec<Event>,
    now: Timestamp,
    limit: u32,
) -> StoreResult<u32> {
    let due = c
        .prepare_cached(
            "SELECT room_id, seq FROM messages
             WHERE expires_at IS NOT NULL AND deleted_at IS NULL AND expires_at <= ?1
             ORDER BY expires_at LIMIT ?2",
        )?
        .query_map(params![now.millis(), limit], |r| {
            Ok((RoomId(r.get(0)?), Seq(r.get(1)?)))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for &(room, seq) in &due {
        expire_one(c, events, room, seq, now)?;
    }
    Ok(u32::try_from(due.len()).unwrap_or(u32::MAX))
}

fn expire_one(
    c: &Connection,
    events: &mut Vec<Event>,
    room: RoomId,
    seq: Seq,
    now: Timestamp,
) -> StoreResult<()> {
    let Some(mut message) = message_at(c, room, seq)? else {
        return Ok(());
    };
    let was_edited = message.edited_at.is_some();
    // Retention expires messages that had no timer: they expire now.
    let expires_at = *message.expires_at.get_or_insert(now);
    message.body.clear();
    message.edited_at = None;
    message.deleted = true;
    message.expired = true;
    message.files.clear();
    // Its files go too: rows now, bytes after the commit (file_deletions).
    super::finish::file_deletions::queue_files_of(c, message.id)?;
    c.prepare_cached(
        "UPDATE messages SET body = '', edited_at = NULL, deleted_at = ?2, json = ?3, expires_at = ?4,
             files = NULL
         WHERE id = ?1",
    )?
    .execute(params![
        message.id.0,
        now.millis(),
        MessageJson::of(&message).as_str(),
        expires_at.millis()
    ])?;
    // Gone means gone from search too: no snippet of it is ever shown again.
    super::search::unindex_message(c, message.id)?;
    if was_edited {
        // The log keeps each edit's full message; those become expiry
        // notices too (same seq), so a replay never hands the text out.
        // Only edited messages pay for this walk of the room's later log.
        c.prepare_cached(
            "UPDATE room_events
             SET payload = json_object('room_id', room_id, 'seq', seq, 'type', 'message.expired',
                                       'message_id', ?3, 'message_seq', ?2)
             WHERE room_id = ?1 AND seq > ?2
               AND json_extract(payload, '$.type') = 'message.edited'
               AND json_extract(payload, '$.message.id') = ?3",
        )?
        .execute(params![room.0, seq.0, message.id.0])?;
    }
    let event = RoomEvent {
        room_id: room,
        seq: next_seq(c, room)?,
        change: RoomChange::MessageExpired {
            message_id: MessageId(message.id.0),
            message_seq: seq,
        },
    };
    log_event(c, events, event, now)?;
    super::corrections::reply_gone(c, events, &message, now)
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
) -> StoreResult<u32> {
    let cursor: i64 = c
        .prepare_cached("SELECT value FROM server_settings WHERE key = 'retention_cursor'")?
        .query_row([], |r| r.get::<_, String>(0))
        .optional()?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let rows = c
        .prepare_cached(
            "SELECT id, room_id, seq, created_at, deleted_at IS NOT NULL FROM messages
             WHERE id > ?1 ORDER BY id LIMIT ?2",
        )?
        .query_map(params![cursor, limit], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                RoomId(r.get(1)?),
                Seq(r.get(2)?),
                r.get::<_, i64>(3)?,
                r.get::<_, bool>(4)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut last = cursor;
    let mut expired = 0u32;
    for (id, room, seq, created_at, deleted) in rows {
        if created_at >= cutoff.millis() {
            break;
        }
        if !deleted {
            expire_one(c, events, room, seq, now)?;
            expired += 1;
        }
        last = id;
    }
    if last != cursor {
        c.prepare_cached(
            "INSERT INTO server_settings (key, value) VALUES ('retention_cursor', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )?
        .execute([last.to_string()])?;
    }
    Ok(expired)
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

    async fn expire_due(&self, now: Timestamp, limit: u32) -> StoreResult<u32> {
        self.writer
            .write(move |c, ev| expire_due(c, ev, now, limit))
            .await
    }

    async fn expire_posted_before(&self, cutoff: Timestamp, limit: u32) -> StoreResult<u32> {
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
