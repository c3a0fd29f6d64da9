//! The SQL of pins, saved messages and room care (issue 16). Pins and room
//! changes are room events, logged in the writer's transaction; bookmarks
//! are private and announce nothing.

use rusqlite::{params, Connection};

use super::messages::{log_event, message_at, next_seq};
use super::SqliteStore;
use crate::domain::{
    Changed, Event, MembershipChange, Message, Pin, PinPolicy, Reactor, Role, RoomCare, RoomChange,
    RoomEvent, RoomId, RoomSettings, RoomUpdate, SavedMessage, Seq, Timestamp, UserId,
};
use crate::storage::{AddOutcome, StoreError, StoreResult};
use crate::storage::{Pins, RoomCaretaking};
use async_trait::async_trait;

fn live_message(c: &Connection, room: RoomId, seq: Seq) -> StoreResult<Message> {
    message_at(c, room, seq)?
        .filter(|m| !m.deleted)
        .ok_or(StoreError::NotFound)
}

/// A message from its stored JSON (written by `MessageJson::of`).
fn stored_message(json: &str) -> rusqlite::Result<Message> {
    serde_json::from_str(json).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
    })
}

pub fn pin_message(
    c: &Connection,
    events: &mut Vec<Event>,
    room: RoomId,
    seq: Seq,
    who: &Reactor,
    max_pins: u32,
) -> StoreResult<AddOutcome> {
    let message = live_message(c, room, seq)?;
    let (pinned, count): (bool, u32) = c
        .prepare_cached(
            "SELECT coalesce(max(message_id = ?2), 0), count(*) FROM pins WHERE room_id = ?1",
        )?
        .query_row(params![room.0, message.id.0], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    if pinned {
        return Ok(AddOutcome::AlreadyThere);
    }
    if count >= max_pins {
        return Ok(AddOutcome::Full);
    }
    let now = Timestamp::now();
    c.prepare_cached(
        "INSERT INTO pins (message_id, room_id, message_seq, pinned_by, pinned_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        message.id.0,
        room.0,
        seq.0,
        who.user_id.0,
        now.millis()
    ])?;
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
    c: &Connection,
    events: &mut Vec<Event>,
    room: RoomId,
    seq: Seq,
    who: &Reactor,
) -> StoreResult<bool> {
    let message = live_message(c, room, seq)?;
    let removed = c
        .prepare_cached("DELETE FROM pins WHERE message_id = ?1")?
        .execute([message.id.0])?;
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

pub fn pins(c: &Connection, room: RoomId) -> StoreResult<Vec<Pin>> {
    let mut stmt = c.prepare_cached(
        "SELECT m.json, u.username, p.pinned_at
         FROM pins p JOIN messages m ON m.id = p.message_id JOIN users u ON u.id = p.pinned_by
         WHERE p.room_id = ?1 ORDER BY p.pinned_at DESC, p.message_seq DESC",
    )?;
    let pins = stmt
        .query_map([room.0], |r| {
            Ok(Pin {
                message: stored_message(&r.get::<_, String>(0)?)?,
                pinned_by: r.get(1)?,
                pinned_at: Timestamp(r.get(2)?),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(pins)
}

pub fn save_message(
    c: &Connection,
    user: UserId,
    room: RoomId,
    seq: Seq,
    max_saved: u32,
) -> StoreResult<AddOutcome> {
    let message = live_message(c, room, seq)?;
    let (saved, count): (bool, u32) = c
        .prepare_cached(
            "SELECT coalesce(max(message_id = ?2), 0), count(*) FROM saved_messages WHERE user_id = ?1",
        )?
        .query_row(params![user.0, message.id.0], |r| Ok((r.get(0)?, r.get(1)?)))?;
    if saved {
        return Ok(AddOutcome::AlreadyThere);
    }
    if count >= max_saved {
        return Ok(AddOutcome::Full);
    }
    c.prepare_cached(
        "INSERT INTO saved_messages (user_id, message_id, saved_at) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![user.0, message.id.0, Timestamp::now().millis()])?;
    Ok(AddOutcome::Added)
}

pub fn unsave_message(c: &Connection, user: UserId, room: RoomId, seq: Seq) -> StoreResult<bool> {
    let removed = c
        .prepare_cached(
            "DELETE FROM saved_messages WHERE user_id = ?1 AND message_id =
               (SELECT id FROM messages WHERE room_id = ?2 AND seq = ?3)",
        )?
        .execute(params![user.0, room.0, seq.0])?;
    Ok(removed > 0)
}

/// Only rooms the user is still in: a bookmark never outlives the right to
/// read what it points at.
pub fn saved_messages(c: &Connection, user: UserId, limit: u32) -> StoreResult<Vec<SavedMessage>> {
    let mut stmt = c.prepare_cached(
        "SELECT m.json, r.name, s.saved_at
         FROM saved_messages s
         JOIN messages m ON m.id = s.message_id
         JOIN rooms r ON r.id = m.room_id
         JOIN memberships ms ON ms.room_id = m.room_id AND ms.user_id = s.user_id
         WHERE s.user_id = ?1 AND m.deleted_at IS NULL
         ORDER BY s.saved_at DESC, s.message_id DESC LIMIT ?2",
    )?;
    let saved = stmt
        .query_map(params![user.0, limit], |r| {
            Ok(SavedMessage {
                message: stored_message(&r.get::<_, String>(0)?)?,
                room_name: r.get(1)?,
                saved_at: Timestamp(r.get(2)?),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(saved)
}

pub fn room_settings(c: &Connection, room: RoomId) -> StoreResult<RoomSettings> {
    Ok(c.prepare_cached(
        "SELECT topic, archived_at IS NOT NULL, pin_policy FROM rooms WHERE id = ?1",
    )?
    .query_row([room.0], |r| {
        Ok(RoomSettings {
            topic: r.get(0)?,
            archived: r.get(1)?,
            pin_policy: PinPolicy::from_db(&r.get::<_, String>(2)?),
        })
    })?)
}

pub fn care_for_room(
    c: &Connection,
    events: &mut Vec<Event>,
    room: RoomId,
    change: &RoomCare,
    who: &Reactor,
) -> StoreResult<RoomSettings> {
    let now = Timestamp::now();
    let what = match change {
        RoomCare::Rename { name, key } => {
            c.prepare_cached("UPDATE rooms SET name = ?2, name_key = ?3 WHERE id = ?1")?
                .execute(params![room.0, name, key])?;
            RoomUpdate::Renamed
        }
        RoomCare::Topic(topic) => {
            c.prepare_cached("UPDATE rooms SET topic = ?2 WHERE id = ?1")?
                .execute(params![room.0, topic])?;
            RoomUpdate::Topic
        }
        RoomCare::Archive => {
            c.prepare_cached("UPDATE rooms SET archived_at = ?2 WHERE id = ?1")?
                .execute(params![room.0, now.millis()])?;
            RoomUpdate::Archived
        }
        RoomCare::Restore => {
            c.prepare_cached("UPDATE rooms SET archived_at = NULL WHERE id = ?1")?
                .execute([room.0])?;
            RoomUpdate::Restored
        }
        RoomCare::PinPolicy(policy) => {
            c.prepare_cached("UPDATE rooms SET pin_policy = ?2 WHERE id = ?1")?
                .execute(params![room.0, policy.as_str()])?;
            RoomUpdate::PinPolicy
        }
    };
    let settings = room_settings(c, room)?;
    let name: Option<String> = c
        .prepare_cached("SELECT name FROM rooms WHERE id = ?1")?
        .query_row([room.0], |r| r.get(0))?;
    let event = RoomEvent {
        room_id: room,
        seq: next_seq(c, room)?,
        change: RoomChange::RoomUpdated {
            change: what,
            user_id: who.user_id,
            username: who.username.clone(),
            name,
            topic: settings.topic.clone(),
            archived: settings.archived,
            pin_policy: settings.pin_policy,
        },
    };
    log_event(c, events, event, now)?;
    // Archive and restore change what sends may do.
    events.push(Event::Changed(Changed::RoomAccess(room)));
    Ok(settings)
}

/// Everything in the room goes with its row (messages, events, members,
/// reactions, pins and bookmarks cascade); each member is told they left.
pub fn delete_room(c: &Connection, events: &mut Vec<Event>, room: RoomId) -> StoreResult<()> {
    let members = super::memberships::members(c, room)?;
    super::search_queue::forget_room(c, room)?;
    let deleted = c
        .prepare_cached("DELETE FROM rooms WHERE id = ?1")?
        .execute([room.0])?;
    if deleted == 0 {
        return Err(StoreError::NotFound);
    }
    events.extend(members.into_iter().map(|member| {
        Event::Membership(MembershipChange {
            room_id: room,
            member,
            joined: false,
            // The room and its log are gone: told without a seq.
            logged: false,
        })
    }));
    // Non-members' answers too: the room is gone.
    events.push(Event::Changed(Changed::RoomAccess(room)));
    Ok(())
}

#[async_trait]
impl Pins for SqliteStore {
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

#[async_trait]
impl RoomCaretaking for SqliteStore {
    async fn room_settings(&self, room: RoomId) -> StoreResult<RoomSettings> {
        self.readers.read(move |c| room_settings(c, room)).await
    }

    async fn care_for_room(
        &self,
        room: RoomId,
        change: RoomCare,
        who: Reactor,
    ) -> StoreResult<RoomSettings> {
        self.writer
            .write(move |c, ev| care_for_room(c, ev, room, &change, &who))
            .await
    }

    async fn delete_room(&self, room: RoomId) -> StoreResult<()> {
        self.writer
            .write(move |c, ev| delete_room(c, ev, room))
            .await
    }

    async fn change_role(
        &self,
        room: RoomId,
        user: UserId,
        role: Role,
        by: Reactor,
    ) -> StoreResult<bool> {
        self.writer
            .write(move |c, ev| {
                let changed = super::corrections::change_role(c, ev, room, user, role, &by)?;
                if changed {
                    ev.push(Event::Changed(Changed::RoomAccess(room)));
                }
                Ok(changed)
            })
            .await
    }
}
