//! Statuses (issue 16): an emoji and a line per person, with an optional end.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{MemberStatus, RoomId, Timestamp, UserId, UserStatus};

#[async_trait]
pub trait Statuses: Send + Sync {
    /// Sets (or with `None` clears) the user's status.
    async fn set_status(&self, user: UserId, status: Option<UserStatus>) -> StoreResult<()>;
    /// The user's status unless it has ended by `now`.
    async fn status_of(&self, user: UserId, now: Timestamp) -> StoreResult<Option<UserStatus>>;
    /// The statuses (not ended by `now`) of the room's members, by name.
    async fn member_statuses(&self, room: RoomId, now: Timestamp)
        -> StoreResult<Vec<MemberStatus>>;
}
