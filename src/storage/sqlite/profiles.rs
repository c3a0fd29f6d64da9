//! Profiles in SQLite: one `profiles` row per person who set a display
//! name or an avatar. The one place a row becomes a `Profile` (and an
//! avatar key its URL) is `profile_from`.

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};

use super::SqliteStore;
use crate::domain::{
    AvatarFiles, Event, PersonChange, PersonChanged, PersonProfile, Profile, RoomId, Timestamp,
    UserId,
};
use crate::storage::{Profiles, StoreError, StoreResult};

/// The columns `profile_from` reads, from `profiles p`.
const PROFILE_COLUMNS: &str = "p.display_name, p.avatar_key";

fn profile_from(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Profile> {
    Ok(Profile {
        display_name: r.get(at)?,
        avatar_url: r
            .get::<_, Option<String>>(at + 1)?
            .map(|key| Profile::avatar_url_of(&key)),
    })
}

/// The user's profile (empty when they set nothing).
pub fn profile_of(c: &Connection, user: UserId) -> StoreResult<Profile> {
    Ok(c.prepare_cached(&format!(
        "SELECT {PROFILE_COLUMNS} FROM profiles p WHERE p.user_id = ?1"
    ))?
    .query_row([user.0], |r| profile_from(r, 0))
    .optional()?
    .unwrap_or_default())
}

fn person_of(c: &Connection, user: UserId) -> StoreResult<PersonProfile> {
    let username: String = c
        .prepare_cached("SELECT username FROM users WHERE id = ?1")?
        .query_row([user.0], |r| r.get(0))
        .optional()?
        .ok_or(StoreError::NotFound)?;
    Ok(PersonProfile {
        user_id: user,
        username,
        profile: profile_of(c, user)?,
    })
}

/// Makes the row if there is none, so each setter changes one column.
fn ensure_row(c: &Connection, user: UserId, now: Timestamp) -> StoreResult<()> {
    c.prepare_cached(
        "INSERT INTO profiles (user_id, updated_at) VALUES (?1, ?2)
         ON CONFLICT (user_id) DO UPDATE SET updated_at = excluded.updated_at",
    )?
    .execute(params![user.0, now.millis()])?;
    Ok(())
}

/// A row with nothing left in it goes: "no row" means "nothing set".
fn drop_if_empty(c: &Connection, user: UserId) -> StoreResult<()> {
    c.prepare_cached(
        "DELETE FROM profiles WHERE user_id = ?1
           AND display_name IS NULL AND avatar_key IS NULL",
    )?
    .execute([user.0])?;
    Ok(())
}

/// The rooms whose members hear of a change to `user`.
pub fn rooms_of(c: &Connection, user: UserId) -> StoreResult<Vec<RoomId>> {
    let rows = c
        .prepare_cached("SELECT room_id FROM memberships WHERE user_id = ?1")?
        .query_map([user.0], |r| Ok(RoomId(r.get(0)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Announces the profile as it is now, from the transaction that made it.
fn announce(c: &Connection, events: &mut Vec<Event>, person: &PersonProfile) -> StoreResult<()> {
    events.push(Event::Person(PersonChanged {
        user: person.user_id,
        rooms: rooms_of(c, person.user_id)?,
        change: PersonChange::Profile {
            user: person.clone(),
        },
    }));
    Ok(())
}

fn set_display_name(
    c: &Connection,
    events: &mut Vec<Event>,
    user: UserId,
    name: Option<&str>,
    now: Timestamp,
) -> StoreResult<PersonProfile> {
    ensure_row(c, user, now)?;
    c.prepare_cached("UPDATE profiles SET display_name = ?2 WHERE user_id = ?1")?
        .execute(params![user.0, name])?;
    drop_if_empty(c, user)?;
    let person = person_of(c, user)?;
    announce(c, events, &person)?;
    Ok(person)
}

fn set_avatar(
    c: &Connection,
    events: &mut Vec<Event>,
    user: UserId,
    avatar: Option<&AvatarFiles>,
    now: Timestamp,
) -> StoreResult<PersonProfile> {
    // The files replaced wait in `file_deletions` until their bytes are
    // gone, so a crash after this commit forgets none of them.
    c.prepare_cached(
        "INSERT INTO file_deletions (key)
         SELECT avatar_key FROM profiles WHERE user_id = ?1 AND avatar_key IS NOT NULL
         UNION ALL
         SELECT avatar_small_key FROM profiles WHERE user_id = ?1 AND avatar_small_key IS NOT NULL
         ON CONFLICT DO NOTHING",
    )?
    .execute([user.0])?;
    ensure_row(c, user, now)?;
    c.prepare_cached(
        "UPDATE profiles SET avatar_key = ?2, avatar_small_key = ?3, avatar_mime = ?4
         WHERE user_id = ?1",
    )?
    .execute(params![
        user.0,
        avatar.map(|a| &a.key),
        avatar.map(|a| &a.small_key),
        avatar.map(|a| &a.mime)
    ])?;
    drop_if_empty(c, user)?;
    let person = person_of(c, user)?;
    announce(c, events, &person)?;
    Ok(person)
}

fn profiles_named(c: &Connection, usernames: &[String]) -> StoreResult<Vec<PersonProfile>> {
    if usernames.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<String> = usernames.iter().map(|n| n.to_ascii_lowercase()).collect();
    // One parameter however many names (a member list may have thousands).
    let keys = serde_json::to_string(&keys).expect("strings encode");
    let rows = c
        .prepare_cached(&format!(
            "SELECT u.id, u.username, {PROFILE_COLUMNS}
             FROM profiles p JOIN users u ON u.id = p.user_id
             WHERE u.username_key IN (SELECT value FROM json_each(?1))"
        ))?
        .query_map([keys], |r| {
            Ok(PersonProfile {
                user_id: UserId(r.get(0)?),
                username: r.get(1)?,
                profile: profile_from(r, 2)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

fn avatar_file(c: &Connection, key: &str, small: bool) -> StoreResult<Option<(String, String)>> {
    Ok(c.prepare_cached(
        "SELECT CASE WHEN ?2 THEN avatar_small_key ELSE avatar_key END, avatar_mime
             FROM profiles WHERE avatar_key = ?1",
    )?
    .query_row(params![key, small], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()?)
}

/// Whether a stored file is a current avatar's (the orphan sweep keeps it).
pub fn is_avatar(c: &Connection, key: &str) -> StoreResult<bool> {
    Ok(c.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM profiles WHERE avatar_key = ?1)
                 OR EXISTS (SELECT 1 FROM profiles WHERE avatar_small_key = ?1)",
    )?
    .query_row([key], |r| r.get(0))?)
}

#[async_trait]
impl Profiles for SqliteStore {
    async fn set_display_name(
        &self,
        user: UserId,
        name: Option<String>,
        now: Timestamp,
    ) -> StoreResult<PersonProfile> {
        self.writer
            .write(move |c, events| set_display_name(c, events, user, name.as_deref(), now))
            .await
    }

    async fn set_avatar(
        &self,
        user: UserId,
        avatar: Option<AvatarFiles>,
        now: Timestamp,
    ) -> StoreResult<PersonProfile> {
        self.writer
            .write(move |c, events| set_avatar(c, events, user, avatar.as_ref(), now))
            .await
    }

    async fn profile_of(&self, user: UserId) -> StoreResult<PersonProfile> {
        self.readers.read_quick(move |c| person_of(c, user)).await
    }

    async fn profiles_named(&self, usernames: Vec<String>) -> StoreResult<Vec<PersonProfile>> {
        self.readers
            .read(move |c| profiles_named(c, &usernames))
            .await
    }

    async fn avatar_file(&self, key: String, small: bool) -> StoreResult<Option<(String, String)>> {
        self.readers
            .read_quick(move |c| avatar_file(c, &key, small))
            .await
    }
}
