//! Keeping a conversation true after a change, on PostgreSQL: an edit
//! re-reads who the message mentions, a thread's summary counts only the
//! replies still there, and a history page gets the room changes that
//! happened among its messages.

use postgres::types::Type;
use postgres::GenericClient;

use super::pipeline::Pipeline;
use super::room_log::{log_event, message_at, next_seq};
use crate::domain::{
    Event, Mentions, Message, MessageBody, MessageJson, PastRoomEvent, RoomChange, RoomEvent,
    RoomId, Seq, ThreadSummary, Timestamp, UserId, THREAD_PEOPLE_SHOWN,
};
use crate::search::index_text;
use crate::storage::{StoreError, StoreResult};

/// The most room changes one history page carries.
pub const MAX_PAGE_CHANGES: u32 = 200;

/// Edits the author's live message (its text, `edited_at`, the search
/// index and a `message.edited` event), and in the same transaction
/// replaces who it mentions: the message's JSON (what clients highlight)
/// and the `mentions` rows (the inbox and the counts). A mention that
/// stays keeps its row, so it keeps its place in the inbox.
pub fn edit_message(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    room: RoomId,
    seq: Seq,
    author: UserId,
    body: &MessageBody,
    mentions: &Mentions,
) -> StoreResult<Message> {
    let now = Timestamp::now();
    // The seq first: it locks the room's row, so the message read next
    // (its thread summary, whether it is deleted) stays as read until the
    // commit, whichever node changes the room too. A failed edit rolls it back.
    let edit_seq = next_seq(c, room)?;
    let mut message = message_at(c, room, seq)?
        .filter(|m| m.author_id == author && !m.deleted)
        .ok_or(StoreError::NotFound)?;
    body.as_str().clone_into(&mut message.body);
    message.edited_at = Some(now);
    message.mentions = mentions.people.iter().map(|p| p.1.clone()).collect();
    message.mentions_room = mentions.room;
    c.execute(
        "UPDATE messages SET body = $2, edited_at = $3, json = $4,
             search = to_tsvector('simple', $5)
         WHERE id = $1",
        &[
            &message.id.0,
            &body.as_str(),
            &now.millis(),
            &MessageJson::of(&message).as_str(),
            &index_text(body.as_str()),
        ],
    )?;
    replace_mentions(c, &message, mentions)?;
    let event = RoomEvent {
        room_id: room,
        seq: edit_seq,
        change: RoomChange::MessageEdited {
            message: message.clone(),
        },
    };
    log_event(c, events, event, now)?;
    Ok(message)
}

fn replace_mentions(
    c: &mut impl GenericClient,
    message: &Message,
    mentions: &Mentions,
) -> StoreResult<()> {
    let people: Vec<i64> = mentions.people.iter().map(|p| p.0 .0).collect();
    c.execute(
        "DELETE FROM mentions WHERE room_id = $1 AND seq = $2
           AND CASE WHEN user_id IS NULL THEN NOT $3 ELSE user_id <> ALL($4) END",
        &[&message.room_id.0, &message.seq.0, &mentions.room, &people],
    )?;
    if !people.is_empty() {
        c.execute(
            "INSERT INTO mentions (room_id, seq, user_id, author_id)
             SELECT $1, $2, person, $3 FROM unnest($4::bigint[]) AS person
             ON CONFLICT DO NOTHING",
            &[
                &message.room_id.0,
                &message.seq.0,
                &message.author_id.0,
                &people,
            ],
        )?;
    }
    // NULLs are distinct to UNIQUE: the room-wide row is looked for first.
    if mentions.room {
        c.execute(
            "INSERT INTO mentions (room_id, seq, user_id, author_id)
             SELECT $1, $2, NULL, $3 WHERE NOT EXISTS
               (SELECT 1 FROM mentions WHERE room_id = $1 AND seq = $2 AND user_id IS NULL)",
            &[&message.room_id.0, &message.seq.0, &message.author_id.0],
        )?;
    }
    Ok(())
}

/// A reply was deleted or expired: its thread's first message counts again
/// from the replies still there, and `thread.updated` says so (with the
/// next seq, after the deletion's). Called in the deleting transaction,
/// which holds the room's row already.
pub fn reply_gone(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    reply: &Message,
    now: Timestamp,
) -> StoreResult<()> {
    let Some(root_seq) = reply.thread_root else {
        return Ok(());
    };
    let room = reply.room_id;
    let Some(mut first) = message_at(c, room, root_seq)? else {
        return Ok(());
    };
    let thread = live_thread(c, room, root_seq)?;
    first.thread = (thread.reply_count > 0).then(|| Box::new(thread.clone()));
    c.execute(
        "UPDATE messages SET json = $2 WHERE id = $1",
        &[&first.id.0, &MessageJson::of(&first).as_str()],
    )?;
    let event = RoomEvent {
        room_id: room,
        seq: next_seq(c, room)?,
        change: RoomChange::ThreadUpdated { root_seq, thread },
    };
    log_event(c, events, event, now)
}

/// The summary of the thread's live replies: the count, the newest, and
/// the most recent repliers (read from the newest replies only).
fn live_thread(c: &mut impl GenericClient, room: RoomId, first: Seq) -> StoreResult<ThreadSummary> {
    let count: i64 = c
        .query_one(
            "SELECT count(*) FROM messages
             WHERE room_id = $1 AND thread_root = $2 AND deleted_at IS NULL",
            &[&room.0, &first.0],
        )?
        .try_get(0)?;
    let newest = c
        .query(
            "SELECT m.seq, m.created_at, u.username FROM messages m
             JOIN users u ON u.id = m.author_id
             WHERE m.room_id = $1 AND m.thread_root = $2 AND m.deleted_at IS NULL
             ORDER BY m.seq DESC LIMIT 200",
            &[&room.0, &first.0],
        )?
        .iter()
        .map(|r| {
            Ok((
                Seq(r.try_get(0)?),
                Timestamp(r.try_get(1)?),
                r.try_get::<_, String>(2)?,
            ))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let mut people: Vec<String> = Vec::new();
    for (_, _, name) in &newest {
        if people.len() < THREAD_PEOPLE_SHOWN && !people.iter().any(|p| p == name) {
            people.push(name.clone());
        }
    }
    Ok(ThreadSummary {
        reply_count: u32::try_from(count).unwrap_or(u32::MAX),
        last_reply_at: newest.first().map(|n| n.1),
        last_reply_seq: newest.first().map(|n| n.0),
        people,
    })
}

/// The changes to the room itself (settings, roles, the timer, pins) whose
/// seq is in `first..=last`, oldest first, at most `MAX_PAGE_CHANGES` (the
/// newest of them): what a history page shows as lines between messages.
pub async fn room_changes_between(
    pipe: &Pipeline,
    room: RoomId,
    first: Seq,
    last: Seq,
) -> StoreResult<Vec<PastRoomEvent>> {
    // Pipelined: every history page asks this.
    let rows = pipe
        .query(
            "SELECT payload, created_at FROM room_events
             WHERE room_id = $1 AND seq BETWEEN $2 AND $3
               AND payload::jsonb ->> 'type' IN ('room.updated', 'member.role_changed',
                   'room.disappearing_changed', 'message.pinned', 'message.unpinned',
                   'member.joined', 'member.left')
             ORDER BY seq DESC LIMIT $4",
            &[Type::INT8, Type::INT8, Type::INT8, Type::INT8],
            &[&room.0, &first.0, &last.0, &i64::from(MAX_PAGE_CHANGES)],
        )
        .await?;
    let mut changes = rows
        .iter()
        .map(|row| {
            let payload: &str = row.try_get(0)?;
            let event = serde_json::from_str::<RoomEvent>(payload)
                .map_err(|e| StoreError::Other(e.into()))?;
            Ok(PastRoomEvent {
                event,
                created_at: Timestamp(row.try_get(1)?),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    changes.reverse();
    Ok(changes)
}
