//! Integrations: bots, API tokens (kept as hashes) and incoming webhooks.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{
    Bot, Grant, HookInfo, HookTarget, RoomId, Scope, Timestamp, TokenInfo, User, UserId,
};

/// A token to store: only its hash and first characters.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub hash: [u8; 32],
    pub prefix: String,
    /// Who it acts as (the maker, or one of their bots).
    pub user: UserId,
    pub made_by: UserId,
    pub name: String,
    pub scopes: Vec<Scope>,
    pub rooms: Option<Vec<RoomId>>,
    pub now: Timestamp,
}

/// A webhook to store: only its secret's hash.
#[derive(Debug, Clone)]
pub struct NewHook {
    pub room: RoomId,
    pub bot: UserId,
    pub made_by: UserId,
    pub name: String,
    pub secret_hash: [u8; 32],
    pub now: Timestamp,
}

/// Revoking a token announces `Event::Sessions` for its user (its live
/// connections close); so does deactivating a token maker, for each user
/// their tokens acted as (`Server::set_deactivated` and the audited one).
#[async_trait]
pub trait Integrations: Send + Sync {
    /// A bot user owned by `owner`, in no room yet. `Conflict` when the
    /// name (ignoring case) is taken by anyone.
    async fn create_bot(
        &self,
        owner: UserId,
        name: &str,
        name_key: &str,
        avatar: Option<String>,
        now: Timestamp,
    ) -> StoreResult<Bot>;
    /// The owner's bots, by name.
    async fn bots_of(&self, owner: UserId) -> StoreResult<Vec<Bot>>;
    async fn create_token(&self, token: NewToken) -> StoreResult<TokenInfo>;
    /// Live tokens made by the person, newest first.
    async fn tokens_made_by(&self, maker: UserId) -> StoreResult<Vec<TokenInfo>>;
    /// `false` when the maker has no such live token.
    async fn revoke_token(&self, maker: UserId, id: i64, now: Timestamp) -> StoreResult<bool>;
    /// The user a live token acts as, and its grant; `None` for an unknown
    /// or revoked token, or when its user or maker is deactivated.
    async fn user_for_token(&self, hash: [u8; 32]) -> StoreResult<Option<(User, Grant)>>;
    async fn token_used(&self, id: i64, at: Timestamp) -> StoreResult<()>;
    async fn create_hook(&self, hook: NewHook) -> StoreResult<HookInfo>;
    /// A room's live webhooks, newest first.
    async fn hooks_of_room(&self, room: RoomId) -> StoreResult<Vec<HookInfo>>;
    async fn hook(&self, room: RoomId, id: i64) -> StoreResult<Option<(HookInfo, UserId)>>;
    /// `false` when the room has no such live hook.
    async fn revoke_hook(&self, room: RoomId, id: i64, now: Timestamp) -> StoreResult<bool>;
    /// A live hook whose maker is active, to post through.
    async fn hook_target(&self, id: i64) -> StoreResult<Option<HookTarget>>;
    async fn hook_used(&self, id: i64, at: Timestamp) -> StoreResult<()>;
}
