//! Moderation in SQLite: room bans and the append-only audit log.

use rusqlite::{params, Connection, OptionalExtension};

use super::SqliteStore;
use crate::domain::{AuditRecord, Event, LeaveReason, RoomId, Timestamp, UserId};
use crate::storage::Moderation;
use crate::storage::{AuditEntry, StoreResult};
use async_trait::async_trait;

/// Bans the user from the room and removes their membership, in one
/// transaction. Returns whether they were a member.
pub fn ban_member(
    c: &Connection,
    events: &mut Vec<Event>,
    room: RoomId,
    user: UserId,
    by: UserId,
    now: Timestamp,
) -> StoreResult<bool> {
    c.prepare_cached(
        "INSERT INTO room_bans (room_id, user_id, banned_by, banned_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT DO NOTHING",
    )?
    .execute(params![room.0, user.0, by.0, now.millis()])?;
    super::memberships::remove_member(c, events, room, user, LeaveReason::Banned, Some(by))
}

pub fn unban_member(c: &Connection, room: RoomId, user: UserId) -> StoreResult<bool> {
    let n = c
        .prepare_cached("DELETE FROM room_bans WHERE room_id = ?1 AND user_id = ?2")?
        .execute(params![room.0, user.0])?;
    Ok(n > 0)
}

pub fn is_banned(c: &Connection, room: RoomId, user: UserId) -> StoreResult<bool> {
    Ok(
        c.prepare_cached("SELECT 1 FROM room_bans WHERE room_id = ?1 AND user_id = ?2")?
            .query_row(params![room.0, user.0], |_| Ok(()))
            .optional()?
            .is_some(),
    )
}

pub fn record_audit(c: &Connection, entry: &AuditEntry, now: Timestamp) -> StoreResult<()> {
    c.prepare_cached(
        "INSERT INTO audit_log (at, actor_id, action, target, room_id) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        now.millis(),
        entry.actor.0,
        entry.action,
        entry.target,
        entry.room.map(|r| r.0)
    ])?;
    Ok(())
}

/// The newest entries first.
pub fn audit_log(c: &Connection, limit: u32) -> StoreResult<Vec<AuditRecord>> {
    let mut stmt = c.prepare_cached(
        "SELECT a.id, a.at, coalesce(u.username, 'natter admin'), a.action, a.target, a.room_id
         FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id ORDER BY a.id DESC LIMIT ?1",
    )?;
    let rows = stmt
        .query_map([limit], |r| {
            Ok(AuditRecord {
                id: r.get(0)?,
                at: Timestamp(r.get(1)?),
                actor: r.get(2)?,
                action: r.get(3)?,
                target: r.get(4)?,
                room_id: r.get::<_, Option<i64>>(5)?.map(RoomId),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

#[async_trait]
impl Moderation for SqliteStore {
    async fn ban_member(&self, room: RoomId, user: UserId, by: UserId) -> StoreResult<bool> {
        self.writer
            .write(move |c, ev| ban_member(c, ev, room, user, by, Timestamp::now()))
            .await
    }

    async fn unban_member(&self, room: RoomId, user: UserId) -> StoreResult<bool> {
        self.writer
            .write(move |c, _| unban_member(c, room, user))
            .await
    }

    async fn is_banned(&self, room: RoomId, user: UserId) -> StoreResult<bool> {
        self.readers
            .read_quick(move |c| is_banned(c, room, user))
            .await
    }

    async fn audit_log(&self, limit: u32) -> StoreResult<Vec<AuditRecord>> {
        self.readers.read(move |c| audit_log(c, limit)).await
    }
}
