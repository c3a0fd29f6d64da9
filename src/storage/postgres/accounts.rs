//! Accounts and sessions on PostgreSQL: users, their settings, session
//! tokens (as `storage/sqlite/accounts.rs`).

use async_trait::async_trait;
use postgres::types::Type;
use postgres::{GenericClient, Row};

use super::pipeline::Pipeline;
use super::PgStore;
use crate::domain::{
    Changed, EndedSessions, Event, Member, MembershipChange, Profile, Role, RoomId, SessionsEnded,
    Theme, Timestamp, User, UserId,
};
use crate::storage::{Accounts, StoreError, StoreResult, UserRecord};

#[async_trait]
impl Accounts for PgStore {
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
            .write(move |tx, ev| create_user(tx, ev, &name, &key, password_hash.as_deref(), now))
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
            .write(move |tx, ev| set_password_hash(tx, ev, user, &hash))
            .await
    }

    async fn set_theme(&self, user: UserId, theme: Theme) -> StoreResult<()> {
        self.writer
            .write(move |tx, ev| set_theme(tx, ev, user, theme))
            .await
    }

    async fn create_session(
        &self,
        user: UserId,
        token_hash: [u8; 32],
        now: Timestamp,
    ) -> StoreResult<()> {
        self.writer
            .write(move |tx, _| create_session(tx, user, &token_hash, now))
            .await
    }

    async fn user_for_session(&self, token_hash: [u8; 32]) -> StoreResult<Option<User>> {
        user_for_session(&self.pipeline, &token_hash).await
    }

    async fn delete_session(&self, token_hash: [u8; 32]) -> StoreResult<()> {
        self.writer
            .write(move |tx, ev| delete_session(tx, ev, &token_hash))
            .await
    }

    async fn delete_sessions_of(&self, user: UserId, keep: Option<[u8; 32]>) -> StoreResult<u64> {
        self.writer
            .write(move |tx, ev| delete_sessions_of(tx, ev, user, keep.as_ref()))
            .await
    }
}

/// The columns `user_record` reads, in its order.
const USER_COLUMNS: &str = "id, username, password_hash, created_at, theme, kind";

pub(super) fn user_record(row: &Row) -> StoreResult<UserRecord> {
    let password_hash: Option<String> = row.try_get(2)?;
    Ok(UserRecord {
        user: User {
            id: UserId(row.try_get(0)?),
            username: row.try_get(1)?,
            has_password: password_hash.is_some(),
            theme: Theme::from_db(row.try_get(4)?),
            created_at: Timestamp(row.try_get(3)?),
            bot: row.try_get::<_, &str>(5)? == "bot",
        },
        password_hash,
    })
}

/// Creates the user and adds them to every auto-join room. A name taken
/// (ignoring case) is the unique index's conflict, so two nodes signing
/// up the same name at once cannot both succeed.
pub fn create_user(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    username: &str,
    key: &str,
    password_hash: Option<&str>,
    now: Timestamp,
) -> StoreResult<User> {
    let row = c.query_one(
        "INSERT INTO users (username, username_key, password_hash, created_at)
         VALUES ($1, $2, $3, $4) RETURNING id",
        &[&username, &key, &password_hash, &now.millis()],
    )?;
    let user = User {
        id: UserId(row.try_get(0)?),
        username: username.to_owned(),
        has_password: password_hash.is_some(),
        theme: Theme::System,
        created_at: now,
        bot: false,
    };
    // One statement for every auto-join room.
    let joined = c.query(
        "INSERT INTO memberships (room_id, user_id, role, joined_at)
         SELECT id, $1, $2, $3 FROM rooms WHERE auto_join ORDER BY id
         ON CONFLICT (room_id, user_id) DO NOTHING
         RETURNING room_id",
        &[&user.id.0, &Role::Member.as_str(), &now.millis()],
    )?;
    // In every auto-join room from the start, as a room's first members
    // are: no `member.joined` (the room would read as a list of sign-ups).
    for row in joined {
        events.push(Event::Membership(MembershipChange {
            room_id: RoomId(row.try_get(0)?),
            member: new_member(&user),
            joined: true,
            logged: false,
        }));
    }
    Ok(user)
}

/// Adds a user made in this transaction to `room`, the room of their
/// invite link (unless they are in it already, as in an auto-join room),
/// and logs `member.joined`: that join is news to the room.
pub(super) fn add_new_user_to(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    room: RoomId,
    user: &User,
    now: Timestamp,
) -> StoreResult<()> {
    let added = c.execute(
        "INSERT INTO memberships (room_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (room_id, user_id) DO NOTHING",
        &[&room.0, &user.id.0, &Role::Member.as_str(), &now.millis()],
    )?;
    if added > 0 {
        super::memberships::log_joined(c, events, room, new_member(user), None, now)?;
    }
    Ok(())
}

fn new_member(user: &User) -> Member {
    Member {
        user_id: user.id,
        username: user.username.clone(),
        role: Role::Member,
        // Nobody has set a profile for an account made just now.
        profile: Profile::default(),
    }
}

pub fn user_by_name(c: &mut impl GenericClient, key: &str) -> StoreResult<Option<UserRecord>> {
    c.query_opt(
        &format!("SELECT {USER_COLUMNS} FROM users WHERE username_key = $1"),
        &[&key],
    )?
    .as_ref()
    .map(user_record)
    .transpose()
}

pub fn user_by_id(c: &mut impl GenericClient, id: UserId) -> StoreResult<Option<UserRecord>> {
    c.query_opt(
        &format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"),
        &[&id.0],
    )?
    .as_ref()
    .map(user_record)
    .transpose()
}

pub fn set_password_hash(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    user: UserId,
    hash: &str,
) -> StoreResult<()> {
    let n = c.execute(
        "UPDATE users SET password_hash = $2 WHERE id = $1",
        &[&user.0, &hash],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    events.push(Event::Changed(Changed::Account(user)));
    Ok(())
}

pub fn set_theme(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    user: UserId,
    theme: Theme,
) -> StoreResult<()> {
    c.execute(
        "UPDATE users SET theme = $2 WHERE id = $1",
        &[&user.0, &theme.as_str()],
    )?;
    // A session resolves to the user with their theme.
    events.push(Event::Changed(Changed::Account(user)));
    Ok(())
}

pub fn create_session(
    c: &mut impl GenericClient,
    user: UserId,
    token_hash: &[u8; 32],
    now: Timestamp,
) -> StoreResult<()> {
    c.execute(
        "INSERT INTO sessions (token_hash, user_id, created_at) VALUES ($1, $2, $3)",
        &[&&token_hash[..], &user.0, &now.millis()],
    )?;
    Ok(())
}

/// Who a session token belongs to. On the pipelined connections, prepared
/// once per connection: every request a node has not seen the session of
/// runs it, and a failed node's clients bring thousands of those at once
/// (on the blocking pool each took a thread's wake-up and two round trips,
/// a parse and a plan).
pub async fn user_for_session(pipe: &Pipeline, token_hash: &[u8; 32]) -> StoreResult<Option<User>> {
    pipe.query(
        "SELECT u.id, u.username, u.password_hash, u.created_at, u.theme, u.kind
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
        &[Type::BYTEA],
        &[&&token_hash[..]],
    )
    .await?
    .first()
    .map(|row| user_record(row).map(|r| r.user))
    .transpose()
}

pub fn delete_session(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    token_hash: &[u8; 32],
) -> StoreResult<()> {
    let ended = c.query_opt(
        "DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id",
        &[&&token_hash[..]],
    )?;
    if let Some(row) = ended {
        events.push(Event::Sessions(SessionsEnded {
            user: UserId(row.try_get(0)?),
            which: EndedSessions::One(*token_hash),
        }));
    }
    Ok(())
}

pub fn delete_sessions_of(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    user: UserId,
    keep: Option<&[u8; 32]>,
) -> StoreResult<u64> {
    let keep_bytes: Option<&[u8]> = keep.map(|k| &k[..]);
    let n = c.execute(
        "DELETE FROM sessions WHERE user_id = $1 AND ($2::bytea IS NULL OR token_hash <> $2)",
        &[&user.0, &keep_bytes],
    )?;
    events.push(Event::Sessions(SessionsEnded {
        user,
        which: EndedSessions::AllBut(keep.copied()),
    }));
    Ok(n)
}
