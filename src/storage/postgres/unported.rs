//! Every area the PostgreSQL backend does not have yet: each method answers
//! "unavailable" with a sentence naming the area. An area ported to
//! PostgreSQL takes its block out of here and gets its own file beside
//! this one (the same areas as `storage/sqlite`). This file goes when the
//! last block does.
#![allow(unused_imports)]

use std::collections::HashSet;

use super::PgStore;
use crate::domain::Theme;
use crate::storage::{Membership, NewRoom, RoomAccess, Rooms, UserRecord, Accounts};
use crate::domain::{RoomSummary, RoomListing};

use crate::domain::{
    Account, Attachment, AuditRecord, Emoji, Invite, Member, MemberStatus, MentionEntry, Message,
    MessageBody, MessageJson, NotificationLevel, PastRoomEvent, Person, Pin, Posted, ReactionGroup,
    Reactor, Role, Room, RoomAbout, RoomCare, RoomId, RoomSettings, SavedMessage, Seq, SignUpMode,
    Standing, Timestamp, User, UserId, UserStatus,
};
use crate::files::FileKey;
use crate::storage::Operations;
use crate::storage::Profiles;
use crate::storage::{
    AddOutcome, AuditEntry, Directory, Disappearing, Durability, Groups, HistoryPage, Mentions,
    MessageSearch, Messages, Moderation, NewInvite, NewMessage, NewUpload, Pins, Reactions, Replay,
    RoomCaretaking, Search, Server, Statuses, Store, StoreResult, UploadRecord, UploadReservation,
    Uploads,
};
use crate::storage::{AuditedChange, AuditedOutcome, ServerFinish, SessionRecord, SessionSeen};
use crate::storage::{Integrations, NewHook, NewToken};
use crate::storage::{
    NewPushSubscription, Push, PushCandidate, PushSubscriptionRecord, QueuedPush,
};


/// Implements `$area` for `PgStore` with every method answering that the
/// area is not on PostgreSQL yet.
macro_rules! unported {
    ($area:ident {
        $(fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $out:ty;)*
    }) => {
        #[async_trait::async_trait]
        impl $area for PgStore {
            $(async fn $name(&self $(, _: $ty)*) -> $out {
                Err(super::unported(stringify!($area)))
            })*
        }
    };
}

unported!(Accounts {
    fn create_user(&self, username: &str, username_key: &str, password_hash: Option<String>,
        now: Timestamp) -> StoreResult<User>;
    fn user_by_name(&self, username_key: &str) -> StoreResult<Option<UserRecord>>;
    fn user_by_id(&self, id: UserId) -> StoreResult<Option<UserRecord>>;
    fn set_password_hash(&self, user: UserId, hash: String) -> StoreResult<()>;
    fn set_theme(&self, user: UserId, theme: Theme) -> StoreResult<()>;
    fn create_session(&self, user: UserId, token_hash: [u8; 32], now: Timestamp) -> StoreResult<()>;
    fn user_for_session(&self, token_hash: [u8; 32]) -> StoreResult<Option<User>>;
    fn delete_session(&self, token_hash: [u8; 32]) -> StoreResult<()>;
    fn delete_sessions_of(&self, user: UserId, keep: Option<[u8; 32]>) -> StoreResult<u64>;
});

unported!(Directory {
    fn users_starting_with(&self, prefix_key: &str, limit: u32) -> StoreResult<Vec<Person>>;
    fn room_about(&self, room: RoomId) -> StoreResult<RoomAbout>;
});

unported!(Statuses {
    fn set_status(&self, user: UserId, status: Option<UserStatus>) -> StoreResult<()>;
    fn status_of(&self, user: UserId, now: Timestamp) -> StoreResult<Option<UserStatus>>;
    fn member_statuses(&self, room: RoomId, now: Timestamp) -> StoreResult<Vec<MemberStatus>>;
});

unported!(Disappearing {
    fn set_disappearing(&self, room: RoomId, secs: u32, changed_by: &str) -> StoreResult<Seq>;
    fn next_expiry(&self) -> StoreResult<Option<Timestamp>>;
    fn expire_due(&self, now: Timestamp, limit: u32) -> StoreResult<u32>;
    fn expire_posted_before(&self, cutoff: Timestamp, limit: u32) -> StoreResult<u32>;
    fn retention_days(&self) -> StoreResult<u32>;
    fn set_retention_days(&self, days: u32) -> StoreResult<()>;
});


unported!(Moderation {
    fn ban_member(&self, room: RoomId, user: UserId, by: UserId) -> StoreResult<bool>;
    fn unban_member(&self, room: RoomId, user: UserId) -> StoreResult<bool>;
    fn is_banned(&self, room: RoomId, user: UserId) -> StoreResult<bool>;
    fn audit_log(&self, limit: u32) -> StoreResult<Vec<AuditRecord>>;
});

unported!(ServerFinish {
    fn pending_file_deletions(&self, limit: u32) -> StoreResult<Vec<FileKey>>;
    fn file_deletions_done(&self, keys: Vec<FileKey>) -> StoreResult<()>;
    fn audited(&self, change: AuditedChange, entry: AuditEntry) -> StoreResult<AuditedOutcome>;
    fn session_seen(&self, token_hash: [u8; 32], seen: SessionSeen) -> StoreResult<()>;
    fn sessions_of(&self, user: UserId) -> StoreResult<Vec<SessionRecord>>;
    fn end_session_of(&self, user: UserId, token_hash: [u8; 32]) -> StoreResult<bool>;
    fn prune_idle_sessions(&self, idle_since: Timestamp, limit: u32) -> StoreResult<u32>;
    fn use_reset_link(&self, code_hash: [u8; 32], password_hash: String, new_session: [u8; 32],
        now: Timestamp) -> StoreResult<User>;
    fn server_name(&self) -> StoreResult<Option<String>>;
    fn members_can_invite(&self) -> StoreResult<bool>;
});

unported!(Push {
    fn push_key_or(&self, made: String) -> StoreResult<String>;
    fn add_push_subscription(&self, new: NewPushSubscription, max_per_user: u32)
        -> StoreResult<PushSubscriptionRecord>;
    fn push_subscriptions_of(&self, user: UserId) -> StoreResult<Vec<PushSubscriptionRecord>>;
    fn push_subscription(&self, id: i64) -> StoreResult<Option<PushSubscriptionRecord>>;
    fn delete_push_subscription(&self, id: i64, owner: Option<UserId>) -> StoreResult<bool>;
    fn push_candidates(&self, room: RoomId, author: UserId, at: Timestamp)
        -> StoreResult<Vec<PushCandidate>>;
    fn queue_pushes(&self, pushes: Vec<QueuedPush>, per_subscription: u32) -> StoreResult<()>;
    fn queued_pushes(&self, subscription: i64, limit: u32) -> StoreResult<Vec<QueuedPush>>;
    fn push_waiting(&self, subscription: i64, room: RoomId, seq: Seq) -> StoreResult<bool>;
    fn push_cursors(&self, subscription: i64) -> StoreResult<Vec<(RoomId, Seq)>>;
    fn save_push_cursor(&self, subscription: i64, room: RoomId, seq: Seq) -> StoreResult<()>;
    fn subscriptions_with_queued_pushes(&self) -> StoreResult<Vec<i64>>;
    fn any_push_subscription(&self) -> StoreResult<bool>;
});

unported!(Profiles {
    fn set_display_name(&self, user: UserId, name: Option<String>, now: Timestamp)
        -> StoreResult<crate::domain::PersonProfile>;
    fn set_avatar(&self, user: UserId, avatar: Option<crate::domain::AvatarFiles>, now: Timestamp)
        -> StoreResult<crate::domain::PersonProfile>;
    fn profile_of(&self, user: UserId) -> StoreResult<crate::domain::PersonProfile>;
    fn profiles_named(&self, usernames: Vec<String>) -> StoreResult<Vec<crate::domain::PersonProfile>>;
    fn avatar_file(&self, key: String, small: bool) -> StoreResult<Option<(String, String)>>;
});

unported!(Operations {
    fn report_message(&self, report: crate::storage::NewReport)
        -> StoreResult<crate::storage::ReportFiled>;
    fn reports(&self, state: crate::domain::ReportState, limit: u32)
        -> StoreResult<Vec<crate::domain::Report>>;
    fn close_report(&self, id: i64, outcome: crate::domain::ReportState, by: UserId,
        entry: AuditEntry) -> StoreResult<crate::domain::Report>;
    fn latest_outside_change(&self) -> StoreResult<i64>;
    fn apply_outside_changes(&self, after: i64) -> StoreResult<i64>;
});
