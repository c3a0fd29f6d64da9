//! Keeping a conversation true after a change (issue 16, finish): an edit
//! re-reads who the message mentions, a thread's summary counts only the
//! replies still there, a role change is a room event, and a history page
//! gets the room changes that happened among its messages.

use rusqlite::{params, Connection, OptionalExtension};

use super::messages::{log_event, message_at, next_seq};
use crate::domain::{
    Event, Mentions, Message, MessageBody, MessageJson, PastRoomEvent, Reactor, Role, RoomChange,
    RoomEvent, RoomId, Seq, ThreadSummary, Timestamp, UserId, THREAD_PEOPLE_SHOWN,
};
use crate::storage::{StoreError, StoreResult};

/// The most room changes one history page carries.
pub const MAX_PAGE_CHANGES: u32 = 200;

/// Edits the author's live message (its text, `edited_at`, the search
/// index and a `message.edited` event), and in the same transaction
/// replaces who it mentions: the message's JSON (what
/// clients highlight) and the `mentions` rows (the inbox and the counts).
/// A mention that stays keeps its row, so it keeps its place in the inbox.
pub fn edit_message(
    c: &Connection,
    events: &mut Vec<Event>,
    room: RoomId,
    seq: Seq,
    author: UserId,
    body: &MessageBody,
    mentions: &Mentions,
) -> StoreResult<Message> {
    let now = Timestamp::now();
    let mut message = message_at(c, room, seq)?
        .filter(|m| m.author_id == author && !m.deleted)
        .ok_or(StoreError::NotFound)?;
    body.as_str().clone_into(&mut message.body);
    message.edited_at = Some(now);
    message.mentions = mentions.people.iter().map(|p| p.1.clone()).collect();
    message.mentions_room = mentions.room;
    super::search::unindex_message(c, message.id)?;
    c.prepare_cached("UPDATE messages SET body = ?2, edited_at = ?3, json = ?4 WHERE id = ?1")?
        .execute(params![
            message.id.0,
            body.as_str(),
            now.millis(),
            MessageJson::of(&message).as_str()
        ])?;
    super::search::reindex_message(c, message.id, &message.body)?;
    replace_mentions(c, &message, mentions)?;
    let event = RoomEvent {
        room_id: room,
        seq: next_seq(c, room)?,
        change: RoomChange::MessageEdited {
            message: message.clone(),
        },
    };
    log_event(c, events, event, now)?;
    Ok(message)
}

fn replace_mentions(c: &Connection, message: &Message, mentions: &Mentions) -> StoreResult<()> {
    let people: Vec<i64> = mentions.people.iter().map(|p| p.0 .0).collect();
    let people = serde_json::to_string(&people).map_err(|e| StoreError::Other(e.into()))?;
    c.prepare_cached(
        "DELETE FROM mentions WHERE room_id = ?1 AND seq = ?2
           AND CASE WHEN user_id IS NULL THEN NOT ?3
                    ELSE user_id NOT IN (SELECT value FROM json_each(?4)) END",
    )?
    .execute(params![
        message.room_id.0,
        message.seq.0,
        mentions.room,
        people
    ])?;
    let mut insert = c.prepare_cached(
        "INSERT OR IGNORE INTO mentions (room_id, seq, user_id, author_id) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (user, _) in &mentions.people {
        insert.execute(params![
            message.room_id.0,
            message.seq.0,
            user.0,
            message.author_id.0
        ])?;
    }
    // NULLs are distinct to UNIQUE: the room-wide row is looked for first.
    if mentions.room {
        c.prepare_cached(
            "INSERT INTO mentions (room_id, seq, user_id, author_id)
             SELECT ?1, ?2, NULL, ?3 WHERE NOT EXISTS
               (SELECT 1 FROM mentions WHERE room_id = ?1 AND seq = ?2 AND user_id IS NULL)",
        )?
        .execute(params![
            message.room_id.0,
            message.seq.0,
            message.author_id.0
        ])?;
    }
    Ok(())
}

/// A reply was deleted or expired: its thread's first message counts again
/// from the replies still there, and `thread.updated` says so (with the
/// next seq, after the deletion's). Called in the deleting transaction.
pub fn reply_gone(
    c: &Connection,
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
    c.prepare_cached("UPDATE messages SET json = ?2 WHERE id = ?1")?
        .execute(params![first.id.0, MessageJson::of(&first).as_str()])?;
    let event = RoomEvent {
        room_id: room,
        seq: next_seq(c, room)?,
        change: RoomChange::ThreadUpdated { root_seq, thread },
    };
    log_event(c, events, event, now)
}

/// The summary of the thread's live replies: the count, the newest, and
/// the most recent repliers (read from the newest replies only).
fn live_thread(c: &Connection, room: RoomId, first: Seq) -> StoreResult<ThreadSummary> {
    let count: u32 = c
        .prepare_cached(
            "SELECT count(*) FROM messages
             WHERE room_id = ?1 AND thread_root = ?2 AND deleted_at IS NULL",
        )?
        .query_row(params![room.0, first.0], |r| r.get(0))?;
    let mut stmt = c.prepare_cached(
        "SELECT m.seq, m.created_at, u.username FROM messages m JOIN users u ON u.id = m.author_id
         WHERE m.room_id = ?1 AND m.thread_root = ?2 AND m.deleted_at IS NULL
         ORDER BY m.seq DESC LIMIT 200",
    )?;
    let newest = stmt
        .query_map(params![room.0, first.0], |r| {
            Ok((Seq(r.get(0)?), Timestamp(r.get(1)?), r.get::<_, String>(2)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut people: Vec<String> = Vec::new();
    for (_, _, name) in &newest {
        if people.len() < THREAD_PEOPLE_SHOWN && !people.iter().any(|p| p == name) {
            people.push(name.clone());
        }
    }
    Ok(ThreadSummary {
        reply_count: count,
        last_reply_at: newest.first().map(|n| n.1),
        last_reply_seq: newest.first().map(|n| n.0),
        people,
    })
}

/// Makes a member an owner (or an owner a member) and logs
/// `member.role_changed`; `false` (and no event) when they are not in the
/// room, or already have that role.
pub fn change_role(
    c: &Connection,
    events: &mut Vec<Event>,
    room: RoomId,
    user: UserId,
    role: Role,
    by: &Reactor,
) -> StoreResult<bool> {
    let member: Option<(String, String)> = c
        .prepare_cached(
            "SELECT u.username, ms.role FROM memberships ms JOIN users u ON u.id = ms.user_id
             WHERE ms.room_id = ?1 AND ms.user_id = ?2",
        )?
        .query_row(params![room.0, user.0], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((username, was)) = member else {
        return Ok(false);
    };
    if Role::from_db(&was) == role {
        return Ok(true);
    }
    c.prepare_cached("UPDATE memberships SET role = ?3 WHERE room_id = ?1 AND user_id = ?2")?
        .execute(params![room.0, user.0, role.as_str()])?;
    let event = RoomEvent {
        room_id: room,
        seq: next_seq(c, room)?,
        change: RoomChange::MemberRoleChanged {
            user_id: user,
            username,
            role,
            by_user_id: by.user_id,
            by_username: by.username.clone(),
        },
    };
    log_event(c, events, event, Timestamp::now())?;
    Ok(true)
}

/// The changes to the room itself (settings, roles, the timer, pins) whose
/// seq is in `first..=last`, oldest first, at most `MAX_PAGE_CHANGES` (the
/// newest of them): what a history page shows as lines between messages.
pub fn room_changes_between(
    c: &Connection,
    room: RoomId,
    first: Seq,
    last: Seq,
) -> StoreResult<Vec<PastRoomEvent>> {
    let mut stmt = c.prepare_cached(
        "SELECT payload, created_at FROM room_events
         WHERE room_id = ?1 AND seq BETWEEN ?2 AND ?3
           AND json_extract(payload, '$.type') IN ('room.updated', 'member.role_changed',
               'room.disappearing_changed', 'message.pinned', 'message.unpinned',
               'member.joined', 'member.left')
         ORDER BY seq DESC LIMIT ?4",
    )?;
    let mut changes = stmt
        .query_map(params![room.0, first.0, last.0, MAX_PAGE_CHANGES], |r| {
            Ok((r.get::<_, String>(0)?, Timestamp(r.get(1)?)))
        })?
        .map(|row| {
            let (payload, created_at) = row?;
            let event = serde_json::from_str::<RoomEvent>(&payload)
                .map_err(|e| StoreError::Other(e.into()))?;
            Ok(PastRoomEvent { event, created_at })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    changes.reverse();
    Ok(changes)
}
