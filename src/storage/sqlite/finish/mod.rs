//! SQLite's side of `ServerFinish` (see storage/finish.rs): kept out of
//! sqlite/mod.rs, which is past its size.

mod audited;
pub(super) mod file_deletions;
pub mod resets;
mod server_name;
mod sessions;

use async_trait::async_trait;

use super::SqliteStore;
use crate::domain::Timestamp;
use crate::domain::{User, UserId};
use crate::files::FileKey;
use crate::storage::{
    AuditEntry, AuditedChange, AuditedOutcome, ServerFinish, SessionRecord, SessionSeen,
    StoreResult,
};

#[async_trait]
impl ServerFinish for SqliteStore {
    async fn pending_file_deletions(&self, limit: u32) -> StoreResult<Vec<FileKey>> {
        self.writer
            .write(move |c, _| file_deletions::pending(c, limit))
            .await
    }

    async fn file_deletions_done(&self, keys: Vec<FileKey>) -> StoreResult<()> {
        self.writer
            .write(move |c, _| file_deletions::done(c, &keys))
            .await
    }

    async fn audited(
        &self,
        change: AuditedChange,
        entry: AuditEntry,
    ) -> StoreResult<AuditedOutcome> {
        // The changes announce what they make stale (a ban's membership
        // change, ended sessions), and the cached layer forgets it.
        self.writer
            .write(move |c, ev| audited::apply(c, ev, &change, &entry, Timestamp::now()))
            .await
    }

    async fn sessions_seen(&self, seen: Vec<([u8; 32], SessionSeen)>) -> StoreResult<()> {
        self.writer
            .write(move |c, _| {
                // In order, so a session named twice keeps its later use.
                seen.iter()
                    .try_for_each(|(hash, seen)| sessions::seen(c, hash, seen))
            })
            .await
    }

    async fn sessions_of(&self, user: UserId) -> StoreResult<Vec<SessionRecord>> {
        self.readers
            .read_quick(move |c| sessions::of_user(c, user))
            .await
    }

    async fn end_session_of(&self, user: UserId, token_hash: [u8; 32]) -> StoreResult<bool> {
        self.writer
            .write(move |c, ev| sessions::end_one(c, ev, user, &token_hash))
            .await
    }

    async fn prune_idle_sessions(&self, idle_since: Timestamp, limit: u32) -> StoreResult<u32> {
        self.writer
            .write(move |c, ev| sessions::prune_idle(c, ev, idle_since, limit))
            .await
    }

    async fn use_reset_link(
        &self,
        code_hash: [u8; 32],
        password_hash: String,
        new_session: [u8; 32],
        now: Timestamp,
    ) -> StoreResult<User> {
        self.writer
            .write(move |c, ev| {
                resets::use_link(c, ev, &code_hash, &password_hash, &new_session, now)
            })
            .await
    }

    async fn server_name(&self) -> StoreResult<Option<String>> {
        self.readers.read_quick(server_name::get).await
    }

    async fn members_can_invite(&self) -> StoreResult<bool> {
        self.readers
            .read_quick(server_name::members_can_invite)
            .await
    }
}

#[cfg(test)]
mod tests;
