//! Memberships in SQLite: joining, leaving, who is in a room, read markers.

use rusqlite::{params, Connection, OptionalExtension};

use crate::domain::{Event, Member, MembershipChange, Role, RoomId, Seq, Timestamp, UserId};
use crate::storage::StoreResult;

pub(super) fn username_of(c: &Connection, user: UserId) -> StoreResult<String> {
    Ok(
        c.prepare_cached("SELECT username FROM users WHERE id = ?1")?
            .query_row([user.0], |r| r.get(0))?,
    )
}

/// Adds the membership unless it exists; announces only a real change.
pub fn add_member(
    c: &Connection,
    events: &mut Vec<Event>,
    room: RoomId,
    user: UserId,
    role: Role,
    now: Timestamp,
) -> StoreResult<()> {
    let added = c
        .prepare_cached(
            "INSERT INTO memberships (room_id, user_id, role, joined_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (room_id, user_id) DO NOTHING",
        )?
        .execute(params![room.0, user.0, role.as_str(), now.millis()])?;
    if added > 0 {
        let member = Member {
            user_id: user,
            username: username_of(c, user)?,
            role,
            profile: super::profiles::profile_of(c, user)?,
        };
        events.push(Event::Membership(MembershipChange {
            room_id: room,
            member,
            joined: true,
        }));
    }
    Ok(())
}

pub fn remove_member(
    c: &Connection,
    events: &mut Vec<Event>,
    room: RoomId,
    user: UserId,
) -> StoreResult<bool> {
    let role: Option<String> = c
        .prepare_cached(
            "DELETE FROM memberships WHERE room_id = ?1 AND user_id = ?2 RETURNING role",
        )?
        .query_row([room.0, user.0], |r| r.get(0))
        .optional()?;
    let Some(role) = role else { return Ok(false) };
    if Role::from_db(&role) == Role::Owner {
        // A room is never left without someone to manage it: the member
        // who has been in it longest takes it over (chat::rooms, leave_room).
        c.prepare_cached(
            "UPDATE memberships SET role = 'owner' WHERE room_id = ?1 AND user_id =
               (SELECT user_id FROM memberships WHERE room_id = ?1 ORDER BY joined_at, user_id LIMIT 1)",
        )?
        .execute([room.0])?;
    }
    let member = Member {
        user_id: user,
        username: username_of(c, user)?,
        role: Role::from_db(&role),
        profile: super::profiles::profile_of(c, user)?,
    };
    events.push(Event::Membership(MembershipChange {
        room_id: room,
        member,
        joined: false,
    }));
    Ok(true)
}

pub fn members(c: &Connection, room: RoomId) -> StoreResult<Vec<Member>> {
    let mut stmt = c.prepare_cached(
        "SELECT u.id, u.username, m.role FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.room_id = ?1 ORDER BY u.username_key",
    )?;
    let members = stmt
        .query_map([room.0], |r| {
            let role: String = r.get(2)?;
            Ok(Member {
                user_id: UserId(r.get(0)?),
                username: r.get(1)?,
                role: Role::from_db(&role),
                profile: crate::domain::Profile::default(),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(members)
}

pub fn mark_read(c: &Connection, room: RoomId, user: UserId, seq: Seq) -> StoreResult<()> {
    c.prepare_cached(
        "UPDATE memberships
         SET last_read_seq = max(last_read_seq, min(?3, (SELECT last_seq FROM rooms WHERE id = ?1)))
         WHERE room_id = ?1 AND user_id = ?2",
    )?
    .execute(params![room.0, user.0, seq.0])?;
    Ok(())
}
