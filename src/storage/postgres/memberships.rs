//! Memberships in PostgreSQL: joining, leaving, who is in a room, read
//! markers and roles.

use postgres::GenericClient;

use super::room_log::{log_event, next_seq};
use crate::domain::{
    Event, LeaveReason, Member, MembershipChange, Profile, Reactor, Role, RoomChange, RoomEvent,
    RoomId, Seq, Timestamp, UserId,
};
use crate::storage::{StoreError, StoreResult};

pub(super) fn username_of(c: &mut impl GenericClient, user: UserId) -> StoreResult<String> {
    let row = c
        .query_opt("SELECT username FROM users WHERE id = $1", &[&user.0])?
        .ok_or(StoreError::NotFound)?;
    Ok(row.try_get(0)?)
}

fn member(c: &mut impl GenericClient, user: UserId, role: Role) -> StoreResult<Member> {
    Ok(Member {
        user_id: user,
        username: username_of(c, user)?,
        role,
        profile: super::profiles::profile_of(c, user)?,
    })
}

/// Adds the membership unless it exists, without a room event: for people
/// in a room from its start (its creator and first members, a direct
/// conversation's two). Announces only a real change.
pub fn add_member(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    room: RoomId,
    user: UserId,
    role: Role,
    now: Timestamp,
) -> StoreResult<()> {
    if insert_member(c, room, user, role, now)? {
        let member = member(c, user, role)?;
        events.push(membership(room, member, true, false));
    }
    Ok(())
}

/// Adds the membership unless it exists and logs `member.joined` (with
/// `by`, who added them, when that is someone else), in the same
/// transaction; a no-op when they are in the room already.
pub fn join_member(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    room: RoomId,
    user: UserId,
    role: Role,
    now: Timestamp,
    by: Option<UserId>,
) -> StoreResult<()> {
    if insert_member(c, room, user, role, now)? {
        let member = member(c, user, role)?;
        log_joined(c, events, room, member, by, now)?;
    }
    Ok(())
}

/// Logs `member.joined` for a membership added in this transaction and
/// announces it.
pub(super) fn log_joined(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    room: RoomId,
    member: Member,
    by: Option<UserId>,
    now: Timestamp,
) -> StoreResult<()> {
    let by = by.filter(|by| *by != member.user_id);
    let by_username = by.map(|by| username_of(c, by)).transpose()?;
    let event = RoomEvent {
        room_id: room,
        seq: next_seq(c, room)?,
        change: RoomChange::MemberJoined {
            user_id: member.user_id,
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
    c: &mut impl GenericClient,
    room: RoomId,
    user: UserId,
    role: Role,
    now: Timestamp,
) -> StoreResult<bool> {
    let added = c.execute(
        "INSERT INTO memberships (room_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (room_id, user_id) DO NOTHING",
        &[&room.0, &user.0, &role.as_str(), &now.millis()],
    )?;
    Ok(added > 0)
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
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    room: RoomId,
    user: UserId,
    reason: LeaveReason,
    by: Option<UserId>,
) -> StoreResult<bool> {
    let removed = c.query_opt(
        "DELETE FROM memberships WHERE room_id = $1 AND user_id = $2 RETURNING role",
        &[&room.0, &user.0],
    )?;
    let Some(removed) = removed else {
        return Ok(false);
    };
    let role = Role::from_db(removed.try_get(0)?);
    if role == Role::Owner {
        // A room is never left without someone to manage it: the member
        // who has been in it longest takes it over (chat::rooms, leave_room).
        c.execute(
            "UPDATE memberships SET role = 'owner' WHERE room_id = $1 AND user_id =
               (SELECT user_id FROM memberships WHERE room_id = $1
                ORDER BY joined_at, user_id LIMIT 1)",
            &[&room.0],
        )?;
    }
    let member = member(c, user, role)?;
    let by = by.filter(|by| *by != user);
    let by_username = by.map(|by| username_of(c, by)).transpose()?;
    let event = RoomEvent {
        room_id: room,
        seq: next_seq(c, room)?,
        change: RoomChange::MemberLeft {
            user_id: user,
            username: member.username.clone(),
            reason,
            by_user_id: by,
            by_username,
        },
    };
    // Logged before the membership goes from the hub, so the person's own
    // other devices are told too.
    log_event(c, events, event, Timestamp::now())?;
    events.push(membership(room, member, false, true));
    Ok(true)
}

pub fn members(c: &mut impl GenericClient, room: RoomId) -> StoreResult<Vec<Member>> {
    // `COLLATE "C"`: byte order, as SQLite sorts, whatever the database's locale.
    let rows = c.query(
        "SELECT u.id, u.username, m.role FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.room_id = $1 ORDER BY u.username_key COLLATE \"C\"",
        &[&room.0],
    )?;
    rows.iter()
        .map(|r| {
            Ok(Member {
                user_id: UserId(r.try_get(0)?),
                username: r.try_get(1)?,
                role: Role::from_db(r.try_get(2)?),
                profile: Profile::default(),
            })
        })
        .collect()
}

pub fn mark_read(
    c: &mut impl GenericClient,
    room: RoomId,
    user: UserId,
    seq: Seq,
) -> StoreResult<()> {
    c.execute(
        "UPDATE memberships
         SET last_read_seq = GREATEST(last_read_seq,
                                      LEAST($3, (SELECT last_seq FROM rooms WHERE id = $1)))
         WHERE room_id = $1 AND user_id = $2",
        &[&room.0, &user.0, &seq.0],
    )?;
    Ok(())
}

/// Makes a member an owner (or an owner a member) and logs
/// `member.role_changed`; `false` (and no event) when they are not in the
/// room; `true` and no event when they already have that role.
pub fn change_role(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    room: RoomId,
    user: UserId,
    role: Role,
    by: &Reactor,
) -> StoreResult<bool> {
    let found = c.query_opt(
        "SELECT u.username, ms.role FROM memberships ms JOIN users u ON u.id = ms.user_id
         WHERE ms.room_id = $1 AND ms.user_id = $2",
        &[&room.0, &user.0],
    )?;
    let Some(found) = found else {
        return Ok(false);
    };
    let username: String = found.try_get(0)?;
    if Role::from_db(found.try_get(1)?) == role {
        return Ok(true);
    }
    c.execute(
        "UPDATE memberships SET role = $3 WHERE room_id = $1 AND user_id = $2",
        &[&room.0, &user.0, &role.as_str()],
    )?;
    let event = RoomEvent {
        room_id: room,
        seq: next_seq(c, room)?,
        change: RoomChange::MemberRoleChanged {
            user_id: user,
            username,
            role,
            by_user_id: by.user_id,
            by_username: by.username.clone(),
        },
    };
    log_event(c, events, event, Timestamp::now())?;
    Ok(true)
}
