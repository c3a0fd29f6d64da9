//! Rooms in PostgreSQL: making them, reading them, and what a user may do
//! in one. The same queries as `storage/sqlite/rooms.rs`; a direct room is
//! found or made in one race-free step (its `direct_key` is unique), as
//! several nodes may open the same pair's room at once.

use async_trait::async_trait;
use postgres::types::Type;
use postgres::{GenericClient, Row};

use super::memberships;
use super::pipeline::Pipeline;
use super::PgStore;
use crate::domain::{
    Changed, Event, LeaveReason, Member, Role, Room, RoomId, RoomKind, RoomListing, RoomSummary,
    Seq, Timestamp, UserId,
};
use crate::storage::{Membership, NewRoom, RoomAccess, RoomRoles, Rooms, StoreError, StoreResult};

#[async_trait]
impl Rooms for PgStore {
    async fn create_room(&self, room: NewRoom, now: Timestamp) -> StoreResult<Room> {
        self.writer
            .write(move |c, ev| create_room(c, ev, &room, now))
            .await
    }

    async fn room_for(
        &self,
        room: RoomId,
        user: UserId,
    ) -> StoreResult<Option<(Room, Option<Membership>)>> {
        self.readers.read(move |c| room_for(c, room, user)).await
    }

    async fn access(&self, room: RoomId, user: UserId) -> StoreResult<Option<RoomAccess>> {
        access(&self.pipeline, room, user).await
    }

    async fn room_roles(&self, room: RoomId, most: u32) -> StoreResult<Option<RoomRoles>> {
        room_roles(&self.pipeline, room, most).await
    }

    async fn rooms_of(&self, user: UserId) -> StoreResult<Vec<RoomSummary>> {
        self.readers.read(move |c| rooms_of(c, user)).await
    }

    async fn public_rooms(&self, asking: UserId) -> StoreResult<Vec<RoomListing>> {
        self.readers.read(move |c| public_rooms(c, asking)).await
    }

    async fn add_member(
        &self,
        room: RoomId,
        user: UserId,
        role: Role,
        now: Timestamp,
        by: Option<UserId>,
    ) -> StoreResult<()> {
        self.writer
            .write(move |c, ev| memberships::join_member(c, ev, room, user, role, now, by))
            .await
    }

    async fn remove_member(
        &self,
        room: RoomId,
        user: UserId,
        by: Option<UserId>,
    ) -> StoreResult<bool> {
        let reason = if by.is_some_and(|by| by != user) {
            LeaveReason::Removed
        } else {
            LeaveReason::Left
        };
        self.writer
            .write(move |c, ev| memberships::remove_member(c, ev, room, user, reason, by))
            .await
    }

    async fn members(&self, room: RoomId) -> StoreResult<Vec<Member>> {
        self.readers
            .read(move |c| memberships::members(c, room))
            .await
    }

    async fn direct_room(&self, a: UserId, b: UserId, now: Timestamp) -> StoreResult<Room> {
        self.writer
            .write(move |c, ev| direct_room(c, ev, a, b, now))
            .await
    }

    async fn mark_read(&self, room: RoomId, user: UserId, seq: Seq) -> StoreResult<()> {
        self.writer
            .write(move |c, _| memberships::mark_read(c, room, user, seq))
            .await
    }

    async fn set_slow_mode(&self, room: RoomId, secs: u32) -> StoreResult<()> {
        self.writer
            .write(move |c, ev| set_slow_mode(c, ev, room, secs))
            .await
    }
}

// Callers read their own columns after these, from index 7.
const ROOM_COLUMNS: &str =
    "r.id, r.name, r.kind, r.created_at, r.last_seq, r.slow_mode_secs, r.disappear_after_secs";

fn room_kind(row: &Row, column: usize) -> StoreResult<RoomKind> {
    let kind: &str = row.try_get(column)?;
    RoomKind::from_db(kind)
        .ok_or_else(|| StoreError::Other(anyhow::anyhow!("unknown room kind {kind}")))
}

/// A count of seconds kept as BIGINT (checked in the schema to fit).
pub(super) fn seconds(row: &Row, column: usize) -> StoreResult<u32> {
    let secs: i64 = row.try_get(column)?;
    u32::try_from(secs).map_err(|e| StoreError::Other(e.into()))
}

pub(super) fn room_row(row: &Row) -> StoreResult<Room> {
    Ok(Room {
        id: RoomId(row.try_get(0)?),
        name: row.try_get(1)?,
        kind: room_kind(row, 2)?,
        created_at: Timestamp(row.try_get(3)?),
        last_seq: Seq(row.try_get(4)?),
        slow_mode_secs: seconds(row, 5)?,
        disappear_after_secs: seconds(row, 6)?,
    })
}

pub fn create_room(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    new: &NewRoom,
    now: Timestamp,
) -> StoreResult<Room> {
    let id: i64 = c
        .query_one(
            "INSERT INTO rooms (kind, name, name_key, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            &[
                &new.kind.as_str(),
                &new.name,
                &new.name_key,
                &new.created_by.0,
                &now.millis(),
            ],
        )?
        .try_get(0)?;
    let room = RoomId(id);
    memberships::add_member(c, events, room, new.created_by, Role::Owner, now)?;
    for member in &new.members {
        memberships::add_member(c, events, room, *member, Role::Member, now)?;
    }
    Ok(Room {
        id: room,
        name: Some(new.name.clone()),
        kind: new.kind,
        created_at: now,
        last_seq: Seq(0),
        slow_mode_secs: 0,
        disappear_after_secs: 0,
    })
}

/// The room and the user's membership of it, in one query (every room
/// route starts with this check, so it is the hottest read).
pub fn room_for(
    c: &mut impl GenericClient,
    room: RoomId,
    user: UserId,
) -> StoreResult<Option<(Room, Option<Membership>)>> {
    let row = c.query_opt(
        &format!(
            "SELECT {ROOM_COLUMNS}, m.role, m.last_read_seq
             FROM rooms r LEFT JOIN memberships m ON m.room_id = r.id AND m.user_id = $2
             WHERE r.id = $1"
        ),
        &[&room.0, &user.0],
    )?;
    let Some(row) = row else { return Ok(None) };
    let role: Option<&str> = row.try_get(7)?;
    let membership = match role {
        Some(role) => Some(Membership {
            role: Role::from_db(role),
            last_read_seq: Seq(row.try_get(8)?),
        }),
        None => None,
    };
    Ok(Some((room_row(&row)?, membership)))
}

/// What `user` may do in `room`. On the pipelined connections, prepared
/// once per connection, as `accounts::user_for_session` and for the same
/// reason: every subscribe a node has not seen the pair of runs it.
pub async fn access(
    pipe: &Pipeline,
    room: RoomId,
    user: UserId,
) -> StoreResult<Option<RoomAccess>> {
    let rows = pipe
        .query(
            "SELECT r.kind, r.slow_mode_secs, m.role, r.archived_at IS NOT NULL
             FROM rooms r LEFT JOIN memberships m ON m.room_id = r.id AND m.user_id = $2
             WHERE r.id = $1",
            &[Type::INT8, Type::INT8],
            &[&room.0, &user.0],
        )
        .await?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    Ok(Some(RoomAccess {
        kind: room_kind(row, 0)?,
        slow_mode_secs: seconds(row, 1)?,
        role: row.try_get::<_, Option<&str>>(2)?.map(Role::from_db),
        archived: row.try_get(3)?,
    }))
}

/// The room's access for each member (up to `most`), in one pipelined
/// statement: one row per member (one with no member for an empty room),
/// none when there is no room.
pub async fn room_roles(
    pipe: &Pipeline,
    room: RoomId,
    most: u32,
) -> StoreResult<Option<RoomRoles>> {
    let rows = pipe
        .query(
            "SELECT r.kind, r.slow_mode_secs, r.archived_at IS NOT NULL, m.user_id, m.role
             FROM rooms r LEFT JOIN (SELECT room_id, user_id, role FROM memberships
                                     WHERE room_id = $1 LIMIT $2) m ON m.room_id = r.id
             WHERE r.id = $1",
            &[Type::INT8, Type::INT8],
            &[&room.0, &(i64::from(most) + 1)],
        )
        .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let access = RoomAccess {
        kind: room_kind(first, 0)?,
        slow_mode_secs: seconds(first, 1)?,
        role: None,
        archived: first.try_get(2)?,
    };
    let mut members = Vec::with_capacity(rows.len());
    for row in &rows {
        if let Some(user) = row.try_get::<_, Option<i64>>(3)? {
            members.push((UserId(user), Role::from_db(row.try_get(4)?)));
        }
    }
    Ok(Some(RoomRoles {
        room: access,
        members: (members.len() <= most as usize).then_some(members),
    }))
}

pub fn rooms_of(c: &mut impl GenericClient, user: UserId) -> StoreResult<Vec<RoomSummary>> {
    let rows = c.query(
        &format!(
            "SELECT {ROOM_COLUMNS}, m.last_read_seq,
               (SELECT COUNT(*) FROM messages x WHERE x.room_id = r.id AND x.seq > m.last_read_seq
                  AND (x.thread_root IS NULL OR x.also_in_room)),
               CASE WHEN r.kind = 'direct' THEN
                 coalesce((SELECT u.username FROM memberships o JOIN users u ON u.id = o.user_id
                           WHERE o.room_id = r.id AND o.user_id <> m.user_id LIMIT 1),
                          (SELECT username FROM users WHERE id = m.user_id))
               END
             FROM memberships m JOIN rooms r ON r.id = m.room_id
             WHERE m.user_id = $1"
        ),
        &[&user.0],
    )?;
    let mut rooms = rows
        .iter()
        .map(|row| {
            Ok(RoomSummary {
                room: room_row(row)?,
                last_read_seq: Seq(row.try_get(7)?),
                unread: row.try_get(8)?,
                peer: row.try_get(9)?,
                peer_profile: None,
                mentions: 0,
                notification_level: crate::domain::NotificationLevel::default(),
                group: false,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    rooms.sort_by_cached_key(|r| {
        let label = r
            .room
            .name
            .as_deref()
            .or(r.peer.as_deref())
            .unwrap_or_default()
            .to_lowercase();
        (r.room.kind as u8, label)
    });
    Ok(rooms)
}

pub fn public_rooms(c: &mut impl GenericClient, asking: UserId) -> StoreResult<Vec<RoomListing>> {
    // `COLLATE "C"`: byte order, as SQLite sorts, whatever the database's locale.
    let rows = c.query(
        &format!(
            "SELECT {ROOM_COLUMNS},
               (SELECT COUNT(*) FROM memberships m WHERE m.room_id = r.id),
               EXISTS (SELECT 1 FROM memberships m WHERE m.room_id = r.id AND m.user_id = $1)
             FROM rooms r WHERE r.kind = 'public' AND r.archived_at IS NULL
             ORDER BY r.name_key COLLATE \"C\" LIMIT 1000"
        ),
        &[&asking.0],
    )?;
    rows.iter()
        .map(|row| {
            Ok(RoomListing {
                room: room_row(row)?,
                member_count: row.try_get(7)?,
                joined: row.try_get(8)?,
            })
        })
        .collect()
}

fn direct_room_by_key(c: &mut impl GenericClient, key: &str) -> StoreResult<Option<Room>> {
    c.query_opt(
        &format!("SELECT {ROOM_COLUMNS} FROM rooms r WHERE r.direct_key = $1"),
        &[&key],
    )?
    .as_ref()
    .map(room_row)
    .transpose()
}

/// Finds or makes the pair's room. Another node may be making it at the
/// same moment: the insert then waits for that transaction, and does
/// nothing once it has committed, so the room read after it is theirs.
pub fn direct_room(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    a: UserId,
    b: UserId,
    now: Timestamp,
) -> StoreResult<Room> {
    let key = format!("{}:{}", a.0.min(b.0), a.0.max(b.0));
    if let Some(room) = direct_room_by_key(c, &key)? {
        return Ok(room);
    }
    let made = c.query_opt(
        "INSERT INTO rooms (kind, direct_key, created_by, created_at) VALUES ('direct', $1, $2, $3)
         ON CONFLICT (direct_key) DO NOTHING RETURNING id",
        &[&key, &a.0, &now.millis()],
    )?;
    let Some(made) = made else {
        return direct_room_by_key(c, &key)?.ok_or(StoreError::Conflict);
    };
    let room = RoomId(made.try_get(0)?);
    memberships::add_member(c, events, room, a, Role::Member, now)?;
    memberships::add_member(c, events, room, b, Role::Member, now)?;
    Ok(Room {
        id: room,
        name: None,
        kind: RoomKind::Direct,
        created_at: now,
        last_seq: Seq(0),
        slow_mode_secs: 0,
        disappear_after_secs: 0,
    })
}

pub fn set_slow_mode(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    room: RoomId,
    secs: u32,
) -> StoreResult<()> {
    c.execute(
        "UPDATE rooms SET slow_mode_secs = $2 WHERE id = $1",
        &[&room.0, &i64::from(secs)],
    )?;
    events.push(Event::Changed(Changed::RoomAccess(room)));
    Ok(())
}
