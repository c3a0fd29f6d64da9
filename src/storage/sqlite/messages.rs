//! Messages in SQLite: sends (with the room's next seq, in the writer's
//! transaction), edits, deletions, and the room event log they write.

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::{conversation, corrections, history, SqliteStore};
use crate::domain::{
    Event, Message, MessageBody, MessageId, MessageJson, Posted, RoomChange, RoomEvent, RoomId,
    Seq, Timestamp, UserId,
};
use crate::storage::{HistoryPage, Messages, NewMessage, Replay, StoreError, StoreResult};

#[async_trait]
impl Messages for SqliteStore {
    async fn post_message(&self, message: NewMessage) -> StoreResult<Posted> {
        // The index takes new messages in batches behind the sends.
        self.post_then_index(message).await
    }

    async fn messages(&self, room: RoomId, page: HistoryPage) -> StoreResult<Vec<Message>> {
        self.readers
            .read_quick(move |c| history::messages(c, room, page))
            .await
    }

    async fn history(&self, room: RoomId, page: HistoryPage) -> StoreResult<Vec<MessageJson>> {
        self.readers
            .read_quick(move |c| history::history(c, room, page))
            .await
    }

    async fn message_at(&self, room: RoomId, seq: Seq) -> StoreResult<Option<Message>> {
        self.readers
            .read_quick(move |c| message_at(c, room, seq))
            .await
    }

    async fn delete_message(&self, room: RoomId, seq: Seq) -> StoreResult<()> {
        self.writer
            .write(move |c, ev| delete_message(c, ev, room, seq))
            .await
    }

    async fn events_after(&self, room: RoomId, after: Seq, limit: u32) -> StoreResult<Replay> {
        self.readers
            .read_quick(move |c| history::events_after(c, room, after, limit))
            .await
    }

    async fn thread_replies(
        &self,
        room: RoomId,
        first: Seq,
        page: HistoryPage,
    ) -> StoreResult<Vec<MessageJson>> {
        self.readers
            .read_quick(move |c| conversation::thread_replies(c, room, first, page))
            .await
    }

    async fn edit_message(
        &self,
        room: RoomId,
        seq: Seq,
        author: UserId,
        body: MessageBody,
        mentions: crate::domain::Mentions,
    ) -> StoreResult<Message> {
        self.writer
            .write(move |c, ev| {
                corrections::edit_message(c, ev, room, seq, author, &body, &mentions)
            })
            .await
    }

    async fn room_changes_between(
        &self,
        room: RoomId,
        first: Seq,
        last: Seq,
    ) -> StoreResult<Vec<crate::domain::PastRoomEvent>> {
        self.readers
            .read_quick(move |c| corrections::room_changes_between(c, room, first, last))
            .await
    }
}

pub(super) fn message_row(row: &Row<'_>) -> rusqlite::Result<Message> {
    let json: String = row.get(0)?;
    serde_json::from_str(&json).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// The columns `legacy_message_row` reads: for migration 5, which encodes
/// the messages stored before messages kept their JSON.
macro_rules! legacy_message_select {
    ($($rest:literal),*) => {
        concat!(
            "SELECT m.id, m.room_id, m.seq, m.author_id, u.username, m.client_id, m.body, m.created_at,
            m.edited_at, m.deleted_at
     FROM messages m JOIN users u ON u.id = m.author_id",
            $($rest),*
        )
    };
}

fn legacy_message_row(row: &Row<'_>) -> rusqlite::Result<Message> {
    Ok(Message {
        id: MessageId(row.get(0)?),
        room_id: RoomId(row.get(1)?),
        seq: Seq(row.get(2)?),
        author_id: UserId(row.get(3)?),
        author: row.get(4)?,
        client_id: row.get(5)?,
        body: row.get(6)?,
        created_at: Timestamp(row.get(7)?),
        edited_at: row.get::<_, Option<i64>>(8)?.map(Timestamp),
        deleted: row.get::<_, Option<i64>>(9)?.is_some(),
        thread_root: None,
        also_in_room: false,
        thread: None,
        mentions: Vec::new(),
        mentions_room: false,
        expires_at: None,
        expired: false,
        files: Vec::new(),
        bot: false,
        sent_as: None,
    })
}

/// Takes the room's next seq. Runs inside the writer's transaction, so the
/// seq commits (or rolls back) together with what it numbers.
pub(super) fn next_seq(c: &Connection, room: RoomId) -> StoreResult<Seq> {
    Ok(Seq(c
        .prepare_cached(
            "UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ?1 RETURNING last_seq",
        )?
        .query_row([room.0], |r| r.get(0))?))
}

/// Logs a change to an existing message as a room event and announces it.
pub(super) fn log_event(
    c: &Connection,
    events: &mut Vec<Event>,
    event: RoomEvent,
    now: Timestamp,
) -> StoreResult<()> {
    let payload = serde_json::to_string(&event).map_err(|e| StoreError::Other(e.into()))?;
    c.prepare_cached(
        "INSERT INTO room_events (room_id, seq, payload, created_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![event.room_id.0, event.seq.0, payload, now.millis()])?;
    events.push(Event::Room(event));
    Ok(())
}

/// A send refused by a limit wrote nothing, so it is the job's answer and
/// not its failure (a failed job makes the group run again with
/// savepoints, which a refusal does not need).
pub(super) fn refusal_apart(posted: StoreResult<Posted>) -> StoreResult<StoreResult<Posted>> {
    match posted {
        Err(refused @ StoreError::Limited { .. }) => Ok(Err(refused)),
        other => other.map(Ok),
    }
}

pub fn post_message(
    c: &Connection,
    events: &mut Vec<Event>,
    new: &NewMessage,
) -> StoreResult<Posted> {
    // A retry: the (author, client id) pair is already stored.
    let earlier = c
        .prepare_cached(message_select!(
            " WHERE m.author_id = ?1 AND m.client_id = ?2"
        ))?
        .query_row(params![new.author.0, new.client_id.as_str()], message_row)
        .optional()?;
    if let Some(message) = earlier {
        return Ok(Posted {
            message,
            created: false,
        });
    }
    // Before anything is written: a refusal leaves the group's
    // transaction as it was.
    super::send_limits::check(c, new)?;
    // The seq is taken under the same transaction as the insert, so seqs
    // commit together with their messages and never leave a gap.
    let (seq, disappear_after) = super::expiry::next_seq_and_timer(c, new.room)?;
    let seq = seq.0;
    let now = Timestamp::now();
    // The id is taken here rather than by the insert so the stored JSON can
    // carry it; the writer is the only one inserting, inside this transaction.
    let id: i64 = c
        .prepare_cached("SELECT coalesce(max(id), 0) + 1 FROM messages")?
        .query_row([], |r| r.get(0))?;
    let message = new.compose(MessageId(id), Seq(seq), now, disappear_after);
    if let Some(place) = new.thread {
        super::conversation::check_thread_root(c, new.room, place.root)?;
    }
    c.prepare_cached(
        "INSERT INTO messages (id, room_id, seq, author_id, client_id, body, created_at, json,
                               thread_root, also_in_room, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        id,
        new.room.0,
        seq,
        new.author.0,
        new.client_id.as_str(),
        new.body.as_str(),
        now.millis(),
        MessageJson::of(&message).as_str(),
        message.thread_root.map(|s| s.0),
        message.also_in_room,
        message.expires_at.map(Timestamp::millis),
    ])?;
    // Files after the row their uploads then name (the foreign key is
    // checked at once); only a message with files pays for the update.
    let mut message = message;
    if !new.files.is_empty() {
        message.files = super::files::attach_uploads(c, message.id, new.author, &new.files)?;
        c.prepare_cached("UPDATE messages SET json = ?2, files = ?3 WHERE id = ?1")?
            .execute(params![
                id,
                MessageJson::of(&message).as_str(),
                super::search::files_json(&message.files),
            ])?;
    }
    events.push(Event::Room(RoomEvent {
        room_id: new.room,
        seq: Seq(seq),
        change: RoomChange::MessageCreated {
            message: message.clone(),
        },
    }));
    super::conversation::record_message(c, events, &message, &new.mentions)?;
    Ok(Posted {
        message,
        created: true,
    })
}

pub fn message_at(c: &Connection, room: RoomId, seq: Seq) -> StoreResult<Option<Message>> {
    Ok(
        c.prepare_cached(message_select!(" WHERE m.room_id = ?1 AND m.seq = ?2"))?
            .query_row([room.0, seq.0], message_row)
            .optional()?,
    )
}

pub fn delete_message(
    c: &Connection,
    events: &mut Vec<Event>,
    room: RoomId,
    seq: Seq,
) -> StoreResult<()> {
    let now = Timestamp::now();
    let mut message = message_at(c, room, seq)?
        .filter(|m| !m.deleted)
        .ok_or(StoreError::NotFound)?;
    super::search::unindex_message(c, message.id)?;
    message.body.clear();
    message.deleted = true;
    message.files.clear();
    super::files::forget_files_of(c, message.id)?;
    c.prepare_cached(
        "UPDATE messages SET body = '', deleted_at = ?2, json = ?3, files = NULL WHERE id = ?1",
    )?
    .execute(params![
        message.id.0,
        now.millis(),
        MessageJson::of(&message).as_str()
    ])?;
    let id = message.id.0;
    let event = RoomEvent {
        room_id: room,
        seq: next_seq(c, room)?,
        change: RoomChange::MessageDeleted {
            message_id: MessageId(id),
            message_seq: seq,
        },
    };
    log_event(c, events, event, now)?;
    super::corrections::reply_gone(c, events, &message, now)
}

/// Migration 5: encodes the messages stored before messages kept their JSON
/// (an empty `json`), a thousand at a time in id order.
pub fn encode_unencoded_messages(c: &Connection) -> anyhow::Result<()> {
    let mut select = c.prepare(legacy_message_select!(
        " WHERE m.id > ?1 AND m.json = '' ORDER BY m.id LIMIT 1000"
    ))?;
    let mut update = c.prepare("UPDATE messages SET json = ?2 WHERE id = ?1")?;
    let mut after = 0i64;
    loop {
        let batch = select
            .query_map([after], legacy_message_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let Some(last) = batch.last() else {
            return Ok(());
        };
        after = last.id.0;
        for message in &batch {
            update.execute(params![message.id.0, MessageJson::of(message).as_str()])?;
        }
    }
}
