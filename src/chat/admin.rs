//! Running a server: admins, deactivation, the sign-up mode and invite
//! links. The first account of an empty server becomes its admin.

use super::credentials::SessionToken;
use super::Chat;
use crate::domain::{
    Account, Invite, RoomId, RoomKind, SignUpMode, Standing, Timestamp, User, UserId, Username,
};
use crate::error::{Error, Result};
use crate::storage::{AuditedChange, AuditedOutcome, NewInvite, StoreError};

/// Invites last at most this long.
pub const MAX_INVITE_SECS: u32 = 90 * 24 * 3600;
/// And admit at most this many people.
pub const MAX_INVITE_USES: u32 = 1000;
const ACCOUNTS_PAGE: u32 = 200;

/// An invite just made: the only time its code is seen.
#[derive(Debug)]
pub struct MadeInvite {
    pub invite: Invite,
    pub code: String,
}

fn admins_only() -> Error {
    Error::Forbidden("Only the server's admins can do that.".into())
}

impl Chat {
    async fn standing_of(&self, user: UserId) -> Result<Standing> {
        self.store
            .standing(user)
            .await?
            .ok_or_else(|| Error::not_found("There is no such user."))
    }

    /// Whether the user is one of the server's admins.
    pub async fn is_admin(&self, user: &User) -> Result<bool> {
        Ok(self.standing_of(user.id).await?.is_admin)
    }

    pub(super) async fn require_admin(&self, user: &User) -> Result<()> {
        if self.is_admin(user).await? {
            Ok(())
        } else {
            Err(admins_only())
        }
    }

    /// Refuses a deactivated account at sign-in.
    pub(super) async fn refuse_deactivated(&self, user: UserId) -> Result<()> {
        if self.standing_of(user).await?.deactivated {
            return Err(Error::Forbidden(
                "This account is deactivated; ask an admin of this server.".into(),
            ));
        }
        Ok(())
    }

    /// Checks the sign-up mode before any work is done for a sign-up.
    pub(super) async fn may_sign_up(&self, invite: Option<&str>) -> Result<()> {
        match self.store.sign_up_mode().await? {
            SignUpMode::Open => Ok(()),
            SignUpMode::InviteOnly if invite.is_some() => Ok(()),
            SignUpMode::InviteOnly => Err(Error::Forbidden(
                "This server is invite-only: sign up with an invite link.".into(),
            )),
            SignUpMode::Closed => Err(Error::Forbidden("Sign-up is closed on this server.".into())),
        }
    }

    /// Creates the account (through the invite, if any); the first account
    /// of the server becomes its admin.
    pub(super) async fn create_account(
        &self,
        username: &Username,
        hash: Option<String>,
        invite: Option<&str>,
    ) -> Result<User> {
        let now = Timestamp::now();
        let created = match invite {
            Some(code) => {
                let code_hash = SessionToken::from_client(code.trim()).hash();
                self.store
                    .create_user_with_invite(
                        username.as_str(),
                        &username.key(),
                        hash,
                        code_hash,
                        now,
                    )
                    .await
            }
            None => {
                self.store
                    .create_user(username.as_str(), &username.key(), hash, now)
                    .await
            }
        };
        let user = created.map_err(|e| match e {
            StoreError::Conflict => Error::conflict("username_taken", "Username is taken"),
            StoreError::NotFound => Error::invalid(
                "invite_invalid",
                "That invite link is not valid: it expired, was used up or was revoked.",
            ),
            other => other.into(),
        })?;
        if self.store.claim_first_admin(user.id).await? {
            tracing::info!(user = %user.id, username = %user.username, "the first account is the server's admin");
        }
        Ok(user)
    }

    pub async fn accounts(&self, admin: &User, query: &str) -> Result<Vec<Account>> {
        self.require_admin(admin).await?;
        let key = query.trim().to_ascii_lowercase();
        Ok(self.store.accounts(&key, ACCOUNTS_PAGE).await?)
    }

    /// Promotes or demotes; an admin cannot demote themself (so a server
    /// always keeps the admin who acts).
    #[tracing::instrument(level = "debug", skip_all, fields(admin = %admin.id, user = %user))]
    pub async fn set_admin(&self, admin: &User, user: UserId, make_admin: bool) -> Result<()> {
        self.require_admin(admin).await?;
        if user == admin.id && !make_admin {
            return Err(Error::conflict(
                "cannot_demote_self",
                "You cannot demote yourself; ask another admin.",
            ));
        }
        let action = if make_admin { "promote" } else { "demote" };
        let change = AuditedChange::SetAdmin {
            user,
            admin: make_admin,
        };
        self.audited(admin, action, self.name_of(user).await?, None, change)
            .await
            .map_err(no_user_error)?;
        tracing::info!(admin = %admin.id, user = %user, make_admin, "server role changed");
        Ok(())
    }

    /// Deactivates (ending every session and live connection at once) or
    /// reactivates an account.
    #[tracing::instrument(level = "debug", skip_all, fields(admin = %admin.id, user = %user))]
    pub async fn set_active(&self, admin: &User, user: UserId, active: bool) -> Result<()> {
        self.require_admin(admin).await?;
        if user == admin.id {
            return Err(Error::conflict(
                "cannot_deactivate_self",
                "You cannot deactivate your own account.",
            ));
        }
        let action = if active { "reactivate" } else { "deactivate" };
        let change = AuditedChange::SetDeactivated {
            user,
            deactivated: !active,
        };
        self.audited(admin, action, self.name_of(user).await?, None, change)
            .await
            .map_err(no_user_error)?;
        tracing::info!(admin = %admin.id, user = %user, active, "account activation changed");
        Ok(())
    }

    pub async fn sign_up_mode(&self, admin: &User) -> Result<SignUpMode> {
        self.require_admin(admin).await?;
        Ok(self.store.sign_up_mode().await?)
    }

    pub async fn set_sign_up_mode(&self, admin: &User, mode: SignUpMode) -> Result<()> {
        self.require_admin(admin).await?;
        let change = AuditedChange::SignUpMode(mode);
        self.audited(admin, "sign_up_mode", mode.as_str(), None, change)
            .await?;
        tracing::info!(admin = %admin.id, mode = mode.as_str(), "sign-up mode changed");
        Ok(())
    }

    /// Makes an invite link's code (admins; members too when allowed, see
    /// member_invites.rs). With a room, its maker must be in it and it must
    /// not be a direct room.
    pub async fn create_invite(
        &self,
        admin: &User,
        expires_in_secs: u32,
        max_uses: u32,
        room: Option<RoomId>,
    ) -> Result<MadeInvite> {
        if !self.may_invite(admin).await? {
            return Err(Error::Forbidden(
                "Only the server's admins can make invite links here.".into(),
            ));
        }
        if expires_in_secs == 0 || expires_in_secs > MAX_INVITE_SECS {
            return Err(Error::invalid(
                "invite_expiry_invalid",
                format!("An invite lasts from 1 to {MAX_INVITE_SECS} seconds (90 days)."),
            ));
        }
        if max_uses == 0 || max_uses > MAX_INVITE_USES {
            return Err(Error::invalid(
                "invite_uses_invalid",
                format!("An invite admits from 1 to {MAX_INVITE_USES} people."),
            ));
        }
        if let Some(room) = room {
            let (found, _) = self.member_room(admin, room).await?;
            if found.kind == RoomKind::Direct {
                return Err(Error::invalid(
                    "invite_room_invalid",
                    "Nobody can be invited into a direct conversation.",
                ));
            }
        }
        let code = SessionToken::generate();
        let expires_at = Timestamp(Timestamp::now().millis() + i64::from(expires_in_secs) * 1000);
        let change = AuditedChange::CreateInvite(NewInvite {
            code_hash: code.hash(),
            created_by: admin.id,
            expires_at,
            max_uses,
            room,
        });
        // The target names the invite's id once it has one.
        let AuditedOutcome::Invite(invite) = self
            .audited(admin, "invite.create", "", room, change)
            .await?
        else {
            return Err(Error::Internal(anyhow::anyhow!("the store made no invite")));
        };
        Ok(MadeInvite {
            invite,
            code: code.expose().to_owned(),
        })
    }

    pub async fn invites(&self, admin: &User) -> Result<Vec<Invite>> {
        self.require_admin(admin).await?;
        Ok(self.store.invites().await?)
    }

    pub async fn revoke_invite(&self, admin: &User, id: i64) -> Result<()> {
        self.require_admin(admin).await?;
        let change = AuditedChange::RevokeInvite(id);
        self.audited(admin, "invite.revoke", format!("invite {id}"), None, change)
            .await
            .map_err(|e| match e {
                Error::NotFound(_) => Error::not_found("There is no such invite."),
                other => other,
            })?;
        Ok(())
    }

    /// The name of an existing user, for an admin's action on them
    /// (404 when there is no such user).
    pub(super) async fn existing_name_of(&self, user: UserId) -> Result<String> {
        Ok(self
            .store
            .user_by_id(user)
            .await?
            .ok_or_else(|| Error::not_found("There is no such user."))?
            .user
            .username)
    }

    async fn name_of(&self, user: UserId) -> Result<String> {
        Ok(self
            .store
            .user_by_id(user)
            .await?
            .map_or_else(|| format!("user {user}"), |r| r.user.username))
    }
}

fn no_user_error(e: Error) -> Error {
    match e {
        Error::NotFound(_) => Error::not_found("There is no such user."),
        other => other,
    }
}
