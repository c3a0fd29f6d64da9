//! The SQL of reactions (issue 16); pins, saved messages and room care are
//! in room_care.rs. Writes run in the writer's group transaction
//! and log their room event there, like edits and deletions.

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension};

use super::messages::{log_event, message_at, next_seq};
use super::SqliteStore;
use crate::domain::{
    Emoji, Event, Message, MessageId, ReactionGroup, Reactor, RoomChange, RoomEvent, RoomId, Seq,
    Timestamp, UserId,
};
use crate::storage::Reactions;
use crate::storage::{AddOutcome, StoreError, StoreResult};
use async_trait::async_trait;

/// The message at `seq` unless it is missing or deleted.
fn live_message(c: &Connection, room: RoomId, seq: Seq) -> StoreResult<Message> {
    message_at(c, room, seq)?
        .filter(|m| !m.deleted)
        .ok_or(StoreError::NotFound)
}

fn has_reaction(
    c: &Connection,
    message: MessageId,
    user: UserId,
    emoji: &str,
) -> StoreResult<bool> {
    Ok(c.prepare_cached(
        "SELECT 1 FROM reactions WHERE message_id = ?1 AND user_id = ?2 AND emoji = ?3",
    )?
    .query_row(params![message.0, user.0, emoji], |_| Ok(()))
    .optional()?
    .is_some())
}

pub fn add_reaction(
    c: &Connection,
    events: &mut Vec<Event>,
    room: RoomId,
    seq: Seq,
    who: &Reactor,
    emoji: &Emoji,
    max_emoji: u32,
) -> StoreResult<AddOutcome> {
    let message = live_message(c, room, seq)?;
    if has_reaction(c, message.id, who.user_id, emoji.as_str())? {
        return Ok(AddOutcome::AlreadyThere);
    }
    // A new emoji on the message counts against its bound; one more person
    // using an emoji already there does not.
    let (kinds, known): (u32, bool) = c
        .prepare_cached(
            "SELECT count(DISTINCT emoji), coalesce(max(emoji = ?2), 0)
             FROM reactions WHERE message_id = ?1",
        )?
        .query_row(params![message.id.0, emoji.as_str()], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    if !known && kinds >= max_emoji {
        return Ok(AddOutcome::Full);
    }
    let now = Timestamp::now();
    c.prepare_cached(
        "INSERT INTO reactions (message_id, user_id, emoji, room_id, message_seq, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        message.id.0,
        who.user_id.0,
        emoji.as_str(),
        room.0,
        seq.0,
        now.millis()
    ])?;
    let event = RoomEvent {
        room_id: room,
        seq: next_seq(c, room)?,
        change: RoomChange::ReactionAdded {
            message_id: message.id,
            message_seq: seq,
            emoji: emoji.as_str().to_owned(),
            user_id: who.user_id,
            username: who.username.clone(),
        },
    };
    log_event(c, events, event, now)?;
    Ok(AddOutcome::Added)
}

pub fn remove_reaction(
    c: &Connection,
    events: &mut Vec<Event>,
    room: RoomId,
    seq: Seq,
    who: &Reactor,
    emoji: &Emoji,
) -> StoreResult<bool> {
    let message = live_message(c, room, seq)?;
    let removed = c
        .prepare_cached(
            "DELETE FROM reactions WHERE message_id = ?1 AND user_id = ?2 AND emoji = ?3",
        )?
        .execute(params![message.id.0, who.user_id.0, emoji.as_str()])?;
    if removed == 0 {
        return Ok(false);
    }
    let event = RoomEvent {
        room_id: room,
        seq: next_seq(c, room)?,
        change: RoomChange::ReactionRemoved {
            message_id: message.id,
            message_seq: seq,
            emoji: emoji.as_str().to_owned(),
            user_id: who.user_id,
            username: who.username.clone(),
        },
    };
    log_event(c, events, event, Timestamp::now())?;
    Ok(true)
}

pub fn reactions_between(
    c: &Connection,
    room: RoomId,
    first: Seq,
    last: Seq,
) -> StoreResult<Vec<ReactionGroup>> {
    let mut stmt = c.prepare_cached(
        "SELECT r.message_id, r.message_seq, r.emoji, r.user_id, u.username
         FROM reactions r JOIN users u ON u.id = r.user_id
         WHERE r.room_id = ?1 AND r.message_seq BETWEEN ?2 AND ?3
         ORDER BY r.message_seq, r.created_at, r.user_id",
    )?;
    let mut groups: Vec<ReactionGroup> = Vec::new();
    let mut index: HashMap<(i64, String), usize> = HashMap::new();
    let rows = stmt.query_map(params![room.0, first.0, last.0], |r| {
        Ok((
            MessageId(r.get(0)?),
            Seq(r.get(1)?),
            r.get::<_, String>(2)?,
            Reactor {
                user_id: UserId(r.get(3)?),
                username: r.get(4)?,
            },
        ))
    })?;
    for row in rows {
        let (message_id, message_seq, emoji, who) = row?;
        let at = *index
            .entry((message_seq.0, emoji.clone()))
            .or_insert_with(|| {
                groups.push(ReactionGroup {
                    message_id,
                    message_seq,
                    emoji,
                    count: 0,
                    users: Vec::new(),
                });
                groups.len() - 1
            });
        groups[at].count += 1;
        groups[at].users.push(who);
    }
    Ok(groups)
}

#[async_trait]
impl Reactions for SqliteStore {
    async fn add_reaction(
        &self,
        room: RoomId,
        seq: Seq,
        who: Reactor,
        emoji: Emoji,
        max_emoji: u32,
    ) -> StoreResult<AddOutcome> {
        self.writer
            .write(move |c, ev| add_reaction(c, ev, room, seq, &who, &emoji, max_emoji))
            .await
    }

    async fn remove_reaction(
        &self,
        room: RoomId,
        seq: Seq,
        who: Reactor,
        emoji: Emoji,
    ) -> StoreResult<bool> {
        self.writer
            .write(move |c, ev| remove_reaction(c, ev, room, seq, &who, &emoji))
            .await
    }

    async fn reactions_between(
        &self,
        room: RoomId,
        first: Seq,
        last: Seq,
    ) -> StoreResult<Vec<ReactionGroup>> {
        self.readers
            .read_quick(move |c| reactions_between(c, room, first, last))
            .await
    }
}
