//! Messages on PostgreSQL: sends (with the room's next seq, in the writer's
//! transaction), deletions, and the `Messages` area's entry points; pages
//! and replay are in history.rs, edits and thread summaries in
//! corrections.rs and conversation.rs.
//!
//! Several nodes may write one room at once. The room's counter row
//! (`room_log::next_seq`) is the lock that orders them: a write that
//! changes a message takes it before reading the message, so what it read
//! is still true when it commits.

use async_trait::async_trait;
use postgres::types::Type;
use postgres::GenericClient;

use super::room_log::{log_event, message_at, message_row, next_seq};
use super::{conversation, corrections, history, PgStore};
use crate::domain::{
    Attachment, Event, Message, MessageBody, MessageId, MessageJson, Posted, RoomChange, RoomEvent,
    RoomId, Seq, Timestamp, UserId,
};
use crate::search::index_text;
use crate::storage::{HistoryPage, Messages, NewMessage, Replay, StoreError, StoreResult};

#[async_trait]
impl Messages for PgStore {
    async fn post_message(&self, message: NewMessage) -> StoreResult<Posted> {
        self.writer.post(message).await
    }

    async fn messages(&self, room: RoomId, page: HistoryPage) -> StoreResult<Vec<Message>> {
        self.readers
            .read(move |c| history::messages(c, room, page))
            .await
    }

    async fn history(&self, room: RoomId, page: HistoryPage) -> StoreResult<Vec<MessageJson>> {
        history::history(&self.pipeline, room, page).await
    }

    async fn message_at(&self, room: RoomId, seq: Seq) -> StoreResult<Option<Message>> {
        self.readers.read(move |c| message_at(c, room, seq)).await
    }

    async fn delete_message(&self, room: RoomId, seq: Seq) -> StoreResult<()> {
        self.writer
            .write(move |tx, ev| delete_message(tx, ev, room, seq))
            .await
    }

    async fn events_after(&self, room: RoomId, after: Seq, limit: u32) -> StoreResult<Replay> {
        history::events_after(&self.pipeline, room, after, limit).await
    }

    async fn thread_replies(
        &self,
        room: RoomId,
        first: Seq,
        page: HistoryPage,
    ) -> StoreResult<Vec<MessageJson>> {
        self.readers
            .read(move |c| conversation::thread_replies(c, room, first, page))
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
            .write(move |tx, ev| {
                corrections::edit_message(tx, ev, room, seq, author, &body, &mentions)
            })
            .await
    }

    async fn room_changes_between(
        &self,
        room: RoomId,
        first: Seq,
        last: Seq,
    ) -> StoreResult<Vec<crate::domain::PastRoomEvent>> {
        corrections::room_changes_between(&self.pipeline, room, first, last).await
    }
}

/// The message an author stored before under a client id, if any.
fn sent_before(c: &mut impl GenericClient, new: &NewMessage) -> StoreResult<Option<Message>> {
    // Typed: one round trip (no separate prepare) on the send path.
    c.query_typed_opt(
        "SELECT m.json FROM messages m WHERE m.author_id = $1 AND m.client_id = $2",
        &[
            (&new.author.0, Type::INT8),
            (&new.client_id.as_str(), Type::TEXT),
        ],
    )?
    .as_ref()
    .map(message_row)
    .transpose()
}

pub fn post_message(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    new: &NewMessage,
) -> StoreResult<Posted> {
    // A retry: the (author, client id) pair is already stored.
    if let Some(message) = sent_before(c, new)? {
        return Ok(Posted {
            message,
            created: false,
        });
    }
    // The seq is taken in the same transaction as the insert, so seqs
    // commit together with their messages and never leave a gap; the id
    // comes with it so the stored JSON can carry it.
    let (seq, disappear_after, id) = next_seq_timer_and_id(c, new.room)?;
    // After the seq: every send in the room holds the room's row before it
    // touches its slow-mode row, so sends on two nodes never wait for each
    // other's rows in opposite orders.
    if let Err(refused) = super::send_limits::check(c, new) {
        if !matches!(refused, StoreError::Limited { .. }) {
            return Err(refused);
        }
        give_back_seq(c, new.room)?;
        // The send that took the slot may be this very one, committed by
        // another node while this one waited for the room (a retry that
        // reached two nodes at once): then the original is the answer.
        if let Some(message) = sent_before(c, new)? {
            return Ok(Posted {
                message,
                created: false,
            });
        }
        return Err(refused);
    }
    let now = Timestamp::now();
    let mut message = new.compose(MessageId(id), seq, now, disappear_after);
    let expires_at = message.expires_at;
    if let Some(place) = new.thread {
        // After the seq: the room's row is locked now, so a deletion of
        // the root on another node has committed already or waits for us.
        conversation::check_thread_root(c, new.room, place.root)?;
    }
    // The search index is filled in the same statement (search.rs says why).
    let stored = c.execute_typed(
        "INSERT INTO messages (id, room_id, seq, author_id, client_id, body, created_at, json,
                               thread_root, also_in_room, expires_at, search)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, to_tsvector('simple', $12))
         ON CONFLICT (client_id, author_id) DO NOTHING",
        &[
            (&id, Type::INT8),
            (&new.room.0, Type::INT8),
            (&seq.0, Type::INT8),
            (&new.author.0, Type::INT8),
            (&new.client_id.as_str(), Type::TEXT),
            (&new.body.as_str(), Type::TEXT),
            (&now.millis(), Type::INT8),
            (&MessageJson::of(&message).as_str(), Type::TEXT),
            (&message.thread_root.map(|s| s.0), Type::INT8),
            (&message.also_in_room, Type::BOOL),
            (&expires_at.map(Timestamp::millis), Type::INT8),
            (&index_text(&message.body), Type::TEXT),
        ],
    )?;
    if stored == 0 {
        return retried_elsewhere(c, new);
    }
    // Files after the row their uploads then name (the foreign key is
    // checked at once); only a message with files pays for the update.
    if !new.files.is_empty() {
        message.files = super::files::attach_uploads(c, message.id, new.author, &new.files)?;
        c.execute(
            "UPDATE messages SET json = $2, files = $3 WHERE id = $1",
            &[
                &id,
                &MessageJson::of(&message).as_str(),
                &files_json(&message.files),
            ],
        )?;
    }
    events.push(Event::Room(RoomEvent {
        room_id: new.room,
        seq,
        change: RoomChange::MessageCreated {
            message: message.clone(),
        },
    }));
    conversation::record_message(c, events, &message, &new.mentions)?;
    Ok(Posted {
        message,
        created: true,
    })
}

/// The same send was stored meanwhile by a transaction that committed
/// after our first look (a retry that reached another node at the same
/// time; the insert waited for it). The unique index is the truth: the
/// retry gets that original. The seq this attempt took is given back —
/// the room's row is still locked by this transaction, so nobody took a
/// later one — and the room keeps its seqs gap-free.
fn retried_elsewhere(c: &mut impl GenericClient, new: &NewMessage) -> StoreResult<Posted> {
    give_back_seq(c, new.room)?;
    let message = sent_before(c, new)?.ok_or_else(|| {
        StoreError::Other(anyhow::anyhow!(
            "a send conflicted with a message that cannot be read back"
        ))
    })?;
    Ok(Posted {
        message,
        created: false,
    })
}

/// Gives back the seq this transaction just took in the room (its row is
/// still locked by this transaction, so nobody took a later one): the
/// room's seqs stay gap-free.
fn give_back_seq(c: &mut impl GenericClient, room: RoomId) -> StoreResult<()> {
    c.execute(
        "UPDATE rooms SET last_seq = last_seq - 1 WHERE id = $1",
        &[&room.0],
    )?;
    Ok(())
}

/// Takes the room's next seq, reads its disappearing timer and takes the
/// new message's id, in one statement: the send path pays nothing extra
/// for disappearing messages or for knowing its id before the insert.
/// `NotFound` for a room that does not exist.
fn next_seq_timer_and_id(c: &mut impl GenericClient, room: RoomId) -> StoreResult<(Seq, u32, i64)> {
    let row = c
        .query_typed_opt(
            "UPDATE rooms SET last_seq = last_seq + 1 WHERE id = $1
             RETURNING last_seq, disappear_after_secs,
                       nextval(pg_get_serial_sequence('messages', 'id'))",
            &[(&room.0, Type::INT8)],
        )?
        .ok_or(StoreError::NotFound)?;
    let secs: i64 = row.try_get(1)?;
    Ok((
        Seq(row.try_get(0)?),
        u32::try_from(secs).unwrap_or(0),
        row.try_get(2)?,
    ))
}

/// The `messages.files` column: a JSON array, NULL for none (the message's
/// JSON carries the files; the column is what `has:file` asks).
fn files_json(files: &[Attachment]) -> Option<String> {
    if files.is_empty() {
        return None;
    }
    Some(serde_json::to_string(files).expect("attachments always encode"))
}

pub fn delete_message(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    room: RoomId,
    seq: Seq,
) -> StoreResult<()> {
    let now = Timestamp::now();
    // The seq first: it locks the room's row, so a deletion of the same
    // message on another node waits here and then finds it deleted. (If
    // the message is missing the job fails and its seq is rolled back.)
    let deletion_seq = next_seq(c, room)?;
    let mut message = message_at(c, room, seq)?
        .filter(|m| !m.deleted)
        .ok_or(StoreError::NotFound)?;
    message.body.clear();
    message.deleted = true;
    message.files.clear();
    // Its uploads rows go (the files are removed after the commit; a crash
    // in between leaves orphans the sweep removes), and its search entry.
    super::files::forget_files_of(c, message.id)?;
    c.execute(
        "UPDATE messages SET body = '', deleted_at = $2, json = $3, files = NULL,
             search = ''::tsvector
         WHERE id = $1",
        &[
            &message.id.0,
            &now.millis(),
            &MessageJson::of(&message).as_str(),
        ],
    )?;
    let event = RoomEvent {
        room_id: room,
        seq: deletion_seq,
        change: RoomChange::MessageDeleted {
            message_id: message.id,
            message_seq: seq,
        },
    };
    log_event(c, events, event, now)?;
    corrections::reply_gone(c, events, &message, now)
}
