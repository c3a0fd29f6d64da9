//! Directory reads: people by the start of their name, and the facts a
//! room introduces itself with (how many are in it, who made it).

use rusqlite::{Connection, OptionalExtension};

use super::SqliteStore;
use crate::domain::{Person, RoomAbout, RoomId, UserId};
use crate::storage::Directory;
use crate::storage::StoreResult;
use async_trait::async_trait;

/// Usernames are ASCII (`domain::Username`), so every key that starts with
/// `prefix` sorts below `prefix` followed by DEL: the range is one walk of
/// the unique index on `username_key`.
const ABOVE_ANY_USERNAME_CHAR: char = '\u{7f}';

pub fn users_starting_with(
    c: &Connection,
    prefix_key: &str,
    limit: u32,
) -> StoreResult<Vec<Person>> {
    let upper = format!("{prefix_key}{ABOVE_ANY_USERNAME_CHAR}");
    let mut stmt = c.prepare_cached(
        "SELECT id, username FROM users
         WHERE username_key >= ?1 AND username_key < ?2
         ORDER BY username_key LIMIT ?3",
    )?;
    let people = stmt
        .query_map(rusqlite::params![prefix_key, upper, limit], |r| {
            Ok(Person {
                user_id: UserId(r.get(0)?),
                username: r.get(1)?,
                profile: crate::domain::Profile::default(),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(people)
}

pub fn room_about(c: &Connection, room: RoomId) -> StoreResult<RoomAbout> {
    let member_count: i64 = c
        .prepare_cached("SELECT COUNT(*) FROM memberships WHERE room_id = ?1")?
        .query_row([room.0], |r| r.get(0))?;
    let created_by = c
        .prepare_cached(
            "SELECT u.id, u.username FROM rooms r JOIN users u ON u.id = r.created_by
             WHERE r.id = ?1 AND r.kind <> 'direct'",
        )?
        .query_row([room.0], |r| {
            Ok(Person {
                user_id: UserId(r.get(0)?),
                username: r.get(1)?,
                profile: crate::domain::Profile::default(),
            })
        })
        .optional()?;
    Ok(RoomAbout {
        member_count,
        created_by,
    })
}

#[async_trait]
impl Directory for SqliteStore {
    async fn users_starting_with(&self, prefix_key: &str, limit: u32) -> StoreResult<Vec<Person>> {
        let prefix = prefix_key.to_owned();
        self.readers
            .read(move |c| users_starting_with(c, &prefix, limit))
            .await
    }

    async fn room_about(&self, room: RoomId) -> StoreResult<RoomAbout> {
        self.readers.read(move |c| room_about(c, room)).await
    }
}
