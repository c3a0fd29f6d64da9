//! People's statuses on PostgreSQL: one row per person, an ended one
//! skipped on read (as `storage/sqlite/status.rs`).

use async_trait::async_trait;
use postgres::{GenericClient, Row};

use super::{profiles, PgStore};
use crate::domain::{
    Event, MemberStatus, PersonChange, PersonChanged, RoomId, Timestamp, UserId, UserStatus,
};
use crate::storage::{Statuses, StoreError, StoreResult};

pub fn set_status(
    c: &mut impl GenericClient,
    user: UserId,
    status: Option<&UserStatus>,
    now: Timestamp,
) -> StoreResult<()> {
    match status {
        None => {
            c.execute("DELETE FROM user_statuses WHERE user_id = $1", &[&user.0])?;
        }
        Some(s) => {
            c.execute(
                "INSERT INTO user_statuses (user_id, text, emoji, until, set_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (user_id) DO UPDATE SET text = excluded.text,
                   emoji = excluded.emoji, until = excluded.until, set_at = excluded.set_at",
                &[
                    &user.0,
                    &s.text,
                    &s.emoji,
                    &s.until.map(|t| t.0),
                    &now.millis(),
                ],
            )?;
        }
    }
    Ok(())
}

/// Room-mates hear of it live, from the transaction that made it.
fn announce(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    user: UserId,
    status: Option<UserStatus>,
) -> StoreResult<()> {
    let username: String = c
        .query_opt("SELECT username FROM users WHERE id = $1", &[&user.0])?
        .ok_or(StoreError::NotFound)?
        .try_get(0)?;
    events.push(Event::Person(PersonChanged {
        user,
        rooms: profiles::rooms_of(c, user)?,
        change: PersonChange::Status {
            user_id: user,
            username,
            status,
        },
    }));
    Ok(())
}

fn status_row(r: &Row, at: usize) -> StoreResult<UserStatus> {
    Ok(UserStatus {
        text: r.try_get(at)?,
        emoji: r.try_get(at + 1)?,
        until: r.try_get::<_, Option<i64>>(at + 2)?.map(Timestamp),
    })
}

pub fn status_of(
    c: &mut impl GenericClient,
    user: UserId,
    now: Timestamp,
) -> StoreResult<Option<UserStatus>> {
    c.query_opt(
        "SELECT text, emoji, until FROM user_statuses
         WHERE user_id = $1 AND (until IS NULL OR until > $2)",
        &[&user.0, &now.millis()],
    )?
    .map(|r| status_row(&r, 0))
    .transpose()
}

/// The statuses of the room's members that have one now, by name (at most
/// a thousand: a page shows no more).
pub fn member_statuses(
    c: &mut impl GenericClient,
    room: RoomId,
    now: Timestamp,
) -> StoreResult<Vec<MemberStatus>> {
    c.query(
        "SELECT u.username, s.text, s.emoji, s.until
         FROM memberships ms JOIN user_statuses s ON s.user_id = ms.user_id
         JOIN users u ON u.id = ms.user_id
         WHERE ms.room_id = $1 AND (s.until IS NULL OR s.until > $2)
         ORDER BY u.username_key LIMIT 1000",
        &[&room.0, &now.millis()],
    )?
    .iter()
    .map(|r| {
        Ok(MemberStatus {
            username: r.try_get(0)?,
            status: status_row(r, 1)?,
        })
    })
    .collect()
}

#[async_trait]
impl Statuses for PgStore {
    async fn set_status(&self, user: UserId, status: Option<UserStatus>) -> StoreResult<()> {
        let now = Timestamp::now();
        self.writer
            .write(move |tx, events| {
                set_status(tx, user, status.as_ref(), now)?;
                announce(tx, events, user, status.clone())
            })
            .await
    }

    async fn status_of(&self, user: UserId, now: Timestamp) -> StoreResult<Option<UserStatus>> {
        self.readers.read(move |c| status_of(c, user, now)).await
    }

    async fn member_statuses(
        &self,
        room: RoomId,
        now: Timestamp,
    ) -> StoreResult<Vec<MemberStatus>> {
        self.readers
            .read(move |c| member_statuses(c, room, now))
            .await
    }
}
