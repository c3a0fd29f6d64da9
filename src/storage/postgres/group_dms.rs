//! Group conversations (group DMs) in PostgreSQL: a private room marked in
//! `group_conversations`, found again by its current member set.

use postgres::GenericClient;

use super::rooms::{create_room, room_for};
use super::PgStore;
use crate::domain::{Event, Room, RoomId, RoomKind, Timestamp, UserId};
use crate::storage::{Groups, NewRoom, StoreError, StoreResult};

/// The class of the advisory locks taken while a member set's group is
/// found or made ("grou" in ASCII); the member set gives the second key.
const OPEN_GROUP_LOCK: i32 = 0x67_72_6f_75;

/// The group conversation whose members are exactly `creator` and
/// `others`, or a new one named `name` (the creator its owner); whether it
/// was made now. A member set is not a row a unique index could guard (it
/// changes as people come and go), so the find and the make run under a
/// transaction-long advisory lock on the set: two people opening the same
/// set at once, on any nodes, take turns, and the second finds the first's
/// room (each statement sees what committed before it began).
pub fn open_group(
    c: &mut impl GenericClient,
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
    let set = everyone
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    c.execute(
        "SELECT pg_advisory_xact_lock($1, hashtext($2))",
        &[&OPEN_GROUP_LOCK, &set],
    )?;
    let size = i64::try_from(everyone.len()).map_err(|e| StoreError::Other(e.into()))?;
    // A group of the creator's whose members are the set: as many members
    // as the set, each of them in it.
    let existing = c.query_opt(
        "SELECT g.room_id FROM group_conversations g
         JOIN memberships ms ON ms.room_id = g.room_id
         WHERE g.room_id IN (SELECT room_id FROM memberships WHERE user_id = $1)
         GROUP BY g.room_id
         HAVING count(*) = $2 AND count(*) FILTER (WHERE ms.user_id = ANY($3)) = $2
         ORDER BY g.room_id LIMIT 1",
        &[&creator.0, &size, &everyone],
    )?;
    if let Some(existing) = existing {
        let id = RoomId(existing.try_get(0)?);
        let (room, _) = room_for(c, id, creator)?.ok_or(StoreError::NotFound)?;
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
    c.execute(
        "INSERT INTO group_conversations (room_id, created_at) VALUES ($1, $2)",
        &[&room.id.0, &now.millis()],
    )?;
    Ok((room, true))
}

/// Which of the user's rooms are group conversations.
pub fn groups_of(c: &mut impl GenericClient, user: UserId) -> StoreResult<Vec<RoomId>> {
    let rows = c.query(
        "SELECT g.room_id FROM group_conversations g
         JOIN memberships ms ON ms.room_id = g.room_id AND ms.user_id = $1",
        &[&user.0],
    )?;
    rows.iter().map(|r| Ok(RoomId(r.try_get(0)?))).collect()
}

/// How many are in the room, when it is a group conversation (a group
/// stays within its bound).
pub fn group_size(c: &mut impl GenericClient, room: RoomId) -> StoreResult<Option<u32>> {
    let row = c.query_opt(
        "SELECT (SELECT count(*) FROM memberships WHERE room_id = g.room_id)
         FROM group_conversations g WHERE g.room_id = $1",
        &[&room.0],
    )?;
    let Some(row) = row else { return Ok(None) };
    let count: i64 = row.try_get(0)?;
    u32::try_from(count)
        .map(Some)
        .map_err(|e| StoreError::Other(e.into()))
}

#[async_trait::async_trait]
impl Groups for PgStore {
    async fn open_group(
        &self,
        creator: UserId,
        others: Vec<UserId>,
        name: String,
        now: Timestamp,
    ) -> StoreResult<(Room, bool)> {
        // A new group's members are announced (`Event::Membership`), so the
        // cached access forgets as for any new room.
        self.writer
            .write(move |c, ev| open_group(c, ev, creator, &others, &name, now))
            .await
    }

    async fn groups_of(&self, user: UserId) -> StoreResult<Vec<RoomId>> {
        self.readers.read(move |c| groups_of(c, user)).await
    }

    async fn group_size(&self, room: RoomId) -> StoreResult<Option<u32>> {
        self.readers.read(move |c| group_size(c, room)).await
    }
}
