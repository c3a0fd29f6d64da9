//! Pins (room events) and saved messages (a user's own bookmarks, no event).

use async_trait::async_trait;

use super::{AddOutcome, StoreResult};
use crate::domain::{Pin, Reactor, RoomId, SavedMessage, Seq, UserId};

#[async_trait]
pub trait Pins: Send + Sync {
    /// Pins the live message at `seq` and logs `message.pinned`; a repeat
    /// logs nothing; `Full` when the room has `max_pins` already.
    async fn pin_message(
        &self,
        room: RoomId,
        seq: Seq,
        who: Reactor,
        max_pins: u32,
    ) -> StoreResult<AddOutcome>;
    /// Unpins it and logs `message.unpinned`; `false` when it was not pinned.
    async fn unpin_message(&self, room: RoomId, seq: Seq, who: Reactor) -> StoreResult<bool>;
    /// The room's pinned messages, the most recently pinned first.
    async fn pins(&self, room: RoomId) -> StoreResult<Vec<Pin>>;
    /// Bookmarks the live message at `seq` for `user` alone (no event);
    /// `Full` when they have `max_saved` already.
    async fn save_message(
        &self,
        user: UserId,
        room: RoomId,
        seq: Seq,
        max_saved: u32,
    ) -> StoreResult<AddOutcome>;
    async fn unsave_message(&self, user: UserId, room: RoomId, seq: Seq) -> StoreResult<bool>;
    /// The user's bookmarks in rooms they are still in, newest first, at
    /// most `limit`.
    async fn saved_messages(&self, user: UserId, limit: u32) -> StoreResult<Vec<SavedMessage>>;
}
