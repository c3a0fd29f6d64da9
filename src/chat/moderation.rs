//! Moderation: a room's owner (and the server's admins, in rooms they are
//! in) ban members and delete anyone's messages; every such action and
//! every admin action goes into the audit log, which admins read and
//! nobody edits.

use super::{Chat, GENERAL};
use crate::domain::{AuditRecord, Role, RoomId, RoomKind, User, UserId};
use crate::error::{Error, Result};
use crate::storage::{AuditEntry, AuditedChange, AuditedOutcome};

const AUDIT_PAGE: u32 = 500;

impl Chat {
    /// Makes `change` and appends it to the audit log, in one
    /// transaction: the log never misses an action that happened, nor
    /// holds one that did not.
    pub(super) async fn audited(
        &self,
        actor: &User,
        action: &'static str,
        target: impl Into<String>,
        room: Option<RoomId>,
        change: AuditedChange,
    ) -> Result<AuditedOutcome> {
        let entry = AuditEntry {
            actor: actor.id,
            action,
            target: target.into(),
            room,
        };
        Ok(self.store.audited(change, entry).await?)
    }

    /// Whether the user moderates the room: its owner, or a server admin.
    pub(super) async fn moderates(&self, user: &User, role: Role) -> Result<bool> {
        Ok(role == Role::Owner || self.is_admin(user).await?)
    }

    /// Refuses to put a banned user (back) into a room.
    pub(super) async fn refuse_banned(&self, room: RoomId, user: UserId) -> Result<()> {
        if self.store.is_banned(room, user).await? {
            return Err(Error::Forbidden(
                "That person is banned from this room.".into(),
            ));
        }
        Ok(())
    }

    /// Bans someone from a room: they are removed and cannot rejoin or be
    /// added back until unbanned.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %actor.id, room = %id))]
    pub async fn ban_member(&self, actor: &User, id: RoomId, username: &str) -> Result<()> {
        let (room, membership) = self.member_room(actor, id).await?;
        if room.kind == RoomKind::Direct {
            return Err(Error::invalid(
                "direct_room",
                "Nobody can be banned from a direct conversation.",
            ));
        }
        // Everyone is in general (README): keeping a person out of it is
        // what deactivating their account is for.
        if id == GENERAL {
            return Err(Error::invalid(
                "general_room",
                "Everyone is in general; to keep someone out, an admin deactivates their account.",
            ));
        }
        if !self.moderates(actor, membership.role).await? {
            return Err(Error::Forbidden(
                "Only the room's owner or an admin can ban people.".into(),
            ));
        }
        let target = self.user_named(username).await?;
        if target.id == actor.id {
            return Err(Error::invalid("ban_self", "You cannot ban yourself."));
        }
        let ban = AuditedChange::Ban {
            room: id,
            user: target.id,
            by: actor.id,
        };
        self.audited(actor, "ban", target.username, Some(id), ban)
            .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %actor.id, room = %id))]
    pub async fn unban_member(&self, actor: &User, id: RoomId, username: &str) -> Result<()> {
        let (_, membership) = self.member_room(actor, id).await?;
        if !self.moderates(actor, membership.role).await? {
            return Err(Error::Forbidden(
                "Only the room's owner or an admin can lift a ban.".into(),
            ));
        }
        let target = self.user_named(username).await?;
        let unban = AuditedChange::Unban {
            room: id,
            user: target.id,
        };
        let name = target.username.clone();
        match self
            .audited(actor, "unban", target.username, Some(id), unban)
            .await?
        {
            AuditedOutcome::Changed(false) => Err(Error::not_found(format!(
                "{name} is not banned from this room."
            ))),
            _ => Ok(()),
        }
    }

    /// The audit log, newest first (admins only).
    pub async fn audit_log(&self, admin: &User) -> Result<Vec<AuditRecord>> {
        if !self.is_admin(admin).await? {
            return Err(Error::Forbidden(
                "Only the server's admins can do that.".into(),
            ));
        }
        Ok(self.store.audit_log(AUDIT_PAGE).await?)
    }
}
