//! Mentions and notification settings: who a message names, a user's
//! mentions inbox, per-room notification levels and do-not-disturb.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{Member, MentionEntry, NotificationLevel, RoomId, Timestamp, UserId};

#[async_trait]
pub trait Mentions: Send + Sync {
    /// The room's members whose lower-cased name is one of `name_keys`.
    async fn members_named(&self, room: RoomId, name_keys: Vec<String>)
        -> StoreResult<Vec<Member>>;
    /// Whether plain members (not only owners) may mention the whole room.
    async fn members_may_mention_room(&self, room: RoomId) -> StoreResult<bool>;
    async fn set_members_may_mention_room(&self, room: RoomId, allowed: bool) -> StoreResult<()>;
    /// The messages that mention `user` (by name or the whole room), newest
    /// first, only in rooms `user` is a member of now, never their own or
    /// deleted ones; `before` is an entry id from an earlier page.
    async fn mentions_of(
        &self,
        user: UserId,
        before: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<MentionEntry>>;
    /// Per room of `user`: mentions of them after their read marker.
    async fn mention_counts(&self, user: UserId) -> StoreResult<Vec<(RoomId, i64)>>;
    /// The rooms where `user` chose a level other than the default.
    async fn notification_levels(
        &self,
        user: UserId,
    ) -> StoreResult<Vec<(RoomId, NotificationLevel)>>;
    async fn set_notification_level(
        &self,
        room: RoomId,
        user: UserId,
        level: NotificationLevel,
    ) -> StoreResult<()>;
    /// Until when `user` does not want to be disturbed (`None`: off).
    async fn do_not_disturb(&self, user: UserId) -> StoreResult<Option<Timestamp>>;
    async fn set_do_not_disturb(&self, user: UserId, until: Option<Timestamp>) -> StoreResult<()>;
}
