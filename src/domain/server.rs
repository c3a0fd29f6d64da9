//! Running a server: accounts as admins see them, the sign-up mode, and
//! invite links.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{RoomId, Timestamp, UserId};

/// An account as the admin page lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Account {
    pub user_id: UserId,
    pub username: String,
    pub is_admin: bool,
    /// Deactivated accounts cannot sign in; their messages stay.
    pub deactivated: bool,
    pub created_at: Timestamp,
}

/// What the server knows about an account's standing, checked on admin
/// routes and at sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub is_admin: bool,
    pub deactivated: bool,
}

/// Who may make an account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SignUpMode {
    /// Anyone who reaches the server.
    #[default]
    Open,
    /// Only with a valid invite link.
    InviteOnly,
    /// Nobody; admins add people with `natter admin` or reopen it.
    Closed,
}

impl SignUpMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::InviteOnly => "invite-only",
            Self::Closed => "closed",
        }
    }

    pub fn from_db(s: &str) -> Self {
        match s {
            "invite-only" => Self::InviteOnly,
            "closed" => Self::Closed,
            _ => Self::Open,
        }
    }
}

/// An invite link as admins see it (the code itself is shown only once,
/// when it is made).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Invite {
    pub id: i64,
    pub created_by: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub max_uses: u32,
    pub uses: u32,
    /// The private room the invited person joins on sign-up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room_id: Option<RoomId>,
    pub revoked: bool,
}

/// One line of the audit log: who did what to whom, when. Never changed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditRecord {
    pub id: i64,
    pub at: Timestamp,
    /// The admin or moderator who acted.
    pub actor: String,
    /// What they did: `promote`, `demote`, `deactivate`, `reactivate`,
    /// `sign_up_mode`, `invite.create`, `invite.revoke`, `ban`, `unban`,
    /// `message.delete`.
    pub action: String,
    /// What it was done to, in words (a username, an invite id, a seq).
    pub target: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room_id: Option<RoomId>,
}
