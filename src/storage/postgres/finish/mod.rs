//! PostgreSQL's side of `ServerFinish` (see storage/finish.rs), in the
//! same parts as `storage/sqlite/finish/`.

mod audited;
mod file_deletions;
mod resets;
mod server_name;
mod sessions;

use async_trait::async_trait;

use super::PgStore;
use crate::domain::{Timestamp, User, UserId};
use crate::files::FileKey;
use crate::storage::{
    AuditEntry, AuditedChange, AuditedOutcome, ServerFinish, SessionRecord, SessionSeen,
    StoreResult,
};

#[async_trait]
impl ServerFinish for PgStore {
    async fn pending_file_deletions(&self, limit: u32) -> StoreResult<Vec<FileKey>> {
        self.writer
            .write(move |tx, _| file_deletions::pending(tx, limit))
            .await
    }

    async fn file_deletions_done(&self, keys: Vec<FileKey>) -> StoreResult<()> {
        self.writer
            .write(move |tx, _| file_deletions::done(tx, &keys))
            .await
    }

    async fn audited(
        &self,
        change: AuditedChange,
        entry: AuditEntry,
    ) -> StoreResult<AuditedOutcome> {
        // The changes announce what they make stale (a ban's membership
        // change, ended sessions), and the cached layer forgets it.
        let now = Timestamp::now();
        self.writer
            .write(move |tx, ev| audited::apply(tx, ev, &change, &entry, now))
            .await
    }

    async fn sessions_seen(&self, seen: Vec<([u8; 32], SessionSeen)>) -> StoreResult<()> {
        if seen.is_empty() {
            return Ok(());
        }
        self.writer
            .write(move |tx, _| sessions::seen(tx, &seen))
            .await
    }

    async fn sessions_of(&self, user: UserId) -> StoreResult<Vec<SessionRecord>> {
        self.readers.read(move |c| sessions::of_user(c, user)).await
    }

    async fn end_session_of(&self, user: UserId, token_hash: [u8; 32]) -> StoreResult<bool> {
        self.writer
            .write(move |tx, ev| sessions::end_one(tx, ev, user, &token_hash))
            .await
    }

    async fn prune_idle_sessions(&self, idle_since: Timestamp, limit: u32) -> StoreResult<u32> {
        self.writer
            .write(move |tx, ev| sessions::prune_idle(tx, ev, idle_since, limit))
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
            .write(move |tx, ev| {
                resets::use_link(tx, ev, &code_hash, &password_hash, &new_session, now)
            })
            .await
    }

    async fn server_name(&self) -> StoreResult<Option<String>> {
        self.readers.read(server_name::get).await
    }

    async fn members_can_invite(&self) -> StoreResult<bool> {
        self.readers.read(server_name::members_can_invite).await
    }
}
