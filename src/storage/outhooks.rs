//! Outgoing webhooks: the hooks, each one's cursor per room and its recent
//! delivery attempts.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{DeliveryAttempt, MessageJson, OutHookInfo, RoomId, Seq, Timestamp, UserId};

/// A hook to store.
#[derive(Debug, Clone)]
pub struct NewOutHook {
    /// `None`: a bot's hook, following every room `bot` is in.
    pub room: Option<RoomId>,
    pub bot: UserId,
    pub made_by: UserId,
    pub name: String,
    pub url: String,
    pub secret: String,
    /// Deliver in batches (see `OutHookInfo::batch`).
    pub batch: bool,
    pub now: Timestamp,
}

/// A hook with what delivering needs: its secret.
#[derive(Debug, Clone)]
pub struct OutHook {
    pub info: OutHookInfo,
    pub secret: String,
}

/// What a hook's worker got done since it last wrote: cursors moved and
/// attempts made (oldest first).
#[derive(Debug, Clone, Default)]
pub struct DeliveryProgress {
    pub cursors: Vec<(RoomId, Seq)>,
    pub attempts: Vec<DeliveryAttempt>,
}

/// A room event as the log keeps it, for a reader that passes events on
/// without looking inside (a hook's worker: decoding each event and
/// encoding it again was most of a delivery's CPU, BENCHMARKS.md "Issue 19").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoggedEvent {
    /// A message's creation, in its current state, with who wrote it.
    Created {
        seq: Seq,
        author: UserId,
        message: MessageJson,
    },
    /// A later change: the event's JSON as logged (see
    /// `RoomEvent::from_logged`).
    Changed { seq: Seq, payload: String },
}

impl LoggedEvent {
    pub fn seq(&self) -> Seq {
        match self {
            Self::Created { seq, .. } | Self::Changed { seq, .. } => *seq,
        }
    }
}

/// Creations and changes, each oldest first, merged by seq and cut to `limit`.
pub(crate) fn merged(
    created: Vec<LoggedEvent>,
    changes: Vec<LoggedEvent>,
    limit: u32,
) -> Vec<LoggedEvent> {
    let mut all: Vec<LoggedEvent> = created.into_iter().chain(changes).collect();
    all.sort_by_key(LoggedEvent::seq);
    all.truncate(limit as usize);
    all
}

#[async_trait]
pub trait OutHooks: Send + Sync {
    /// Stores the hook with a cursor at the room's newest seq (a new hook
    /// does not replay history). `Conflict` when the room (for a bot's
    /// hook: the bot) has `max` hooks already. A bot's hook gets a cursor
    /// at the newest seq of each room its bot is in; its worker starts a
    /// room joined later at the bot's join.
    async fn create_out_hook(&self, hook: NewOutHook, max: u32) -> StoreResult<OutHook>;
    /// A room's hooks, oldest first.
    async fn out_hooks_of_room(&self, room: RoomId) -> StoreResult<Vec<OutHook>>;
    /// A bot's own hooks (those of no room), oldest first.
    async fn out_hooks_of_bot(&self, bot: UserId) -> StoreResult<Vec<OutHook>>;
    async fn out_hook(&self, id: i64) -> StoreResult<Option<OutHook>>;
    /// Every hook that is not paused (to start their workers).
    async fn active_out_hooks(&self) -> StoreResult<Vec<OutHook>>;
    /// Which hooks `node` delivers: renews its leases on the hooks it holds
    /// and takes those no node holds (new, or whose holder stopped renewing),
    /// each for `lease_ms` by the store's clock; answers the ids of the
    /// hooks not paused that `node` holds now, oldest first. No other node
    /// gets them until its lease runs out, so several nodes on one
    /// database deliver each hook once. SQLite has one node: all of them.
    async fn claim_out_hooks(&self, node: &str, lease_ms: u32) -> StoreResult<Vec<i64>>;
    /// `false` when there is no such hook.
    async fn delete_out_hook(&self, id: i64) -> StoreResult<bool>;
    /// Pauses (`Some((when, why))`) or resumes (`None`) the hook; `false`
    /// when there is no such hook.
    async fn set_out_hook_paused(
        &self,
        id: i64,
        paused: Option<(Timestamp, String)>,
    ) -> StoreResult<bool>;
    async fn out_hook_cursors(&self, id: i64) -> StoreResult<Vec<(RoomId, Seq)>>;
    /// Moves cursors forward (never back) and logs attempts, keeping the
    /// newest `keep` attempts of the hook, in one transaction.
    async fn save_delivery_progress(
        &self,
        id: i64,
        progress: DeliveryProgress,
        keep: u32,
    ) -> StoreResult<()>;
    /// The hook's newest attempts, newest first.
    async fn delivery_log(&self, id: i64, limit: u32) -> StoreResult<Vec<DeliveryAttempt>>;
    /// The same events as `Messages::events_after` (from one snapshot,
    /// oldest first, at most `limit`), as stored.
    async fn logged_events_after(
        &self,
        room: RoomId,
        after: Seq,
        limit: u32,
    ) -> StoreResult<Vec<LoggedEvent>>;
}
