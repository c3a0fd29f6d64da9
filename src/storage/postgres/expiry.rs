//! Disappearing messages in PostgreSQL: the room's timer, each message's
//! expiry time, and the expiry itself — the text, search entry, files and
//! every logged edit of an expired message are overwritten in the
//! database, leaving a tombstone that keeps the room's seqs gap-free.

use std::collections::BTreeMap;

use async_trait::async_trait;
use postgres::GenericClient;

use super::room_log::{log_event, message_at, next_seq};
use super::PgStore;
use crate::domain::{
    Event, Message, MessageId, MessageJson, RoomChange, RoomEvent, RoomId, Seq, Timestamp,
};
use crate::storage::{Disappearing, Expired, StoreError, StoreResult};

/// Sets the room's timer and logs the change as a room event.
fn set_disappearing(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    room: RoomId,
    secs: u32,
    changed_by: &str,
) -> StoreResult<Seq> {
    let changed = c.execute(
        "UPDATE rooms SET disappear_after_secs = $2 WHERE id = $1",
        &[&room.0, &i64::from(secs)],
    )?;
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
fn next_expiry(c: &mut impl GenericClient) -> StoreResult<Option<Timestamp>> {
    Ok(c.query_opt(
        "SELECT expires_at FROM messages
             WHERE expires_at IS NOT NULL AND deleted_at IS NULL
             ORDER BY expires_at LIMIT 1",
        &[],
    )?
    .map(|r| r.try_get::<_, i64>(0))
    .transpose()?
    .map(Timestamp))
}

/// Expires at most `limit` messages due at `now`, soonest first: each
/// becomes a tombstone, its logged edits lose their text, and each room
/// they were in logs one `messages.expired` with its next seq.
fn expire_due(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    now: Timestamp,
    limit: u32,
) -> StoreResult<Expired> {
    let due = c
        .query(
            "SELECT room_id, seq FROM messages
             WHERE expires_at IS NOT NULL AND deleted_at IS NULL AND expires_at <= $1
             ORDER BY expires_at LIMIT $2",
            &[&now.millis(), &i64::from(limit)],
        )?
        .iter()
        .map(|r| Ok((RoomId(r.try_get(0)?), Seq(r.try_get(1)?))))
        .collect::<StoreResult<Vec<_>>>()?;
    erase(c, events, &due, now)
}

/// Erases the messages at `due` that are still there and logs one
/// `messages.expired` per room they were in, then one `thread.updated`
/// per thread that lost replies (as `storage/sqlite/erase.rs`).
fn erase(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    due: &[(RoomId, Seq)],
    now: Timestamp,
) -> StoreResult<Expired> {
    let mut gone = Expired {
        looked_at: u32::try_from(due.len()).unwrap_or(u32::MAX),
        ..Expired::default()
    };
    let mut rooms: BTreeMap<RoomId, Vec<(Seq, MessageId)>> = BTreeMap::new();
    let mut threads: BTreeMap<(RoomId, Seq), Message> = BTreeMap::new();
    for &(room, seq) in due {
        let Some((message, files)) = erase_one(c, room, seq, now)? else {
            continue;
        };
        if let Some(root) = message.thread_root {
            threads.insert((room, root), message.clone());
        }
        gone.files += files;
        gone.messages += 1;
        rooms.entry(room).or_default().push((seq, message.id));
    }
    for (room, mut expired) in rooms {
        expired.sort_unstable();
        let (message_seqs, message_ids) = expired.into_iter().unzip();
        let event = RoomEvent {
            room_id: room,
            seq: next_seq(c, room)?,
            change: RoomChange::MessagesExpired {
                message_seqs,
                message_ids,
            },
        };
        log_event(c, events, event, now)?;
    }
    for reply in threads.into_values() {
        super::corrections::reply_gone(c, events, &reply, now)?;
    }
    Ok(gone)
}

/// Turns one message into a tombstone. Every node runs the expiry, so two
/// may pick the same message: the room's row is locked first (as every
/// write that changes a message does), then the message is read again,
/// and one another node expired or deleted meanwhile is left alone.
/// Returns the message as it was and how many files it had.
fn erase_one(
    c: &mut impl GenericClient,
    room: RoomId,
    seq: Seq,
    now: Timestamp,
) -> StoreResult<Option<(Message, u32)>> {
    c.execute(
        "SELECT 1 FROM rooms WHERE id = $1 FOR NO KEY UPDATE",
        &[&room.0],
    )?;
    let Some(original) = message_at(c, room, seq)?.filter(|m| !m.deleted) else {
        return Ok(None);
    };
    let mut message = original.clone();
    let files = u32::try_from(message.files.len()).unwrap_or(u32::MAX);
    let was_edited = message.edited_at.is_some();
    // Retention expires messages that had no timer: they expire now.
    let expires_at = *message.expires_at.get_or_insert(now);
    message.body.clear();
    message.edited_at = None;
    message.deleted = true;
    message.expired = true;
    message.files.clear();
    // Its files go too: rows now, bytes after the commit (file_deletions).
    super::files::queue_files_of(c, message.id)?;
    // Gone means gone from search too (the emptied `search` column): no
    // snippet of it is ever shown again. Setting `deleted_at` runs
    // `message_deleted_clears` (reactions, pins, saves, waiting pushes).
    c.execute(
        "UPDATE messages SET body = '', edited_at = NULL, deleted_at = $2, json = $3,
             expires_at = $4, files = NULL, search = ''::tsvector
         WHERE id = $1",
        &[
            &message.id.0,
            &now.millis(),
            &MessageJson::of(&message).as_str(),
            &expires_at.millis(),
        ],
    )?;
    if was_edited {
        // The log keeps each edit's full message; those become expiry
        // notices too (same seq), so a replay never hands the text out.
        // Only edited messages pay for this walk of the room's later log.
        c.execute(
            "UPDATE room_events
             SET payload = json_build_object('room_id', room_id, 'seq', seq,
                     'type', 'messages.expired', 'message_seqs', json_build_array($2::bigint),
                     'message_ids', json_build_array($3::bigint))::text
             WHERE room_id = $1 AND seq > $2
               AND payload::jsonb ->> 'type' = 'message.edited'
               AND payload::jsonb -> 'message' ->> 'id' = $3::bigint::text",
            &[&room.0, &seq.0, &message.id.0],
        )?;
    }
    Ok(Some((original, files)))
}

/// Server-wide retention: expires at most `limit` messages posted before
/// `cutoff`, oldest first. The walk is a range of ids from the last one
/// looked at (kept in `server_settings`), not a scan of history.
///
/// With writers on several nodes, ids need not commit in order; but the
/// walk passes an id only once a later-taken one was found older than the
/// cutoff, so a message is missed only if its transaction stayed open for
/// the whole retention period. Two nodes walking at once expire each
/// message once (`expire_one`) and store the same cursor.
fn expire_posted_before(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    cutoff: Timestamp,
    now: Timestamp,
    limit: u32,
) -> StoreResult<Expired> {
    let cursor: i64 = c
        .query_opt(
            "SELECT value FROM server_settings WHERE key = 'retention_cursor'",
            &[],
        )?
        .map(|r| r.try_get::<_, String>(0))
        .transpose()?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let rows = c
        .query(
            "SELECT id, room_id, seq, created_at, deleted_at IS NOT NULL FROM messages
             WHERE id > $1 ORDER BY id LIMIT $2",
            &[&cursor, &i64::from(limit)],
        )?
        .iter()
        .map(|r| {
            Ok((
                r.try_get::<_, i64>(0)?,
                RoomId(r.try_get(1)?),
                Seq(r.try_get(2)?),
                r.try_get::<_, i64>(3)?,
                r.try_get::<_, bool>(4)?,
            ))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let mut last = cursor;
    let mut looked_at = 0u32;
    let mut due = Vec::new();
    for (id, room, seq, created_at, deleted) in rows {
        if created_at >= cutoff.millis() {
            break;
        }
        if !deleted {
            due.push((room, seq));
        }
        looked_at += 1;
        last = id;
    }
    if last != cursor {
        c.execute(
            "INSERT INTO server_settings (key, value) VALUES ('retention_cursor', $1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&last.to_string()],
        )?;
    }
    Ok(Expired {
        looked_at,
        ..erase(c, events, &due, now)?
    })
}

fn retention_days(c: &mut impl GenericClient) -> StoreResult<u32> {
    Ok(c.query_opt(
        "SELECT value FROM server_settings WHERE key = 'retention_days'",
        &[],
    )?
    .map(|r| r.try_get::<_, String>(0))
    .transpose()?
    .and_then(|v| v.parse().ok())
    .unwrap_or(0))
}

pub(crate) fn set_retention_days(c: &mut impl GenericClient, days: u32) -> StoreResult<()> {
    c.execute(
        "INSERT INTO server_settings (key, value) VALUES ('retention_days', $1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        &[&days.to_string()],
    )?;
    Ok(())
}

#[async_trait]
impl Disappearing for PgStore {
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
        self.readers.read(next_expiry).await
    }

    async fn expire_due(&self, now: Timestamp, limit: u32) -> StoreResult<Expired> {
        self.writer
            .write(move |c, ev| expire_due(c, ev, now, limit))
            .await
    }

    async fn expire_posted_before(&self, cutoff: Timestamp, limit: u32) -> StoreResult<Expired> {
        self.writer
            .write(move |c, ev| expire_posted_before(c, ev, cutoff, Timestamp::now(), limit))
            .await
    }

    async fn retention_days(&self) -> StoreResult<u32> {
        self.readers.read(retention_days).await
    }

    async fn set_retention_days(&self, days: u32) -> StoreResult<()> {
        self.writer
            .write(move |c, _| set_retention_days(c, days))
            .await
    }
}
