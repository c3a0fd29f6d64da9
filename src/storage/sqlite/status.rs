//! People's statuses in SQLite: one row per person, an ended one skipped
//! on read.

use rusqlite::{params, Connection, OptionalExtension};

use crate::domain::{
    Event, MemberStatus, PersonChange, PersonChanged, RoomId, Timestamp, UserId, UserStatus,
};
use crate::storage::StoreResult;

pub fn set_status(
    c: &Connection,
    user: UserId,
    status: Option<&UserStatus>,
    now: Timestamp,
) -> StoreResult<()> {
    match status {
        None => {
            c.prepare_cached("DELETE FROM user_statuses WHERE user_id = ?1")?
                .execute([user.0])?;
        }
        Some(s) => {
            c.prepare_cached(
                "INSERT INTO user_statuses (user_id, text, emoji, until, set_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (user_id) DO UPDATE SET text = excluded.text,
                   emoji = excluded.emoji, until = excluded.until, set_at = excluded.set_at",
            )?
            .execute(params![
                user.0,
                s.text,
                s.emoji,
                s.until.map(|t| t.0),
                now.millis()
            ])?;
        }
    }
    Ok(())
}

/// Room-mates hear of it live, from the transaction that made it.
fn announce(
    c: &Connection,
    events: &mut Vec<Event>,
    user: UserId,
    status: Option<UserStatus>,
) -> StoreResult<()> {
    let username: String = c
        .prepare_cached("SELECT username FROM users WHERE id = ?1")?
        .query_row([user.0], |r| r.get(0))?;
    events.push(Event::Person(PersonChanged {
        user,
        rooms: super::profiles::rooms_of(c, user)?,
        change: PersonChange::Status {
            user_id: user,
            username,
            status,
        },
    }));
    Ok(())
}

fn status_row(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<UserStatus> {
    Ok(UserStatus {
        text: r.get(at)?,
        emoji: r.get(at + 1)?,
        until: r.get::<_, Option<i64>>(at + 2)?.map(Timestamp),
    })
}

pub fn status_of(c: &Connection, user: UserId, now: Timestamp) -> StoreResult<Option<UserStatus>> {
    Ok(c.prepare_cached(
        "SELECT text, emoji, until FROM user_statuses
         WHERE user_id = ?1 AND (until IS NULL OR until > ?2)",
    )?
    .query_row(params![user.0, now.millis()], |r| status_row(r, 0))
    .optional()?)
}

/// The statuses of the room's members that have one now, by name (at most
/// a thousand: a page shows no more).
pub fn member_statuses(
    c: &Connection,
    room: RoomId,
    now: Timestamp,
) -> StoreResult<Vec<MemberStatus>> {
    let mut stmt = c.prepare_cached(
        "SELECT u.username, s.text, s.emoji, s.until
         FROM memberships ms JOIN user_statuses s ON s.user_id = ms.user_id
         JOIN users u ON u.id = ms.user_id
         WHERE ms.room_id = ?1 AND (s.until IS NULL OR s.until > ?2)
         ORDER BY u.username_key LIMIT 1000",
    )?;
    let rows = stmt
        .query_map(params![room.0, now.millis()], |r| {
            Ok(MemberStatus {
                username: r.get(0)?,
                status: status_row(r, 1)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

#[async_trait::async_trait]
impl crate::storage::Statuses for super::SqliteStore {
    async fn set_status(
        &self,
        user: UserId,
        status: Option<crate::domain::UserStatus>,
    ) -> StoreResult<()> {
        self.writer
            .write(move |c, events| {
                set_status(c, user, status.as_ref(), Timestamp::now())?;
                announce(c, events, user, status.clone())
            })
            .await
    }

    async fn status_of(
        &self,
        user: UserId,
        now: Timestamp,
    ) -> StoreResult<Option<crate::domain::UserStatus>> {
        self.readers
            .read_quick(move |c| status_of(c, user, now))
            .await
    }

    async fn member_statuses(
        &self,
        room: RoomId,
        now: Timestamp,
    ) -> StoreResult<Vec<crate::domain::MemberStatus>> {
        self.readers
            .read(move |c| member_statuses(c, room, now))
            .await
    }
}
