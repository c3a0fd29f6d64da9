//! Directory reads on PostgreSQL: people by the start of their name, and
//! the facts a room introduces itself with (as `storage/sqlite/directory.rs`).

use async_trait::async_trait;
use postgres::GenericClient;

use super::PgStore;
use crate::domain::{Person, Profile, RoomAbout, RoomId, UserId};
use crate::storage::{Directory, StoreResult};

/// Usernames are ASCII (`domain::Username`) and `username_key` compares
/// by bytes (`COLLATE "C"` in the schema), so every key that starts with
/// `prefix` sorts below `prefix` followed by DEL: the range is one walk of
/// the unique index on `username_key`.
const ABOVE_ANY_USERNAME_CHAR: char = '\u{7f}';

pub fn users_starting_with(
    c: &mut impl GenericClient,
    prefix_key: &str,
    limit: u32,
) -> StoreResult<Vec<Person>> {
    let upper = format!("{prefix_key}{ABOVE_ANY_USERNAME_CHAR}");
    c.query(
        "SELECT id, username FROM users
         WHERE username_key >= $1 AND username_key < $2
         ORDER BY username_key LIMIT $3",
        &[&prefix_key, &upper, &i64::from(limit)],
    )?
    .iter()
    .map(|r| {
        Ok(Person {
            user_id: UserId(r.try_get(0)?),
            username: r.try_get(1)?,
            profile: Profile::default(),
        })
    })
    .collect()
}

pub fn room_about(c: &mut impl GenericClient, room: RoomId) -> StoreResult<RoomAbout> {
    let member_count: i64 = c
        .query_one(
            "SELECT count(*) FROM memberships WHERE room_id = $1",
            &[&room.0],
        )?
        .try_get(0)?;
    let created_by = c
        .query_opt(
            "SELECT u.id, u.username FROM rooms r JOIN users u ON u.id = r.created_by
             WHERE r.id = $1 AND r.kind <> 'direct'",
            &[&room.0],
        )?
        .map(|r| -> StoreResult<Person> {
            Ok(Person {
                user_id: UserId(r.try_get(0)?),
                username: r.try_get(1)?,
                profile: Profile::default(),
            })
        })
        .transpose()?;
    Ok(RoomAbout {
        member_count,
        created_by,
    })
}

#[async_trait]
impl Directory for PgStore {
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
