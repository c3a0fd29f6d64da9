//! The server's own state on PostgreSQL: readiness and durability are here;
//! the rest of the `Server` area answers "unavailable" until it is ported.

use async_trait::async_trait;

use super::PgStore;
use crate::domain::{Account, Invite, SignUpMode, Standing, Timestamp, User, UserId};
use crate::storage::{Durability, NewInvite, Server, StoreResult};

#[async_trait]
impl Server for PgStore {
    fn durability(&self) -> Durability {
        Durability {
            storage: "postgresql",
            journal_mode: "wal".into(),
            commits: "group commit",
            flush: "synchronous_commit=on before acknowledgement",
        }
    }

    async fn ping(&self) -> StoreResult<()> {
        self.readers
            .read(|c| {
                c.simple_query("SELECT 1")?;
                Ok(())
            })
            .await
    }

    async fn standing(&self, _: UserId) -> StoreResult<Option<Standing>> {
        Err(super::unported("Server"))
    }
    async fn claim_first_admin(&self, _: UserId) -> StoreResult<bool> {
        Err(super::unported("Server"))
    }
    async fn set_admin(&self, _: UserId, _: bool) -> StoreResult<()> {
        Err(super::unported("Server"))
    }
    async fn set_deactivated(&self, _: UserId, _: bool) -> StoreResult<()> {
        Err(super::unported("Server"))
    }
    async fn accounts(&self, _: &str, _: u32) -> StoreResult<Vec<Account>> {
        Err(super::unported("Server"))
    }
    async fn sign_up_mode(&self) -> StoreResult<SignUpMode> {
        Err(super::unported("Server"))
    }
    async fn set_sign_up_mode(&self, _: SignUpMode) -> StoreResult<()> {
        Err(super::unported("Server"))
    }
    async fn create_invite(&self, _: NewInvite) -> StoreResult<Invite> {
        Err(super::unported("Server"))
    }
    async fn invites(&self) -> StoreResult<Vec<Invite>> {
        Err(super::unported("Server"))
    }
    async fn revoke_invite(&self, _: i64) -> StoreResult<()> {
        Err(super::unported("Server"))
    }
    async fn create_user_with_invite(
        &self,
        _: &str,
        _: &str,
        _: Option<String>,
        _: [u8; 32],
        _: Timestamp,
    ) -> StoreResult<User> {
        Err(super::unported("Server"))
    }
}
