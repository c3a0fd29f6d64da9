//! The newest seq of each of some rooms, in one read: a node of a cluster
//! compares it with what its listeners have, so an event committed by a
//! node that died before publishing it still reaches them (bus::watermark).

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{RoomId, Seq};

#[async_trait]
pub trait RoomSeqs: Send + Sync {
    /// The last seq taken in each of `rooms` that exists (any order).
    async fn last_seqs(&self, rooms: Vec<RoomId>) -> StoreResult<Vec<(RoomId, Seq)>>;
}
