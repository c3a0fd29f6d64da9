//! Incoming webhooks in PostgreSQL: a room's hooks, each posting as a bot,
//! kept as the SHA-256 of its secret (the `Integrations` area).

use postgres::{GenericClient, Row};

use crate::domain::{HookInfo, HookTarget, RoomId, Timestamp, UserId};
use crate::storage::{NewHook, StoreError, StoreResult};

const HOOK_SELECT: &str =
    "SELECT h.id, h.room_id, h.name, b.id, b.username, m.username, h.created_at, h.last_used_at,
            m.id
     FROM room_hooks h JOIN users b ON b.id = h.bot_id JOIN users m ON m.id = h.made_by";

/// A hook and who made it.
fn hook_row(r: &Row) -> StoreResult<(HookInfo, UserId)> {
    Ok((
        HookInfo {
            id: r.try_get(0)?,
            room_id: RoomId(r.try_get(1)?),
            name: r.try_get(2)?,
            bot_id: UserId(r.try_get(3)?),
            bot: r.try_get(4)?,
            made_by: r.try_get(5)?,
            created_at: Timestamp(r.try_get(6)?),
            last_used_at: r.try_get::<_, Option<i64>>(7)?.map(Timestamp),
        },
        UserId(r.try_get(8)?),
    ))
}

pub fn create_hook(c: &mut impl GenericClient, h: &NewHook) -> StoreResult<HookInfo> {
    let id: i64 = c
        .query_one(
            "INSERT INTO room_hooks (room_id, bot_id, made_by, name, secret_hash, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            &[
                &h.room.0,
                &h.bot.0,
                &h.made_by.0,
                &h.name,
                &&h.secret_hash[..],
                &h.now.millis(),
            ],
        )?
        .try_get(0)?;
    let row = c
        .query_opt(&format!("{HOOK_SELECT} WHERE h.id = $1"), &[&id])?
        .ok_or(StoreError::NotFound)?;
    Ok(hook_row(&row)?.0)
}

/// A room's live webhooks, newest first.
pub fn hooks_of_room(c: &mut impl GenericClient, room: RoomId) -> StoreResult<Vec<HookInfo>> {
    let rows = c.query(
        &format!("{HOOK_SELECT} WHERE h.room_id = $1 AND h.revoked_at IS NULL ORDER BY h.id DESC"),
        &[&room.0],
    )?;
    rows.iter().map(|r| Ok(hook_row(r)?.0)).collect()
}

pub fn hook(
    c: &mut impl GenericClient,
    room: RoomId,
    id: i64,
) -> StoreResult<Option<(HookInfo, UserId)>> {
    c.query_opt(
        &format!("{HOOK_SELECT} WHERE h.room_id = $1 AND h.id = $2 AND h.revoked_at IS NULL"),
        &[&room.0, &id],
    )?
    .as_ref()
    .map(hook_row)
    .transpose()
}

pub fn revoke_hook(
    c: &mut impl GenericClient,
    room: RoomId,
    id: i64,
    now: Timestamp,
) -> StoreResult<bool> {
    let n = c.execute(
        "UPDATE room_hooks SET revoked_at = $3
         WHERE room_id = $1 AND id = $2 AND revoked_at IS NULL",
        &[&room.0, &id, &now.millis()],
    )?;
    Ok(n == 1)
}

/// A live hook whose maker and bot are active, to post through.
pub fn hook_target(c: &mut impl GenericClient, id: i64) -> StoreResult<Option<HookTarget>> {
    let row = c.query_opt(
        "SELECT h.id, h.room_id, h.bot_id, h.secret_hash FROM room_hooks h
         JOIN users m ON m.id = h.made_by JOIN users b ON b.id = h.bot_id
         WHERE h.id = $1 AND h.revoked_at IS NULL
           AND m.deactivated_at IS NULL AND b.deactivated_at IS NULL",
        &[&id],
    )?;
    let Some(r) = row else { return Ok(None) };
    let hash: Vec<u8> = r.try_get(3)?;
    Ok(Some(HookTarget {
        id: r.try_get(0)?,
        room: RoomId(r.try_get(1)?),
        bot: UserId(r.try_get(2)?),
        secret_hash: hash.try_into().unwrap_or([0; 32]),
    }))
}

pub fn hook_used(c: &mut impl GenericClient, id: i64, at: Timestamp) -> StoreResult<()> {
    c.execute(
        "UPDATE room_hooks SET last_used_at = $2 WHERE id = $1",
        &[&id, &at.millis()],
    )?;
    Ok(())
}
