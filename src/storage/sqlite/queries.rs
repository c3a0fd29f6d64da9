//! The SQL of the SQLite store, one function per store method. Each takes a
//! connection (the writer's inside its group transaction, or a reader's).

use rusqlite::{named_params, params, Connection, OptionalExtension, Row};

use crate::domain::{
    EndedSessions, Event, Member, MembershipChange, Message, MessageBody, MessageId, MessageJson,
    Posted, Role, Room, RoomChange, RoomEvent, RoomId, RoomKind, RoomListing, RoomSummary, Seq,
    SessionsEnded, Theme, Timestamp, User, UserId,
};
use crate::storage::{
    HistoryPage, Membership, NewMessage, NewRoom, Replay, RoomAccess, StoreError, StoreResult,
    UserRecord,
};

const USER_COLUMNS: &str = "id, username, password_hash, created_at, theme";

fn user_record(row: &Row<'_>) -> rusqlite::Result<UserRecord> {
    let password_hash: Option<String> = row.get(2)?;
    Ok(UserRecord {
        user: User {
            id: UserId(row.get(0)?),
            username: row.get(1)?,
            has_password: password_hash.is_some(),
            theme: Theme::from_db(&row.get::<_, String>(4)?),
            created_at: Timestamp(row.get(3)?),
        },
        password_hash,
    })
}

pub fn create_user(
    c: &Connection,
    events: &mut Vec<Event>,
    username: &str,
    key: &str,
    password_hash: Option<&str>,
    now: Timestamp,
) -> StoreResult<User> {
    let id: i64 = c
        .prepare_cached(
            "INSERT INTO users (username, username_key, password_hash, created_at)
             VALUES (?1, ?2, ?3, ?4) RETURNING id",
        )?
        .query_row(params![username, key, password_hash, now.millis()], |r| {
            r.get(0)
        })?;
    let user = User {
        id: UserId(id),
        username: username.to_owned(),
        has_password: password_hash.is_some(),
        theme: Theme::System,
        created_at: now,
    };
    let rooms = c
        .prepare_cached("SELECT id FROM rooms WHERE auto_join = 1")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    for room in rooms {
        add_member(c, events, RoomId(room), user.id, Role::Member, now)?;
    }
    Ok(user)
}

pub fn user_by_name(c: &Connection, key: &str) -> StoreResult<Option<UserRecord>> {
    Ok(c.prepare_cached(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE username_key = ?1"
    ))?
    .query_row([key], user_record)
    .optional()?)
}

pub fn user_by_id(c: &Connection, id: UserId) -> StoreResult<Option<UserRecord>> {
    Ok(
        c.prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"))?
            .query_row([id.0], user_record)
            .optional()?,
    )
}

pub fn set_password_hash(c: &Connection, user: UserId, hash: &str) -> StoreResult<()> {
    let n = c
        .prepare_cached("UPDATE users SET password_hash = ?2 WHERE id = ?1")?
        .execute(params![user.0, hash])?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub fn set_theme(c: &Connection, user: UserId, theme: Theme) -> StoreResult<()> {
    c.prepare_cached("UPDATE users SET theme = ?2 WHERE id = ?1")?
        .execute(params![user.0, theme.as_str()])?;
    Ok(())
}

pub fn create_session(
    c: &Connection,
    user: UserId,
    token_hash: &[u8; 32],
    now: Timestamp,
) -> StoreResult<()> {
    c.prepare_cached("INSERT INTO sessions (token_hash, user_id, created_at) VALUES (?1, ?2, ?3)")?
        .execute(params![&token_hash[..], user.0, now.millis()])?;
    Ok(())
}

pub fn user_for_session(c: &Connection, token_hash: &[u8; 32]) -> StoreResult<Option<User>> {
    Ok(c.prepare_cached(
        "SELECT u.id, u.username, u.password_hash, u.created_at, u.theme
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?1",
    )?
    .query_row([&token_hash[..]], user_record)
    .optional()?
    .map(|r| r.user))
}

pub fn delete_session(
    c: &Connection,
    events: &mut Vec<Event>,
    token_hash: &[u8; 32],
) -> StoreResult<()> {
    let user: Option<i64> = c
        .prepare_cached("DELETE FROM sessions WHERE token_hash = ?1 RETURNING user_id")?
        .query_row([&token_hash[..]], |r| r.get(0))
        .optional()?;
    if let Some(user) = user {
        events.push(Event::Sessions(SessionsEnded {
            user: UserId(user),
            which: EndedSessions::One(*token_hash),
        }));
    }
    Ok(())
}

pub fn delete_sessions_of(
    c: &Connection,
    events: &mut Vec<Event>,
    user: UserId,
    keep: Option<&[u8; 32]>,
) -> StoreResult<u64> {
    let keep_bytes: Option<&[u8]> = keep.map(|k| &k[..]);
    let n = c
        .prepare_cached(
            "DELETE FROM sessions WHERE user_id = ?1 AND (?2 IS NULL OR token_hash <> ?2)",
        )?
        .execute(params![user.0, keep_bytes])?;
    events.push(Event::Sessions(SessionsEnded {
        user,
        which: EndedSessions::AllBut(keep.copied()),
    }));
    Ok(n as u64)
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
    add_member(c, events, room, new.created_by, Role::Owner, now)?;
    for member in &new.members {
        add_member(c, events, room, *member, Role::Member, now)?;
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

fn username_of(c: &Connection, user: UserId) -> StoreResult<String> {
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
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(members)
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
    add_member(c, events, room, a, Role::Member, now)?;
    add_member(c, events, room, b, Role::Member, now)?;
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

pub fn mark_read(c: &Connection, room: RoomId, user: UserId, seq: Seq) -> StoreResult<()> {
    c.prepare_cached(
        "UPDATE memberships
         SET last_read_seq = max(last_read_seq, min(?3, (SELECT last_seq FROM rooms WHERE id = ?1)))
         WHERE room_id = ?1 AND user_id = ?2",
    )?
    .execute(params![room.0, user.0, seq.0])?;
    Ok(())
}

/// A select over `messages m` whose rows `message_row` reads: the stored
/// JSON, which is kept current by every write (edits, deletions, thread
/// summaries), so a message read back carries all of its parts. As a
/// literal so that each query is a `&'static str` (the statement cache is
/// looked up by the SQL text on the hot paths).
macro_rules! message_select {
    ($($rest:literal),*) => {
        concat!("SELECT m.json FROM messages m", $($rest),*)
    };
}

pub(super) fn message_row(row: &Row<'_>) -> rusqlite::Result<Message> {
    let json: String = row.get(0)?;
    serde_json::from_str(&json).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// The columns `legacy_message_row` reads: for migration 5, which encodes
/// the messages stored before messages kept their JSON.
macro_rules! legacy_message_select {
    ($($rest:literal),*) => {
        concat!(
            "SELECT m.id, m.room_id, m.seq, m.author_id, u.username, m.client_id, m.body, m.created_at,
            m.edited_at, m.deleted_at
     FROM messages m JOIN users u ON u.id = m.author_id",
            $($rest),*
        )
    };
}

fn legacy_message_row(row: &Row<'_>) -> rusqlite::Result<Message> {
    Ok(Message {
        id: MessageId(row.get(0)?),
        room_id: RoomId(row.get(1)?),
        seq: Seq(row.get(2)?),
        author_id: UserId(row.get(3)?),
        author: row.get(4)?,
        client_id: row.get(5)?,
        body: row.get(6)?,
        created_at: Timestamp(row.get(7)?),
        edited_at: row.get::<_, Option<i64>>(8)?.map(Timestamp),
        deleted: row.get::<_, Option<i64>>(9)?.is_some(),
        thread_root: None,
        also_in_room: false,
        thread: None,
        mentions: Vec::new(),
        mentions_room: false,
        expires_at: None,
        expired: false,
        files: Vec::new(),
    })
}

/// Takes the room's next seq. Runs inside the writer's transaction, so the
/// seq commits (or rolls back) together with what it numbers.
pub(super) fn next_seq(c: &Connection, room: RoomId) -> StoreResult<Seq> {
    Ok(Seq(c
        .prepare_cached(
            "UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ?1 RETURNING last_seq",
        )?
        .query_row([room.0], |r| r.get(0))?))
}

/// Logs a change to an existing message as a room event and announces it.
pub(super) fn log_event(
    c: &Connection,
    events: &mut Vec<Event>,
    event: RoomEvent,
    now: Timestamp,
) -> StoreResult<()> {
    let payload = serde_json::to_string(&event).map_err(|e| StoreError::Other(e.into()))?;
    c.prepare_cached(
        "INSERT INTO room_events (room_id, seq, payload, created_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![event.room_id.0, event.seq.0, payload, now.millis()])?;
    events.push(Event::Room(event));
    Ok(())
}

pub fn post_message(
    c: &Connection,
    events: &mut Vec<Event>,
    new: &NewMessage,
) -> StoreResult<Posted> {
    // A retry: the (author, client id) pair is already stored.
    let earlier = c
        .prepare_cached(message_select!(
            " WHERE m.author_id = ?1 AND m.client_id = ?2"
        ))?
        .query_row(params![new.author.0, new.client_id.as_str()], message_row)
        .optional()?;
    if let Some(message) = earlier {
        return Ok(Posted {
            message,
            created: false,
        });
    }
    // The seq is taken under the same transaction as the insert, so seqs
    // commit together with their messages and never leave a gap.
    let (seq, disappear_after) = super::expiry::next_seq_and_timer(c, new.room)?;
    let seq = seq.0;
    let now = Timestamp::now();
    let expires_at = super::expiry::expiry_of(now, disappear_after);
    // The id is taken here rather than by the insert so the stored JSON can
    // carry it; the writer is the only one inserting, inside this transaction.
    let id: i64 = c
        .prepare_cached("SELECT coalesce(max(id), 0) + 1 FROM messages")?
        .query_row([], |r| r.get(0))?;
    let message = Message {
        id: MessageId(id),
        room_id: new.room,
        seq: Seq(seq),
        author_id: new.author,
        author: new.author_name.clone(),
        client_id: new.client_id.as_str().to_owned(),
        body: new.body.as_str().to_owned(),
        created_at: now,
        edited_at: None,
        deleted: false,
        thread_root: new.thread.map(|t| t.root),
        also_in_room: new.thread.is_some_and(|t| t.also_in_room),
        thread: None,
        mentions: new.mentions.people.iter().map(|p| p.1.clone()).collect(),
        mentions_room: new.mentions.room,
        expires_at,
        expired: false,
        files: Vec::new(),
    };
    if let Some(place) = new.thread {
        super::conversation::check_thread_root(c, new.room, place.root)?;
    }
    c.prepare_cached(
        "INSERT INTO messages (id, room_id, seq, author_id, client_id, body, created_at, json,
                               thread_root, also_in_room, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        id,
        new.room.0,
        seq,
        new.author.0,
        new.client_id.as_str(),
        new.body.as_str(),
        now.millis(),
        MessageJson::of(&message).as_str(),
        message.thread_root.map(|s| s.0),
        message.also_in_room,
        expires_at.map(Timestamp::millis),
    ])?;
    // Files after the row their uploads then name (the foreign key is
    // checked at once); only a message with files pays for the update.
    let mut message = message;
    if !new.files.is_empty() {
        message.files = super::files::attach_uploads(c, message.id, new.author, &new.files)?;
        c.prepare_cached("UPDATE messages SET json = ?2, files = ?3 WHERE id = ?1")?
            .execute(params![
                id,
                MessageJson::of(&message).as_str(),
                super::search::files_json(&message.files),
            ])?;
    }
    super::search::index_message(c, message.id, &message.body)?;
    events.push(Event::Room(RoomEvent {
        room_id: new.room,
        seq: Seq(seq),
        change: RoomChange::MessageCreated {
            message: message.clone(),
        },
    }));
    super::conversation::record_message(c, events, &message, &new.mentions)?;
    Ok(Posted {
        message,
        created: true,
    })
}

pub fn message_at(c: &Connection, room: RoomId, seq: Seq) -> StoreResult<Option<Message>> {
    Ok(
        c.prepare_cached(message_select!(" WHERE m.room_id = ?1 AND m.seq = ?2"))?
            .query_row([room.0, seq.0], message_row)
            .optional()?,
    )
}

pub fn edit_message(
    c: &Connection,
    events: &mut Vec<Event>,
    room: RoomId,
    seq: Seq,
    author: UserId,
    body: &MessageBody,
) -> StoreResult<Message> {
    let now = Timestamp::now();
    let mut message = message_at(c, room, seq)?
        .filter(|m| m.author_id == author && !m.deleted)
        .ok_or(StoreError::NotFound)?;
    body.as_str().clone_into(&mut message.body);
    message.edited_at = Some(now);
    c.prepare_cached("UPDATE messages SET body = ?2, edited_at = ?3, json = ?4 WHERE id = ?1")?
        .execute(params![
            message.id.0,
            body.as_str(),
            now.millis(),
            MessageJson::of(&message).as_str()
        ])?;
    super::search::reindex_message(c, message.id, &message.body)?;
    let event = RoomEvent {
        room_id: room,
        seq: next_seq(c, room)?,
        change: RoomChange::MessageEdited {
            message: message.clone(),
        },
    };
    log_event(c, events, event, now)?;
    Ok(message)
}

pub fn delete_message(
    c: &Connection,
    events: &mut Vec<Event>,
    room: RoomId,
    seq: Seq,
) -> StoreResult<()> {
    let now = Timestamp::now();
    let mut message = message_at(c, room, seq)?
        .filter(|m| !m.deleted)
        .ok_or(StoreError::NotFound)?;
    message.body.clear();
    message.deleted = true;
    message.files.clear();
    super::search::unindex_message(c, message.id)?;
    super::files::forget_files_of(c, message.id)?;
    c.prepare_cached(
        "UPDATE messages SET body = '', deleted_at = ?2, json = ?3, files = NULL WHERE id = ?1",
    )?
    .execute(params![
        message.id.0,
        now.millis(),
        MessageJson::of(&message).as_str()
    ])?;
    let id = message.id.0;
    let event = RoomEvent {
        room_id: room,
        seq: next_seq(c, room)?,
        change: RoomChange::MessageDeleted {
            message_id: MessageId(id),
            message_seq: seq,
        },
    };
    log_event(c, events, event, now)?;
    super::corrections::reply_gone(c, events, &message, now)
}

/// Creations from `messages` and later changes from `room_events`, merged by seq,
/// and the room's newest seq.
pub fn events_after(c: &Connection, room: RoomId, after: Seq, limit: u32) -> StoreResult<Replay> {
    // A client that is up to date (every subscribe of a fresh client) needs
    // one statement and no transaction: nothing to replay, and anything
    // newer reaches it live (it listens before asking).
    let last_seq = room_last_seq(c, room)?;
    if after >= last_seq {
        return Ok(Replay {
            events: Vec::new(),
            last_seq,
        });
    }
    // Otherwise in one read transaction, so the newest seq and the events
    // agree. Its statements are cached: `BEGIN`/`COMMIT` through rusqlite's
    // `Transaction` are parsed again each time.
    exec_cached(c, "BEGIN")?;
    let read = room_last_seq(c, room).and_then(|last_seq| {
        Ok(Replay {
            events: events_in(c, room, after, limit)?,
            last_seq,
        })
    });
    exec_cached(c, if read.is_ok() { "COMMIT" } else { "ROLLBACK" })?;
    read
}

fn room_last_seq(c: &Connection, room: RoomId) -> StoreResult<Seq> {
    Ok(Seq(c
        .prepare_cached("SELECT last_seq FROM rooms WHERE id = ?1")?
        .query_row([room.0], |r| r.get(0))?))
}

fn exec_cached(c: &Connection, sql: &str) -> StoreResult<()> {
    c.prepare_cached(sql)?.execute([])?;
    Ok(())
}

fn events_in(c: &Connection, room: RoomId, after: Seq, limit: u32) -> StoreResult<Vec<RoomEvent>> {
    let created = messages(c, room, HistoryPage::After { seq: after, limit })?;
    let mut stmt = c.prepare_cached(
        "SELECT payload FROM room_events WHERE room_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
    )?;
    let changes = stmt
        .query_map(params![room.0, after.0, limit], |r| r.get::<_, String>(0))?
        .map(|payload| {
            let payload = payload?;
            serde_json::from_str::<RoomEvent>(&payload).map_err(|e| StoreError::Other(e.into()))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let mut all: Vec<RoomEvent> = created
        .into_iter()
        .map(|message| RoomEvent {
            room_id: room,
            seq: message.seq,
            change: RoomChange::MessageCreated { message },
        })
        .chain(changes)
        .collect();
    all.sort_by_key(|e| e.seq);
    all.truncate(limit as usize);
    Ok(all)
}

/// The page queries after a select list over `messages m`, in the order of
/// `page_query`'s arms. Static text: the statement cache is keyed by it.
macro_rules! page_queries {
    ($select:expr, $only:expr) => {
        [
            concat!(
                $select,
                " WHERE m.room_id = :room",
                $only,
                " ORDER BY m.seq DESC LIMIT :limit"
            ),
            concat!(
                $select,
                " WHERE m.room_id = :room AND m.seq < :seq",
                $only,
                " ORDER BY m.seq DESC LIMIT :limit"
            ),
            concat!(
                $select,
                " WHERE m.room_id = :room AND m.seq > :seq",
                $only,
                " ORDER BY m.seq ASC LIMIT :limit"
            ),
            concat!(
                $select,
                " WHERE m.room_id = :room",
                $only,
                " ORDER BY m.seq ASC LIMIT :limit OFFSET :offset"
            ),
        ]
    };
}

const MESSAGE_PAGES: [&str; 4] = page_queries!(message_select!(), "");
/// The room's timeline leaves out replies kept in their thread.
const JSON_PAGES: [&str; 4] = page_queries!(
    "SELECT m.json FROM messages m",
    " AND (m.thread_root IS NULL OR m.also_in_room = 1)"
);

/// One page of a room's messages, oldest first, each row read by `row`.
pub(super) fn page_of<T>(
    c: &Connection,
    queries: &[&'static str; 4],
    room: RoomId,
    page: HistoryPage,
    mut row: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> StoreResult<Vec<T>> {
    let mut collect = |sql: &str, args: &[(&str, &dyn rusqlite::ToSql)]| -> StoreResult<Vec<T>> {
        Ok(c.prepare_cached(sql)?
            .query_map(args, &mut row)?
            .collect::<rusqlite::Result<Vec<_>>>()?)
    };
    let mut rows = match page {
        HistoryPage::Newest { limit } => {
            collect(queries[0], named_params! {":room": room.0, ":limit": limit})?
        }
        HistoryPage::Before { seq, limit } => collect(
            queries[1],
            named_params! {":room": room.0, ":seq": seq.0, ":limit": limit},
        )?,
        HistoryPage::After { seq, limit } => {
            return collect(
                queries[2],
                named_params! {":room": room.0, ":seq": seq.0, ":limit": limit},
            )
        }
        HistoryPage::FromPosition { offset, limit } => {
            let offset = i64::try_from(offset).unwrap_or(i64::MAX);
            return collect(
                queries[3],
                named_params! {":room": room.0, ":limit": limit, ":offset": offset},
            );
        }
    };
    // Pages read backwards from the newest come out oldest first, like the rest.
    rows.reverse();
    Ok(rows)
}

pub fn messages(c: &Connection, room: RoomId, page: HistoryPage) -> StoreResult<Vec<Message>> {
    page_of(c, &MESSAGE_PAGES, room, page, message_row)
}

/// A history page as stored JSON: no join, no decoding into `Message`.
pub fn history(c: &Connection, room: RoomId, page: HistoryPage) -> StoreResult<Vec<MessageJson>> {
    page_of(c, &JSON_PAGES, room, page, |r| {
        r.get(0).map(MessageJson::from_stored)
    })
}

/// Migration 5: encodes the messages stored before messages kept their JSON
/// (an empty `json`), a thousand at a time in id order.
pub fn encode_unencoded_messages(c: &Connection) -> anyhow::Result<()> {
    let mut select = c.prepare(legacy_message_select!(
        " WHERE m.id > ?1 AND m.json = '' ORDER BY m.id LIMIT 1000"
    ))?;
    let mut update = c.prepare("UPDATE messages SET json = ?2 WHERE id = ?1")?;
    let mut after = 0i64;
    loop {
        let batch = select
            .query_map([after], legacy_message_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let Some(last) = batch.last() else {
            return Ok(());
        };
        after = last.id.0;
        for message in &batch {
            update.execute(params![message.id.0, MessageJson::of(message).as_str()])?;
        }
    }
}

pub fn set_slow_mode(c: &Connection, room: RoomId, secs: u32) -> StoreResult<()> {
    c.prepare_cached("UPDATE rooms SET slow_mode_secs = ?2 WHERE id = ?1")?
        .execute(params![room.0, secs])?;
    Ok(())
}
