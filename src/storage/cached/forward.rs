//! The areas the cached layer does not cache: each method handed to the
//! inner store as it is.

use std::collections::HashSet;

use super::CachedStore;
use crate::domain::{
    Account, Attachment, AuditRecord, DeliveryAttempt, Emoji, Invite, Member, MemberStatus,
    MentionEntry, Message, MessageBody, MessageJson, NotificationLevel, PastRoomEvent, Person, Pin,
    Posted, ReactionGroup, Reactor, Role, Room, RoomAbout, RoomCare, RoomId, RoomSettings,
    SavedMessage, Seq, SignUpMode, Standing, Timestamp, User, UserId, UserStatus,
};
use crate::files::FileKey;
use crate::storage::Operations;
use crate::storage::Profiles;
use crate::storage::RoomSeqs;
use crate::storage::SendRates;
use crate::storage::{
    AddOutcome, AuditEntry, Directory, Disappearing, Durability, Expired, Groups, HistoryPage,
    Mentions, MessageSearch, Messages, Moderation, NewInvite, NewMessage, NewUpload, Pins,
    Reactions, Replay, RoomCaretaking, Search, Server, Statuses, Store, StoreResult, UploadRecord,
    UploadReservation, Uploads,
};
use crate::storage::{AuditedChange, AuditedOutcome, ServerFinish, SessionRecord, SessionSeen};
use crate::storage::{BotFeed, NewCommand, SlashCommands};
use crate::storage::{DeliveryProgress, LoggedEvent, NewOutHook, OutHook, OutHooks};
use crate::storage::{Integrations, NewHook, NewToken};
use crate::storage::{
    NewPushSubscription, Push, PushCandidate, PushSubscriptionRecord, QueuedPush,
};

/// Implements `$area` for `CachedStore<S>` by calling the inner store's
/// method of the same name with the same arguments.
macro_rules! forward {
    ($area:ident {
        $(sync fn $sync:ident(&self) -> $sync_out:ty;)*
        $(fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $out:ty;)*
    }) => {
        #[async_trait::async_trait]
        impl<S: Store> $area for CachedStore<S> {
            $(fn $sync(&self) -> $sync_out {
                self.inner.$sync()
            })*
            $(async fn $name(&self $(, $arg: $ty)*) -> $out {
                self.inner.$name($($arg),*).await
            })*
        }
    };
}

forward!(Messages {
    fn post_message(&self, message: NewMessage) -> StoreResult<Posted>;
    fn messages(&self, room: RoomId, page: HistoryPage) -> StoreResult<Vec<Message>>;
    fn history(&self, room: RoomId, page: HistoryPage) -> StoreResult<Vec<MessageJson>>;
    fn message_at(&self, room: RoomId, seq: Seq) -> StoreResult<Option<Message>>;
    fn delete_message(&self, room: RoomId, seq: Seq) -> StoreResult<()>;
    fn events_after(&self, room: RoomId, after: Seq, limit: u32) -> StoreResult<Replay>;
    fn thread_replies(&self, room: RoomId, first: Seq, page: HistoryPage)
        -> StoreResult<Vec<MessageJson>>;
    fn edit_message(&self, room: RoomId, seq: Seq, author: UserId, body: MessageBody,
        mentions: crate::domain::Mentions) -> StoreResult<Message>;
    fn room_changes_between(&self, room: RoomId, first: Seq, last: Seq)
        -> StoreResult<Vec<PastRoomEvent>>;
});

forward!(Directory {
    fn users_starting_with(&self, prefix_key: &str, limit: u32) -> StoreResult<Vec<Person>>;
    fn room_about(&self, room: RoomId) -> StoreResult<RoomAbout>;
});

forward!(Uploads {
    fn record_upload(&self, upload: NewUpload) -> StoreResult<Attachment>;
    fn readable_upload(&self, key: &FileKey, reader: UserId) -> StoreResult<Option<UploadRecord>>;
    fn files_of_message(&self, room: RoomId, seq: Seq) -> StoreResult<Vec<FileKey>>;
    fn expire_uploads(&self, keys: Vec<FileKey>, made_before: Timestamp)
        -> StoreResult<HashSet<FileKey>>;
    fn reserve_upload_quota(&self, user: UserId, wanted: Option<u64>, most: u64, quota: u64)
        -> StoreResult<Result<UploadReservation, u64>>;
    fn release_upload_quota(&self, reservation: i64) -> StoreResult<()>;
});

forward!(Search {
    fn search_messages(&self, reader: UserId, search: MessageSearch) -> StoreResult<Vec<Message>>;
});

forward!(Mentions {
    fn members_named(&self, room: RoomId, name_keys: Vec<String>) -> StoreResult<Vec<Member>>;
    fn members_may_mention_room(&self, room: RoomId) -> StoreResult<bool>;
    fn set_members_may_mention_room(&self, room: RoomId, allowed: bool) -> StoreResult<()>;
    fn mentions_of(&self, user: UserId, before: Option<i64>, limit: u32)
        -> StoreResult<Vec<MentionEntry>>;
    fn mention_counts(&self, user: UserId) -> StoreResult<Vec<(RoomId, i64)>>;
    fn notification_levels(&self, user: UserId) -> StoreResult<Vec<(RoomId, NotificationLevel)>>;
    fn set_notification_level(&self, room: RoomId, user: UserId, level: NotificationLevel)
        -> StoreResult<()>;
    fn do_not_disturb(&self, user: UserId) -> StoreResult<Option<Timestamp>>;
    fn set_do_not_disturb(&self, user: UserId, until: Option<Timestamp>) -> StoreResult<()>;
});

forward!(Reactions {
    fn add_reaction(&self, room: RoomId, seq: Seq, who: Reactor, emoji: Emoji, max_emoji: u32)
        -> StoreResult<AddOutcome>;
    fn remove_reaction(&self, room: RoomId, seq: Seq, who: Reactor, emoji: Emoji)
        -> StoreResult<bool>;
    fn reactions_between(&self, room: RoomId, first: Seq, last: Seq)
        -> StoreResult<Vec<ReactionGroup>>;
});

forward!(Pins {
    fn pin_message(&self, room: RoomId, seq: Seq, who: Reactor, max_pins: u32)
        -> StoreResult<AddOutcome>;
    fn unpin_message(&self, room: RoomId, seq: Seq, who: Reactor) -> StoreResult<bool>;
    fn pins(&self, room: RoomId) -> StoreResult<Vec<Pin>>;
    fn save_message(&self, user: UserId, room: RoomId, seq: Seq, max_saved: u32)
        -> StoreResult<AddOutcome>;
    fn unsave_message(&self, user: UserId, room: RoomId, seq: Seq) -> StoreResult<bool>;
    fn saved_messages(&self, user: UserId, limit: u32) -> StoreResult<Vec<SavedMessage>>;
});

forward!(RoomCaretaking {
    fn room_settings(&self, room: RoomId) -> StoreResult<RoomSettings>;
    fn care_for_room(&self, room: RoomId, change: RoomCare, who: Reactor)
        -> StoreResult<RoomSettings>;
    fn delete_room(&self, room: RoomId) -> StoreResult<()>;
    fn change_role(&self, room: RoomId, user: UserId, role: Role, by: Reactor)
        -> StoreResult<bool>;
});

forward!(Groups {
    fn open_group(&self, creator: UserId, others: Vec<UserId>, name: String, now: Timestamp)
        -> StoreResult<(Room, bool)>;
    fn groups_of(&self, user: UserId) -> StoreResult<Vec<RoomId>>;
    fn group_size(&self, room: RoomId) -> StoreResult<Option<u32>>;
});

forward!(Statuses {
    fn set_status(&self, user: UserId, status: Option<UserStatus>) -> StoreResult<()>;
    fn status_of(&self, user: UserId, now: Timestamp) -> StoreResult<Option<UserStatus>>;
    fn member_statuses(&self, room: RoomId, now: Timestamp) -> StoreResult<Vec<MemberStatus>>;
});

forward!(Disappearing {
    fn set_disappearing(&self, room: RoomId, secs: u32, changed_by: &str) -> StoreResult<Seq>;
    fn next_expiry(&self) -> StoreResult<Option<Timestamp>>;
    fn expire_due(&self, now: Timestamp, limit: u32) -> StoreResult<Expired>;
    fn expire_posted_before(&self, cutoff: Timestamp, limit: u32) -> StoreResult<Expired>;
    fn retention_days(&self) -> StoreResult<u32>;
    fn set_retention_days(&self, days: u32) -> StoreResult<()>;
});

forward!(Server {
    sync fn durability(&self) -> Durability;
    fn ping(&self) -> StoreResult<()>;
    fn standing(&self, user: UserId) -> StoreResult<Option<Standing>>;
    fn claim_first_admin(&self, user: UserId) -> StoreResult<bool>;
    fn set_admin(&self, user: UserId, admin: bool) -> StoreResult<()>;
    fn set_deactivated(&self, user: UserId, deactivated: bool) -> StoreResult<()>;
    fn accounts(&self, query_key: &str, limit: u32) -> StoreResult<Vec<Account>>;
    fn sign_up_mode(&self) -> StoreResult<SignUpMode>;
    fn set_sign_up_mode(&self, mode: SignUpMode) -> StoreResult<()>;
    fn create_invite(&self, invite: NewInvite) -> StoreResult<Invite>;
    fn invites(&self) -> StoreResult<Vec<Invite>>;
    fn revoke_invite(&self, id: i64) -> StoreResult<()>;
    fn create_user_with_invite(&self, username: &str, username_key: &str,
        password_hash: Option<String>, code_hash: [u8; 32], now: Timestamp) -> StoreResult<User>;
});

forward!(Moderation {
    fn ban_member(&self, room: RoomId, user: UserId, by: UserId) -> StoreResult<bool>;
    fn unban_member(&self, room: RoomId, user: UserId) -> StoreResult<bool>;
    fn is_banned(&self, room: RoomId, user: UserId) -> StoreResult<bool>;
    fn audit_log(&self, limit: u32) -> StoreResult<Vec<AuditRecord>>;
});

forward!(ServerFinish {
    fn pending_file_deletions(&self, limit: u32) -> StoreResult<Vec<FileKey>>;
    fn file_deletions_done(&self, keys: Vec<FileKey>) -> StoreResult<()>;
    fn audited(&self, change: AuditedChange, entry: AuditEntry) -> StoreResult<AuditedOutcome>;
    fn sessions_seen(&self, seen: Vec<([u8; 32], SessionSeen)>) -> StoreResult<()>;
    fn sessions_of(&self, user: UserId) -> StoreResult<Vec<SessionRecord>>;
    fn end_session_of(&self, user: UserId, token_hash: [u8; 32]) -> StoreResult<bool>;
    fn prune_idle_sessions(&self, idle_since: Timestamp, limit: u32) -> StoreResult<u32>;
    fn use_reset_link(&self, code_hash: [u8; 32], password_hash: String, new_session: [u8; 32],
        now: Timestamp) -> StoreResult<User>;
    fn server_name(&self) -> StoreResult<Option<String>>;
    fn members_can_invite(&self) -> StoreResult<bool>;
});

forward!(Push {
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

forward!(Profiles {
    fn set_display_name(&self, user: UserId, name: Option<String>, now: Timestamp)
        -> StoreResult<crate::domain::PersonProfile>;
    fn set_avatar(&self, user: UserId, avatar: Option<crate::domain::AvatarFiles>, now: Timestamp)
        -> StoreResult<crate::domain::PersonProfile>;
    fn profile_of(&self, user: UserId) -> StoreResult<crate::domain::PersonProfile>;
    fn profiles_named(&self, usernames: Vec<String>) -> StoreResult<Vec<crate::domain::PersonProfile>>;
    fn avatar_file(&self, key: String, small: bool) -> StoreResult<Option<(String, String)>>;
});

forward!(OutHooks {
    fn create_out_hook(&self, hook: NewOutHook, max: u32) -> StoreResult<OutHook>;
    fn out_hooks_of_room(&self, room: RoomId) -> StoreResult<Vec<OutHook>>;
    fn out_hooks_of_bot(&self, bot: UserId) -> StoreResult<Vec<OutHook>>;
    fn out_hook(&self, id: i64) -> StoreResult<Option<OutHook>>;
    fn active_out_hooks(&self) -> StoreResult<Vec<OutHook>>;
    fn claim_out_hooks(&self, node: &str, lease_ms: u32) -> StoreResult<Vec<i64>>;
    fn delete_out_hook(&self, id: i64) -> StoreResult<bool>;
    fn set_out_hook_paused(&self, id: i64, paused: Option<(Timestamp, String)>) -> StoreResult<bool>;
    fn out_hook_cursors(&self, id: i64) -> StoreResult<Vec<(RoomId, Seq)>>;
    fn save_delivery_progress(&self, id: i64, progress: DeliveryProgress, keep: u32)
        -> StoreResult<()>;
    fn delivery_log(&self, id: i64, limit: u32) -> StoreResult<Vec<DeliveryAttempt>>;
    fn logged_events_after(&self, room: RoomId, after: Seq, limit: u32)
        -> StoreResult<Vec<LoggedEvent>>;
});

forward!(Integrations {
    fn create_bot(&self, owner: UserId, name: &str, name_key: &str, avatar: Option<String>,
        now: Timestamp) -> StoreResult<crate::domain::Bot>;
    fn bots_of(&self, owner: UserId) -> StoreResult<Vec<crate::domain::Bot>>;
    fn create_token(&self, token: NewToken) -> StoreResult<crate::domain::TokenInfo>;
    fn tokens_made_by(&self, maker: UserId) -> StoreResult<Vec<crate::domain::TokenInfo>>;
    fn revoke_token(&self, maker: UserId, id: i64, now: Timestamp) -> StoreResult<bool>;
    fn user_for_token(&self, hash: [u8; 32]) -> StoreResult<Option<(User, crate::domain::Grant)>>;
    fn token_used(&self, id: i64, at: Timestamp) -> StoreResult<()>;
    fn create_hook(&self, hook: NewHook) -> StoreResult<crate::domain::HookInfo>;
    fn hooks_of_room(&self, room: RoomId) -> StoreResult<Vec<crate::domain::HookInfo>>;
    fn hook(&self, room: RoomId, id: i64) -> StoreResult<Option<(crate::domain::HookInfo, UserId)>>;
    fn revoke_hook(&self, room: RoomId, id: i64, now: Timestamp) -> StoreResult<bool>;
    fn hook_target(&self, id: i64) -> StoreResult<Option<crate::domain::HookTarget>>;
    fn hook_used(&self, id: i64, at: Timestamp) -> StoreResult<()>;
});

forward!(SlashCommands {
    fn create_command(&self, command: NewCommand) -> StoreResult<crate::domain::SlashCommandInfo>;
    fn commands_of_room(&self, room: RoomId) -> StoreResult<Vec<crate::domain::SlashCommandInfo>>;
    fn command_named(&self, room: RoomId, name: &str)
        -> StoreResult<Option<crate::domain::CommandTarget>>;
    fn command(&self, room: RoomId, id: i64) -> StoreResult<Option<crate::domain::CommandTarget>>;
    fn delete_command(&self, room: RoomId, id: i64) -> StoreResult<bool>;
});

forward!(BotFeed {
    fn feed_positions(&self, token: i64) -> StoreResult<Vec<(RoomId, Seq)>>;
    fn acknowledge_feed(&self, token: i64, following: Vec<RoomId>, positions: Vec<(RoomId, Seq)>)
        -> StoreResult<()>;
    fn seqs_at_join(&self, user: UserId, rooms: Vec<RoomId>) -> StoreResult<Vec<(RoomId, Seq)>>;
});

forward!(Operations {
    fn report_message(&self, report: crate::storage::NewReport)
        -> StoreResult<crate::storage::ReportFiled>;
    fn reports(&self, state: crate::domain::ReportState, limit: u32)
        -> StoreResult<Vec<crate::domain::Report>>;
    fn close_report(&self, id: i64, outcome: crate::domain::ReportState, by: UserId,
        entry: AuditEntry) -> StoreResult<crate::domain::Report>;
    fn latest_outside_change(&self) -> StoreResult<i64>;
    fn apply_outside_changes(&self, after: i64) -> StoreResult<i64>;
});

forward!(RoomSeqs {
    fn last_seqs(&self, rooms: Vec<RoomId>) -> StoreResult<Vec<(RoomId, Seq)>>;
});

forward!(SendRates {
    fn take_send(&self, user: UserId, rate: crate::domain::Rate) -> StoreResult<()>;
});
