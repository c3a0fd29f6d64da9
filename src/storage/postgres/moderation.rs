//! Moderation on PostgreSQL: room bans and the append-only audit log (as
//! `storage/sqlite/moderation.rs`).

use async_trait::async_trait;
use postgres::GenericClient;

use super::PgStore;
use crate::domain::{AuditRecord, Event, LeaveReason, RoomId, Timestamp, UserId};
use crate::storage::{AuditEntry, Moderation, StoreResult};

/// Bans the user from the room and removes their membership, in one
/// transaction. Returns whether they were a member.
pub fn ban_member(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    room: RoomId,
    user: UserId,
    by: UserId,
    now: Timestamp,
) -> StoreResult<bool> {
    c.execute(
        "INSERT INTO room_bans (room_id, user_id, banned_by, banned_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING",
        &[&room.0, &user.0, &by.0, &now.millis()],
    )?;
    super::memberships::remove_member(c, events, room, user, LeaveReason::Banned, Some(by))
}

pub fn unban_member(c: &mut impl GenericClient, room: RoomId, user: UserId) -> StoreResult<bool> {
    let n = c.execute(
        "DELETE FROM room_bans WHERE room_id = $1 AND user_id = $2",
        &[&room.0, &user.0],
    )?;
    Ok(n > 0)
}

pub fn is_banned(c: &mut impl GenericClient, room: RoomId, user: UserId) -> StoreResult<bool> {
    Ok(c.query_opt(
        "SELECT 1 FROM room_bans WHERE room_id = $1 AND user_id = $2",
        &[&room.0, &user.0],
    )?
    .is_some())
}

pub fn record_audit(
    c: &mut impl GenericClient,
    entry: &AuditEntry,
    now: Timestamp,
) -> StoreResult<()> {
    c.execute(
        "INSERT INTO audit_log (at, actor_id, action, target, room_id) VALUES ($1, $2, $3, $4, $5)",
        &[
            &now.millis(),
            &entry.actor.0,
            &entry.action,
            &entry.target,
            &entry.room.map(|r| r.0),
        ],
    )?;
    Ok(())
}

/// The newest entries first.
pub fn audit_log(c: &mut impl GenericClient, limit: u32) -> StoreResult<Vec<AuditRecord>> {
    c.query(
        "SELECT a.id, a.at, coalesce(u.username, 'natter admin'), a.action, a.target, a.room_id
         FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id ORDER BY a.id DESC LIMIT $1",
        &[&i64::from(limit)],
    )?
    .iter()
    .map(|r| {
        Ok(AuditRecord {
            id: r.try_get(0)?,
            at: Timestamp(r.try_get(1)?),
            actor: r.try_get(2)?,
            action: r.try_get(3)?,
            target: r.try_get(4)?,
            room_id: r.try_get::<_, Option<i64>>(5)?.map(RoomId),
        })
    })
    .collect()
}

#[async_trait]
impl Moderation for PgStore {
    async fn ban_member(&self, room: RoomId, user: UserId, by: UserId) -> StoreResult<bool> {
        let now = Timestamp::now();
        self.writer
            .write(move |tx, ev| ban_member(tx, ev, room, user, by, now))
            .await
    }

    async fn unban_member(&self, room: RoomId, user: UserId) -> StoreResult<bool> {
        self.writer
            .write(move |tx, _| unban_member(tx, room, user))
            .await
    }

    async fn is_banned(&self, room: RoomId, user: UserId) -> StoreResult<bool> {
        self.readers.read(move |c| is_banned(c, room, user)).await
    }

    async fn audit_log(&self, limit: u32) -> StoreResult<Vec<AuditRecord>> {
        self.readers.read(move |c| audit_log(c, limit)).await
    }
}
