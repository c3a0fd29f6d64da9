//! Custom slash commands: a room's command names, each mapped to a bot's
//! URL and the secret its calls are signed with.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{CommandTarget, RoomId, SlashCommandInfo, Timestamp, UserId};

/// A command to store.
#[derive(Debug, Clone)]
pub struct NewCommand {
    pub room: RoomId,
    pub name: String,
    pub description: String,
    pub url: String,
    pub secret: String,
    pub bot: UserId,
    pub made_by: UserId,
    pub now: Timestamp,
}

#[async_trait]
pub trait SlashCommands: Send + Sync {
    /// `Conflict` when the room has a command of that name already.
    async fn create_command(&self, command: NewCommand) -> StoreResult<SlashCommandInfo>;
    /// A room's commands, by name.
    async fn commands_of_room(&self, room: RoomId) -> StoreResult<Vec<SlashCommandInfo>>;
    /// A command of the room by name, whose maker and bot are active.
    async fn command_named(&self, room: RoomId, name: &str) -> StoreResult<Option<CommandTarget>>;
    /// A command of the room by id (whoever made it).
    async fn command(&self, room: RoomId, id: i64) -> StoreResult<Option<CommandTarget>>;
    /// `false` when the room has no such command.
    async fn delete_command(&self, room: RoomId, id: i64) -> StoreResult<bool>;
}
