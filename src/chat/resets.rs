//! Password reset links: an admin (or `natter admin reset-password`) makes
//! a one-time link for someone who lost their password; opening it lets
//! them choose a new one, which ends every other session and signs them
//! in. The code is seen once, when made; the server keeps only its hash.

use super::accounts::SignedIn;
use super::credentials::{hash_password, SessionToken};
use super::limits::Limits;
use super::Chat;
use crate::domain::{Password, Timestamp, User, UserId};
use crate::error::{Error, Result};
use crate::storage::{AuditedChange, StoreError};

/// How long a reset link works: a day.
pub const RESET_LINK_SECS: i64 = 24 * 3600;

/// A reset link just made: the only time its code is seen.
#[derive(Debug)]
pub struct MadeResetLink {
    pub code: String,
    pub expires_at: Timestamp,
}

impl MadeResetLink {
    /// A new code and its expiry, made now.
    pub fn generate() -> (Self, [u8; 32]) {
        let code = SessionToken::generate();
        let made = Self {
            code: code.expose().to_owned(),
            expires_at: Timestamp(Timestamp::now().millis() + RESET_LINK_SECS * 1000),
        };
        (made, code.hash())
    }
}

impl Chat {
    /// Makes a one-time reset link for `user` (replacing an older one).
    /// Admins only; audited.
    pub async fn make_reset_link(&self, admin: &User, user: UserId) -> Result<MadeResetLink> {
        self.require_admin(admin).await?;
        let target = self
            .store
            .user_by_id(user)
            .await?
            .ok_or_else(|| Error::not_found("There is no such user."))?
            .user;
        // A bot is never signed in to: it acts through its owner's tokens.
        if target.bot {
            return Err(Error::invalid(
                "bot_account",
                "A bot has no password to reset; it acts through its owner's API tokens.",
            ));
        }
        let name = target.username;
        let (made, code_hash) = MadeResetLink::generate();
        let change = AuditedChange::CreateResetLink {
            user,
            code_hash,
            expires_at: made.expires_at,
        };
        self.audited(admin, "password_reset.create", name, None, change)
            .await?;
        Ok(made)
    }

    /// Sets a new password through a reset link and signs in: every other
    /// session of the account ends. Rate-limited like sign-in.
    pub async fn reset_password(
        &self,
        code: &str,
        new_password: &str,
        from: &str,
    ) -> Result<SignedIn> {
        Limits::take(self.limits.sign_ins_per_ip.as_ref(), from)?;
        let password = Password::parse(new_password)?;
        let code_hash = SessionToken::from_client(code.trim()).hash();
        let hash = hash_password(password).await?;
        let token = SessionToken::generate();
        let user = self
            .store
            .use_reset_link(code_hash, hash, token.hash(), Timestamp::now())
            .await
            .map_err(|e| match e {
                StoreError::NotFound => Error::invalid(
                    "reset_link_invalid",
                    "That reset link does not work: it was used already, expired or was replaced by a newer one. Ask an admin for a new one.",
                ),
                other => other.into(),
            })?;
        tracing::info!(user = %user.id, "password reset through a link");
        Ok(SignedIn { user, token })
    }
}
