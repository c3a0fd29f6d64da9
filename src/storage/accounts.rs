//! Accounts and sessions: who people are and which tokens sign them in.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{Theme, Timestamp, User, UserId};

/// A user as stored, with the secret parts the use-cases need to check.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub user: User,
    pub password_hash: Option<String>,
}

/// What each write announces matters beyond the live clients: the cached
/// layer forgets sessions on `Event::Sessions` and `Changed::Account`.
#[async_trait]
pub trait Accounts: Send + Sync {
    /// Creates the user and makes them a member of every auto-join room, in
    /// one transaction. `Conflict` when the name (ignoring case) is taken.
    async fn create_user(
        &self,
        username: &str,
        username_key: &str,
        password_hash: Option<String>,
        now: Timestamp,
    ) -> StoreResult<User>;
    async fn user_by_name(&self, username_key: &str) -> StoreResult<Option<UserRecord>>;
    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<UserRecord>>;
    /// Announces `Changed::Account`.
    async fn set_password_hash(&self, user: UserId, hash: String) -> StoreResult<()>;
    /// Announces `Changed::Account` (a cached session carries the theme).
    async fn set_theme(&self, user: UserId, theme: Theme) -> StoreResult<()>;
    async fn create_session(
        &self,
        user: UserId,
        token_hash: [u8; 32],
        now: Timestamp,
    ) -> StoreResult<()>;
    async fn user_for_session(&self, token_hash: [u8; 32]) -> StoreResult<Option<User>>;
    /// Announces `Event::Sessions` when there was such a session.
    async fn delete_session(&self, token_hash: [u8; 32]) -> StoreResult<()>;
    /// Ends every session of the user except `keep`; returns how many ended.
    /// Announces `Event::Sessions`.
    async fn delete_sessions_of(&self, user: UserId, keep: Option<[u8; 32]>) -> StoreResult<u64>;
}
