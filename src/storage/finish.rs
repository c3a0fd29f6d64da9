//! The store's side of finishing "running a server": files of expired
//! messages, admin and moderator changes written in one transaction with
//! their audit record, and signed-in devices.
//!
//! A supertrait of `Store`, so use-cases call these methods on the same
//! `Arc<dyn Store>` while each backend implements them in a file of its
//! own (SQLite: `sqlite/finish/`).

use async_trait::async_trait;

use super::{AuditEntry, NewInvite, StoreResult};
use crate::domain::{Invite, RoomId, Seq, SignUpMode, Timestamp, User, UserId};
use crate::files::FileKey;

#[async_trait]
pub trait ServerFinish: Send + Sync {
    /// Keys of files whose message disappeared (their rows are already
    /// gone), at most `limit`: the bytes still to delete from the file store.
    async fn pending_file_deletions(&self, limit: u32) -> StoreResult<Vec<FileKey>>;
    /// The bytes of these files are deleted: forget them.
    async fn file_deletions_done(&self, keys: Vec<FileKey>) -> StoreResult<()>;
    /// Makes an admin's or moderator's change and appends `entry` to the
    /// audit log in the same transaction: a change is never without its
    /// record, nor a record without its change. A change that finds
    /// nothing to do (`Changed(false)`) records nothing.
    async fn audited(
        &self,
        change: AuditedChange,
        entry: AuditEntry,
    ) -> StoreResult<AuditedOutcome>;

    /// Records that each session was used, when, from where and with what
    /// (an empty agent or address keeps the one known), in one write: a
    /// node gathers its sessions' uses and writes them together. Unknown
    /// sessions are skipped; for a session named twice the later use wins.
    async fn sessions_seen(&self, seen: Vec<([u8; 32], SessionSeen)>) -> StoreResult<()>;
    /// The user's sessions, most recently used first (at most 100).
    async fn sessions_of(&self, user: UserId) -> StoreResult<Vec<SessionRecord>>;
    /// Ends one session of the user (their connections on it close);
    /// `false` when the user has no such session.
    async fn end_session_of(&self, user: UserId, token_hash: [u8; 32]) -> StoreResult<bool>;
    /// Ends at most `limit` sessions last used before `idle_since` (their
    /// connections close); returns how many.
    async fn prune_idle_sessions(&self, idle_since: Timestamp, limit: u32) -> StoreResult<u32>;

    /// Uses a password reset link, in one transaction: takes the link
    /// (it works once, before it expires), sets the password hash, ends
    /// every session of the user and starts `new_session`. `NotFound` for
    /// a link that is unknown, used, expired, replaced, or whose account
    /// is deactivated.
    async fn use_reset_link(
        &self,
        code_hash: [u8; 32],
        password_hash: String,
        new_session: [u8; 32],
        now: Timestamp,
    ) -> StoreResult<User>;

    /// The name admins gave the server (`None`: not named).
    async fn server_name(&self) -> StoreResult<Option<String>>;
    /// Whether admins let members make invite links.
    async fn members_can_invite(&self) -> StoreResult<bool>;
}

/// A session's use, as `sessions_seen` stores it.
#[derive(Debug, Clone)]
pub struct SessionSeen {
    pub at: Timestamp,
    pub user_agent: String,
    pub ip: String,
}

/// A stored session.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub token_hash: [u8; 32],
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

/// The changes the audit log records.
#[derive(Debug, Clone)]
pub enum AuditedChange {
    /// Someone else's message removed by a moderator.
    DeleteMessage {
        room: RoomId,
        seq: Seq,
    },
    Ban {
        room: RoomId,
        user: UserId,
        by: UserId,
    },
    Unban {
        room: RoomId,
        user: UserId,
    },
    SetAdmin {
        user: UserId,
        admin: bool,
    },
    /// Deactivating also ends every session of the user.
    SetDeactivated {
        user: UserId,
        deactivated: bool,
    },
    SignUpMode(SignUpMode),
    /// The entry's target gets the new invite's id appended.
    CreateInvite(NewInvite),
    RevokeInvite(i64),
    RetentionDays(u32),
    /// Ends every session of the user; their live connections close.
    SignOutEverywhere {
        user: UserId,
    },
    /// A one-time password reset link for the user (replacing any older
    /// one); only the code's hash is stored.
    CreateResetLink {
        user: UserId,
        code_hash: [u8; 32],
        expires_at: Timestamp,
    },
    /// The server's name (empty: back to the default).
    ServerName(String),
    /// Whether members (not only admins) may make invite links.
    MembersCanInvite(bool),
}

/// What an audited change did.
#[derive(Debug, Clone)]
pub enum AuditedOutcome {
    Done,
    /// Whether there was anything to change (a ban, a membership).
    Changed(bool),
    Invite(Invite),
}
