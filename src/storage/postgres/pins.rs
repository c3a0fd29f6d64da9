//! Pins and saved messages in PostgreSQL (issue 16). Pins are room events,
//! logged in the writer's transaction; bookmarks are private and announce
//! nothing. A pin or bookmark another node adds at the same moment meets
//! the primary key and counts as already there.

use async_trait::async_trait;
use postgres::{GenericClient, Row};

use super::reactions::live_message;
use super::room_log::{log_event, next_seq};
use super::PgStore;
use crate::domain::{
    Event, Message, Pin, Reactor, RoomChange, RoomEvent, RoomId, SavedMessage, Seq, Timestamp,
    UserId,
};
use crate::storage::{AddOutcome, Pins, StoreError, StoreResult};

/// A message from its stored JSON (written by `MessageJson::of`).
fn stored_message(row: &Row, column: usize) -> StoreResult<Message> {
    let json: &str = row.try_get(column)?;
    serde_json::from_str(json).map_err(|e| StoreError::Other(e.into()))
}

pub fn pin_message(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    room: RoomId,
    seq: Seq,
    who: &Reactor,
    max_pins: u32,
) -> StoreResult<AddOutcome> {
    let message = live_message(c, room, seq)?;
    let row = c.query_one(
        "SELECT coalesce(bool_or(message_id = $2), FALSE), count(*) FROM pins WHERE room_id = $1",
        &[&room.0, &message.id.0],
    )?;
    let (pinned, count): (bool, i64) = (row.try_get(0)?, row.try_get(1)?);
    if pinned {
        return Ok(AddOutcome::AlreadyThere);
    }
    if count >= i64::from(max_pins) {
        return Ok(AddOutcome::Full);
    }
    let now = Timestamp::now();
    let added = c.execute(
        "INSERT INTO pins (message_id, room_id, message_seq, pinned_by, pinned_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        &[
            &message.id.0,
            &room.0,
            &seq.0,
            &who.user_id.0,
            &now.millis(),
        ],
    )?;
    if added == 0 {
        return Ok(AddOutcome::AlreadyThere);
    }
    let event = RoomEvent {
        room_id: room,
        seq: next_seq(c, room)?,
        change: RoomChange::MessagePinned {
            message_id: message.id,
            message_seq: seq,
            user_id: who.user_id,
            username: who.username.clone(),
        },
    };
    log_event(c, events, event, now)?;
    Ok(AddOutcome::Added)
}

pub fn unpin_message(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    room: RoomId,
    seq: Seq,
    who: &Reactor,
) -> StoreResult<bool> {
    let message = live_message(c, room, seq)?;
    let removed = c.execute("DELETE FROM pins WHERE message_id = $1", &[&message.id.0])?;
    if removed == 0 {
        return Ok(false);
    }
    let event = RoomEvent {
        room_id: room,
        seq: next_seq(c, room)?,
        change: RoomChange::MessageUnpinned {
            message_id: message.id,
            message_seq: seq,
            user_id: who.user_id,
            username: who.username.clone(),
        },
    };
    log_event(c, events, event, Timestamp::now())?;
    Ok(true)
}

pub fn pins(c: &mut impl GenericClient, room: RoomId) -> StoreResult<Vec<Pin>> {
    let rows = c.query(
        "SELECT m.json, u.username, p.pinned_at
         FROM pins p JOIN messages m ON m.id = p.message_id JOIN users u ON u.id = p.pinned_by
         WHERE p.room_id = $1 ORDER BY p.pinned_at DESC, p.message_seq DESC",
        &[&room.0],
    )?;
    rows.iter()
        .map(|r| {
            Ok(Pin {
                message: stored_message(r, 0)?,
                pinned_by: r.try_get(1)?,
                pinned_at: Timestamp(r.try_get(2)?),
            })
        })
        .collect()
}

pub fn save_message(
    c: &mut impl GenericClient,
    user: UserId,
    room: RoomId,
    seq: Seq,
    max_saved: u32,
) -> StoreResult<AddOutcome> {
    let message = live_message(c, room, seq)?;
    let row = c.query_one(
        "SELECT coalesce(bool_or(message_id = $2), FALSE), count(*)
         FROM saved_messages WHERE user_id = $1",
        &[&user.0, &message.id.0],
    )?;
    let (saved, count): (bool, i64) = (row.try_get(0)?, row.try_get(1)?);
    if saved {
        return Ok(AddOutcome::AlreadyThere);
    }
    if count >= i64::from(max_saved) {
        return Ok(AddOutcome::Full);
    }
    let added = c.execute(
        "INSERT INTO saved_messages (user_id, message_id, saved_at) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING",
        &[&user.0, &message.id.0, &Timestamp::now().millis()],
    )?;
    Ok(if added == 0 {
        AddOutcome::AlreadyThere
    } else {
        AddOutcome::Added
    })
}

pub fn unsave_message(
    c: &mut impl GenericClient,
    user: UserId,
    room: RoomId,
    seq: Seq,
) -> StoreResult<bool> {
    let removed = c.execute(
        "DELETE FROM saved_messages WHERE user_id = $1 AND message_id =
           (SELECT id FROM messages WHERE room_id = $2 AND seq = $3)",
        &[&user.0, &room.0, &seq.0],
    )?;
    Ok(removed > 0)
}

/// Only rooms the user is still in: a bookmark never outlives the right to
/// read what it points at.
pub fn saved_messages(
    c: &mut impl GenericClient,
    user: UserId,
    limit: u32,
) -> StoreResult<Vec<SavedMessage>> {
    let rows = c.query(
        "SELECT m.json, r.name, s.saved_at
         FROM saved_messages s
         JOIN messages m ON m.id = s.message_id
         JOIN rooms r ON r.id = m.room_id
         JOIN memberships ms ON ms.room_id = m.room_id AND ms.user_id = s.user_id
         WHERE s.user_id = $1 AND m.deleted_at IS NULL
         ORDER BY s.saved_at DESC, s.message_id DESC LIMIT $2",
        &[&user.0, &i64::from(limit)],
    )?;
    rows.iter()
        .map(|r| {
            Ok(SavedMessage {
                message: stored_message(r, 0)?,
                room_name: r.try_get(1)?,
                saved_at: Timestamp(r.try_get(2)?),
            })
        })
        .collect()
}

#[async_trait]
impl Pins for PgStore {
    async fn pin_message(
        &self,
        room: RoomId,
        seq: Seq,
        who: Reactor,
        max_pins: u32,
    ) -> StoreResult<AddOutcome> {
        self.writer
            .write(move |c, ev| pin_message(c, ev, room, seq, &who, max_pins))
            .await
    }

    async fn unpin_message(&self, room: RoomId, seq: Seq, who: Reactor) -> StoreResult<bool> {
        self.writer
            .write(move |c, ev| unpin_message(c, ev, room, seq, &who))
            .await
    }

    async fn pins(&self, room: RoomId) -> StoreResult<Vec<Pin>> {
        self.readers.read(move |c| pins(c, room)).await
    }

    async fn save_message(
        &self,
        user: UserId,
        room: RoomId,
        seq: Seq,
        max_saved: u32,
    ) -> StoreResult<AddOutcome> {
        self.writer
            .write(move |c, _| save_message(c, user, room, seq, max_saved))
            .await
    }

    async fn unsave_message(&self, user: UserId, room: RoomId, seq: Seq) -> StoreResult<bool> {
        self.writer
            .write(move |c, _| unsave_message(c, user, room, seq))
            .await
    }

    async fn saved_messages(&self, user: UserId, limit: u32) -> StoreResult<Vec<SavedMessage>> {
        self.readers
            .read(move |c| saved_messages(c, user, limit))
            .await
    }
}
