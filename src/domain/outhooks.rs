//! Outgoing webhooks as people and the API see them: a hook (never its
//! secret after it was made) and its delivery log.

use serde::Serialize;
use utoipa::ToSchema;

use super::{RoomId, Seq, Timestamp, UserId};

/// An outgoing webhook: its room's events go to `url`, signed; replies are
/// posted as its bot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct OutHookInfo {
    pub id: i64,
    /// The hook's room; `None` for a bot's hook, which delivers the events
    /// of every room its bot is a member of.
    pub room_id: Option<RoomId>,
    pub name: String,
    pub url: String,
    /// The bot that replies are posted as (and that is told of a pause).
    pub bot_id: UserId,
    pub bot: String,
    pub made_by: String,
    pub made_by_id: UserId,
    pub created_at: Timestamp,
    /// When deliveries stopped (after too many failures, or by hand);
    /// `None` while delivering.
    pub paused_at: Option<Timestamp>,
    /// Why it paused: the last failure, or "paused by <name>".
    pub pause_reason: Option<String>,
    /// Events go out in batches (`{"events":[...]}`, one signed POST per
    /// read of the log) rather than one POST each.
    pub batch: bool,
}

/// One delivery attempt, for the hook's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DeliveryAttempt {
    pub at: Timestamp,
    pub room_id: RoomId,
    pub seq: Seq,
    /// 1 for the first try of this event, 2 for its first retry, ...
    pub attempt: u32,
    /// The receiver's HTTP status; `None` when it did not answer.
    pub status: Option<u16>,
    /// From sending to the end of the answer read, in milliseconds.
    pub latency_ms: u32,
    /// Why it failed; `None` when the receiver took the event.
    pub error: Option<String>,
}
