//! Integrations in PostgreSQL: bots (user rows of kind `bot`) and API
//! tokens, each token kept as the SHA-256 of its secret; incoming webhooks
//! are in hooks.rs.

use async_trait::async_trait;
use postgres::{GenericClient, Row};

use super::hooks;
use super::PgStore;
use crate::domain::{
    Bot, EndedSessions, Event, Grant, HookInfo, HookTarget, RoomId, Scope, SessionsEnded, Theme,
    Timestamp, TokenInfo, User, UserId,
};
use crate::storage::{Integrations, NewHook, NewToken, StoreError, StoreResult};

#[async_trait]
impl Integrations for PgStore {
    async fn create_bot(
        &self,
        owner: UserId,
        name: &str,
        name_key: &str,
        avatar: Option<String>,
        now: Timestamp,
    ) -> StoreResult<Bot> {
        let (name, key) = (name.to_owned(), name_key.to_owned());
        self.writer
            .write(move |c, _| create_bot(c, owner, &name, &key, avatar.as_deref(), now))
            .await
    }

    async fn bots_of(&self, owner: UserId) -> StoreResult<Vec<Bot>> {
        self.readers.read(move |c| bots_of(c, owner)).await
    }

    async fn create_token(&self, token: NewToken) -> StoreResult<TokenInfo> {
        self.writer
            .write(move |c, _| create_token_info(c, &token))
            .await
    }

    async fn tokens_made_by(&self, maker: UserId) -> StoreResult<Vec<TokenInfo>> {
        self.readers.read(move |c| tokens_made_by(c, maker)).await
    }

    async fn revoke_token(&self, maker: UserId, id: i64, now: Timestamp) -> StoreResult<bool> {
        self.writer
            .write(move |c, ev| revoke_token(c, ev, maker, id, now))
            .await
    }

    async fn user_for_token(&self, hash: [u8; 32]) -> StoreResult<Option<(User, Grant)>> {
        self.readers.read(move |c| user_for_token(c, &hash)).await
    }

    async fn token_used(&self, id: i64, at: Timestamp) -> StoreResult<()> {
        self.writer
            .write(move |c, _| {
                c.execute(
                    "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1",
                    &[&id, &at.millis()],
                )?;
                Ok(())
            })
            .await
    }

    async fn create_hook(&self, hook: NewHook) -> StoreResult<HookInfo> {
        self.writer
            .write(move |c, _| hooks::create_hook(c, &hook))
            .await
    }

    async fn hooks_of_room(&self, room: RoomId) -> StoreResult<Vec<HookInfo>> {
        self.readers
            .read(move |c| hooks::hooks_of_room(c, room))
            .await
    }

    async fn hook(&self, room: RoomId, id: i64) -> StoreResult<Option<(HookInfo, UserId)>> {
        self.readers.read(move |c| hooks::hook(c, room, id)).await
    }

    async fn revoke_hook(&self, room: RoomId, id: i64, now: Timestamp) -> StoreResult<bool> {
        self.writer
            .write(move |c, _| hooks::revoke_hook(c, room, id, now))
            .await
    }

    async fn hook_target(&self, id: i64) -> StoreResult<Option<HookTarget>> {
        self.readers.read(move |c| hooks::hook_target(c, id)).await
    }

    async fn hook_used(&self, id: i64, at: Timestamp) -> StoreResult<()> {
        self.writer
            .write(move |c, _| hooks::hook_used(c, id, at))
            .await
    }
}

fn create_bot(
    c: &mut impl GenericClient,
    owner: UserId,
    name: &str,
    key: &str,
    avatar: Option<&str>,
    now: Timestamp,
) -> StoreResult<Bot> {
    // Unlike a person, a bot joins no room by itself: it is invited.
    let id: i64 = c
        .query_one(
            "INSERT INTO users (username, username_key, created_at, kind, bot_owner_id, bot_avatar)
             VALUES ($1, $2, $3, 'bot', $4, $5) RETURNING id",
            &[&name, &key, &now.millis(), &owner.0, &avatar],
        )?
        .try_get(0)?;
    let row = c
        .query_opt(&format!("{BOT_SELECT} WHERE b.id = $1"), &[&id])?
        .ok_or(StoreError::NotFound)?;
    bot_row(&row)
}

const BOT_SELECT: &str =
    "SELECT b.id, b.username, b.bot_avatar, o.id, o.username, b.created_at FROM users b
     JOIN users o ON o.id = b.bot_owner_id";

fn bot_row(r: &Row) -> StoreResult<Bot> {
    Ok(Bot {
        user_id: UserId(r.try_get(0)?),
        name: r.try_get(1)?,
        avatar: r.try_get(2)?,
        owner_id: UserId(r.try_get(3)?),
        owner: r.try_get(4)?,
        created_at: Timestamp(r.try_get(5)?),
    })
}

fn bots_of(c: &mut impl GenericClient, owner: UserId) -> StoreResult<Vec<Bot>> {
    // `COLLATE "C"`: byte order, as SQLite sorts, whatever the database's locale.
    let rows = c.query(
        &format!(
            "{BOT_SELECT} WHERE b.bot_owner_id = $1 AND b.kind = 'bot'
             ORDER BY b.username_key COLLATE \"C\""
        ),
        &[&owner.0],
    )?;
    rows.iter().map(bot_row).collect()
}

fn create_token(c: &mut impl GenericClient, t: &NewToken) -> StoreResult<i64> {
    let id: i64 = c
        .query_one(
            "INSERT INTO api_tokens (token_hash, prefix, user_id, made_by, name, scopes, limited,
                                     created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            &[
                &&t.hash[..],
                &t.prefix,
                &t.user.0,
                &t.made_by.0,
                &t.name,
                &Scope::join(&t.scopes),
                &t.rooms.is_some(),
                &t.now.millis(),
            ],
        )?
        .try_get(0)?;
    for room in t.rooms.iter().flatten() {
        c.execute(
            "INSERT INTO api_token_rooms (token_id, room_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&id, &room.0],
        )?;
    }
    Ok(id)
}

/// `create_token` answering with the listed form.
fn create_token_info(c: &mut impl GenericClient, t: &NewToken) -> StoreResult<TokenInfo> {
    let id = create_token(c, t)?;
    let row = c
        .query_opt(&format!("{TOKEN_SELECT} WHERE t.id = $1"), &[&id])?
        .ok_or(StoreError::NotFound)?;
    let info = token_row(&row)?;
    with_rooms(c, info)
}

const TOKEN_SELECT: &str =
    "SELECT t.id, t.name, t.prefix, u.id, u.username, u.kind, t.scopes, t.limited, t.created_at,
            t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id";

fn token_row(r: &Row) -> StoreResult<TokenInfo> {
    Ok(TokenInfo {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        prefix: r.try_get(2)?,
        user_id: UserId(r.try_get(3)?),
        username: r.try_get(4)?,
        bot: r.try_get::<_, &str>(5)? == "bot",
        scopes: Scope::split(r.try_get(6)?),
        rooms: r.try_get::<_, bool>(7)?.then(Vec::new),
        created_at: Timestamp(r.try_get(8)?),
        last_used_at: r.try_get::<_, Option<i64>>(9)?.map(Timestamp),
    })
}

/// Fills in a limited token's rooms.
fn with_rooms(c: &mut impl GenericClient, mut info: TokenInfo) -> StoreResult<TokenInfo> {
    if info.rooms.is_some() {
        info.rooms = Some(token_rooms(c, info.id)?);
    }
    Ok(info)
}

fn token_rooms(c: &mut impl GenericClient, token: i64) -> StoreResult<Vec<RoomId>> {
    let rows = c.query(
        "SELECT room_id FROM api_token_rooms WHERE token_id = $1 ORDER BY room_id",
        &[&token],
    )?;
    rows.iter().map(|r| Ok(RoomId(r.try_get(0)?))).collect()
}

fn tokens_made_by(c: &mut impl GenericClient, maker: UserId) -> StoreResult<Vec<TokenInfo>> {
    let rows = c.query(
        &format!("{TOKEN_SELECT} WHERE t.made_by = $1 AND t.revoked_at IS NULL ORDER BY t.id DESC"),
        &[&maker.0],
    )?;
    let infos = rows
        .iter()
        .map(token_row)
        .collect::<StoreResult<Vec<_>>>()?;
    infos.into_iter().map(|info| with_rooms(c, info)).collect()
}

/// The event that closes a token's live connections, like an ended
/// session's.
fn token_ended(user: i64, hash: Vec<u8>) -> Option<Event> {
    let hash = <[u8; 32]>::try_from(hash).ok()?;
    Some(Event::Sessions(SessionsEnded {
        user: UserId(user),
        which: EndedSessions::One(hash),
    }))
}

fn revoke_token(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    maker: UserId,
    id: i64,
    now: Timestamp,
) -> StoreResult<bool> {
    let revoked = c.query_opt(
        "UPDATE api_tokens SET revoked_at = $3
         WHERE id = $1 AND made_by = $2 AND revoked_at IS NULL RETURNING user_id, token_hash",
        &[&id, &maker.0, &now.millis()],
    )?;
    let Some(revoked) = revoked else {
        return Ok(false);
    };
    events.extend(token_ended(revoked.try_get(0)?, revoked.try_get(1)?));
    Ok(true)
}

fn user_for_token(
    c: &mut impl GenericClient,
    hash: &[u8; 32],
) -> StoreResult<Option<(User, Grant)>> {
    let found = c.query_opt(
        "SELECT u.id, u.username, u.password_hash IS NOT NULL, u.created_at, u.theme, u.kind,
                t.id, t.scopes, t.limited
         FROM api_tokens t JOIN users u ON u.id = t.user_id JOIN users m ON m.id = t.made_by
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL
           AND u.deactivated_at IS NULL AND m.deactivated_at IS NULL",
        &[&&hash[..]],
    )?;
    let Some(r) = found else { return Ok(None) };
    let user = User {
        id: UserId(r.try_get(0)?),
        username: r.try_get(1)?,
        has_password: r.try_get(2)?,
        theme: Theme::from_db(r.try_get(4)?),
        created_at: Timestamp(r.try_get(3)?),
        bot: r.try_get::<_, &str>(5)? == "bot",
    };
    let mut grant = Grant {
        token_id: r.try_get(6)?,
        scopes: Scope::split(r.try_get(7)?),
        rooms: r.try_get::<_, bool>(8)?.then(Vec::new),
    };
    if grant.rooms.is_some() {
        grant.rooms = Some(token_rooms(c, grant.token_id)?);
    }
    Ok(Some((user, grant)))
}
