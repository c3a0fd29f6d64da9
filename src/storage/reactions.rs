//! Reactions (issue 16): emoji on messages, each add and removal a room event.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{Emoji, ReactionGroup, Reactor, RoomId, Seq};

/// What an add of a reaction (or a pin, or a bookmark) did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddOutcome {
    Added,
    /// It was there already: nothing changed, nothing was logged.
    AlreadyThere,
    /// The message carries the most different emoji it may; this one is new.
    Full,
}

#[async_trait]
pub trait Reactions: Send + Sync {
    /// Adds `who`'s `emoji` reaction to the live message at `seq` and logs
    /// `reaction.added` with the room's next seq. A repeat logs nothing.
    /// `NotFound` when there is no such live message.
    async fn add_reaction(
        &self,
        room: RoomId,
        seq: Seq,
        who: Reactor,
        emoji: Emoji,
        max_emoji: u32,
    ) -> StoreResult<AddOutcome>;
    /// Takes `who`'s `emoji` reaction back and logs `reaction.removed`;
    /// `false` (and no event) when there was none. `NotFound` when there is
    /// no such live message.
    async fn remove_reaction(
        &self,
        room: RoomId,
        seq: Seq,
        who: Reactor,
        emoji: Emoji,
    ) -> StoreResult<bool>;
    /// The reactions on the room's messages whose seq is in `first..=last`,
    /// by message seq, each emoji in the order it was first used.
    async fn reactions_between(
        &self,
        room: RoomId,
        first: Seq,
        last: Seq,
    ) -> StoreResult<Vec<ReactionGroup>>;
}
