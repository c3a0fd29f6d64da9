//! Web Push (issue 16): the server's VAPID key, browsers' subscriptions,
//! and the queue and cursors that deliver each subscription's pushes at
//! least once, in order.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{NotificationLevel, RoomId, Seq, Timestamp, UserId};

/// A subscription as kept: where to push and the browser's keys (base64url).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushSubscriptionRecord {
    pub id: i64,
    pub user_id: UserId,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub created_at: Timestamp,
}

/// A subscription to keep, for the session (token hash) that made it.
#[derive(Debug, Clone)]
pub struct NewPushSubscription {
    pub user_id: UserId,
    pub session_hash: [u8; 32],
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
}

/// A member of a room with a push subscription, and what they chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushCandidate {
    pub subscription: i64,
    pub user_id: UserId,
    pub username: String,
    pub level: NotificationLevel,
    pub quiet_until: Option<Timestamp>,
}

/// One push waiting for its subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedPush {
    pub subscription: i64,
    pub room: RoomId,
    pub seq: Seq,
    pub body: Vec<u8>,
}

#[async_trait]
pub trait Push: Send + Sync {
    /// The kept VAPID key (PEM); the first caller's `made` is kept when
    /// there is none yet, so every node ends up with the same key.
    async fn push_key_or(&self, made: String) -> StoreResult<String>;
    /// Keeps the subscription (the same endpoint again replaces its keys
    /// and owner); `Conflict` when the user already has `max_per_user`
    /// others.
    async fn add_push_subscription(
        &self,
        new: NewPushSubscription,
        max_per_user: u32,
    ) -> StoreResult<PushSubscriptionRecord>;
    async fn push_subscriptions_of(&self, user: UserId)
        -> StoreResult<Vec<PushSubscriptionRecord>>;
    async fn push_subscription(&self, id: i64) -> StoreResult<Option<PushSubscriptionRecord>>;
    /// Removes the subscription (only `owner`'s, when given); whether it was there.
    async fn delete_push_subscription(&self, id: i64, owner: Option<UserId>) -> StoreResult<bool>;
    /// The room's members other than `author`, members since `at` or
    /// before, who have a push subscription: one row per subscription.
    async fn push_candidates(
        &self,
        room: RoomId,
        author: UserId,
        at: Timestamp,
    ) -> StoreResult<Vec<PushCandidate>>;
    /// Queues pushes; a subscription keeps at most `per_subscription`
    /// waiting (the oldest go first).
    async fn queue_pushes(&self, pushes: Vec<QueuedPush>, per_subscription: u32)
        -> StoreResult<()>;
    /// Up to `limit` of the subscription's waiting pushes, in queue order.
    async fn queued_pushes(&self, subscription: i64, limit: u32) -> StoreResult<Vec<QueuedPush>>;
    /// Whether that push still waits (its message may have been deleted
    /// or expired since, which takes the push with it).
    async fn push_waiting(&self, subscription: i64, room: RoomId, seq: Seq) -> StoreResult<bool>;
    async fn push_cursors(&self, subscription: i64) -> StoreResult<Vec<(RoomId, Seq)>>;
    /// Moves the cursor and drops the pushes it passed.
    async fn save_push_cursor(&self, subscription: i64, room: RoomId, seq: Seq) -> StoreResult<()>;
    /// Subscriptions with pushes waiting (their workers start at boot).
    async fn subscriptions_with_queued_pushes(&self) -> StoreResult<Vec<i64>>;
    /// Whether anyone on the server has a push subscription at all.
    async fn any_push_subscription(&self) -> StoreResult<bool>;
}
