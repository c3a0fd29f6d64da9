//! Accounts and sessions: sign up by picking a username, optionally with a
//! password; sign in elsewhere with it; sign out here or everywhere.

use super::credentials::{hash_password, verify_password, SessionToken};
use super::limits::Limits;
use super::Chat;
use crate::domain::{Password, Theme, Timestamp, User, Username};
use crate::error::{Error, Result};

/// A fresh session: the user and the token to hand to their client.
#[derive(Debug)]
pub struct SignedIn {
    pub user: User,
    pub token: SessionToken,
}

/// The one answer for every failed sign-in, so it never tells whether the
/// username exists.
fn wrong_credentials() -> Error {
    Error::Unauthenticated {
        code: "wrong_credentials",
        message: "Wrong username or password.".into(),
    }
}

impl Chat {
    /// Creates the account (member of every auto-join room) and a session.
    /// `from` is the caller's network address, for the sign-up rate limit.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn sign_up(
        &self,
        username: &str,
        password: Option<&str>,
        from: &str,
    ) -> Result<SignedIn> {
        self.sign_up_invited(username, password, None, from).await
    }

    /// `sign_up` with an invite code (needed when sign-up is invite-only;
    /// an invite to a room adds the new account to it).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn sign_up_invited(
        &self,
        username: &str,
        password: Option<&str>,
        invite: Option<&str>,
        from: &str,
    ) -> Result<SignedIn> {
        let username = Username::parse(username)?;
        self.may_sign_up(invite).await?;
        Limits::take(self.limits.sign_ups_per_ip.as_ref(), from)?;
        // Attempts at one name, from anywhere: probing or racing for a name.
        Limits::take(self.limits.sign_ups_per_name.as_ref(), &username.key())?;
        let password = match password.filter(|p| !p.is_empty()) {
            Some(p) => Some(Password::parse(p)?),
            None if self.policy.require_password => {
                return Err(Error::invalid("password_required", "Password is required"));
            }
            None => None,
        };
        let hash = match password {
            Some(p) => Some(hash_password(p).await?),
            None => None,
        };
        let user = self.create_account(&username, hash, invite).await?;
        tracing::info!(user = %user.id, "signed up");
        self.start_session(user).await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn sign_in(&self, username: &str, password: &str, from: &str) -> Result<SignedIn> {
        Limits::take(self.limits.sign_ins_per_ip.as_ref(), from)?;
        let name_key = username.trim().to_ascii_lowercase();
        if let Some(l) = &self.limits.failed_sign_ins_per_name {
            l.check(&name_key)?;
        }
        // A malformed name cannot exist, but answering differently would tell
        // the name rules apart from the accounts; treat it as unknown.
        let record = match Username::parse(username) {
            Ok(name) => self.store.user_by_name(&name.key()).await?,
            Err(_) => None,
        };
        let hash = record.as_ref().and_then(|r| r.password_hash.clone());
        if !verify_password(password.to_owned(), hash).await? {
            Limits::take(self.limits.failed_sign_ins_per_name.as_ref(), &name_key).ok();
            return Err(wrong_credentials());
        }
        let user = record.ok_or_else(wrong_credentials)?.user;
        self.refuse_deactivated(user.id).await?;
        self.start_session(user).await
    }

    /// Always a new token: a session id known before sign-in is never reused.
    async fn start_session(&self, user: User) -> Result<SignedIn> {
        let token = SessionToken::generate();
        self.store
            .create_session(user.id, token.hash(), Timestamp::now())
            .await?;
        Ok(SignedIn { user, token })
    }

    /// The user a token belongs to, or `None` when it is unknown or ended.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn authenticate(&self, token: &SessionToken) -> Result<Option<User>> {
        Ok(self.store.user_for_session(token.hash()).await?)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn sign_out(&self, token: &SessionToken) -> Result<()> {
        Ok(self.store.delete_session(token.hash()).await?)
    }

    /// Ends every session of the user, on every device, this one included.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id))]
    pub async fn sign_out_everywhere(&self, user: &User) -> Result<u64> {
        Ok(self.store.delete_sessions_of(user.id, None).await?)
    }

    /// Remembers the user's theme for every browser they use.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id))]
    pub async fn set_theme(&self, user: &User, theme: Theme) -> Result<User> {
        self.store.set_theme(user.id, theme).await?;
        Ok(User {
            theme,
            ..user.clone()
        })
    }

    /// Sets a first password, or changes it (then the current one is needed).
    /// Every other session of the user ends; `current_session` stays.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id))]
    pub async fn set_password(
        &self,
        user: &User,
        current_password: Option<&str>,
        new_password: &str,
        current_session: &SessionToken,
    ) -> Result<()> {
        let new_password = Password::parse(new_password)?;
        let record =
            self.store
                .user_by_id(user.id)
                .await?
                .ok_or_else(|| Error::Unauthenticated {
                    code: "signed_out",
                    message: "Sign in first.".into(),
                })?;
        if let Some(hash) = record.password_hash {
            let given = current_password.unwrap_or_default().to_owned();
            if !verify_password(given, Some(hash)).await? {
                return Err(Error::Forbidden("The current password is wrong.".into()));
            }
        }
        let hash = hash_password(new_password).await?;
        self.store.set_password_hash(user.id, hash).await?;
        self.store
            .delete_sessions_of(user.id, Some(current_session.hash()))
            .await?;
        Ok(())
    }
}
