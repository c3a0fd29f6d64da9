//! Erasing expired messages in SQLite: each one's text and every edit of
//! it are overwritten (with `secure_delete` on the writer, the freed bytes
//! are zeroed too), its search entry and files go, and a tombstone keeps
//! the room's seqs gap-free. The room hears of a whole write, or of a whole
//! slice written in parts (`Erasure::hold`), at once: one
//! `messages.expired` event per room, whatever the number of messages.

use std::collections::{BTreeMap, HashSet};

use rusqlite::{params, Connection};

use super::messages::{log_event, next_seq};
use crate::domain::{
    Event, Message, MessageId, MessageJson, RoomChange, RoomEvent, RoomId, Seq, Timestamp,
};
use crate::storage::{Expired, StoreError, StoreResult};

/// A message picked to disappear, as stored: its JSON, and its body as
/// the search index took it.
pub struct Due {
    pub json: String,
    pub body: String,
}

impl Due {
    /// Reads `json` and `body` from the row's first two columns.
    pub fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            json: row.get(0)?,
            body: row.get(1)?,
        })
    }
}

/// Erases every message of `due` (none may be deleted already) and logs
/// one `messages.expired` per room they were in, then one
/// `thread.updated` per thread that lost replies.
pub fn erase(
    c: &Connection,
    events: &mut Vec<Event>,
    due: &[Due],
    now: Timestamp,
) -> StoreResult<Expired> {
    let mut erasure = Erasure::default();
    erasure.gone.looked_at = u32::try_from(due.len()).unwrap_or(u32::MAX);
    for step in due.chunks(STEP) {
        erasure.erase(c, step, now)?;
    }
    erasure.log(c, events, now)
}

/// The most messages erased by one statement: the statements' parameters
/// stay small, and the expiry looks at its time between steps.
pub const STEP: usize = 50;

/// Messages erased so far in one write, and what their rooms will hear
/// of it once the write is done.
#[derive(Default)]
pub struct Erasure {
    pub gone: Expired,
    rooms: BTreeMap<RoomId, Vec<(Seq, MessageId)>>,
    /// Threads that lost a reply: each gets one new summary, at the end.
    threads: BTreeMap<(RoomId, Seq), Message>,
    /// Ids and bodies the search index took, forgotten at the end of the
    /// write (`forget_words`).
    indexed: Vec<(i64, String)>,
    /// The index slices that forget words (`doomed_slices::kept`), read
    /// at the first step.
    kept: Option<HashSet<i64>>,
    /// Messages erased in each doomed slice, counted off its mark at the
    /// end of the write.
    doomed: BTreeMap<i64, i64>,
}

impl Erasure {
    /// Erases a step of messages (none deleted already) in one rewrite of
    /// their rows, whatever their number; their search entries go at the
    /// end of the write (`forget_words`). Per message, only what few have:
    /// files, edits, a thread.
    pub fn erase(&mut self, c: &Connection, due: &[Due], now: Timestamp) -> StoreResult<()> {
        let indexed_through = super::search_queue::indexed_through(c)?;
        if self.kept.is_none() {
            self.kept = Some(super::doomed_slices::kept(c)?.into_iter().collect());
        }
        let kept = self.kept.as_ref().expect("read just now");
        let mut tombstones = Vec::with_capacity(due.len());
        for one in due {
            let mut message: Message =
                serde_json::from_str(&one.json).map_err(|e| StoreError::Other(e.into()))?;
            let (room, seq, id) = (message.room_id, message.seq, message.id);
            if let Some(root) = message.thread_root {
                self.threads.insert((room, root), message.clone());
            }
            // Its files go too: rows now, bytes after the commit
            // (file_deletions). Most messages have none and skip the lookups.
            if !message.files.is_empty() {
                let files = super::finish::file_deletions::queue_files_of(c, id)?;
                self.gone.files += u32::try_from(files).unwrap_or(u32::MAX);
            }
            if message.edited_at.is_some() {
                scrub_edits(c, &message)?;
            }
            // Retention expires messages that had no timer: they expire now.
            let expires_at = *message.expires_at.get_or_insert(now);
            tombstone(&mut message);
            tombstones.push((id.0, expires_at.millis(), MessageJson::of(&message)));
            // Gone means gone from search too: no snippet of it is ever
            // shown again. One not indexed yet is skipped by the indexer;
            // a doomed slice goes whole (`doomed_slices.rs`).
            let slice = super::search_slices::slice_of(id.0);
            if !kept.contains(&slice) {
                *self.doomed.entry(slice).or_default() += 1;
            } else if id.0 <= indexed_through {
                self.indexed.push((id.0, one.body.clone()));
            }
            self.rooms.entry(room).or_default().push((seq, id));
            self.gone.messages += 1;
        }
        let rows: Vec<(i64, i64, &str)> = tombstones
            .iter()
            .map(|(id, expires_at, json)| (*id, *expires_at, json.as_str()))
            .collect();
        c.prepare_cached(
            "UPDATE messages SET body = '', edited_at = NULL, deleted_at = ?1, files = NULL,
                 expires_at = t.value ->> 1, json = t.value ->> 2
             FROM json_each(?2) AS t
             WHERE messages.id = t.value ->> 0",
        )?
        .execute(params![now.millis(), to_json(&rows)])?;
        Ok(())
    }

    /// Logs one `messages.expired` per room, for these messages and any
    /// held by earlier parts (`hold`), then one `thread.updated` per
    /// thread that lost replies; returns what was done.
    pub fn log(
        mut self,
        c: &Connection,
        events: &mut Vec<Event>,
        now: Timestamp,
    ) -> StoreResult<Expired> {
        self.forget_words(c)?;
        self.take_held(c)?;
        for (room, mut expired) in std::mem::take(&mut self.rooms) {
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
        self.log_threads(c, events, now)
    }

    /// For a part with more parts of its slice to follow: the rooms are
    /// told later, by the slice's last part (`log`), once for all its
    /// parts. Until then the erased messages wait in `expiry_held`, a few
    /// rows to a page, instead of a room-log page per room in every part.
    pub fn hold(
        mut self,
        c: &Connection,
        events: &mut Vec<Event>,
        now: Timestamp,
    ) -> StoreResult<Expired> {
        self.forget_words(c)?;
        let held: Vec<(i64, i64, i64)> = std::mem::take(&mut self.rooms)
            .into_iter()
            .flat_map(|(room, expired)| {
                expired
                    .into_iter()
                    .map(move |(seq, id)| (id.0, room.0, seq.0))
            })
            .collect();
        if !held.is_empty() {
            c.prepare_cached(
                "INSERT INTO expiry_held (message_id, room_id, seq)
                 SELECT t.value ->> 0, t.value ->> 1, t.value ->> 2 FROM json_each(?1) AS t",
            )?
            .execute([to_json(&held)])?;
        }
        self.log_threads(c, events, now)
    }

    /// The search index forgets the erased messages by the words it took
    /// (their bodies as read before they were erased), in one statement per
    /// index slice at the end of the write. FTS5 writes out what it holds whenever a later
    /// statement of the transaction opens a savepoint, as each step's
    /// UPDATE does (for its triggers): forgetting step by step wrote a new
    /// index segment every 50 messages, and merging those held the writer
    /// (a single write of 116 ms; BENCHMARKS.md, issue 18).
    /// Doomed slices count their erased messages off instead.
    fn forget_words(&mut self, c: &Connection) -> StoreResult<()> {
        super::doomed_slices::count_down(c, &std::mem::take(&mut self.doomed))?;
        if self.indexed.is_empty() {
            return Ok(());
        }
        super::search_slices::forget_words(c, &std::mem::take(&mut self.indexed))
    }

    /// Adds what earlier parts held to this erasure, and lets it go.
    fn take_held(&mut self, c: &Connection) -> StoreResult<()> {
        let held = c
            .prepare_cached("DELETE FROM expiry_held RETURNING room_id, seq, message_id")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<Vec<(i64, i64, i64)>>>()?;
        for (room, seq, id) in held {
            self.rooms
                .entry(RoomId(room))
                .or_default()
                .push((Seq(seq), MessageId(id)));
        }
        Ok(())
    }

    /// One `thread.updated` per thread that lost replies: in the part that
    /// erased them (threads are few; the summary is read from the rows).
    fn log_threads(
        self,
        c: &Connection,
        events: &mut Vec<Event>,
        now: Timestamp,
    ) -> StoreResult<Expired> {
        for reply in self.threads.into_values() {
            super::corrections::reply_gone(c, events, &reply, now)?;
        }
        Ok(self.gone)
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("ids and strings always encode")
}

/// What stays of an expired message: its seq, author and time.
fn tombstone(message: &mut Message) {
    message.body.clear();
    message.edited_at = None;
    message.deleted = true;
    message.expired = true;
    message.files.clear();
}

/// The log keeps each edit's full message; those become expiry notices
/// too (same seq), so a replay never hands the text out. Only edited
/// messages pay for this walk of the room's later log.
fn scrub_edits(c: &Connection, message: &Message) -> StoreResult<()> {
    c.prepare_cached(
        "UPDATE room_events
         SET payload = json_object('room_id', room_id, 'seq', seq, 'type', 'messages.expired',
                                   'message_seqs', json_array(?2), 'message_ids', json_array(?3))
         WHERE room_id = ?1 AND seq > ?2
           AND json_extract(payload, '$.type') = 'message.edited'
           AND json_extract(payload, '$.message.id') = ?3",
    )?
    .execute(params![message.room_id.0, message.seq.0, message.id.0])?;
    Ok(())
}
