//! Integrations in SQLite: bots (user rows of kind `bot`), API tokens and
//! incoming webhooks, each kept as the SHA-256 of its secret.

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::SqliteStore;
use crate::domain::{
    Bot, EndedSessions, Event, Grant, HookInfo, HookTarget, RoomId, Scope, SessionsEnded,
    Timestamp, TokenInfo, User, UserId,
};
use crate::storage::{Integrations, NewHook, NewToken, StoreResult};

#[async_trait]
impl Integrations for SqliteStore {
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
        self.readers
            .read_quick(move |c| user_for_token(c, &hash))
            .await
    }

    async fn token_used(&self, id: i64, at: Timestamp) -> StoreResult<()> {
        self.writer
            .write(move |c, _| {
                c.prepare_cached("UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1")?
                    .execute(params![id, at.millis()])?;
                Ok(())
            })
            .await
    }

    async fn create_hook(&self, hook: NewHook) -> StoreResult<HookInfo> {
        self.writer.write(move |c, _| create_hook(c, &hook)).await
    }

    async fn hooks_of_room(&self, room: RoomId) -> StoreResult<Vec<HookInfo>> {
        self.readers
            .read(move |c| {
                let mut stmt = c.prepare_cached(&format!(
                    "{HOOK_SELECT} WHERE h.room_id = ?1 AND h.revoked_at IS NULL ORDER BY h.id DESC"
                ))?;
                let rows = stmt.query_map([room.0], hook_row)?;
                Ok(rows.map(|r| r.map(|(h, _)| h)).collect::<Result<_, _>>()?)
            })
            .await
    }

    async fn hook(&self, room: RoomId, id: i64) -> StoreResult<Option<(HookInfo, UserId)>> {
        self.readers
            .read(move |c| {
                Ok(c.prepare_cached(&format!(
                    "{HOOK_SELECT} WHERE h.room_id = ?1 AND h.id = ?2 AND h.revoked_at IS NULL"
                ))?
                .query_row(params![room.0, id], hook_row)
                .optional()?)
            })
            .await
    }

    async fn revoke_hook(&self, room: RoomId, id: i64, now: Timestamp) -> StoreResult<bool> {
        self.writer
            .write(move |c, _| {
                let n = c
                    .prepare_cached(
                        "UPDATE room_hooks SET revoked_at = ?3
                         WHERE room_id = ?1 AND id = ?2 AND revoked_at IS NULL",
                    )?
                    .execute(params![room.0, id, now.millis()])?;
                Ok(n == 1)
            })
            .await
    }

    async fn hook_target(&self, id: i64) -> StoreResult<Option<HookTarget>> {
        self.readers
            .read_quick(move |c| {
                Ok(c.prepare_cached(
                    "SELECT h.id, h.room_id, h.bot_id, h.secret_hash FROM room_hooks h
                     JOIN users m ON m.id = h.made_by JOIN users b ON b.id = h.bot_id
                     WHERE h.id = ?1 AND h.revoked_at IS NULL
                       AND m.deactivated_at IS NULL AND b.deactivated_at IS NULL",
                )?
                .query_row([id], |r| {
                    let hash: Vec<u8> = r.get(3)?;
                    Ok(HookTarget {
                        id: r.get(0)?,
                        room: RoomId(r.get(1)?),
                        bot: UserId(r.get(2)?),
                        secret_hash: hash.try_into().unwrap_or([0; 32]),
                    })
                })
                .optional()?)
            })
            .await
    }

    async fn hook_used(&self, id: i64, at: Timestamp) -> StoreResult<()> {
        self.writer
            .write(move |c, _| {
                c.prepare_cached("UPDATE room_hooks SET last_used_at = ?2 WHERE id = ?1")?
                    .execute(params![id, at.millis()])?;
                Ok(())
            })
            .await
    }
}

fn create_bot(
    c: &Connection,
    owner: UserId,
    name: &str,
    key: &str,
    avatar: Option<&str>,
    now: Timestamp,
) -> StoreResult<Bot> {
    // Unlike a person, a bot joins no room by itself: it is invited.
    let id: i64 = c
        .prepare_cached(
            "INSERT INTO users (username, username_key, created_at, kind, bot_owner_id, bot_avatar)
             VALUES (?1, ?2, ?3, 'bot', ?4, ?5) RETURNING id",
        )?
        .query_row(params![name, key, now.millis(), owner.0, avatar], |r| {
            r.get(0)
        })?;
    Ok(c.prepare_cached(&format!("{BOT_SELECT} WHERE b.id = ?1"))?
        .query_row([id], bot_row)?)
}

const BOT_SELECT: &str =
    "SELECT b.id, b.username, b.bot_avatar, o.id, o.username, b.created_at FROM users b
     JOIN users o ON o.id = b.bot_owner_id";

fn bot_row(r: &Row<'_>) -> rusqlite::Result<Bot> {
    Ok(Bot {
        user_id: UserId(r.get(0)?),
        name: r.get(1)?,
        avatar: r.get(2)?,
        owner_id: UserId(r.get(3)?),
        owner: r.get(4)?,
        created_at: Timestamp(r.get(5)?),
    })
}

fn bots_of(c: &Connection, owner: UserId) -> StoreResult<Vec<Bot>> {
    let mut stmt = c.prepare_cached(&format!(
        "{BOT_SELECT} WHERE b.bot_owner_id = ?1 AND b.kind = 'bot' ORDER BY b.username_key"
    ))?;
    let rows = stmt.query_map([owner.0], bot_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn create_token(c: &Connection, t: &NewToken) -> StoreResult<i64> {
    let id: i64 = c
        .prepare_cached(
            "INSERT INTO api_tokens (token_hash, prefix, user_id, made_by, name, scopes, limited,
                                     created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
        )?
        .query_row(
            params![
                &t.hash[..],
                t.prefix,
                t.user.0,
                t.made_by.0,
                t.name,
                Scope::join(&t.scopes),
                t.rooms.is_some(),
                t.now.millis()
            ],
            |r| r.get(0),
        )?;
    for room in t.rooms.iter().flatten() {
        c.prepare_cached(
            "INSERT INTO api_token_rooms (token_id, room_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        )?
        .execute(params![id, room.0])?;
    }
    Ok(id)
}

/// `create_token` answering with the listed form.
fn create_token_info(c: &Connection, t: &NewToken) -> StoreResult<TokenInfo> {
    let id = create_token(c, t)?;
    let info = c
        .prepare_cached(&format!("{TOKEN_SELECT} WHERE t.id = ?1"))?
        .query_row([id], token_row)?;
    with_rooms(c, info)
}

const TOKEN_SELECT: &str =
    "SELECT t.id, t.name, t.prefix, u.id, u.username, u.kind, t.scopes, t.limited, t.created_at,
            t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id";

fn token_row(r: &Row<'_>) -> rusqlite::Result<TokenInfo> {
    Ok(TokenInfo {
        id: r.get(0)?,
        name: r.get(1)?,
        prefix: r.get(2)?,
        user_id: UserId(r.get(3)?),
        username: r.get(4)?,
        bot: r.get::<_, String>(5)? == "bot",
        scopes: Scope::split(&r.get::<_, String>(6)?),
        rooms: r.get::<_, bool>(7)?.then(Vec::new),
        created_at: Timestamp(r.get(8)?),
        last_used_at: r.get::<_, Option<i64>>(9)?.map(Timestamp),
    })
}

/// Fills in a limited token's rooms.
fn with_rooms(c: &Connection, mut info: TokenInfo) -> StoreResult<TokenInfo> {
    if info.rooms.is_some() {
        info.rooms = Some(token_rooms(c, info.id)?);
    }
    Ok(info)
}

fn token_rooms(c: &Connection, token: i64) -> StoreResult<Vec<RoomId>> {
    let mut stmt = c.prepare_cached(
        "SELECT room_id FROM api_token_rooms WHERE token_id = ?1 ORDER BY room_id",
    )?;
    let rows = stmt.query_map([token], |r| r.get(0).map(RoomId))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn tokens_made_by(c: &Connection, maker: UserId) -> StoreResult<Vec<TokenInfo>> {
    let mut stmt = c.prepare_cached(&format!(
        "{TOKEN_SELECT} WHERE t.made_by = ?1 AND t.revoked_at IS NULL ORDER BY t.id DESC"
    ))?;
    let rows = stmt
        .query_map([maker.0], token_row)?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(|info| with_rooms(c, info)).collect()
}

fn revoke_token(
    c: &Connection,
    events: &mut Vec<Event>,
    maker: UserId,
    id: i64,
    now: Timestamp,
) -> StoreResult<bool> {
    let revoked: Option<(i64, Vec<u8>)> = c
        .prepare_cached(
            "UPDATE api_tokens SET revoked_at = ?3
             WHERE id = ?1 AND made_by = ?2 AND revoked_at IS NULL RETURNING user_id, token_hash",
        )?
        .query_row(params![id, maker.0, now.millis()], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let Some((user, hash)) = revoked else {
        return Ok(false);
    };
    // The token's live connections close at once, like an ended session's.
    if let Ok(hash) = <[u8; 32]>::try_from(hash) {
        events.push(Event::Sessions(SessionsEnded {
            user: UserId(user),
            which: EndedSessions::One(hash),
        }));
    }
    Ok(true)
}

fn user_for_token(c: &Connection, hash: &[u8; 32]) -> StoreResult<Option<(User, Grant)>> {
    let found = c
        .prepare_cached(
            "SELECT u.id, u.username, u.password_hash, u.created_at, u.theme, u.kind,
                    t.id, t.scopes, t.limited
             FROM api_tokens t JOIN users u ON u.id = t.user_id JOIN users m ON m.id = t.made_by
             WHERE t.token_hash = ?1 AND t.revoked_at IS NULL
               AND u.deactivated_at IS NULL AND m.deactivated_at IS NULL",
        )?
        .query_row([&hash[..]], |r| {
            let user = super::accounts::user_record(r)?.user;
            let grant = Grant {
                token_id: r.get(6)?,
                scopes: Scope::split(&r.get::<_, String>(7)?),
                rooms: r.get::<_, bool>(8)?.then(Vec::new),
            };
            Ok((user, grant))
        })
        .optional()?;
    let Some((user, mut grant)) = found else {
        return Ok(None);
    };
    if grant.rooms.is_some() {
        grant.rooms = Some(token_rooms(c, grant.token_id)?);
    }
    Ok(Some((user, grant)))
}

/// Deactivating a person revokes every token they made, in the same
/// transaction, and closes the live connections of each user those tokens
/// acted as (their bots): a bot never outlives its owner's access.
pub fn end_tokens_made_by(
    c: &Connection,
    events: &mut Vec<Event>,
    maker: UserId,
    now: Timestamp,
) -> StoreResult<()> {
    let mut stmt = c.prepare_cached(
        "UPDATE api_tokens SET revoked_at = ?2 WHERE made_by = ?1 AND revoked_at IS NULL
         RETURNING user_id, token_hash",
    )?;
    let ended = stmt
        .query_map(params![maker.0, now.millis()], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    for (user, hash) in ended {
        if let Ok(hash) = <[u8; 32]>::try_from(hash) {
            events.push(Event::Sessions(SessionsEnded {
                user: UserId(user),
                which: EndedSessions::One(hash),
            }));
        }
    }
    Ok(())
}

fn create_hook(c: &Connection, h: &NewHook) -> StoreResult<HookInfo> {
    let id: i64 = c
        .prepare_cached(
            "INSERT INTO room_hooks (room_id, bot_id, made_by, name, secret_hash, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
        )?
        .query_row(
            params![
                h.room.0,
                h.bot.0,
                h.made_by.0,
                h.name,
                &h.secret_hash[..],
                h.now.millis()
            ],
            |r| r.get(0),
        )?;
    Ok(c.prepare_cached(&format!("{HOOK_SELECT} WHERE h.id = ?1"))?
        .query_row([id], hook_row)?
        .0)
}

const HOOK_SELECT: &str =
    "SELECT h.id, h.room_id, h.name, b.id, b.username, m.username, h.created_at, h.last_used_at,
            m.id
     FROM room_hooks h JOIN users b ON b.id = h.bot_id JOIN users m ON m.id = h.made_by";

/// A hook and who made it.
fn hook_row(r: &Row<'_>) -> rusqlite::Result<(HookInfo, UserId)> {
    Ok((
        HookInfo {
            id: r.get(0)?,
            room_id: RoomId(r.get(1)?),
            name: r.get(2)?,
            bot_id: UserId(r.get(3)?),
            bot: r.get(4)?,
            made_by: r.get(5)?,
            created_at: Timestamp(r.get(6)?),
            last_used_at: r.get::<_, Option<i64>>(7)?.map(Timestamp),
        },
        UserId(r.get(8)?),
    ))
}
