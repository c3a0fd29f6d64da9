//! Moderation: room bans and the append-only audit log.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{AuditRecord, RoomId, UserId};

/// An admin's or moderator's action, for the audit log.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub actor: UserId,
    pub action: &'static str,
    pub target: String,
    pub room: Option<RoomId>,
}

#[async_trait]
pub trait Moderation: Send + Sync {
    /// Bans the user from the room and removes them from it (one
    /// transaction); returns whether they were in it.
    async fn ban_member(&self, room: RoomId, user: UserId, by: UserId) -> StoreResult<bool>;
    /// Returns whether there was a ban.
    async fn unban_member(&self, room: RoomId, user: UserId) -> StoreResult<bool>;
    async fn is_banned(&self, room: RoomId, user: UserId) -> StoreResult<bool>;
    /// The newest `limit` entries, newest first.
    async fn audit_log(&self, limit: u32) -> StoreResult<Vec<AuditRecord>>;
}
