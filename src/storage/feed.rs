//! The bots' event feed: where each API token acknowledged its rooms'
//! events up to, and where a room it has not seen yet starts.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{RoomId, Seq, UserId};

#[async_trait]
pub trait BotFeed: Send + Sync {
    /// The token's acknowledged position per room (empty before its first ack).
    async fn feed_positions(&self, token: i64) -> StoreResult<Vec<(RoomId, Seq)>>;
    /// Moves the token's positions forward (never back) to `positions`, and
    /// forgets rooms not in `following` (rooms it left), so the rows stay
    /// bounded by the rooms its user is in. Returns once committed.
    async fn acknowledge_feed(
        &self,
        token: i64,
        following: Vec<RoomId>,
        positions: Vec<(RoomId, Seq)>,
    ) -> StoreResult<()>;
    /// Per room, the newest seq from before `user` joined it: a room the
    /// feed has no position for is followed from there.
    async fn seqs_at_join(
        &self,
        user: UserId,
        rooms: Vec<RoomId>,
    ) -> StoreResult<Vec<(RoomId, Seq)>>;
}
