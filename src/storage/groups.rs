//! Group conversations (issue 16): private rooms of a few people, found
//! again by who is in them.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{Room, RoomId, Timestamp, UserId};

#[async_trait]
pub trait Groups: Send + Sync {
    /// The group conversation of exactly `creator` and `others`, or a new
    /// private one named `name`; whether it was made now. A new one
    /// announces its members' `Event::Membership`.
    async fn open_group(
        &self,
        creator: UserId,
        others: Vec<UserId>,
        name: String,
        now: Timestamp,
    ) -> StoreResult<(Room, bool)>;
    /// Which of the user's rooms are group conversations.
    async fn groups_of(&self, user: UserId) -> StoreResult<Vec<RoomId>>;
    /// Whether the room is a group conversation, and how many are in it.
    async fn group_size(&self, room: RoomId) -> StoreResult<Option<u32>>;
}
