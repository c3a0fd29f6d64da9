//! Admin and moderator changes with their audit record, in one transaction.

use postgres::GenericClient;

use crate::domain::{Event, Timestamp};
use crate::storage::postgres::{accounts, messages, moderation, server};
use crate::storage::{AuditEntry, AuditedChange, AuditedOutcome, StoreResult};

/// Applies `change`, then appends `entry` (unless there was nothing to
/// change). Both run inside the caller's write, so an error in either
/// rolls back both.
pub fn apply(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    change: &AuditedChange,
    entry: &AuditEntry,
    now: Timestamp,
) -> StoreResult<AuditedOutcome> {
    let mut entry = entry.clone();
    let outcome = match change {
        AuditedChange::DeleteMessage { room, seq } => {
            messages::delete_message(c, events, *room, *seq)?;
            AuditedOutcome::Done
        }
        AuditedChange::Ban { room, user, by } => {
            AuditedOutcome::Changed(moderation::ban_member(c, events, *room, *user, *by, now)?)
        }
        AuditedChange::Unban { room, user } => {
            let was_banned = moderation::unban_member(c, *room, *user)?;
            if !was_banned {
                return Ok(AuditedOutcome::Changed(false));
            }
            AuditedOutcome::Changed(true)
        }
        AuditedChange::SetAdmin { user, admin } => {
            server::set_admin(c, *user, *admin)?;
            AuditedOutcome::Done
        }
        AuditedChange::SetDeactivated { user, deactivated } => {
            server::set_deactivated(c, events, *user, *deactivated, now)?;
            AuditedOutcome::Done
        }
        AuditedChange::SignUpMode(mode) => {
            server::set_sign_up_mode(c, *mode)?;
            AuditedOutcome::Done
        }
        AuditedChange::CreateInvite(new) => {
            let invite = server::create_invite(c, new, now)?;
            entry.target = format!("invite {}", invite.id);
            AuditedOutcome::Invite(invite)
        }
        AuditedChange::RevokeInvite(id) => {
            server::revoke_invite(c, *id, now)?;
            AuditedOutcome::Done
        }
        AuditedChange::RetentionDays(days) => {
            super::server_name::set_retention_days(c, *days)?;
            AuditedOutcome::Done
        }
        AuditedChange::CreateResetLink {
            user,
            code_hash,
            expires_at,
        } => {
            super::resets::create(c, *user, code_hash, *expires_at, now)?;
            AuditedOutcome::Done
        }
        AuditedChange::ServerName(name) => {
            super::server_name::set(c, name)?;
            AuditedOutcome::Done
        }
        AuditedChange::MembersCanInvite(allowed) => {
            super::server_name::set_members_can_invite(c, *allowed)?;
            AuditedOutcome::Done
        }
        AuditedChange::SignOutEverywhere { user } => {
            AuditedOutcome::Changed(accounts::delete_sessions_of(c, events, *user, None)? > 0)
        }
    };
    moderation::record_audit(c, &entry, now)?;
    Ok(outcome)
}
