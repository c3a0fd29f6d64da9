//! The directory: finding people and what a room is about.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{Person, RoomAbout, RoomId};

#[async_trait]
pub trait Directory: Send + Sync {
    /// Users whose lower-cased name starts with `prefix_key`, by name, at
    /// most `limit`.
    async fn users_starting_with(&self, prefix_key: &str, limit: u32) -> StoreResult<Vec<Person>>;
    /// How many are in the room and who made it (the room exists).
    async fn room_about(&self, room: RoomId) -> StoreResult<RoomAbout>;
}
