//! Sends batched: the sends of one writer group take a handful of
//! statements together instead of three or four round trips each (issue 15).
//! The invariants are those of the one-at-a-time path
//! (`messages::post_message`), held the same way:
//!
//! - every room of the batch is locked first, by its counter row, in the
//!   order of room ids, so two nodes' batches never wait for each other in
//!   opposite orders; the same statement bumps each counter by the room's
//!   number of sends and takes that many message ids;
//! - only then are stored sends looked up by (author, client id): a retry
//!   committed by another node while this one waited for the room is seen
//!   (READ COMMITTED: a new statement sees every commit before it), and is
//!   answered with the original, taking no seq;
//! - slow mode is decided per send after the lock, as before; a refused
//!   send takes no seq either;
//! - the seqs of the sends that do go in are handed out in arrival order,
//!   and a counter bumped by more than its room used is set back before the
//!   commit (the row is still locked): gap-free;
//! - one insert for every message, one for every mention.
//!
//! Anything unusual (a room that is gone, a client id stored meanwhile by a
//! transaction this one did not wait for, a failing statement) fails the
//! batch: the writer then rolls the group back and runs every job alone with
//! a savepoint each, on the one-at-a-time path, which settles each case.
//! Sends with files or in a thread always take that path (`batchable`).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::panic::{catch_unwind, AssertUnwindSafe};

use postgres::types::Type;
use postgres::Transaction;
use tokio::sync::oneshot;

use super::writer::{finish_with, Fate, Job};
use crate::domain::{Event, MessageId, MessageJson, Posted, RoomChange, RoomEvent, Seq, Timestamp};
use crate::search::index_text;
use crate::storage::{NewMessage, StoreError, StoreResult};

/// One send waiting in the writer's queue.
pub(super) struct SendJob {
    new: NewMessage,
    result: Option<StoreResult<Posted>>,
    reply: oneshot::Sender<StoreResult<Posted>>,
}

impl SendJob {
    pub(super) fn new(new: NewMessage) -> (Self, oneshot::Receiver<StoreResult<Posted>>) {
        let (reply, answer) = oneshot::channel();
        let job = Self {
            new,
            result: None,
            reply,
        };
        (job, answer)
    }

    /// Whether the batch can take this send: files and thread replies write
    /// more than a message row (uploads, the root's summary and a second
    /// seq), so they go one at a time.
    pub(super) fn batchable(&self) -> bool {
        self.new.files.is_empty() && self.new.thread.is_none()
    }

    /// The room the send goes into (whose counter row it locks).
    pub(super) fn room(&self) -> i64 {
        self.new.room.0
    }

    /// The one-at-a-time outcome: a refusal by a limit wrote nothing and is
    /// the send's answer, not a failure of the group.
    fn settle(&mut self, result: StoreResult<Posted>) -> bool {
        let ok = matches!(result, Ok(_) | Err(StoreError::Limited { .. }));
        self.result = Some(result);
        ok
    }
}

impl Job for SendJob {
    fn run(&mut self, tx: &mut Transaction<'_>, events: &mut Vec<Event>) -> bool {
        let new = &self.new;
        let result = catch_unwind(AssertUnwindSafe(|| {
            super::messages::post_message(tx, events, new)
        }))
        .unwrap_or_else(|_| Err(StoreError::Other(anyhow::anyhow!("a send panicked"))));
        self.settle(result)
    }

    fn finish(self: Box<Self>, fate: Fate<'_>) {
        finish_with(self.result, fate, self.reply);
    }

    fn as_send(&mut self) -> Option<&mut SendJob> {
        Some(self)
    }
}

/// Runs `sends` (in arrival order) together in `tx`. Returns false when the
/// batch failed: the transaction must then be rolled back and each job run
/// alone (see the module's comment).
pub(super) fn post_all(
    tx: &mut Transaction<'_>,
    events: &mut Vec<Event>,
    sends: &mut [&mut SendJob],
) -> bool {
    let before = events.len();
    let outcome = catch_unwind(AssertUnwindSafe(|| post_batch(tx, events, sends)));
    match outcome {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "a batch of sends fell back to one at a time");
            events.truncate(before);
            false
        }
        Err(_) => {
            events.truncate(before);
            false
        }
    }
}

/// A room of the batch once locked: its next free seq and unused ids.
struct Locked {
    next_seq: i64,
    taken_up_to: i64,
    disappear_after: u32,
    ids: VecDeque<i64>,
}

/// The new rows, column by column, for the `unnest` inserts.
#[derive(Default)]
struct Rows {
    id: Vec<i64>,
    room: Vec<i64>,
    seq: Vec<i64>,
    author: Vec<i64>,
    client_id: Vec<String>,
    body: Vec<String>,
    created_at: Vec<i64>,
    json: Vec<String>,
    expires_at: Vec<Option<i64>>,
    search: Vec<String>,
    // Mentions, one row per person named (NULL: the whole room).
    mention_room: Vec<i64>,
    mention_seq: Vec<i64>,
    mention_user: Vec<Option<i64>>,
    mention_author: Vec<i64>,
}

fn post_batch(
    tx: &mut Transaction<'_>,
    events: &mut Vec<Event>,
    sends: &mut [&mut SendJob],
) -> StoreResult<()> {
    let mut rooms = lock_rooms(tx, sends)?;
    let mut stored = stored_before(tx, sends)?;
    let mut rows = Rows::default();
    for send in sends.iter_mut() {
        let key = (send.new.author.0, send.new.client_id.as_str().to_owned());
        // A retry, of a send stored before or of one earlier in this batch.
        if let Some(message) = stored.get(&key) {
            send.result = Some(Ok(Posted {
                message: message.clone(),
                created: false,
            }));
            continue;
        }
        if let Err(refused) = super::send_limits::check(tx, &send.new) {
            if !matches!(refused, StoreError::Limited { .. }) {
                return Err(refused);
            }
            send.result = Some(Err(refused));
            continue;
        }
        let room = rooms
            .get_mut(&send.new.room.0)
            .ok_or(StoreError::NotFound)?;
        let seq = Seq(room.next_seq);
        room.next_seq += 1;
        let id = room.ids.pop_front().ok_or_else(|| {
            StoreError::Other(anyhow::anyhow!("a batch of sends ran out of message ids"))
        })?;
        let now = Timestamp::now();
        let message = send
            .new
            .compose(MessageId(id), seq, now, room.disappear_after);
        rows.push(&send.new, &message);
        events.push(Event::Room(RoomEvent {
            room_id: send.new.room,
            seq,
            change: RoomChange::MessageCreated {
                message: message.clone(),
            },
        }));
        stored.insert(key, message.clone());
        send.result = Some(Ok(Posted {
            message,
            created: true,
        }));
    }
    insert_rows(tx, &rows)?;
    give_back_unused(tx, &rooms)
}

/// Locks each room of the batch by its counter row, in the order of room
/// ids, bumps the counter by the room's number of sends and takes as many
/// message ids. A room that does not exist fails the batch.
fn lock_rooms(
    tx: &mut Transaction<'_>,
    sends: &[&mut SendJob],
) -> StoreResult<BTreeMap<i64, Locked>> {
    let mut counts: BTreeMap<i64, i64> = BTreeMap::new();
    for send in sends {
        *counts.entry(send.new.room.0).or_default() += 1;
    }
    let ids: Vec<i64> = counts.keys().copied().collect();
    let ns: Vec<i64> = counts.values().copied().collect();
    // MATERIALIZED with ORDER BY: the rows are locked one by one in id
    // order as the sort hands them out, before the update touches them.
    let rows = tx.query_typed(
        "WITH wanted AS (SELECT * FROM unnest($1::int8[], $2::int8[]) AS w(id, n)),
              locked AS MATERIALIZED (
                SELECT r.id FROM rooms r WHERE r.id = ANY($1) ORDER BY r.id FOR UPDATE)
         UPDATE rooms r SET last_seq = r.last_seq + w.n
         FROM locked l JOIN wanted w ON w.id = l.id
         WHERE r.id = l.id
         RETURNING r.id, r.last_seq, w.n, r.disappear_after_secs,
                   ARRAY(SELECT nextval(pg_get_serial_sequence('messages', 'id'))
                         FROM generate_series(1, w.n))",
        &[(&ids, Type::INT8_ARRAY), (&ns, Type::INT8_ARRAY)],
    )?;
    if rows.len() != ids.len() {
        return Err(StoreError::NotFound);
    }
    rows.iter()
        .map(|row| {
            let last: i64 = row.try_get(1)?;
            let n: i64 = row.try_get(2)?;
            let secs: i64 = row.try_get(3)?;
            let ids: Vec<i64> = row.try_get(4)?;
            Ok((
                row.try_get(0)?,
                Locked {
                    next_seq: last - n + 1,
                    taken_up_to: last,
                    disappear_after: u32::try_from(secs).unwrap_or(0),
                    ids: ids.into(),
                },
            ))
        })
        .collect()
}

/// The messages already stored under the batch's (author, client id)
/// pairs. Runs after `lock_rooms`, so it sees every send into these rooms
/// committed before this transaction took them.
fn stored_before(
    tx: &mut Transaction<'_>,
    sends: &[&mut SendJob],
) -> StoreResult<HashMap<(i64, String), crate::domain::Message>> {
    let authors: Vec<i64> = sends.iter().map(|s| s.new.author.0).collect();
    let client_ids: Vec<&str> = sends.iter().map(|s| s.new.client_id.as_str()).collect();
    let rows = tx.query_typed(
        "SELECT m.author_id, m.client_id, m.json FROM messages m
         JOIN unnest($1::int8[], $2::text[]) AS k(author_id, client_id)
           ON m.author_id = k.author_id AND m.client_id = k.client_id",
        &[
            (&authors, Type::INT8_ARRAY),
            (&client_ids, Type::TEXT_ARRAY),
        ],
    )?;
    rows.iter()
        .map(|row| {
            let json: &str = row.try_get(2)?;
            let message = serde_json::from_str(json).map_err(|e| StoreError::Other(e.into()))?;
            Ok(((row.try_get(0)?, row.try_get(1)?), message))
        })
        .collect()
}

impl Rows {
    fn push(&mut self, new: &NewMessage, message: &crate::domain::Message) {
        self.id.push(message.id.0);
        self.room.push(message.room_id.0);
        self.seq.push(message.seq.0);
        self.author.push(message.author_id.0);
        self.client_id.push(message.client_id.clone());
        self.body.push(message.body.clone());
        self.created_at.push(message.created_at.millis());
        self.json.push(MessageJson::of(message).as_str().to_owned());
        self.expires_at
            .push(message.expires_at.map(Timestamp::millis));
        self.search.push(index_text(&message.body));
        let named = new.mentions.people.iter().map(|p| Some(p.0 .0));
        let everyone = new.mentions.room.then_some(None);
        for user in named.chain(everyone) {
            self.mention_room.push(message.room_id.0);
            self.mention_seq.push(message.seq.0);
            self.mention_user.push(user);
            self.mention_author.push(message.author_id.0);
        }
    }
}

/// One insert for the batch's messages (the search column filled in the
/// same statement, as the one-at-a-time insert does) and one for its
/// mentions. No `ON CONFLICT`: a client id stored meanwhile by a
/// transaction this one did not wait for fails the batch (see the module).
fn insert_rows(tx: &mut Transaction<'_>, rows: &Rows) -> StoreResult<()> {
    if rows.id.is_empty() {
        return Ok(());
    }
    tx.execute_typed(
        "INSERT INTO messages (id, room_id, seq, author_id, client_id, body, created_at, json,
                               also_in_room, expires_at, search)
         SELECT id, room_id, seq, author_id, client_id, body, created_at, json,
                false, expires_at, to_tsvector('simple', search)
         FROM unnest($1::int8[], $2::int8[], $3::int8[], $4::int8[], $5::text[], $6::text[],
                     $7::int8[], $8::text[], $9::int8[], $10::text[])
              AS t(id, room_id, seq, author_id, client_id, body, created_at, json,
                   expires_at, search)",
        &[
            (&rows.id, Type::INT8_ARRAY),
            (&rows.room, Type::INT8_ARRAY),
            (&rows.seq, Type::INT8_ARRAY),
            (&rows.author, Type::INT8_ARRAY),
            (&rows.client_id, Type::TEXT_ARRAY),
            (&rows.body, Type::TEXT_ARRAY),
            (&rows.created_at, Type::INT8_ARRAY),
            (&rows.json, Type::TEXT_ARRAY),
            (&rows.expires_at, Type::INT8_ARRAY),
            (&rows.search, Type::TEXT_ARRAY),
        ],
    )?;
    if rows.mention_room.is_empty() {
        return Ok(());
    }
    // In order, so the inbox's entry ids follow the sends.
    tx.execute_typed(
        "INSERT INTO mentions (room_id, seq, user_id, author_id)
         SELECT room_id, seq, user_id, author_id
         FROM unnest($1::int8[], $2::int8[], $3::int8[], $4::int8[])
              WITH ORDINALITY AS t(room_id, seq, user_id, author_id, i)
         ORDER BY i
         ON CONFLICT DO NOTHING",
        &[
            (&rows.mention_room, Type::INT8_ARRAY),
            (&rows.mention_seq, Type::INT8_ARRAY),
            (&rows.mention_user, Type::INT8_ARRAY),
            (&rows.mention_author, Type::INT8_ARRAY),
        ],
    )?;
    Ok(())
}

/// Sets back each counter bumped for sends that took no seq (retries,
/// refusals). The rows are still locked by this transaction, so nobody
/// took a later seq: the rooms stay gap-free.
fn give_back_unused(tx: &mut Transaction<'_>, rooms: &BTreeMap<i64, Locked>) -> StoreResult<()> {
    let (ids, lasts): (Vec<i64>, Vec<i64>) = rooms
        .iter()
        .filter(|(_, r)| r.next_seq - 1 != r.taken_up_to)
        .map(|(id, r)| (*id, r.next_seq - 1))
        .unzip();
    if ids.is_empty() {
        return Ok(());
    }
    tx.execute_typed(
        "UPDATE rooms r SET last_seq = t.last_seq
         FROM unnest($1::int8[], $2::int8[]) AS t(id, last_seq) WHERE r.id = t.id",
        &[(&ids, Type::INT8_ARRAY), (&lasts, Type::INT8_ARRAY)],
    )?;
    Ok(())
}
