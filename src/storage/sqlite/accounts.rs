//! Accounts and sessions in SQLite: users, their settings, session tokens.

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::SqliteStore;
use crate::domain::{
    Changed, EndedSessions, Event, Role, RoomId, SessionsEnded, Theme, Timestamp, User, UserId,
};
use crate::storage::{Accounts, StoreError, StoreResult, UserRecord};

#[async_trait]
impl Accounts for SqliteStore {
    async fn create_user(
        &self,
        username: &str,
        username_key: &str,
        password_hash: Option<String>,
        now: Timestamp,
    ) -> StoreResult<User> {
        let (name, key) = (username.to_owned(), username_key.to_owned());
        // Auto-join rooms gain a member.
        self.writer
            .write(move |c, ev| create_user(c, ev, &name, &key, password_hash.as_deref(), now))
            .await
    }

    async fn user_by_name(&self, username_key: &str) -> StoreResult<Option<UserRecord>> {
        let key = username_key.to_owned();
        self.readers.read(move |c| user_by_name(c, &key)).await
    }

    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<UserRecord>> {
        self.readers.read(move |c| user_by_id(c, id)).await
    }

    async fn set_password_hash(&self, user: UserId, hash: String) -> StoreResult<()> {
        self.writer
            .write(move |c, ev| set_password_hash(c, ev, user, &hash))
            .await
    }

    async fn set_theme(&self, user: UserId, theme: Theme) -> StoreResult<()> {
        self.writer
            .write(move |c, ev| set_theme(c, ev, user, theme))
            .await
    }

    async fn create_session(
        &self,
        user: UserId,
        token_hash: [u8; 32],
        now: Timestamp,
    ) -> StoreResult<()> {
        self.writer
            .write(move |c, _| create_session(c, user, &token_hash, now))
            .await
    }

    async fn user_for_session(&self, token_hash: [u8; 32]) -> StoreResult<Option<User>> {
        self.readers
            .read_quick(move |c| user_for_session(c, &token_hash))
            .await
    }

    async fn delete_session(&self, token_hash: [u8; 32]) -> StoreResult<()> {
        self.writer
            .write(move |c, ev| delete_session(c, ev, &token_hash))
            .await
    }

    async fn delete_sessions_of(&self, user: UserId, keep: Option<[u8; 32]>) -> StoreResult<u64> {
        self.writer
            .write(move |c, ev| delete_sessions_of(c, ev, user, keep.as_ref()))
            .await
    }
}

const USER_COLUMNS: &str = "id, username, password_hash, created_at, theme, kind";

pub(super) fn user_record(row: &Row<'_>) -> rusqlite::Result<UserRecord> {
    let password_hash: Option<String> = row.get(2)?;
    Ok(UserRecord {
        user: User {
            id: UserId(row.get(0)?),
            username: row.get(1)?,
            has_password: password_hash.is_some(),
            theme: Theme::from_db(&row.get::<_, String>(4)?),
            created_at: Timestamp(row.get(3)?),
            bot: row.get::<_, String>(5)? == "bot",
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
        bot: false,
    };
    let rooms = c
        .prepare_cached("SELECT id FROM rooms WHERE auto_join = 1")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    // In every auto-join room from the start, as a room's first members
    // are: no `member.joined` (the room would read as a list of sign-ups).
    for room in rooms {
        super::memberships::add_member(c, events, RoomId(room), user.id, Role::Member, now)?;
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

pub fn set_password_hash(
    c: &Connection,
    events: &mut Vec<Event>,
    user: UserId,
    hash: &str,
) -> StoreResult<()> {
    let n = c
        .prepare_cached("UPDATE users SET password_hash = ?2 WHERE id = ?1")?
        .execute(params![user.0, hash])?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    events.push(Event::Changed(Changed::Account(user)));
    Ok(())
}

pub fn set_theme(
    c: &Connection,
    events: &mut Vec<Event>,
    user: UserId,
    theme: Theme,
) -> StoreResult<()> {
    c.prepare_cached("UPDATE users SET theme = ?2 WHERE id = ?1")?
        .execute(params![user.0, theme.as_str()])?;
    // A session resolves to the user with their theme.
    events.push(Event::Changed(Changed::Account(user)));
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
        "SELECT u.id, u.username, u.password_hash, u.created_at, u.theme, u.kind
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
