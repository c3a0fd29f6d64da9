//! Every area the PostgreSQL backend does not have yet: each method answers
//! "unavailable" with a sentence naming the area. An area ported to
//! PostgreSQL takes its block out of here and gets its own file beside
//! this one (the same areas as `storage/sqlite`). This file goes when the
//! last block does.
#![allow(unused_imports)]

use std::collections::HashSet;

use super::PgStore;
use crate::domain::Theme;
use crate::domain::{RoomListing, RoomSummary};
use crate::storage::{Accounts, Membership, NewRoom, RoomAccess, Rooms, UserRecord};

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
use crate::storage::{Integrations, NewHook, NewToken, OutHooks};
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

unported!(Rooms {
    fn create_room(&self, room: NewRoom, now: Timestamp) -> StoreResult<Room>;
    fn room_for(&self, room: RoomId, user: UserId)
        -> StoreResult<Option<(Room, Option<Membership>)>>;
    fn access(&self, room: RoomId, user: UserId) -> StoreResult<Option<RoomAccess>>;
    fn rooms_of(&self, user: UserId) -> StoreResult<Vec<RoomSummary>>;
    fn public_rooms(&self, asking: UserId) -> StoreResult<Vec<RoomListing>>;
    fn add_member(&self, room: RoomId, user: UserId, role: Role, now: Timestamp) -> StoreResult<()>;
    fn remove_member(&self, room: RoomId, user: UserId) -> StoreResult<bool>;
    fn members(&self, room: RoomId) -> StoreResult<Vec<Member>>;
    fn direct_room(&self, a: UserId, b: UserId, now: Timestamp) -> StoreResult<Room>;
    fn mark_read(&self, room: RoomId, user: UserId, seq: Seq) -> StoreResult<()>;
    fn set_slow_mode(&self, room: RoomId, secs: u32) -> StoreResult<()>;
});

unported!(Reactions {
    fn add_reaction(&self, room: RoomId, seq: Seq, who: Reactor, emoji: Emoji, max_emoji: u32)
        -> StoreResult<AddOutcome>;
    fn remove_reaction(&self, room: RoomId, seq: Seq, who: Reactor, emoji: Emoji)
        -> StoreResult<bool>;
    fn reactions_between(&self, room: RoomId, first: Seq, last: Seq)
        -> StoreResult<Vec<ReactionGroup>>;
});

unported!(Pins {
    fn pin_message(&self, room: RoomId, seq: Seq, who: Reactor, max_pins: u32)
        -> StoreResult<AddOutcome>;
    fn unpin_message(&self, room: RoomId, seq: Seq, who: Reactor) -> StoreResult<bool>;
    fn pins(&self, room: RoomId) -> StoreResult<Vec<Pin>>;
    fn save_message(&self, user: UserId, room: RoomId, seq: Seq, max_saved: u32)
        -> StoreResult<AddOutcome>;
    fn unsave_message(&self, user: UserId, room: RoomId, seq: Seq) -> StoreResult<bool>;
    fn saved_messages(&self, user: UserId, limit: u32) -> StoreResult<Vec<SavedMessage>>;
});

unported!(RoomCaretaking {
    fn room_settings(&self, room: RoomId) -> StoreResult<RoomSettings>;
    fn care_for_room(&self, room: RoomId, change: RoomCare, who: Reactor)
        -> StoreResult<RoomSettings>;
    fn delete_room(&self, room: RoomId) -> StoreResult<()>;
    fn change_role(&self, room: RoomId, user: UserId, role: Role, by: Reactor)
        -> StoreResult<bool>;
});

unported!(Groups {
    fn open_group(&self, creator: UserId, others: Vec<UserId>, name: String, now: Timestamp)
        -> StoreResult<(Room, bool)>;
    fn groups_of(&self, user: UserId) -> StoreResult<Vec<RoomId>>;
    fn group_size(&self, room: RoomId) -> StoreResult<Option<u32>>;
});

unported!(Integrations {
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

unported!(OutHooks {
    fn create_out_hook(&self, hook: crate::storage::NewOutHook, max_per_room: u32)
        -> StoreResult<crate::storage::OutHook>;
    fn out_hooks_of_room(&self, room: RoomId) -> StoreResult<Vec<crate::storage::OutHook>>;
    fn out_hook(&self, id: i64) -> StoreResult<Option<crate::storage::OutHook>>;
    fn active_out_hooks(&self) -> StoreResult<Vec<crate::storage::OutHook>>;
    fn delete_out_hook(&self, id: i64) -> StoreResult<bool>;
    fn set_out_hook_paused(&self, id: i64, paused: Option<(Timestamp, String)>) -> StoreResult<bool>;
    fn out_hook_cursors(&self, id: i64) -> StoreResult<Vec<(RoomId, Seq)>>;
    fn save_delivery_progress(&self, id: i64, progress: crate::storage::DeliveryProgress,
        keep: u32) -> StoreResult<()>;
    fn delivery_log(&self, id: i64, limit: u32) -> StoreResult<Vec<crate::domain::DeliveryAttempt>>;
});
