//! Reactions in PostgreSQL (issue 16); pins, saved messages and room care
//! are in room_care.rs. Writes run in the writer's group transaction and
//! log their room event there, taking the room's next seq from its
//! counter row, like edits and deletions.

use std::collections::HashMap;

use async_trait::async_trait;
use postgres::types::Type;
use postgres::GenericClient;

use super::pipeline::Pipeline;
use super::room_log::{log_event, message_at, next_seq};
use super::PgStore;
use crate::domain::{
    Emoji, Event, Message, MessageId, ReactionGroup, Reactor, RoomChange, RoomEvent, RoomId, Seq,
    Timestamp, UserId,
};
use crate::storage::{AddOutcome, Reactions, StoreError, StoreResult};

/// The message at `seq` unless it is missing or deleted.
pub(super) fn live_message(
    c: &mut impl GenericClient,
    room: RoomId,
    seq: Seq,
) -> StoreResult<Message> {
    message_at(c, room, seq)?
        .filter(|m| !m.deleted)
        .ok_or(StoreError::NotFound)
}

/// Adds the reaction unless it is there; a second node adding the same one
/// at once meets the primary key and does nothing either.
pub fn add_reaction(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    room: RoomId,
    seq: Seq,
    who: &Reactor,
    emoji: &Emoji,
    max_emoji: u32,
) -> StoreResult<AddOutcome> {
    let message = live_message(c, room, seq)?;
    let there = c.query_opt(
        "SELECT 1 FROM reactions WHERE message_id = $1 AND user_id = $2 AND emoji = $3",
        &[&message.id.0, &who.user_id.0, &emoji.as_str()],
    )?;
    if there.is_some() {
        return Ok(AddOutcome::AlreadyThere);
    }
    // A new emoji on the message counts against its bound; one more person
    // using an emoji already there does not.
    let row = c.query_one(
        "SELECT count(DISTINCT emoji), coalesce(bool_or(emoji = $2), FALSE)
         FROM reactions WHERE message_id = $1",
        &[&message.id.0, &emoji.as_str()],
    )?;
    let (kinds, known): (i64, bool) = (row.try_get(0)?, row.try_get(1)?);
    if !known && kinds >= i64::from(max_emoji) {
        return Ok(AddOutcome::Full);
    }
    let now = Timestamp::now();
    let added = c.execute(
        "INSERT INTO reactions (message_id, user_id, emoji, room_id, message_seq, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        &[
            &message.id.0,
            &who.user_id.0,
            &emoji.as_str(),
            &room.0,
            &seq.0,
            &now.millis(),
        ],
    )?;
    if added == 0 {
        return Ok(AddOutcome::AlreadyThere);
    }
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
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    room: RoomId,
    seq: Seq,
    who: &Reactor,
    emoji: &Emoji,
) -> StoreResult<bool> {
    let message = live_message(c, room, seq)?;
    let removed = c.execute(
        "DELETE FROM reactions WHERE message_id = $1 AND user_id = $2 AND emoji = $3",
        &[&message.id.0, &who.user_id.0, &emoji.as_str()],
    )?;
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

pub async fn reactions_between(
    pipe: &Pipeline,
    room: RoomId,
    first: Seq,
    last: Seq,
) -> StoreResult<Vec<ReactionGroup>> {
    // Pipelined: every history page asks this.
    let rows = pipe
        .query(
            "SELECT r.message_id, r.message_seq, r.emoji, r.user_id, u.username
             FROM reactions r JOIN users u ON u.id = r.user_id
             WHERE r.room_id = $1 AND r.message_seq BETWEEN $2 AND $3
             ORDER BY r.message_seq, r.created_at, r.user_id",
            &[Type::INT8, Type::INT8, Type::INT8],
            &[&room.0, &first.0, &last.0],
        )
        .await?;
    let mut groups: Vec<ReactionGroup> = Vec::new();
    let mut index: HashMap<(i64, String), usize> = HashMap::new();
    for r in &rows {
        let message_id = MessageId(r.try_get(0)?);
        let message_seq = Seq(r.try_get(1)?);
        let emoji: String = r.try_get(2)?;
        let who = Reactor {
            user_id: UserId(r.try_get(3)?),
            username: r.try_get(4)?,
        };
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
impl Reactions for PgStore {
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
        reactions_between(&self.pipeline, room, first, last).await
    }
}
