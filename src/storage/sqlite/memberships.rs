//! Memberships in SQLite: joining, leaving, who is in a room, read markers.

use rusqlite::{params, Connection, OptionalExtension};

use super::messages::{log_event, next_seq};
use crate::domain::{
    Event, LeaveReason, Member, MembershipChange, Role, RoomChange, RoomEvent, RoomId, Seq,
    Timestamp, UserId,
};
use crate::storage::StoreResult;

pub(super) fn username_of(c: &Connection, user: UserId) -> StoreResult<String> {
    Ok(
        c.prepare_cached("SELECT username FROM users WHERE id = ?1")?
            .query_row([user.0], |r| r.get(0))?,
    )
}

/// Adds the membership unless it exists, without a room event: for people
/// in a room from its start (its creator and first members, a direct
/// conversation's two, an import). Announces only a real change.
pub fn add_member(
    c: &Connection,
    events: &mut Vec<Event>,
    room: RoomId,
    user: UserId,
    role: Role,
    now: Timestamp,
) -> StoreResult<()> {
    if let Some(member) = insert_member(c, room, user, role, now)? {
        events.push(membership(room, member, true, false));
    }
    Ok(())
}

/// Adds the membership unless it exists and logs `member.joined` (with
/// `by`, who added them, when that is someone else), in the same
/// transaction; a no-op when they are in the room already.
pub fn join_member(
    c: &Connection,
    events: &mut Vec<Event>,
    room: RoomId,
    user: UserId,
    role: Role,
    now: Timestamp,
    by: Option<UserId>,
) -> StoreResult<()> {
    let Some(member) = insert_member(c, room, user, role, now)? else {
        return Ok(());
    };
    let by = by.filter(|by| *by != user);
    let by_username = by.map(|by| username_of(c, by)).transpose()?;
    let event = RoomEvent {
        room_id: room,
        seq: next_seq(c, room)?,
        change: RoomChange::MemberJoined {
            user_id: user,
            username: member.username.clone(),
            by_user_id: by,
            by_username,
        },
    };
    log_event(c, events, event, now)?;
    events.push(membership(room, member, true, true));
    Ok(())
}

fn insert_member(
    c: &Connection,
    room: RoomId,
    user: UserId,
    role: Role,
    now: Timestamp,
) -> StoreResult<Option<Member>> {
    let added = c
        .prepare_cached(
            "INSERT INTO memberships (room_id, user_id, role, joined_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (room_id, user_id) DO NOTHING",
        )?
        .execute(params![room.0, user.0, role.as_str(), now.millis()])?;
    if added == 0 {
        return Ok(None);
    }
    Ok(Some(Member {
        user_id: user,
        username: username_of(c, user)?,
        role,
        profile: super::profiles::profile_of(c, user)?,
    }))
}

fn membership(room: RoomId, member: Member, joined: bool, logged: bool) -> Event {
    Event::Membership(MembershipChange {
        room_id: room,
        member,
        joined,
        logged,
    })
}

/// Removes the membership and logs `member.left` with `reason` (and `by`,
/// who removed or banned them), in the same transaction. Returns whether
/// there was one.
pub fn remove_member(
    c: &Connection,
    events: &mut Vec<Event>,
    room: RoomId,
    user: UserId,
    reason: LeaveReason,
    by: Option<UserId>,
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
    let by = by.filter(|by| *by != user);
    let event = RoomEvent {
        room_id: room,
        seq: next_seq(c, room)?,
        change: RoomChange::MemberLeft {
            user_id: user,
            username: member.username.clone(),
            reason,
            by_user_id: by,
            by_username: by.map(|by| username_of(c, by)).transpose()?,
        },
    };
    // Logged before the membership goes from the hub, so the person's own
    // other devices are told too.
    log_event(c, events, event, Timestamp::now())?;
    events.push(membership(room, member, false, true));
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
