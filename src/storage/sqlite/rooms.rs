//! Rooms in SQLite: making them, reading them, and what a user may do in one.

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::memberships;
use super::SqliteStore;
use crate::domain::{
    Changed, Event, LeaveReason, Member, Role, Room, RoomId, RoomKind, RoomListing, RoomSummary,
    Seq, Timestamp, UserId,
};
use crate::storage::{Membership, NewRoom, RoomAccess, RoomRoles, Rooms, StoreResult};

#[async_trait]
impl Rooms for SqliteStore {
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
        self.readers
            .read_quick(move |c| room_for(c, room, user))
            .await
    }

    async fn access(&self, room: RoomId, user: UserId) -> StoreResult<Option<RoomAccess>> {
        self.readers
            .read_quick(move |c| access(c, room, user))
            .await
    }

    async fn room_roles(&self, room: RoomId, most: u32) -> StoreResult<Option<RoomRoles>> {
        self.readers
            .read_quick(move |c| room_roles(c, room, most))
            .await
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

fn room_kind(row: &Row<'_>, column: usize) -> rusqlite::Result<RoomKind> {
    let kind: String = row.get(column)?;
    RoomKind::from_db(&kind).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            column,
            rusqlite::types::Type::Text,
            format!("unknown room kind {kind}").into(),
        )
    })
}

fn room_row(row: &Row<'_>) -> rusqlite::Result<Room> {
    Ok(Room {
        id: RoomId(row.get(0)?),
        name: row.get(1)?,
        kind: room_kind(row, 2)?,
        created_at: Timestamp(row.get(3)?),
        last_seq: Seq(row.get(4)?),
        slow_mode_secs: row.get(5)?,
        disappear_after_secs: row.get(6)?,
    })
}

pub fn create_room(
    c: &Connection,
    events: &mut Vec<Event>,
    new: &NewRoom,
    now: Timestamp,
) -> StoreResult<Room> {
    let id: i64 = c
        .prepare_cached(
            "INSERT INTO rooms (kind, name, name_key, created_by, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
        )?
        .query_row(
            params![
                new.kind.as_str(),
                new.name,
                new.name_key,
                new.created_by.0,
                now.millis()
            ],
            |r| r.get(0),
        )?;
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
    c: &Connection,
    room: RoomId,
    user: UserId,
) -> StoreResult<Option<(Room, Option<Membership>)>> {
    Ok(c.prepare_cached(&format!(
        "SELECT {ROOM_COLUMNS}, m.role, m.last_read_seq
         FROM rooms r LEFT JOIN memberships m ON m.room_id = r.id AND m.user_id = ?2
         WHERE r.id = ?1"
    ))?
    .query_row([room.0, user.0], |row| {
        let role: Option<String> = row.get(7)?;
        let membership = match role {
            Some(role) => Some(Membership {
                role: Role::from_db(&role),
                last_read_seq: Seq(row.get(8)?),
            }),
            None => None,
        };
        Ok((room_row(row)?, membership))
    })
    .optional()?)
}

pub fn access(c: &Connection, room: RoomId, user: UserId) -> StoreResult<Option<RoomAccess>> {
    Ok(c.prepare_cached(
        "SELECT r.kind, r.slow_mode_secs, m.role, r.archived_at IS NOT NULL
         FROM rooms r LEFT JOIN memberships m ON m.room_id = r.id AND m.user_id = ?2
         WHERE r.id = ?1",
    )?
    .query_row([room.0, user.0], |row| {
        Ok(RoomAccess {
            kind: room_kind(row, 0)?,
            slow_mode_secs: row.get(1)?,
            role: row
                .get::<_, Option<String>>(2)?
                .as_deref()
                .map(Role::from_db),
            archived: row.get(3)?,
        })
    })
    .optional()?)
}

/// The room's access for each member (up to `most`): one row per member
/// (one with no member for an empty room), none when there is no room.
pub fn room_roles(c: &Connection, room: RoomId, most: u32) -> StoreResult<Option<RoomRoles>> {
    let mut stmt = c.prepare_cached(
        "SELECT r.kind, r.slow_mode_secs, r.archived_at IS NOT NULL, m.user_id, m.role
         FROM rooms r LEFT JOIN (SELECT room_id, user_id, role FROM memberships
                                 WHERE room_id = ?1 LIMIT ?2) m ON m.room_id = r.id
         WHERE r.id = ?1",
    )?;
    let mut rows = stmt.query(params![room.0, i64::from(most) + 1])?;
    let mut roles: Option<RoomRoles> = None;
    let mut members = Vec::new();
    while let Some(row) = rows.next()? {
        if roles.is_none() {
            roles = Some(RoomRoles {
                room: RoomAccess {
                    kind: room_kind(row, 0)?,
                    slow_mode_secs: row.get(1)?,
                    role: None,
                    archived: row.get(2)?,
                },
                members: None,
            });
        }
        if let Some(user) = row.get::<_, Option<i64>>(3)? {
            members.push((UserId(user), Role::from_db(&row.get::<_, String>(4)?)));
        }
    }
    Ok(roles.map(|r| RoomRoles {
        members: (members.len() <= most as usize).then_some(members),
        ..r
    }))
}

pub fn rooms_of(c: &Connection, user: UserId) -> StoreResult<Vec<RoomSummary>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {ROOM_COLUMNS}, m.last_read_seq,
           (SELECT COUNT(*) FROM messages x WHERE x.room_id = r.id AND x.seq > m.last_read_seq
              AND (x.thread_root IS NULL OR x.also_in_room = 1)),
           CASE WHEN r.kind = 'direct' THEN
             coalesce((SELECT u.username FROM memberships o JOIN users u ON u.id = o.user_id
                       WHERE o.room_id = r.id AND o.user_id <> m.user_id),
                      (SELECT username FROM users WHERE id = m.user_id))
           END
         FROM memberships m JOIN rooms r ON r.id = m.room_id
         WHERE m.user_id = ?1"
    ))?;
    let mut rooms = stmt
        .query_map([user.0], |row| {
            Ok(RoomSummary {
                room: room_row(row)?,
                last_read_seq: Seq(row.get(7)?),
                unread: row.get(8)?,
                peer: row.get(9)?,
                peer_profile: None,
                mentions: 0,
                notification_level: crate::domain::NotificationLevel::default(),
                group: false,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
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

pub fn public_rooms(c: &Connection, asking: UserId) -> StoreResult<Vec<RoomListing>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {ROOM_COLUMNS},
           (SELECT COUNT(*) FROM memberships m WHERE m.room_id = r.id),
           EXISTS (SELECT 1 FROM memberships m WHERE m.room_id = r.id AND m.user_id = ?1)
         FROM rooms r WHERE r.kind = 'public' AND r.archived_at IS NULL ORDER BY r.name_key LIMIT 1000"
    ))?;
    let rooms = stmt
        .query_map([asking.0], |row| {
            Ok(RoomListing {
                room: room_row(row)?,
                member_count: row.get(7)?,
                joined: row.get(8)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rooms)
}

pub fn direct_room(
    c: &Connection,
    events: &mut Vec<Event>,
    a: UserId,
    b: UserId,
    now: Timestamp,
) -> StoreResult<Room> {
    let key = format!("{}:{}", a.0.min(b.0), a.0.max(b.0));
    let existing = c
        .prepare_cached(&format!(
            "SELECT {ROOM_COLUMNS} FROM rooms r WHERE r.direct_key = ?1"
        ))?
        .query_row([&key], room_row)
        .optional()?;
    if let Some(room) = existing {
        return Ok(room);
    }
    let id: i64 = c
        .prepare_cached(
            "INSERT INTO rooms (kind, direct_key, created_by, created_at) VALUES ('direct', ?1, ?2, ?3) RETURNING id",
        )?
        .query_row(params![key, a.0, now.millis()], |r| r.get(0))?;
    let room = RoomId(id);
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
    c: &Connection,
    events: &mut Vec<Event>,
    room: RoomId,
    secs: u32,
) -> StoreResult<()> {
    c.prepare_cached("UPDATE rooms SET slow_mode_secs = ?2 WHERE id = ?1")?
        .execute(params![room.0, secs])?;
    events.push(Event::Changed(Changed::RoomAccess(room)));
    Ok(())
}
