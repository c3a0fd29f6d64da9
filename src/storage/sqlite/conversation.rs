//! Threads, mentions and notification levels in SQLite: the checks and
//! records a send makes inside its transaction, the thread and inbox reads,
//! and the per-user settings.

use rusqlite::{named_params, params, Connection, OptionalExtension};

use super::messages::{log_event, message_at, next_seq};
use super::SqliteStore;
use crate::domain::{
    Event, Member, MentionEntry, Mentions, Message, MessageJson, NotificationLevel, Role,
    RoomChange, RoomEvent, RoomId, Seq, Timestamp, UserId,
};
use crate::storage::{HistoryPage, StoreError, StoreResult};
use async_trait::async_trait;

/// A reply's root must be a live, top-level message of the same room. Runs
/// in the send's transaction, so a root deleted meanwhile is noticed.
pub fn check_thread_root(c: &Connection, room: RoomId, first: Seq) -> StoreResult<()> {
    match message_at(c, room, first)? {
        Some(m) if !m.deleted && m.thread_root.is_none() => Ok(()),
        _ => Err(StoreError::NotFound),
    }
}

/// What a new message adds besides itself: who it mentions, and for a
/// reply its root's new summary, logged as `thread.updated` with the next
/// seq (after the reply's own).
pub fn record_message(
    c: &Connection,
    events: &mut Vec<Event>,
    message: &Message,
    mentions: &Mentions,
) -> StoreResult<()> {
    if !mentions.people.is_empty() || mentions.room {
        let mut insert = c.prepare_cached(
            "INSERT OR IGNORE INTO mentions (room_id, seq, user_id, author_id) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for (user, _) in &mentions.people {
            insert.execute(params![
                message.room_id.0,
                message.seq.0,
                user.0,
                message.author_id.0
            ])?;
        }
        if mentions.room {
            insert.execute(params![
                message.room_id.0,
                message.seq.0,
                None::<i64>,
                message.author_id.0
            ])?;
        }
    }
    let Some(root_seq) = message.thread_root else {
        return Ok(());
    };
    let mut root = message_at(c, message.room_id, root_seq)?.ok_or(StoreError::NotFound)?;
    let thread = root
        .thread
        .take()
        .map(|t| *t)
        .unwrap_or_default()
        .with_reply(&message.author, message.seq, message.created_at);
    root.thread = Some(Box::new(thread.clone()));
    c.prepare_cached("UPDATE messages SET json = ?2 WHERE id = ?1")?
        .execute(params![root.id.0, MessageJson::of(&root).as_str()])?;
    let event = RoomEvent {
        room_id: message.room_id,
        seq: next_seq(c, message.room_id)?,
        change: RoomChange::ThreadUpdated { root_seq, thread },
    };
    log_event(c, events, event, message.created_at)
}

/// The pages of a thread, in `HistoryPage`'s order of arms.
const THREAD_PAGES: [&str; 3] = [
    "SELECT json FROM messages WHERE room_id = :room AND thread_root = :root
     ORDER BY seq DESC LIMIT :limit",
    "SELECT json FROM messages WHERE room_id = :room AND thread_root = :root AND seq < :seq
     ORDER BY seq DESC LIMIT :limit",
    "SELECT json FROM messages WHERE room_id = :room AND thread_root = :root AND seq > :seq
     ORDER BY seq ASC LIMIT :limit",
];

pub fn thread_replies(
    c: &Connection,
    room: RoomId,
    first: Seq,
    page: HistoryPage,
) -> StoreResult<Vec<MessageJson>> {
    let (sql, seq, limit, newest_first) = match page {
        HistoryPage::Newest { limit } => (THREAD_PAGES[0], 0, limit, true),
        HistoryPage::Before { seq, limit } => (THREAD_PAGES[1], seq.0, limit, true),
        HistoryPage::After { seq, limit } => (THREAD_PAGES[2], seq.0, limit, false),
        HistoryPage::FromPosition { .. } => {
            return Err(StoreError::Other(anyhow::anyhow!(
                "threads are not read by position"
            )))
        }
    };
    let mut stmt = c.prepare_cached(sql)?;
    let args = named_params! {":room": room.0, ":root": first.0, ":seq": seq, ":limit": limit};
    // Each statement names only some of the parameters.
    let args: Vec<_> = args
        .iter()
        .filter(|(name, _)| sql.contains(name))
        .copied()
        .collect();
    let mut rows = stmt
        .query_map(args.as_slice(), |r| r.get(0).map(MessageJson::from_stored))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    if newest_first {
        rows.reverse();
    }
    Ok(rows)
}

pub fn members_named(c: &Connection, room: RoomId, keys: &[String]) -> StoreResult<Vec<Member>> {
    let keys = serde_json::to_string(keys).map_err(|e| StoreError::Other(e.into()))?;
    let mut stmt = c.prepare_cached(
        "SELECT u.id, u.username, ms.role FROM memberships ms JOIN users u ON u.id = ms.user_id
         WHERE ms.room_id = ?1 AND u.username_key IN (SELECT value FROM json_each(?2))",
    )?;
    let members = stmt
        .query_map(params![room.0, keys], |r| {
            Ok(Member {
                user_id: UserId(r.get(0)?),
                username: r.get(1)?,
                role: Role::from_db(&r.get::<_, String>(2)?),
                profile: crate::domain::Profile::default(),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(members)
}

pub fn members_may_mention_room(c: &Connection, room: RoomId) -> StoreResult<bool> {
    c.prepare_cached("SELECT members_mention_room FROM rooms WHERE id = ?1")?
        .query_row([room.0], |r| r.get(0))
        .optional()?
        .ok_or(StoreError::NotFound)
}

pub fn set_members_may_mention_room(
    c: &Connection,
    room: RoomId,
    allowed: bool,
) -> StoreResult<()> {
    c.prepare_cached("UPDATE rooms SET members_mention_room = ?2 WHERE id = ?1")?
        .execute(params![room.0, allowed])?;
    Ok(())
}

/// Newest first by entry id. The join with the reader's memberships is the
/// membership check: a room left is gone from the inbox at once.
pub fn mentions_of(
    c: &Connection,
    user: UserId,
    before: Option<i64>,
    limit: u32,
) -> StoreResult<Vec<MentionEntry>> {
    let mut stmt = c.prepare_cached(
        "SELECT mn.id, mn.room_id, r.name, m.json
         FROM mentions mn
         JOIN memberships ms ON ms.room_id = mn.room_id AND ms.user_id = ?1
         JOIN messages m ON m.room_id = mn.room_id AND m.seq = mn.seq
         JOIN rooms r ON r.id = mn.room_id
         WHERE (mn.user_id = ?1 OR mn.user_id IS NULL) AND mn.author_id <> ?1
           AND mn.id < ?2 AND m.deleted_at IS NULL
         ORDER BY mn.id DESC LIMIT ?3",
    )?;
    let rows = stmt
        .query_map(params![user.0, before.unwrap_or(i64::MAX), limit], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get::<_, String>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(id, room, room_name, json)| {
            Ok(MentionEntry {
                id,
                room_id: RoomId(room),
                room_name,
                message: serde_json::from_str(&json).map_err(|e| StoreError::Other(e.into()))?,
            })
        })
        .collect()
}

pub fn mention_counts(c: &Connection, user: UserId) -> StoreResult<Vec<(RoomId, i64)>> {
    let mut stmt = c.prepare_cached(
        "SELECT ms.room_id, COUNT(*) FROM memberships ms
         JOIN mentions mn ON mn.room_id = ms.room_id AND mn.seq > ms.last_read_seq
         JOIN messages m ON m.room_id = mn.room_id AND m.seq = mn.seq
         WHERE ms.user_id = ?1 AND (mn.user_id = ?1 OR mn.user_id IS NULL)
           AND mn.author_id <> ?1 AND m.deleted_at IS NULL
         GROUP BY ms.room_id",
    )?;
    let counts = stmt
        .query_map([user.0], |r| Ok((RoomId(r.get(0)?), r.get(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(counts)
}

pub fn notification_levels(
    c: &Connection,
    user: UserId,
) -> StoreResult<Vec<(RoomId, NotificationLevel)>> {
    let mut stmt =
        c.prepare_cached("SELECT room_id, level FROM notification_levels WHERE user_id = ?1")?;
    let levels = stmt
        .query_map([user.0], |r| {
            Ok((
                RoomId(r.get(0)?),
                NotificationLevel::from_db(&r.get::<_, String>(1)?),
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(levels)
}

pub fn set_notification_level(
    c: &Connection,
    room: RoomId,
    user: UserId,
    level: NotificationLevel,
) -> StoreResult<()> {
    if level == NotificationLevel::default() {
        c.prepare_cached("DELETE FROM notification_levels WHERE user_id = ?1 AND room_id = ?2")?
            .execute(params![user.0, room.0])?;
    } else {
        c.prepare_cached(
            "INSERT INTO notification_levels (room_id, user_id, level) VALUES (?1, ?2, ?3)
             ON CONFLICT (user_id, room_id) DO UPDATE SET level = excluded.level",
        )?
        .execute(params![room.0, user.0, level.as_str()])?;
    }
    Ok(())
}

pub fn do_not_disturb(c: &Connection, user: UserId) -> StoreResult<Option<Timestamp>> {
    let until: Option<Option<i64>> = c
        .prepare_cached("SELECT quiet_until FROM users WHERE id = ?1")?
        .query_row([user.0], |r| r.get(0))
        .optional()?;
    Ok(until.flatten().map(Timestamp))
}

pub fn set_do_not_disturb(
    c: &Connection,
    user: UserId,
    until: Option<Timestamp>,
) -> StoreResult<()> {
    c.prepare_cached("UPDATE users SET quiet_until = ?2 WHERE id = ?1")?
        .execute(params![user.0, until.map(|t| t.0)])?;
    Ok(())
}

#[async_trait]
impl crate::storage::Mentions for SqliteStore {
    async fn members_named(
        &self,
        room: RoomId,
        name_keys: Vec<String>,
    ) -> StoreResult<Vec<Member>> {
        self.readers
            .read_quick(move |c| members_named(c, room, &name_keys))
            .await
    }

    async fn members_may_mention_room(&self, room: RoomId) -> StoreResult<bool> {
        self.readers
            .read_quick(move |c| members_may_mention_room(c, room))
            .await
    }

    async fn set_members_may_mention_room(&self, room: RoomId, allowed: bool) -> StoreResult<()> {
        self.writer
            .write(move |c, _| set_members_may_mention_room(c, room, allowed))
            .await
    }

    async fn mentions_of(
        &self,
        user: UserId,
        before: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<crate::domain::MentionEntry>> {
        self.readers
            .read(move |c| mentions_of(c, user, before, limit))
            .await
    }

    async fn mention_counts(&self, user: UserId) -> StoreResult<Vec<(RoomId, i64)>> {
        self.readers.read(move |c| mention_counts(c, user)).await
    }

    async fn notification_levels(
        &self,
        user: UserId,
    ) -> StoreResult<Vec<(RoomId, crate::domain::NotificationLevel)>> {
        self.readers
            .read_quick(move |c| notification_levels(c, user))
            .await
    }

    async fn set_notification_level(
        &self,
        room: RoomId,
        user: UserId,
        level: crate::domain::NotificationLevel,
    ) -> StoreResult<()> {
        self.writer
            .write(move |c, _| set_notification_level(c, room, user, level))
            .await
    }

    async fn do_not_disturb(&self, user: UserId) -> StoreResult<Option<Timestamp>> {
        self.readers
            .read_quick(move |c| do_not_disturb(c, user))
            .await
    }

    async fn set_do_not_disturb(&self, user: UserId, until: Option<Timestamp>) -> StoreResult<()> {
        self.writer
            .write(move |c, _| set_do_not_disturb(c, user, until))
            .await
    }
}
