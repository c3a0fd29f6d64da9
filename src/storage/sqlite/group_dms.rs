//! Group conversations (group DMs) in SQLite: a private room marked in
//! `group_conversations`, found again by its current member set.

use rusqlite::{params, Connection, OptionalExtension};

use super::queries::{create_room, room_for};
use crate::domain::{Event, Room, RoomId, RoomKind, Timestamp, UserId};
use crate::storage::{NewRoom, StoreError, StoreResult};

/// The group conversation whose members are exactly `creator` and
/// `others`, or a new one named `name` (the creator its owner). Runs in one
/// write, so two people opening the same set at once get one room.
/// Returns the room and whether it was made now.
pub fn open_group(
    c: &Connection,
    events: &mut Vec<Event>,
    creator: UserId,
    others: &[UserId],
    name: &str,
    now: Timestamp,
) -> StoreResult<(Room, bool)> {
    let mut everyone: Vec<i64> = others.iter().map(|u| u.0).collect();
    everyone.push(creator.0);
    everyone.sort_unstable();
    everyone.dedup();
    let ids = serde_json::to_string(&everyone).map_err(|e| StoreError::Other(e.into()))?;
    // A group of the creator's whose members are the set: as many members
    // as the set, each of them in it.
    let existing: Option<i64> = c
        .prepare_cached(
            "SELECT g.room_id FROM group_conversations g
             JOIN memberships ms ON ms.room_id = g.room_id
             WHERE g.room_id IN (SELECT room_id FROM memberships WHERE user_id = ?1)
             GROUP BY g.room_id
             HAVING count(*) = ?2
                AND sum(ms.user_id IN (SELECT value FROM json_each(?3))) = ?2
             ORDER BY g.room_id LIMIT 1",
        )?
        .query_row(params![creator.0, everyone.len(), ids], |r| r.get(0))
        .optional()?;
    if let Some(id) = existing {
        let (room, _) = room_for(c, RoomId(id), creator)?.ok_or(StoreError::NotFound)?;
        return Ok((room, false));
    }
    let room = create_room(
        c,
        events,
        &NewRoom {
            kind: RoomKind::Private,
            name: name.to_owned(),
            name_key: name.to_lowercase(),
            created_by: creator,
            members: others.to_vec(),
        },
        now,
    )?;
    c.prepare_cached("INSERT INTO group_conversations (room_id, created_at) VALUES (?1, ?2)")?
        .execute(params![room.id.0, now.millis()])?;
    Ok((room, true))
}

/// Which of the user's rooms are group conversations.
pub fn groups_of(c: &Connection, user: UserId) -> StoreResult<Vec<RoomId>> {
    let mut stmt = c.prepare_cached(
        "SELECT g.room_id FROM group_conversations g
         JOIN memberships ms ON ms.room_id = g.room_id AND ms.user_id = ?1",
    )?;
    let rooms = stmt
        .query_map([user.0], |r| Ok(RoomId(r.get(0)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rooms)
}

pub fn is_group(c: &Connection, room: RoomId) -> StoreResult<bool> {
    Ok(
        c.prepare_cached("SELECT 1 FROM group_conversations WHERE room_id = ?1")?
            .query_row([room.0], |_| Ok(()))
            .optional()?
            .is_some(),
    )
}

/// How many members the room has (a group stays within its bound).
pub fn member_count(c: &Connection, room: RoomId) -> StoreResult<u32> {
    Ok(
        c.prepare_cached("SELECT count(*) FROM memberships WHERE room_id = ?1")?
            .query_row([room.0], |r| r.get(0))?,
    )
}
