//! Disappearing messages and server-wide retention: messages that are due
//! are deleted (text, edits, search entries, files), with one room event
//! per room for each batch.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{RoomId, Seq, Timestamp};

/// What one expiry write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Expired {
    /// Messages looked at: fewer than the limit means none are left due.
    pub looked_at: u32,
    /// Messages that disappeared.
    pub messages: u32,
    /// Their files, whose bytes are now queued for deletion.
    pub files: u32,
    /// The write stopped before the limit to let other writes in, with
    /// more messages still due (`looked_at` is then below the limit).
    pub cut_short: bool,
}

impl Expired {
    /// Whether more may be due after this write of at most `limit`.
    pub fn more_due(&self, limit: u32) -> bool {
        self.cut_short || self.looked_at >= limit
    }
}

#[async_trait]
pub trait Disappearing: Send + Sync {
    /// Sets the room's disappearing-messages timer (0 turns it off) and
    /// logs `room.disappearing_changed` with the room's next seq.
    async fn set_disappearing(&self, room: RoomId, secs: u32, changed_by: &str)
        -> StoreResult<Seq>;
    /// The soonest time a stored message is due to disappear.
    async fn next_expiry(&self) -> StoreResult<Option<Timestamp>>;
    /// Makes at most `limit` messages due at `now` disappear (text and
    /// edits removed, one `messages.expired` logged per room per write),
    /// through the ordinary write path, in one write or in several short
    /// ones with other writes between them (SQLite). A store may stop
    /// sooner, with `cut_short`, so that no write holds others up for long.
    async fn expire_due(&self, now: Timestamp, limit: u32) -> StoreResult<Expired>;
    /// Server-wide retention: makes at most `limit` messages posted before
    /// `cutoff` disappear as `expire_due` does, oldest first. `looked_at`
    /// counts every message passed over (some may be gone already).
    async fn expire_posted_before(&self, cutoff: Timestamp, limit: u32) -> StoreResult<Expired>;
    /// Days after which every message disappears (0: kept forever).
    async fn retention_days(&self) -> StoreResult<u32>;
    async fn set_retention_days(&self, days: u32) -> StoreResult<()>;
}
