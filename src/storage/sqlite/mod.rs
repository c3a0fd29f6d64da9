//! The embedded SQLite store: WAL, foreign keys, one writer thread with
//! group commit whose commits are flushed to disk before they are
//! acknowledged, and a pool of read connections.

mod cache;
mod conversation;
mod corrections;
mod directory;
mod expiry;
mod files;
mod finish;
mod group_dms;
mod migrate;
mod moderation;
mod queries;
mod reactions;
mod readers;
mod room_care;
mod search;
mod search_queue;
mod server;
mod status;
mod upload_quota;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;

use crate::ops::metrics::CommitMetrics;
use async_trait::async_trait;
use rusqlite::{Connection, ErrorCode};

use self::cache::Cache;
use self::readers::Readers;
use self::writer::Writer;
use super::{
    AddOutcome, Durability, HistoryPage, Membership, MessageSearch, NewMessage, NewRoom, NewUpload,
    Publisher, Replay, RoomAccess, Store, StoreError, StoreResult, UploadRecord, UploadReservation,
    UserRecord,
};
use super::{AuditEntry, NewInvite};
use crate::domain::{Account, AuditRecord, Invite, SignUpMode, Standing};
use crate::domain::{
    Attachment, Emoji, Member, Message, MessageBody, MessageJson, Person, Pin, Posted,
    ReactionGroup, Reactor, Role, Room, RoomAbout, RoomCare, RoomId, RoomListing, RoomSettings,
    RoomSummary, SavedMessage, Seq, Theme, Timestamp, User, UserId,
};

pub use migrate::latest_version;
pub use server::offline as admin;

/// How many writes may wait for the writer before senders wait in turn.
const WRITE_QUEUE: usize = 8192;
/// The most jobs one transaction takes.
const MAX_GROUP: usize = 1024;
const MAX_READERS: usize = 8;

pub struct SqliteStore {
    writer: Writer,
    readers: Readers,
    path: PathBuf,
    /// As SQLite reported it when the database was opened.
    journal_mode: String,
    sessions: Arc<Cache<[u8; 32], User>>,
    access: Arc<Cache<(RoomId, UserId), Option<RoomAccess>>>,
    search_queue: Arc<search_queue::SearchQueue>,
    /// Held for the store's life: one natter per data directory.
    _lock: std::fs::File,
}

impl SqliteStore {
    /// Opens (creating if needed) `natter.db` in `data_dir` and migrates it.
    pub fn open(data_dir: &Path, publisher: Arc<dyn Publisher>) -> anyhow::Result<Self> {
        Self::open_observed(data_dir, publisher, CommitMetrics::default())
    }

    /// As `open`, with the writer recording its groups and flushes in `commits`.
    pub fn open_observed(
        data_dir: &Path,
        publisher: Arc<dyn Publisher>,
        commits: CommitMetrics,
    ) -> anyhow::Result<Self> {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("cannot create the data directory {}", data_dir.display()))?;
        let lock = lock_data_dir(data_dir)?;
        let path = data_dir.join("natter.db");
        let mut conn = open_connection(&path)?;
        // WAL lets readers run beside the writer; it is a property of the file.
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .with_context(|| format!("cannot use the database {}", path.display()))?;
        if !mode.eq_ignore_ascii_case("wal") {
            anyhow::bail!(
                "the database {} cannot use write-ahead logging",
                path.display()
            );
        }
        migrate::migrate(&mut conn, &path)?;
        // The writer commits without waiting for the disk; its sync thread
        // flushes the WAL before any commit is acknowledged (see writer.rs).
        // secure_delete: what a write frees (an expired message's text) is
        // zeroed, not left in free pages (see expiry.rs).
        conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA secure_delete = ON")
            .with_context(|| format!("cannot use the database {}", path.display()))?;
        let wal = data_dir.join("natter.db-wal");
        let writer = Writer::start(conn, wal, WRITE_QUEUE, MAX_GROUP, publisher, commits)
            .context("cannot start the database writer")?;
        Ok(Self {
            writer,
            readers: Readers::new(path.clone(), MAX_READERS),
            path,
            journal_mode: mode.to_ascii_lowercase(),
            sessions: Arc::default(),
            access: Arc::default(),
            search_queue: Arc::default(),
            _lock: lock,
        })
    }

    /// A write after whose commit a cache must forget: `then` runs once it
    /// has committed (or failed). A task of its own, so `then` runs even if
    /// the caller goes away while the write commits; the caller hears back
    /// only after `then`, so its next request sees the change.
    async fn write_then<T, F>(
        &self,
        work: F,
        then: impl FnOnce() + Send + 'static,
    ) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnMut(&Connection, &mut Vec<crate::domain::Event>) -> StoreResult<T> + Send + 'static,
    {
        let writer = self.writer.clone();
        tokio::spawn(async move {
            let done = writer.write(work).await;
            then();
            done
        })
        .await
        .map_err(|e| StoreError::Other(anyhow::anyhow!("write task: {e}")))?
    }

    /// For writes that change sessions or users.
    fn forget_sessions(&self) -> impl FnOnce() + Send + 'static {
        let sessions = Arc::clone(&self.sessions);
        move || sessions.invalidate()
    }

    /// For writes that change rooms or memberships.
    fn forget_access(&self) -> impl FnOnce() + Send + 'static {
        let access = Arc::clone(&self.access);
        move || access.invalidate()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Takes `natter.lock` in the data directory, so that a second natter on
/// the same data fails at once with a sentence instead of fighting over it.
fn lock_data_dir(data_dir: &Path) -> anyhow::Result<std::fs::File> {
    let path = data_dir.join("natter.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "another natter is already using the data directory {}",
            data_dir.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("cannot lock {}", path.display()))
        }
    }
}

/// Opens a connection with the settings every connection needs.
fn open_connection(path: &Path) -> anyhow::Result<Connection> {
    let conn = Connection::open(path)
        .with_context(|| format!("cannot open the database {}", path.display()))?;
    // synchronous=FULL: a commit is on disk before it is acknowledged, so a
    // crash or power cut loses nothing that was answered with 2xx. (The
    // writer's connection lowers it and flushes the WAL itself.)
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         PRAGMA synchronous = FULL;
         PRAGMA busy_timeout = 5000;",
    )
    .with_context(|| format!("cannot use the database {}", path.display()))?;
    // Every statement is prepared once per connection; the writer alone uses
    // more than rusqlite's default of 16, and a miss means parsing again.
    conn.set_prepared_statement_cache_capacity(128);
    Ok(conn)
}

/// Sorts SQLite's errors into what callers can act on.
fn classify(e: &rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::ConstraintViolation) => StoreError::Conflict,
        Some(
            ErrorCode::DiskFull
            | ErrorCode::DatabaseBusy
            | ErrorCode::DatabaseLocked
            | ErrorCode::ReadOnly
            | ErrorCode::SystemIoFailure,
        ) => StoreError::Unavailable(e.to_string()),
        _ => StoreError::Other(anyhow::anyhow!("sqlite: {e}")),
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        if matches!(e, rusqlite::Error::QueryReturnedNoRows) {
            return StoreError::NotFound;
        }
        classify(&e)
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn durability(&self) -> Durability {
        Durability {
            storage: "sqlite",
            journal_mode: self.journal_mode.clone(),
            commits: "group commit",
            flush: "fdatasync before acknowledgement",
        }
    }

    /// Reads the schema on a reader, so a locked or unreadable file fails
    /// (a bare `SELECT 1` never touches the file).
    async fn ping(&self) -> StoreResult<()> {
        self.readers
            .read(|c| {
                c.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(()))
                    .map_err(|e| classify(&e))
            })
            .await
    }

    async fn create_user(
        &self,
        username: &str,
        username_key: &str,
        password_hash: Option<String>,
        now: Timestamp,
    ) -> StoreResult<User> {
        let (name, key) = (username.to_owned(), username_key.to_owned());
        // Auto-join rooms gain a member.
        self.write_then(
            move |c, ev| queries::create_user(c, ev, &name, &key, password_hash.as_deref(), now),
            self.forget_access(),
        )
        .await
    }

    async fn user_by_name(&self, username_key: &str) -> StoreResult<Option<UserRecord>> {
        let key = username_key.to_owned();
        self.readers
            .read(move |c| queries::user_by_name(c, &key))
            .await
    }

    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<UserRecord>> {
        self.readers.read(move |c| queries::user_by_id(c, id)).await
    }

    async fn set_password_hash(&self, user: UserId, hash: String) -> StoreResult<()> {
        self.write_then(
            move |c, _| queries::set_password_hash(c, user, &hash),
            self.forget_sessions(),
        )
        .await
    }

    async fn set_theme(&self, user: UserId, theme: Theme) -> StoreResult<()> {
        self.write_then(
            move |c, _| queries::set_theme(c, user, theme),
            self.forget_sessions(),
        )
        .await
    }

    async fn create_session(
        &self,
        user: UserId,
        token_hash: [u8; 32],
        now: Timestamp,
    ) -> StoreResult<()> {
        self.writer
            .write(move |c, _| queries::create_session(c, user, &token_hash, now))
            .await
    }

    async fn user_for_session(&self, token_hash: [u8; 32]) -> StoreResult<Option<User>> {
        if let Some(user) = self.sessions.get(&token_hash) {
            return Ok(Some(user));
        }
        let read_at = self.sessions.generation();
        let user = self
            .readers
            .read_quick(move |c| queries::user_for_session(c, &token_hash))
            .await?;
        if let Some(user) = &user {
            self.sessions.put(read_at, token_hash, user.clone());
        }
        Ok(user)
    }

    async fn delete_session(&self, token_hash: [u8; 32]) -> StoreResult<()> {
        self.write_then(
            move |c, ev| queries::delete_session(c, ev, &token_hash),
            self.forget_sessions(),
        )
        .await
    }

    async fn delete_sessions_of(&self, user: UserId, keep: Option<[u8; 32]>) -> StoreResult<u64> {
        self.write_then(
            move |c, ev| queries::delete_sessions_of(c, ev, user, keep.as_ref()),
            self.forget_sessions(),
        )
        .await
    }

    async fn create_room(&self, room: NewRoom, now: Timestamp) -> StoreResult<Room> {
        self.write_then(
            move |c, ev| queries::create_room(c, ev, &room, now),
            self.forget_access(),
        )
        .await
    }

    async fn room_for(
        &self,
        room: RoomId,
        user: UserId,
    ) -> StoreResult<Option<(Room, Option<Membership>)>> {
        self.readers
            .read_quick(move |c| queries::room_for(c, room, user))
            .await
    }

    async fn access(&self, room: RoomId, user: UserId) -> StoreResult<Option<RoomAccess>> {
        if let Some(access) = self.access.get(&(room, user)) {
            return Ok(access);
        }
        let read_at = self.access.generation();
        let access = self
            .readers
            .read_quick(move |c| queries::access(c, room, user))
            .await?;
        self.access.put(read_at, (room, user), access);
        Ok(access)
    }

    async fn rooms_of(&self, user: UserId) -> StoreResult<Vec<RoomSummary>> {
        self.readers.read(move |c| queries::rooms_of(c, user)).await
    }

    async fn public_rooms(&self, asking: UserId) -> StoreResult<Vec<RoomListing>> {
        self.readers
            .read(move |c| queries::public_rooms(c, asking))
            .await
    }

    async fn add_member(
        &self,
        room: RoomId,
        user: UserId,
        role: Role,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.write_then(
            move |c, ev| queries::add_member(c, ev, room, user, role, now),
            self.forget_access(),
        )
        .await
    }

    async fn remove_member(&self, room: RoomId, user: UserId) -> StoreResult<bool> {
        self.write_then(
            move |c, ev| queries::remove_member(c, ev, room, user),
            self.forget_access(),
        )
        .await
    }

    async fn members(&self, room: RoomId) -> StoreResult<Vec<Member>> {
        self.readers.read(move |c| queries::members(c, room)).await
    }

    async fn direct_room(&self, a: UserId, b: UserId, now: Timestamp) -> StoreResult<Room> {
        self.write_then(
            move |c, ev| queries::direct_room(c, ev, a, b, now),
            self.forget_access(),
        )
        .await
    }

    async fn mark_read(&self, room: RoomId, user: UserId, seq: Seq) -> StoreResult<()> {
        self.writer
            .write(move |c, _| queries::mark_read(c, room, user, seq))
            .await
    }

    async fn set_slow_mode(&self, room: RoomId, secs: u32) -> StoreResult<()> {
        self.write_then(
            move |c, _| queries::set_slow_mode(c, room, secs),
            self.forget_access(),
        )
        .await
    }

    async fn post_message(&self, message: NewMessage) -> StoreResult<Posted> {
        self.post_then_index(message).await
    }

    async fn messages(&self, room: RoomId, page: HistoryPage) -> StoreResult<Vec<Message>> {
        self.readers
            .read_quick(move |c| queries::messages(c, room, page))
            .await
    }

    async fn history(&self, room: RoomId, page: HistoryPage) -> StoreResult<Vec<MessageJson>> {
        self.readers
            .read_quick(move |c| queries::history(c, room, page))
            .await
    }

    async fn message_at(&self, room: RoomId, seq: Seq) -> StoreResult<Option<Message>> {
        self.readers
            .read_quick(move |c| queries::message_at(c, room, seq))
            .await
    }

    async fn edit_message(
        &self,
        room: RoomId,
        seq: Seq,
        author: UserId,
        body: MessageBody,
    ) -> StoreResult<Message> {
        self.writer
            .write(move |c, ev| queries::edit_message(c, ev, room, seq, author, &body))
            .await
    }

    async fn delete_message(&self, room: RoomId, seq: Seq) -> StoreResult<()> {
        self.writer
            .write(move |c, ev| queries::delete_message(c, ev, room, seq))
            .await
    }

    async fn events_after(&self, room: RoomId, after: Seq, limit: u32) -> StoreResult<Replay> {
        self.readers
            .read_quick(move |c| queries::events_after(c, room, after, limit))
            .await
    }

    async fn users_starting_with(&self, prefix_key: &str, limit: u32) -> StoreResult<Vec<Person>> {
        let prefix = prefix_key.to_owned();
        self.readers
            .read(move |c| directory::users_starting_with(c, &prefix, limit))
            .await
    }

    async fn room_about(&self, room: RoomId) -> StoreResult<RoomAbout> {
        self.readers
            .read(move |c| directory::room_about(c, room))
            .await
    }

    // --- files and search
    async fn record_upload(&self, upload: NewUpload) -> StoreResult<Attachment> {
        self.writer
            .write(move |c, _| files::record_upload(c, &upload))
            .await
    }

    async fn readable_upload(
        &self,
        key: &crate::files::FileKey,
        reader: UserId,
    ) -> StoreResult<Option<UploadRecord>> {
        let key = key.clone();
        self.readers
            .read_quick(move |c| files::readable_upload(c, &key, reader))
            .await
    }

    async fn files_of_message(
        &self,
        room: RoomId,
        seq: Seq,
    ) -> StoreResult<Vec<crate::files::FileKey>> {
        self.readers
            .read_quick(move |c| files::files_of_message(c, room, seq))
            .await
    }

    async fn expire_uploads(
        &self,
        keys: Vec<crate::files::FileKey>,
        made_before: Timestamp,
    ) -> StoreResult<std::collections::HashSet<crate::files::FileKey>> {
        self.writer
            .write(move |c, _| files::expire_uploads(c, &keys, made_before))
            .await
    }

    async fn search_messages(
        &self,
        reader: UserId,
        search: MessageSearch,
    ) -> StoreResult<Vec<Message>> {
        self.search_indexed(reader, search).await
    }

    // --- threads and mentions
    async fn thread_replies(
        &self,
        room: RoomId,
        first: Seq,
        page: HistoryPage,
    ) -> StoreResult<Vec<MessageJson>> {
        self.readers
            .read_quick(move |c| conversation::thread_replies(c, room, first, page))
            .await
    }

    async fn members_named(
        &self,
        room: RoomId,
        name_keys: Vec<String>,
    ) -> StoreResult<Vec<Member>> {
        self.readers
            .read_quick(move |c| conversation::members_named(c, room, &name_keys))
            .await
    }

    async fn members_may_mention_room(&self, room: RoomId) -> StoreResult<bool> {
        self.readers
            .read_quick(move |c| conversation::members_may_mention_room(c, room))
            .await
    }

    async fn set_members_may_mention_room(&self, room: RoomId, allowed: bool) -> StoreResult<()> {
        self.writer
            .write(move |c, _| conversation::set_members_may_mention_room(c, room, allowed))
            .await
    }

    async fn mentions_of(
        &self,
        user: UserId,
        before: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<crate::domain::MentionEntry>> {
        self.readers
            .read(move |c| conversation::mentions_of(c, user, before, limit))
            .await
    }

    async fn mention_counts(&self, user: UserId) -> StoreResult<Vec<(RoomId, i64)>> {
        self.readers
            .read(move |c| conversation::mention_counts(c, user))
            .await
    }

    async fn notification_levels(
        &self,
        user: UserId,
    ) -> StoreResult<Vec<(RoomId, crate::domain::NotificationLevel)>> {
        self.readers
            .read_quick(move |c| conversation::notification_levels(c, user))
            .await
    }

    async fn set_notification_level(
        &self,
        room: RoomId,
        user: UserId,
        level: crate::domain::NotificationLevel,
    ) -> StoreResult<()> {
        self.writer
            .write(move |c, _| conversation::set_notification_level(c, room, user, level))
            .await
    }

    async fn do_not_disturb(&self, user: UserId) -> StoreResult<Option<Timestamp>> {
        self.readers
            .read_quick(move |c| conversation::do_not_disturb(c, user))
            .await
    }

    async fn set_do_not_disturb(&self, user: UserId, until: Option<Timestamp>) -> StoreResult<()> {
        self.writer
            .write(move |c, _| conversation::set_do_not_disturb(c, user, until))
            .await
    }

    // --- conversations (issue 16): SQL in reactions.rs and room_care.rs
    async fn add_reaction(
        &self,
        room: RoomId,
        seq: Seq,
        who: Reactor,
        emoji: Emoji,
        max_emoji: u32,
    ) -> StoreResult<AddOutcome> {
        self.writer
            .write(move |c, ev| reactions::add_reaction(c, ev, room, seq, &who, &emoji, max_emoji))
            .await
    }

    async fn remove_reaction(
        &self,
        room: RoomId,
        seq: Seq,
        who: Reactor,
        emoji: Emoji,
    ) -> StoreResult<bool> {
        self.writer
            .write(move |c, ev| reactions::remove_reaction(c, ev, room, seq, &who, &emoji))
            .await
    }

    async fn reactions_between(
        &self,
        room: RoomId,
        first: Seq,
        last: Seq,
    ) -> StoreResult<Vec<ReactionGroup>> {
        self.readers
            .read_quick(move |c| reactions::reactions_between(c, room, first, last))
            .await
    }

    async fn pin_message(
        &self,
        room: RoomId,
        seq: Seq,
        who: Reactor,
        max_pins: u32,
    ) -> StoreResult<AddOutcome> {
        self.writer
            .write(move |c, ev| room_care::pin_message(c, ev, room, seq, &who, max_pins))
            .await
    }

    async fn unpin_message(&self, room: RoomId, seq: Seq, who: Reactor) -> StoreResult<bool> {
        self.writer
            .write(move |c, ev| room_care::unpin_message(c, ev, room, seq, &who))
            .await
    }

    async fn pins(&self, room: RoomId) -> StoreResult<Vec<Pin>> {
        self.readers.read(move |c| room_care::pins(c, room)).await
    }

    async fn save_message(
        &self,
        user: UserId,
        room: RoomId,
        seq: Seq,
        max_saved: u32,
    ) -> StoreResult<AddOutcome> {
        self.writer
            .write(move |c, _| room_care::save_message(c, user, room, seq, max_saved))
            .await
    }

    async fn unsave_message(&self, user: UserId, room: RoomId, seq: Seq) -> StoreResult<bool> {
        self.writer
            .write(move |c, _| room_care::unsave_message(c, user, room, seq))
            .await
    }

    async fn saved_messages(&self, user: UserId, limit: u32) -> StoreResult<Vec<SavedMessage>> {
        self.readers
            .read(move |c| room_care::saved_messages(c, user, limit))
            .await
    }

    async fn room_settings(&self, room: RoomId) -> StoreResult<RoomSettings> {
        self.readers
            .read(move |c| room_care::room_settings(c, room))
            .await
    }

    async fn care_for_room(
        &self,
        room: RoomId,
        change: RoomCare,
        who: Reactor,
    ) -> StoreResult<RoomSettings> {
        // Archive and restore change what sends may do: the access cache forgets.
        self.write_then(
            move |c, ev| room_care::care_for_room(c, ev, room, &change, &who),
            self.forget_access(),
        )
        .await
    }

    async fn delete_room(&self, room: RoomId) -> StoreResult<()> {
        self.write_then(
            move |c, ev| room_care::delete_room(c, ev, room),
            self.forget_access(),
        )
        .await
    }

    async fn set_role(&self, room: RoomId, user: UserId, role: Role) -> StoreResult<bool> {
        self.write_then(
            move |c, _| room_care::set_role(c, room, user, role),
            self.forget_access(),
        )
        .await
    }

    async fn set_disappearing(
        &self,
        room: RoomId,
        secs: u32,
        changed_by: &str,
    ) -> StoreResult<Seq> {
        let by = changed_by.to_owned();
        self.writer
            .write(move |c, ev| expiry::set_disappearing(c, ev, room, secs, &by))
            .await
    }

    async fn next_expiry(&self) -> StoreResult<Option<Timestamp>> {
        self.readers.read_quick(expiry::next_expiry).await
    }

    async fn expire_due(&self, now: Timestamp, limit: u32) -> StoreResult<u32> {
        self.writer
            .write(move |c, ev| expiry::expire_due(c, ev, now, limit))
            .await
    }

    async fn expire_posted_before(&self, cutoff: Timestamp, limit: u32) -> StoreResult<u32> {
        self.writer
            .write(move |c, ev| {
                expiry::expire_posted_before(c, ev, cutoff, Timestamp::now(), limit)
            })
            .await
    }

    async fn retention_days(&self) -> StoreResult<u32> {
        self.readers.read_quick(expiry::retention_days).await
    }

    async fn set_retention_days(&self, days: u32) -> StoreResult<()> {
        self.writer
            .write(move |c, _| expiry::set_retention_days(c, days))
            .await
    }

    async fn standing(&self, user: UserId) -> StoreResult<Option<Standing>> {
        self.readers
            .read_quick(move |c| server::standing(c, user))
            .await
    }

    async fn claim_first_admin(&self, user: UserId) -> StoreResult<bool> {
        self.writer
            .write(move |c, _| server::claim_first_admin(c, user))
            .await
    }

    async fn set_admin(&self, user: UserId, admin: bool) -> StoreResult<()> {
        self.writer
            .write(move |c, _| server::set_admin(c, user, admin))
            .await
    }

    async fn set_deactivated(&self, user: UserId, deactivated: bool) -> StoreResult<()> {
        self.write_then(
            move |c, ev| server::set_deactivated(c, ev, user, deactivated, Timestamp::now()),
            self.forget_sessions(),
        )
        .await
    }

    async fn accounts(&self, query_key: &str, limit: u32) -> StoreResult<Vec<Account>> {
        let query = query_key.to_owned();
        self.readers
            .read(move |c| server::accounts(c, &query, limit))
            .await
    }

    async fn sign_up_mode(&self) -> StoreResult<SignUpMode> {
        self.readers.read_quick(server::sign_up_mode).await
    }

    async fn set_sign_up_mode(&self, mode: SignUpMode) -> StoreResult<()> {
        self.writer
            .write(move |c, _| server::set_sign_up_mode(c, mode))
            .await
    }

    async fn create_invite(&self, invite: NewInvite) -> StoreResult<Invite> {
        self.writer
            .write(move |c, _| server::create_invite(c, &invite, Timestamp::now()))
            .await
    }

    async fn invites(&self) -> StoreResult<Vec<Invite>> {
        self.readers.read(server::invites).await
    }

    async fn revoke_invite(&self, id: i64) -> StoreResult<()> {
        self.writer
            .write(move |c, _| server::revoke_invite(c, id, Timestamp::now()))
            .await
    }

    async fn create_user_with_invite(
        &self,
        username: &str,
        username_key: &str,
        password_hash: Option<String>,
        code_hash: [u8; 32],
        now: Timestamp,
    ) -> StoreResult<User> {
        let (name, key) = (username.to_owned(), username_key.to_owned());
        self.write_then(
            move |c, ev| {
                server::create_user_with_invite(
                    c,
                    ev,
                    &name,
                    &key,
                    password_hash.as_deref(),
                    &code_hash,
                    now,
                )
            },
            self.forget_access(),
        )
        .await
    }

    async fn ban_member(&self, room: RoomId, user: UserId, by: UserId) -> StoreResult<bool> {
        self.write_then(
            move |c, ev| moderation::ban_member(c, ev, room, user, by, Timestamp::now()),
            self.forget_access(),
        )
        .await
    }

    async fn unban_member(&self, room: RoomId, user: UserId) -> StoreResult<bool> {
        self.writer
            .write(move |c, _| moderation::unban_member(c, room, user))
            .await
    }

    async fn is_banned(&self, room: RoomId, user: UserId) -> StoreResult<bool> {
        self.readers
            .read_quick(move |c| moderation::is_banned(c, room, user))
            .await
    }

    async fn record_audit(&self, entry: AuditEntry) -> StoreResult<()> {
        self.writer
            .write(move |c, _| moderation::record_audit(c, &entry, Timestamp::now()))
            .await
    }

    async fn audit_log(&self, limit: u32) -> StoreResult<Vec<AuditRecord>> {
        self.readers
            .read(move |c| moderation::audit_log(c, limit))
            .await
    }

    // --- conversations (finish)
    async fn edit_message_mentioning(
        &self,
        room: RoomId,
        seq: Seq,
        author: UserId,
        body: MessageBody,
        mentions: crate::domain::Mentions,
    ) -> StoreResult<Message> {
        self.writer
            .write(move |c, ev| {
                corrections::edit_message(c, ev, room, seq, author, &body, &mentions)
            })
            .await
    }

    async fn change_role(
        &self,
        room: RoomId,
        user: UserId,
        role: Role,
        by: Reactor,
    ) -> StoreResult<bool> {
        self.write_then(
            move |c, ev| corrections::change_role(c, ev, room, user, role, &by),
            self.forget_access(),
        )
        .await
    }

    async fn room_changes_between(
        &self,
        room: RoomId,
        first: Seq,
        last: Seq,
    ) -> StoreResult<Vec<crate::domain::PastRoomEvent>> {
        self.readers
            .read_quick(move |c| corrections::room_changes_between(c, room, first, last))
            .await
    }

    async fn open_group(
        &self,
        creator: UserId,
        others: Vec<UserId>,
        name: String,
        now: Timestamp,
    ) -> StoreResult<(Room, bool)> {
        // New memberships, as for any new room: the access cache forgets.
        self.write_then(
            move |c, ev| group_dms::open_group(c, ev, creator, &others, &name, now),
            self.forget_access(),
        )
        .await
    }

    async fn groups_of(&self, user: UserId) -> StoreResult<Vec<RoomId>> {
        self.readers
            .read_quick(move |c| group_dms::groups_of(c, user))
            .await
    }

    async fn group_size(&self, room: RoomId) -> StoreResult<Option<u32>> {
        self.readers
            .read_quick(move |c| {
                if group_dms::is_group(c, room)? {
                    group_dms::member_count(c, room).map(Some)
                } else {
                    Ok(None)
                }
            })
            .await
    }

    async fn set_status(
        &self,
        user: UserId,
        status: Option<crate::domain::UserStatus>,
    ) -> StoreResult<()> {
        self.writer
            .write(move |c, _| status::set_status(c, user, status.as_ref(), Timestamp::now()))
            .await
    }

    async fn status_of(
        &self,
        user: UserId,
        now: Timestamp,
    ) -> StoreResult<Option<crate::domain::UserStatus>> {
        self.readers
            .read_quick(move |c| status::status_of(c, user, now))
            .await
    }

    async fn member_statuses(
        &self,
        room: RoomId,
        now: Timestamp,
    ) -> StoreResult<Vec<crate::domain::MemberStatus>> {
        self.readers
            .read(move |c| status::member_statuses(c, room, now))
            .await
    }

    // --- files and search (finish)
    async fn reserve_upload_quota(
        &self,
        user: UserId,
        wanted: Option<u64>,
        most: u64,
        quota: u64,
    ) -> StoreResult<Result<UploadReservation, u64>> {
        self.reserve_quota(user, wanted, most, quota).await
    }

    async fn release_upload_quota(&self, reservation: i64) -> StoreResult<()> {
        self.release_quota(reservation).await
    }
}
