//! Member invites: when an admin allows it (and sign-up is not closed),
//! members make invite links too, see their own and revoke them. The links
//! are the admins' kind (expiry, use count, a room to join): see admin.rs.

use super::Chat;
use crate::domain::{Invite, SignUpMode, User};
use crate::error::{Error, Result};
use crate::storage::AuditedChange;

impl Chat {
    /// Whether the user may make invite links: admins always; members when
    /// an admin allowed it and sign-up is not closed.
    pub async fn may_invite(&self, user: &User) -> Result<bool> {
        if self.is_admin(user).await? {
            return Ok(true);
        }
        Ok(self.store.members_can_invite().await?
            && self.store.sign_up_mode().await? != SignUpMode::Closed)
    }

    /// Whether members may make invite links (admins only).
    pub async fn members_can_invite(&self, admin: &User) -> Result<bool> {
        self.require_admin(admin).await?;
        Ok(self.store.members_can_invite().await?)
    }

    /// Lets members make invite links, or stops them (admins; audited).
    /// Links already made keep working until revoked or expired.
    pub async fn set_members_can_invite(&self, admin: &User, allowed: bool) -> Result<()> {
        self.require_admin(admin).await?;
        let target = if allowed { "on" } else { "off" };
        let change = AuditedChange::MembersCanInvite(allowed);
        self.audited(admin, "member_invites", target, None, change)
            .await?;
        Ok(())
    }

    /// The user's own invite links among the newest 200, newest first.
    pub async fn my_invites(&self, user: &User) -> Result<Vec<Invite>> {
        let mut invites = self.store.invites().await?;
        invites.retain(|i| i.created_by == user.username);
        Ok(invites)
    }

    /// Revokes one of the user's own invite links.
    pub async fn revoke_my_invite(&self, user: &User, id: i64) -> Result<()> {
        if !self.my_invites(user).await?.iter().any(|i| i.id == id) {
            return Err(Error::not_found("You have no invite link with that id."));
        }
        let change = AuditedChange::RevokeInvite(id);
        self.audited(user, "invite.revoke", format!("invite {id}"), None, change)
            .await?;
        Ok(())
    }
}
