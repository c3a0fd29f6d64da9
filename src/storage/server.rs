//! The server as a whole: health, durability, admins, deactivation,
//! sign-up mode and invites.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{Account, Invite, RoomId, SignUpMode, Standing, Timestamp, User, UserId};

/// How a store makes a write durable before it is acknowledged, for
/// operators: said in the start-up log and by `GET /api/v1/server`.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Durability {
    /// The database: `sqlite`.
    pub storage: &'static str,
    /// SQLite's journal mode: `wal`.
    pub journal_mode: String,
    /// How transactions are made: `group commit` (concurrent writes
    /// batched into one transaction by one writer).
    pub commits: &'static str,
    /// When the disk has the write: `fdatasync before acknowledgement`
    /// (nothing is answered or broadcast before its flush).
    pub flush: &'static str,
}

impl std::fmt::Display for Durability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} journal_mode={}, {}, {}",
            self.storage, self.journal_mode, self.commits, self.flush
        )
    }
}

/// An invite link to store; only the SHA-256 of its code is kept.
#[derive(Debug, Clone)]
pub struct NewInvite {
    pub code_hash: [u8; 32],
    pub created_by: UserId,
    pub expires_at: Timestamp,
    pub max_uses: u32,
    pub room: Option<RoomId>,
}

#[async_trait]
pub trait Server: Send + Sync {
    /// How this store makes writes durable.
    fn durability(&self) -> Durability;
    /// Answers when the database does (for readiness checks).
    async fn ping(&self) -> StoreResult<()>;

    async fn standing(&self, user: UserId) -> StoreResult<Option<Standing>>;
    /// Makes the user admin if they are the first account and there is no
    /// admin yet; returns whether they became it.
    async fn claim_first_admin(&self, user: UserId) -> StoreResult<bool>;
    async fn set_admin(&self, user: UserId, admin: bool) -> StoreResult<()>;
    /// Deactivating ends every session of the user (their live connections
    /// close); reactivating lets them sign in again. Announces
    /// `Changed::Account`, and `Event::Sessions` when deactivating.
    async fn set_deactivated(&self, user: UserId, deactivated: bool) -> StoreResult<()>;
    /// Accounts whose lower-cased name contains `query_key`, by name.
    async fn accounts(&self, query_key: &str, limit: u32) -> StoreResult<Vec<Account>>;
    async fn sign_up_mode(&self) -> StoreResult<SignUpMode>;
    async fn set_sign_up_mode(&self, mode: SignUpMode) -> StoreResult<()>;
    async fn create_invite(&self, invite: NewInvite) -> StoreResult<Invite>;
    async fn invites(&self) -> StoreResult<Vec<Invite>>;
    async fn revoke_invite(&self, id: i64) -> StoreResult<()>;
    /// `create_user` through an invite, in one transaction with taking one
    /// of its uses and joining its room. `NotFound` for an invite that is
    /// unknown, revoked, expired or used up.
    async fn create_user_with_invite(
        &self,
        username: &str,
        username_key: &str,
        password_hash: Option<String>,
        code_hash: [u8; 32],
        now: Timestamp,
    ) -> StoreResult<User>;
}
