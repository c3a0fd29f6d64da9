//! Threads, mentions and notification levels on PostgreSQL: the checks and
//! records a send makes inside its transaction, the thread and inbox reads,
//! and the per-user settings.

use async_trait::async_trait;
use postgres::types::Type;
use postgres::GenericClient;

use super::room_log::{log_event, message_at, next_seq};
use super::PgStore;
use crate::domain::{
    Event, Member, MentionEntry, Mentions, Message, MessageJson, NotificationLevel, Role,
    RoomChange, RoomEvent, RoomId, Seq, Timestamp, UserId,
};
use crate::storage::{HistoryPage, StoreError, StoreResult};

/// A reply's root must be a live, top-level message of the same room. Runs
/// in the send's transaction, so a root deleted meanwhile is noticed.
pub fn check_thread_root(c: &mut impl GenericClient, room: RoomId, first: Seq) -> StoreResult<()> {
    match message_at(c, room, first)? {
        Some(m) if !m.deleted && m.thread_root.is_none() => Ok(()),
        _ => Err(StoreError::NotFound),
    }
}

/// What a new message adds besides itself: who it mentions, and for a
/// reply its root's new summary, logged as `thread.updated` with the next
/// seq (after the reply's own).
pub fn record_message(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    message: &Message,
    mentions: &Mentions,
) -> StoreResult<()> {
    if !mentions.people.is_empty() || mentions.room {
        // One statement for everyone named; a NULL user is the whole room.
        let mut named: Vec<Option<i64>> = mentions.people.iter().map(|p| Some(p.0 .0)).collect();
        if mentions.room {
            named.push(None);
        }
        c.execute_typed(
            "INSERT INTO mentions (room_id, seq, user_id, author_id)
             SELECT $1, $2, person, $3 FROM unnest($4::bigint[]) WITH ORDINALITY AS n(person, i)
             ORDER BY i
             ON CONFLICT DO NOTHING",
            &[
                (&message.room_id.0, Type::INT8),
                (&message.seq.0, Type::INT8),
                (&message.author_id.0, Type::INT8),
                (&named, Type::INT8_ARRAY),
            ],
        )?;
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
    c.execute(
        "UPDATE messages SET json = $2 WHERE id = $1",
        &[&root.id.0, &MessageJson::of(&root).as_str()],
    )?;
    let event = RoomEvent {
        room_id: message.room_id,
        seq: next_seq(c, message.room_id)?,
        change: RoomChange::ThreadUpdated { root_seq, thread },
    };
    log_event(c, events, event, message.created_at)
}

/// The pages of a thread, in `HistoryPage`'s order of arms; `$1` the room,
/// `$2` the root, `$3` the limit, `$4` the seq.
const THREAD_PAGES: [&str; 3] = [
    "SELECT json FROM messages WHERE room_id = $1 AND thread_root = $2
     ORDER BY seq DESC LIMIT $3",
    "SELECT json FROM messages WHERE room_id = $1 AND thread_root = $2 AND seq < $4
     ORDER BY seq DESC LIMIT $3",
    "SELECT json FROM messages WHERE room_id = $1 AND thread_root = $2 AND seq > $4
     ORDER BY seq ASC LIMIT $3",
];

pub fn thread_replies(
    c: &mut impl GenericClient,
    room: RoomId,
    first: Seq,
    page: HistoryPage,
) -> StoreResult<Vec<MessageJson>> {
    let (sql, seq, limit, newest_first) = match page {
        HistoryPage::Newest { limit } => (THREAD_PAGES[0], None, limit, true),
        HistoryPage::Before { seq, limit } => (THREAD_PAGES[1], Some(seq.0), limit, true),
        HistoryPage::After { seq, limit } => (THREAD_PAGES[2], Some(seq.0), limit, false),
        HistoryPage::FromPosition { .. } => {
            return Err(StoreError::Other(anyhow::anyhow!(
                "threads are not read by position"
            )))
        }
    };
    let limit = i64::from(limit);
    let rows = match seq {
        Some(seq) => c.query(sql, &[&room.0, &first.0, &limit, &seq])?,
        None => c.query(sql, &[&room.0, &first.0, &limit])?,
    };
    let mut replies = rows
        .into_iter()
        .map(|row| Ok(MessageJson::from_stored(row.try_get(0)?)))
        .collect::<StoreResult<Vec<_>>>()?;
    if newest_first {
        replies.reverse();
    }
    Ok(replies)
}

fn members_named(
    c: &mut impl GenericClient,
    room: RoomId,
    keys: &[String],
) -> StoreResult<Vec<Member>> {
    c.query(
        "SELECT u.id, u.username, ms.role FROM memberships ms JOIN users u ON u.id = ms.user_id
         WHERE ms.room_id = $1 AND u.username_key = ANY($2)",
        &[&room.0, &keys],
    )?
    .iter()
    .map(|r| {
        Ok(Member {
            user_id: UserId(r.try_get(0)?),
            username: r.try_get(1)?,
            role: Role::from_db(r.try_get(2)?),
            profile: crate::domain::Profile::default(),
        })
    })
    .collect()
}

fn members_may_mention_room(c: &mut impl GenericClient, room: RoomId) -> StoreResult<bool> {
    let row = c
        .query_opt(
            "SELECT members_mention_room FROM rooms WHERE id = $1",
            &[&room.0],
        )?
        .ok_or(StoreError::NotFound)?;
    Ok(row.try_get(0)?)
}

/// Newest first by entry id. The join with the reader's memberships is the
/// membership check: a room left is gone from the inbox at once.
fn mentions_of(
    c: &mut impl GenericClient,
    user: UserId,
    before: Option<i64>,
    limit: u32,
) -> StoreResult<Vec<MentionEntry>> {
    c.query(
        "SELECT mn.id, mn.room_id, r.name, m.json
         FROM mentions mn
         JOIN memberships ms ON ms.room_id = mn.room_id AND ms.user_id = $1
         JOIN messages m ON m.room_id = mn.room_id AND m.seq = mn.seq
         JOIN rooms r ON r.id = mn.room_id
         WHERE (mn.user_id = $1 OR mn.user_id IS NULL) AND mn.author_id <> $1
           AND mn.id < $2 AND m.deleted_at IS NULL
         ORDER BY mn.id DESC LIMIT $3",
        &[&user.0, &before.unwrap_or(i64::MAX), &i64::from(limit)],
    )?
    .iter()
    .map(|r| {
        let json: &str = r.try_get(3)?;
        Ok(MentionEntry {
            id: r.try_get(0)?,
            room_id: RoomId(r.try_get(1)?),
            room_name: r.try_get(2)?,
            message: serde_json::from_str(json).map_err(|e| StoreError::Other(e.into()))?,
        })
    })
    .collect()
}

fn mention_counts(c: &mut impl GenericClient, user: UserId) -> StoreResult<Vec<(RoomId, i64)>> {
    c.query(
        "SELECT ms.room_id, COUNT(*) FROM memberships ms
         JOIN mentions mn ON mn.room_id = ms.room_id AND mn.seq > ms.last_read_seq
         JOIN messages m ON m.room_id = mn.room_id AND m.seq = mn.seq
         WHERE ms.user_id = $1 AND (mn.user_id = $1 OR mn.user_id IS NULL)
           AND mn.author_id <> $1 AND m.deleted_at IS NULL
         GROUP BY ms.room_id",
        &[&user.0],
    )?
    .iter()
    .map(|r| Ok((RoomId(r.try_get(0)?), r.try_get(1)?)))
    .collect()
}

fn notification_levels(
    c: &mut impl GenericClient,
    user: UserId,
) -> StoreResult<Vec<(RoomId, NotificationLevel)>> {
    c.query(
        "SELECT room_id, level FROM notification_levels WHERE user_id = $1",
        &[&user.0],
    )?
    .iter()
    .map(|r| {
        Ok((
            RoomId(r.try_get(0)?),
            NotificationLevel::from_db(r.try_get(1)?),
        ))
    })
    .collect()
}

fn set_notification_level(
    c: &mut impl GenericClient,
    room: RoomId,
    user: UserId,
    level: NotificationLevel,
) -> StoreResult<()> {
    if level == NotificationLevel::default() {
        c.execute(
            "DELETE FROM notification_levels WHERE user_id = $1 AND room_id = $2",
            &[&user.0, &room.0],
        )?;
    } else {
        c.execute(
            "INSERT INTO notification_levels (room_id, user_id, level) VALUES ($1, $2, $3)
             ON CONFLICT (user_id, room_id) DO UPDATE SET level = EXCLUDED.level",
            &[&room.0, &user.0, &level.as_str()],
        )?;
    }
    Ok(())
}

fn do_not_disturb(c: &mut impl GenericClient, user: UserId) -> StoreResult<Option<Timestamp>> {
    let row = c.query_opt("SELECT quiet_until FROM users WHERE id = $1", &[&user.0])?;
    let until = row
        .map(|r| r.try_get::<_, Option<i64>>(0))
        .transpose()?
        .flatten();
    Ok(until.map(Timestamp))
}

#[async_trait]
impl crate::storage::Mentions for PgStore {
    async fn members_named(
        &self,
        room: RoomId,
        name_keys: Vec<String>,
    ) -> StoreResult<Vec<Member>> {
        self.readers
            .read(move |c| members_named(c, room, &name_keys))
            .await
    }

    async fn members_may_mention_room(&self, room: RoomId) -> StoreResult<bool> {
        self.readers
            .read(move |c| members_may_mention_room(c, room))
            .await
    }

    async fn set_members_may_mention_room(&self, room: RoomId, allowed: bool) -> StoreResult<()> {
        self.writer
            .write(move |tx, _| {
                tx.execute(
                    "UPDATE rooms SET members_mention_room = $2 WHERE id = $1",
                    &[&room.0, &allowed],
                )?;
                Ok(())
            })
            .await
    }

    async fn mentions_of(
        &self,
        user: UserId,
        before: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<MentionEntry>> {
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
    ) -> StoreResult<Vec<(RoomId, NotificationLevel)>> {
        self.readers
            .read(move |c| notification_levels(c, user))
            .await
    }

    async fn set_notification_level(
        &self,
        room: RoomId,
        user: UserId,
        level: NotificationLevel,
    ) -> StoreResult<()> {
        self.writer
            .write(move |tx, _| set_notification_level(tx, room, user, level))
            .await
    }

    async fn do_not_disturb(&self, user: UserId) -> StoreResult<Option<Timestamp>> {
        self.readers.read(move |c| do_not_disturb(c, user)).await
    }

    async fn set_do_not_disturb(&self, user: UserId, until: Option<Timestamp>) -> StoreResult<()> {
        self.writer
            .write(move |tx, _| {
                tx.execute(
                    "UPDATE users SET quiet_until = $2 WHERE id = $1",
                    &[&user.0, &until.map(|t| t.0)],
                )?;
                Ok(())
            })
            .await
    }
}
