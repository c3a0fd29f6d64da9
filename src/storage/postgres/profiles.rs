//! Profiles on PostgreSQL: one `profiles` row per person who set a display
//! name or an avatar (as `storage/sqlite/profiles.rs`). The one place a
//! row becomes a `Profile` (and an avatar key its URL) is `profile_from`.

use async_trait::async_trait;
use postgres::types::Type;
use postgres::{GenericClient, Row};

use super::pipeline::Pipeline;
use super::PgStore;
use crate::domain::{
    AvatarFiles, Event, PersonChange, PersonChanged, PersonProfile, Profile, RoomId, Timestamp,
    UserId,
};
use crate::storage::{Profiles, StoreError, StoreResult};

/// The columns `profile_from` reads, from `profiles p`.
pub const PROFILE_COLUMNS: &str = "p.display_name, p.avatar_key";

pub fn profile_from(r: &Row, at: usize) -> StoreResult<Profile> {
    Ok(Profile {
        display_name: r.try_get(at)?,
        avatar_url: r
            .try_get::<_, Option<&str>>(at + 1)?
            .map(Profile::avatar_url_of),
    })
}

/// The user's profile (empty when they set nothing).
pub fn profile_of(c: &mut impl GenericClient, user: UserId) -> StoreResult<Profile> {
    c.query_opt(
        &format!("SELECT {PROFILE_COLUMNS} FROM profiles p WHERE p.user_id = $1"),
        &[&user.0],
    )?
    .map_or_else(|| Ok(Profile::default()), |r| profile_from(&r, 0))
}

fn person_of(c: &mut impl GenericClient, user: UserId) -> StoreResult<PersonProfile> {
    let username: String = c
        .query_opt("SELECT username FROM users WHERE id = $1", &[&user.0])?
        .ok_or(StoreError::NotFound)?
        .try_get(0)?;
    Ok(PersonProfile {
        user_id: user,
        username,
        profile: profile_of(c, user)?,
    })
}

/// Makes the row if there is none, so each setter changes one column.
fn ensure_row(c: &mut impl GenericClient, user: UserId, now: Timestamp) -> StoreResult<()> {
    c.execute(
        "INSERT INTO profiles (user_id, updated_at) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET updated_at = excluded.updated_at",
        &[&user.0, &now.millis()],
    )?;
    Ok(())
}

/// A row with nothing left in it goes: "no row" means "nothing set".
fn drop_if_empty(c: &mut impl GenericClient, user: UserId) -> StoreResult<()> {
    c.execute(
        "DELETE FROM profiles WHERE user_id = $1
           AND display_name IS NULL AND avatar_key IS NULL",
        &[&user.0],
    )?;
    Ok(())
}

/// The rooms whose members hear of a change to `user`.
pub fn rooms_of(c: &mut impl GenericClient, user: UserId) -> StoreResult<Vec<RoomId>> {
    c.query(
        "SELECT room_id FROM memberships WHERE user_id = $1",
        &[&user.0],
    )?
    .iter()
    .map(|r| Ok(RoomId(r.try_get(0)?)))
    .collect()
}

/// Announces the profile as it is now, from the transaction that made it.
fn announce(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    person: &PersonProfile,
) -> StoreResult<()> {
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
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    user: UserId,
    name: Option<&str>,
    now: Timestamp,
) -> StoreResult<PersonProfile> {
    ensure_row(c, user, now)?;
    c.execute(
        "UPDATE profiles SET display_name = $2 WHERE user_id = $1",
        &[&user.0, &name],
    )?;
    drop_if_empty(c, user)?;
    let person = person_of(c, user)?;
    announce(c, events, &person)?;
    Ok(person)
}

fn set_avatar(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    user: UserId,
    avatar: Option<&AvatarFiles>,
    now: Timestamp,
) -> StoreResult<PersonProfile> {
    // The files replaced wait in `file_deletions` until their bytes are
    // gone, so a crash after this commit forgets none of them.
    c.execute(
        "INSERT INTO file_deletions (key)
         SELECT avatar_key FROM profiles WHERE user_id = $1 AND avatar_key IS NOT NULL
         UNION ALL
         SELECT avatar_small_key FROM profiles WHERE user_id = $1 AND avatar_small_key IS NOT NULL
         ON CONFLICT DO NOTHING",
        &[&user.0],
    )?;
    ensure_row(c, user, now)?;
    c.execute(
        "UPDATE profiles SET avatar_key = $2, avatar_small_key = $3, avatar_mime = $4
         WHERE user_id = $1",
        &[
            &user.0,
            &avatar.map(|a| a.key.as_str()),
            &avatar.map(|a| a.small_key.as_str()),
            &avatar.map(|a| a.mime.as_str()),
        ],
    )?;
    drop_if_empty(c, user)?;
    let person = person_of(c, user)?;
    announce(c, events, &person)?;
    Ok(person)
}

async fn profiles_named(pipe: &Pipeline, usernames: &[String]) -> StoreResult<Vec<PersonProfile>> {
    if usernames.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<String> = usernames.iter().map(|n| n.to_ascii_lowercase()).collect();
    // One parameter however many names (a member list may have thousands);
    // pipelined, as every history page asks for its authors.
    pipe.query(
        // The profile columns are `PROFILE_COLUMNS`, spelled out: the
        // statement is prepared once per connection, keyed by its text.
        "SELECT u.id, u.username, p.display_name, p.avatar_key
         FROM profiles p JOIN users u ON u.id = p.user_id
         WHERE u.username_key = ANY($1)",
        &[Type::TEXT_ARRAY],
        &[&keys],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(PersonProfile {
            user_id: UserId(r.try_get(0)?),
            username: r.try_get(1)?,
            profile: profile_from(r, 2)?,
        })
    })
    .collect()
}

fn avatar_file(
    c: &mut impl GenericClient,
    key: &str,
    small: bool,
) -> StoreResult<Option<(String, String)>> {
    c.query_opt(
        "SELECT CASE WHEN $2 THEN avatar_small_key ELSE avatar_key END, avatar_mime
         FROM profiles WHERE avatar_key = $1",
        &[&key, &small],
    )?
    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
    .transpose()
}

#[async_trait]
impl Profiles for PgStore {
    async fn set_display_name(
        &self,
        user: UserId,
        name: Option<String>,
        now: Timestamp,
    ) -> StoreResult<PersonProfile> {
        self.writer
            .write(move |tx, events| set_display_name(tx, events, user, name.as_deref(), now))
            .await
    }

    async fn set_avatar(
        &self,
        user: UserId,
        avatar: Option<AvatarFiles>,
        now: Timestamp,
    ) -> StoreResult<PersonProfile> {
        self.writer
            .write(move |tx, events| set_avatar(tx, events, user, avatar.as_ref(), now))
            .await
    }

    async fn profile_of(&self, user: UserId) -> StoreResult<PersonProfile> {
        self.readers.read(move |c| person_of(c, user)).await
    }

    async fn profiles_named(&self, usernames: Vec<String>) -> StoreResult<Vec<PersonProfile>> {
        profiles_named(&self.pipeline, &usernames).await
    }

    async fn avatar_file(&self, key: String, small: bool) -> StoreResult<Option<(String, String)>> {
        self.readers
            .read(move |c| avatar_file(c, &key, small))
            .await
    }
}
