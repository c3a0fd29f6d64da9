//! The storage boundary: one `Store` trait with intent-named methods. Use-cases
//! call it and never see SQL; each backend (SQLite now, PostgreSQL later)
//! implements it in its own module.

pub mod sqlite;

use std::collections::HashSet;

use async_trait::async_trait;

use crate::domain::{Account, AuditRecord, Invite, SignUpMode, Standing};
use crate::domain::{
    Attachment, ClientId, Emoji, Event, Member, Message, MessageBody, MessageJson, Person, Pin,
    Posted, ReactionGroup, Reactor, Role, Room, RoomAbout, RoomCare, RoomEvent, RoomId, RoomKind,
    RoomListing, RoomSettings, RoomSummary, SavedMessage, Seq, Theme, Timestamp, User, UserId,
};
use crate::error::Error;
use crate::files::FileKey;

pub use finish::{AuditedChange, AuditedOutcome, ServerFinish, SessionRecord, SessionSeen};
pub use search::{MessageSearch, SearchOrder};
pub use uploads::{NewUpload, StoredPreview, UploadRecord, UploadReservation};

mod finish;
mod search;
mod uploads;

/// What a store can say went wrong, beyond a broken database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was hit (a taken username, a second public room of a name).
    #[error("already exists")]
    Conflict,
    /// The disk is full or the database is locked by someone else: writes
    /// cannot be taken now, reads may still work.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Error::not_found("Not found."),
            StoreError::Conflict => Error::conflict("conflict", "That already exists."),
            StoreError::Unavailable(why) => {
                tracing::error!(%why, "storage unavailable");
                Error::Unavailable(
                    "The server cannot store anything right now; try again soon.".into(),
                )
            }
            StoreError::Other(e) => Error::Internal(e),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// How a store makes a write durable before it is acknowledged, for
/// operators: said in the start-up log and by `GET /api/v1/server`.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Durability {
    /// The database: `sqlite`.
    pub storage: &'static str,
    /// SQLite's journal mode: `wal`.
    pub journal_mode: String,
    /// How transactions are made: `group commit` (concurrent writes
    /// batched into one transaction by one writer).
    pub commits: &'static str,
    /// When the disk has the write: `fdatasync before acknowledgement`
    /// (nothing is answered or broadcast before its flush).
    pub flush: &'static str,
}

impl std::fmt::Display for Durability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} journal_mode={}, {}, {}",
            self.storage, self.journal_mode, self.commits, self.flush
        )
    }
}

/// A user as stored, with the secret parts the use-cases need to check.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub user: User,
    pub password_hash: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewRoom {
    pub kind: RoomKind,
    pub name: String,
    pub name_key: String,
    pub created_by: UserId,
    /// Added as plain members besides the creator, who becomes the owner.
    pub members: Vec<UserId>,
}

#[derive(Debug, Clone)]
pub struct NewMessage {
    pub room: RoomId,
    pub author: UserId,
    /// The author's username, so the insert need not look it up.
    pub author_name: String,
    pub client_id: ClientId,
    pub body: MessageBody,
    /// Uploads of the author's to attach, in order (see `record_upload`).
    pub files: Vec<crate::files::FileKey>,
    /// For a reply: its thread, checked again in the insert's transaction.
    pub thread: Option<crate::domain::ThreadPlace>,
    /// Who it mentions (members only, already checked).
    pub mentions: crate::domain::Mentions,
}

/// Which slice of a room's history to read; `limit` is already capped.
#[derive(Debug, Clone, Copy)]
pub enum HistoryPage {
    /// The newest `limit` messages.
    Newest { limit: u32 },
    /// The `limit` messages just before `seq`.
    Before { seq: Seq, limit: u32 },
    /// The `limit` messages just after `seq`.
    After { seq: Seq, limit: u32 },
    /// The tutorial's positional read: skip `offset` messages from the start.
    FromPosition { offset: u64, limit: u32 },
}

/// A user's place in a room.
#[derive(Debug, Clone, Copy)]
pub struct Membership {
    pub role: Role,
    pub last_read_seq: Seq,
}

/// What a user may do in a room: the parts of the room and of their
/// membership that every send and read checks. They change only when rooms
/// or memberships do, so the store may answer from memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomAccess {
    pub kind: RoomKind,
    pub slow_mode_secs: u32,
    /// `None` when the user is not a member.
    pub role: Option<Role>,
    /// Archived rooms are read-only (issue 16).
    pub archived: bool,
}

/// A room's events after a cursor, and its newest seq as of that read.
#[derive(Debug, Clone)]
pub struct Replay {
    pub events: Vec<RoomEvent>,
    pub last_seq: Seq,
}

/// Hears every committed change, in commit order, right after the commit
/// (the realtime hub, or a bus to other nodes). Must not block.
pub trait Publisher: Send + Sync + 'static {
    fn publish(&self, events: &[Event]);
}

#[async_trait]
pub trait Store: ServerFinish + Send + Sync + 'static {
    /// How this store makes writes durable.
    fn durability(&self) -> Durability;

    /// Answers when the database does (for readiness checks).
    async fn ping(&self) -> StoreResult<()>;

    // --- users and sessions
    /// Creates the user and makes them a member of every auto-join room, in
    /// one transaction. `Conflict` when the name (ignoring case) is taken.
    async fn create_user(
        &self,
        username: &str,
        username_key: &str,
        password_hash: Option<String>,
        now: Timestamp,
    ) -> StoreResult<User>;
    async fn user_by_name(&self, username_key: &str) -> StoreResult<Option<UserRecord>>;
    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<UserRecord>>;
    async fn set_password_hash(&self, user: UserId, hash: String) -> StoreResult<()>;
    async fn set_theme(&self, user: UserId, theme: Theme) -> StoreResult<()>;
    async fn create_session(
        &self,
        user: UserId,
        token_hash: [u8; 32],
        now: Timestamp,
    ) -> StoreResult<()>;
    async fn user_for_session(&self, token_hash: [u8; 32]) -> StoreResult<Option<User>>;
    async fn delete_session(&self, token_hash: [u8; 32]) -> StoreResult<()>;
    /// Ends every session of the user except `keep`; returns how many ended.
    async fn delete_sessions_of(&self, user: UserId, keep: Option<[u8; 32]>) -> StoreResult<u64>;

    // --- rooms and memberships
    /// `Conflict` when a public room of that name exists.
    async fn create_room(&self, room: NewRoom, now: Timestamp) -> StoreResult<Room>;
    /// The room and the user's membership of it (`None` if there is no room).
    async fn room_for(
        &self,
        room: RoomId,
        user: UserId,
    ) -> StoreResult<Option<(Room, Option<Membership>)>>;
    /// `room_for` without the parts that change with every message: the
    /// check on the hot paths (send, history), answered from memory when it
    /// can be. `None` if there is no room.
    async fn access(&self, room: RoomId, user: UserId) -> StoreResult<Option<RoomAccess>>;
    async fn rooms_of(&self, user: UserId) -> StoreResult<Vec<RoomSummary>>;
    async fn public_rooms(&self, asking: UserId) -> StoreResult<Vec<RoomListing>>;
    /// Adds the membership; a no-op when it exists.
    async fn add_member(
        &self,
        room: RoomId,
        user: UserId,
        role: Role,
        now: Timestamp,
    ) -> StoreResult<()>;
    /// Removes the membership; returns whether there was one. When the
    /// owner goes, the remaining member who joined first becomes the owner,
    /// in the same transaction.
    async fn remove_member(&self, room: RoomId, user: UserId) -> StoreResult<bool>;
    async fn members(&self, room: RoomId) -> StoreResult<Vec<Member>>;
    /// The direct room of the two users, made on first use.
    async fn direct_room(&self, a: UserId, b: UserId, now: Timestamp) -> StoreResult<Room>;
    /// Moves the read marker forward (never back, never past the last seq).
    async fn mark_read(&self, room: RoomId, user: UserId, seq: Seq) -> StoreResult<()>;
    async fn set_slow_mode(&self, room: RoomId, secs: u32) -> StoreResult<()>;

    // --- messages
    /// Stores the message with the room's next seq, or returns the message
    /// stored before under the same (author, client id). Returns only once the
    /// transaction has committed.
    async fn post_message(&self, message: NewMessage) -> StoreResult<Posted>;
    async fn messages(&self, room: RoomId, page: HistoryPage) -> StoreResult<Vec<Message>>;
    /// The same page as `messages`, as each message's stored JSON.
    async fn history(&self, room: RoomId, page: HistoryPage) -> StoreResult<Vec<MessageJson>>;
    async fn message_at(&self, room: RoomId, seq: Seq) -> StoreResult<Option<Message>>;
    /// Changes the text of the author's own, not deleted, message at `seq`;
    /// logs a `message.edited` event with the room's next seq. `NotFound`
    /// when there is no such message of that author.
    async fn edit_message(
        &self,
        room: RoomId,
        seq: Seq,
        author: UserId,
        body: MessageBody,
    ) -> StoreResult<Message>;
    /// Blanks the message at `seq` and logs `message.deleted`. `NotFound`
    /// when there is no such message or it is already deleted.
    async fn delete_message(&self, room: RoomId, seq: Seq) -> StoreResult<()>;
    /// The room's events after `after`, oldest first, at most `limit`:
    /// message creations (in their current state) and later changes; and
    /// the room's newest seq, read in the same transaction.
    async fn events_after(&self, room: RoomId, after: Seq, limit: u32) -> StoreResult<Replay>;

    // --- directory
    /// Users whose lower-cased name starts with `prefix_key`, by name, at
    /// most `limit`.
    async fn users_starting_with(&self, prefix_key: &str, limit: u32) -> StoreResult<Vec<Person>>;
    /// How many are in the room and who made it (the room exists).
    async fn room_about(&self, room: RoomId) -> StoreResult<RoomAbout>;

    // --- files and search
    /// Records an upload whose bytes are durable in the file store,
    /// unattached until a message of its uploader takes it.
    async fn record_upload(&self, upload: NewUpload) -> StoreResult<Attachment>;
    /// The upload with this key if `reader` may read it: a member of the
    /// room of its message, or its uploader while it is unattached.
    async fn readable_upload(
        &self,
        key: &FileKey,
        reader: UserId,
    ) -> StoreResult<Option<UploadRecord>>;
    /// The stored files (originals and previews) of the message at `seq`.
    async fn files_of_message(&self, room: RoomId, seq: Seq) -> StoreResult<Vec<FileKey>>;
    /// The orphan sweep's database side, in one transaction: removes the
    /// unattached uploads among `keys` made before `made_before`, and
    /// returns the keys among `keys` still referred to.
    async fn expire_uploads(
        &self,
        keys: Vec<FileKey>,
        made_before: Timestamp,
    ) -> StoreResult<HashSet<FileKey>>;
    /// A page of messages that `reader` can read now matching `search`,
    /// newest or best first. Scoped to the reader's memberships in the query.
    async fn search_messages(
        &self,
        reader: UserId,
        search: MessageSearch,
    ) -> StoreResult<Vec<Message>>;
    // --- threads and mentions
    /// A page of the replies to the message at `first`, oldest first.
    async fn thread_replies(
        &self,
        room: RoomId,
        first: Seq,
        page: HistoryPage,
    ) -> StoreResult<Vec<MessageJson>>;
    /// The room's members whose lower-cased name is one of `name_keys`.
    async fn members_named(&self, room: RoomId, name_keys: Vec<String>)
        -> StoreResult<Vec<Member>>;
    /// Whether plain members (not only owners) may mention the whole room.
    async fn members_may_mention_room(&self, room: RoomId) -> StoreResult<bool>;
    async fn set_members_may_mention_room(&self, room: RoomId, allowed: bool) -> StoreResult<()>;
    /// The messages that mention `user` (by name or the whole room), newest
    /// first, only in rooms `user` is a member of now, never their own or
    /// deleted ones; `before` is an entry id from an earlier page.
    async fn mentions_of(
        &self,
        user: UserId,
        before: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<crate::domain::MentionEntry>>;
    /// Per room of `user`: mentions of them after their read marker.
    async fn mention_counts(&self, user: UserId) -> StoreResult<Vec<(RoomId, i64)>>;
    /// The rooms where `user` chose a level other than the default.
    async fn notification_levels(
        &self,
        user: UserId,
    ) -> StoreResult<Vec<(RoomId, crate::domain::NotificationLevel)>>;
    async fn set_notification_level(
        &self,
        room: RoomId,
        user: UserId,
        level: crate::domain::NotificationLevel,
    ) -> StoreResult<()>;
    /// Until when `user` does not want to be disturbed (`None`: off).
    async fn do_not_disturb(&self, user: UserId) -> StoreResult<Option<Timestamp>>;
    async fn set_do_not_disturb(&self, user: UserId, until: Option<Timestamp>) -> StoreResult<()>;

    // --- conversations: reactions, pins, saved messages, room care (issue 16)
    /// Adds `who`'s `emoji` reaction to the live message at `seq` and logs
    /// `reaction.added` with the room's next seq. A repeat logs nothing.
    /// `NotFound` when there is no such live message.
    async fn add_reaction(
        &self,
        room: RoomId,
        seq: Seq,
        who: Reactor,
        emoji: Emoji,
        max_emoji: u32,
    ) -> StoreResult<AddOutcome>;
    /// Takes `who`'s `emoji` reaction back and logs `reaction.removed`;
    /// `false` (and no event) when there was none. `NotFound` when there is
    /// no such live message.
    async fn remove_reaction(
        &self,
        room: RoomId,
        seq: Seq,
        who: Reactor,
        emoji: Emoji,
    ) -> StoreResult<bool>;
    /// The reactions on the room's messages whose seq is in `first..=last`,
    /// by message seq, each emoji in the order it was first used.
    async fn reactions_between(
        &self,
        room: RoomId,
        first: Seq,
        last: Seq,
    ) -> StoreResult<Vec<ReactionGroup>>;
    /// Pins the live message at `seq` and logs `message.pinned`; a repeat
    /// logs nothing; `Full` when the room has `max_pins` already.
    async fn pin_message(
        &self,
        room: RoomId,
        seq: Seq,
        who: Reactor,
        max_pins: u32,
    ) -> StoreResult<AddOutcome>;
    /// Unpins it and logs `message.unpinned`; `false` when it was not pinned.
    async fn unpin_message(&self, room: RoomId, seq: Seq, who: Reactor) -> StoreResult<bool>;
    /// The room's pinned messages, the most recently pinned first.
    async fn pins(&self, room: RoomId) -> StoreResult<Vec<Pin>>;
    /// Bookmarks the live message at `seq` for `user` alone (no event);
    /// `Full` when they have `max_saved` already.
    async fn save_message(
        &self,
        user: UserId,
        room: RoomId,
        seq: Seq,
        max_saved: u32,
    ) -> StoreResult<AddOutcome>;
    async fn unsave_message(&self, user: UserId, room: RoomId, seq: Seq) -> StoreResult<bool>;
    /// The user's bookmarks in rooms they are still in, newest first, at
    /// most `limit`.
    async fn saved_messages(&self, user: UserId, limit: u32) -> StoreResult<Vec<SavedMessage>>;
    /// Topic, archive state and pin policy. `NotFound` when there is no room.
    async fn room_settings(&self, room: RoomId) -> StoreResult<RoomSettings>;
    /// Applies an owner's change and logs `room.updated`; returns the
    /// settings after it. `Conflict` when a rename takes a public room's name.
    async fn care_for_room(
        &self,
        room: RoomId,
        change: RoomCare,
        who: Reactor,
    ) -> StoreResult<RoomSettings>;
    /// Deletes the room and everything in it; its members hear that they
    /// left it.
    async fn delete_room(&self, room: RoomId) -> StoreResult<()>;
    /// Makes a member an owner (or an owner a member).
    async fn set_role(&self, room: RoomId, user: UserId, role: Role) -> StoreResult<bool>;

    // --- server: disappearing messages
    /// Sets the room's disappearing-messages timer (0 turns it off) and
    /// logs `room.disappearing_changed` with the room's next seq.
    async fn set_disappearing(&self, room: RoomId, secs: u32, changed_by: &str)
        -> StoreResult<Seq>;
    /// The soonest time a stored message is due to disappear.
    async fn next_expiry(&self) -> StoreResult<Option<Timestamp>>;
    /// Makes at most `limit` messages due at `now` disappear (text and
    /// edits removed, `message.expired` logged for each), in one write of
    /// the ordinary write path. Returns how many.
    async fn expire_due(&self, now: Timestamp, limit: u32) -> StoreResult<u32>;
    /// Server-wide retention: makes at most `limit` messages posted before
    /// `cutoff` disappear as `expire_due` does, oldest first.
    async fn expire_posted_before(&self, cutoff: Timestamp, limit: u32) -> StoreResult<u32>;
    /// Days after which every message disappears (0: kept forever).
    async fn retention_days(&self) -> StoreResult<u32>;
    async fn set_retention_days(&self, days: u32) -> StoreResult<()>;

    // --- server: roles, deactivation, sign-up mode, invites
    async fn standing(&self, user: UserId) -> StoreResult<Option<Standing>>;
    /// Makes the user admin if they are the first account and there is no
    /// admin yet; returns whether they became it.
    async fn claim_first_admin(&self, user: UserId) -> StoreResult<bool>;
    async fn set_admin(&self, user: UserId, admin: bool) -> StoreResult<()>;
    /// Deactivating ends every session of the user (their live connections
    /// close); reactivating lets them sign in again.
    async fn set_deactivated(&self, user: UserId, deactivated: bool) -> StoreResult<()>;
    /// Accounts whose lower-cased name contains `query_key`, by name.
    async fn accounts(&self, query_key: &str, limit: u32) -> StoreResult<Vec<Account>>;
    async fn sign_up_mode(&self) -> StoreResult<SignUpMode>;
    async fn set_sign_up_mode(&self, mode: SignUpMode) -> StoreResult<()>;
    async fn create_invite(&self, invite: NewInvite) -> StoreResult<Invite>;
    async fn invites(&self) -> StoreResult<Vec<Invite>>;
    async fn revoke_invite(&self, id: i64) -> StoreResult<()>;
    /// `create_user` through an invite, in one transaction with taking one
    /// of its uses and joining its room. `NotFound` for an invite that is
    /// unknown, revoked, expired or used up.
    async fn create_user_with_invite(
        &self,
        username: &str,
        username_key: &str,
        password_hash: Option<String>,
        code_hash: [u8; 32],
        now: Timestamp,
    ) -> StoreResult<User>;

    // --- server: moderation
    /// Bans the user from the room and removes them from it (one
    /// transaction); returns whether they were in it.
    async fn ban_member(&self, room: RoomId, user: UserId, by: UserId) -> StoreResult<bool>;
    /// Returns whether there was a ban.
    async fn unban_member(&self, room: RoomId, user: UserId) -> StoreResult<bool>;
    async fn is_banned(&self, room: RoomId, user: UserId) -> StoreResult<bool>;
    /// Appends to the audit log (which nothing changes or deletes).
    async fn record_audit(&self, entry: AuditEntry) -> StoreResult<()>;
    /// The newest `limit` entries, newest first.
    async fn audit_log(&self, limit: u32) -> StoreResult<Vec<AuditRecord>>;

    // --- conversations (finish)
    /// `edit_message`, and in the same transaction who the message
    /// mentions now (its JSON and the inbox rows; a mention that stays
    /// keeps its place).
    async fn edit_message_mentioning(
        &self,
        room: RoomId,
        seq: Seq,
        author: UserId,
        body: MessageBody,
        mentions: crate::domain::Mentions,
    ) -> StoreResult<Message>;
    /// Makes a member an owner (or an owner a member) and logs
    /// `member.role_changed`; `false` when they are not in the room.
    async fn change_role(
        &self,
        room: RoomId,
        user: UserId,
        role: Role,
        by: Reactor,
    ) -> StoreResult<bool>;
    /// The room changes (settings, roles, timer, pins) with a seq in
    /// `first..=last`, oldest first, at most a page's worth (the newest).
    async fn room_changes_between(
        &self,
        room: RoomId,
        first: Seq,
        last: Seq,
    ) -> StoreResult<Vec<crate::domain::PastRoomEvent>>;
    /// The group conversation of exactly `creator` and `others`, or a new
    /// private one named `name`; whether it was made now.
    async fn open_group(
        &self,
        creator: UserId,
        others: Vec<UserId>,
        name: String,
        now: Timestamp,
    ) -> StoreResult<(Room, bool)>;
    /// Which of the user's rooms are group conversations.
    async fn groups_of(&self, user: UserId) -> StoreResult<Vec<RoomId>>;
    /// Whether the room is a group conversation, and how many are in it.
    async fn group_size(&self, room: RoomId) -> StoreResult<Option<u32>>;
    /// Sets (or with `None` clears) the user's status.
    async fn set_status(
        &self,
        user: UserId,
        status: Option<crate::domain::UserStatus>,
    ) -> StoreResult<()>;
    /// The user's status unless it has ended by `now`.
    async fn status_of(
        &self,
        user: UserId,
        now: Timestamp,
    ) -> StoreResult<Option<crate::domain::UserStatus>>;
    /// The statuses (not ended by `now`) of the room's members, by name.
    async fn member_statuses(
        &self,
        room: RoomId,
        now: Timestamp,
    ) -> StoreResult<Vec<crate::domain::MemberStatus>>;

    // --- files and search (finish)
    /// Reserves quota for an upload in one atomic step with the check: what
    /// the user keeps and their other reservations leave `wanted` bytes
    /// (`None`, size unknown: whatever is left, at most `most`). `Err`
    /// carries what is left when it does not fit.
    async fn reserve_upload_quota(
        &self,
        user: UserId,
        wanted: Option<u64>,
        most: u64,
        quota: u64,
    ) -> StoreResult<Result<UploadReservation, u64>>;
    /// Gives back the reservation of an upload that was not recorded
    /// (`record_upload` gives back its upload's own).
    async fn release_upload_quota(&self, reservation: i64) -> StoreResult<()>;
    // --- server (finish)
    // Files of expired messages and audited changes: declared in the
    // supertrait `finish::ServerFinish` (also: signed-in devices, reset
    // links, the server name, member invites) so that each backend
    // implements them in a file of its own (sqlite/mod.rs is past 400 lines).
}

/// What an add of a reaction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddOutcome {
    Added,
    /// It was there already: nothing changed, nothing was logged.
    AlreadyThere,
    /// The message carries the most different emoji it may; this one is new.
    Full,
}

/// An admin's or moderator's action, for the audit log.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub actor: UserId,
    pub action: &'static str,
    pub target: String,
    pub room: Option<RoomId>,
}

/// An invite link to store; only the SHA-256 of its code is kept.
#[derive(Debug, Clone)]
pub struct NewInvite {
    pub code_hash: [u8; 32],
    pub created_by: UserId,
    pub expires_at: Timestamp,
    pub max_uses: u32,
    pub room: Option<RoomId>,
}
