//! Events: what happened in a room, in the order it committed. Room events
//! (message created, edited, deleted) carry the room's `seq` and can be
//! replayed from the store; membership changes are delivered live in commit
//! order but are not part of the seq log (a client that was away refetches
//! the member list).

// utoipa's ToSchema derive for `RoomChange` builds every variant's schema in
// one local array (past clippy's 16 KiB with the role-change variant); it runs
// once, when the OpenAPI document is made.
#![allow(clippy::large_stack_arrays)]

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Member, Message, MessageId, PinPolicy, RoomId, Seq, UserId};

/// One entry of a room's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RoomEvent {
    pub room_id: RoomId,
    pub seq: Seq,
    #[serde(flatten)]
    pub change: RoomChange,
}

/// A room event read back with a history page, with when it happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PastRoomEvent {
    #[serde(flatten)]
    pub event: RoomEvent,
    pub created_at: super::Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type")]
pub enum RoomChange {
    /// A new message; `message.seq` is the event's seq.
    #[serde(rename = "message.created")]
    MessageCreated { message: Message },
    /// The message's text changed; `message` is its new state.
    #[serde(rename = "message.edited")]
    MessageEdited { message: Message },
    /// The message was deleted; only its id and seq remain.
    #[serde(rename = "message.deleted")]
    MessageDeleted {
        message_id: MessageId,
        message_seq: Seq,
    },
    /// A reply was added to the thread of the message at `root_seq`;
    /// `thread` is that message's new summary.
    #[serde(rename = "thread.updated")]
    ThreadUpdated {
        root_seq: Seq,
        thread: super::ThreadSummary,
    },
    // --- conversations (issue 16): reactions, pins, room care
    /// `username` reacted to the message with `emoji` (a repeated add logs
    /// nothing, so each event is a real change).
    #[serde(rename = "reaction.added")]
    ReactionAdded {
        message_id: MessageId,
        message_seq: Seq,
        emoji: String,
        user_id: UserId,
        username: String,
    },
    /// `username` took their `emoji` reaction back.
    #[serde(rename = "reaction.removed")]
    ReactionRemoved {
        message_id: MessageId,
        message_seq: Seq,
        emoji: String,
        user_id: UserId,
        username: String,
    },
    /// The message was pinned to the room by `username`.
    #[serde(rename = "message.pinned")]
    MessagePinned {
        message_id: MessageId,
        message_seq: Seq,
        user_id: UserId,
        username: String,
    },
    /// The message was unpinned by `username`.
    #[serde(rename = "message.unpinned")]
    MessageUnpinned {
        message_id: MessageId,
        message_seq: Seq,
        user_id: UserId,
        username: String,
    },
    /// An owner changed the room: `change` says what, the other fields are
    /// the room's state after it.
    #[serde(rename = "room.updated")]
    RoomUpdated {
        change: RoomUpdate,
        user_id: UserId,
        username: String,
        name: Option<String>,
        topic: String,
        archived: bool,
        pin_policy: PinPolicy,
    },
    /// The message disappeared (the room's timer ran out): its text and
    /// edits are gone from the server; clients remove it.
    #[serde(rename = "message.expired")]
    MessageExpired {
        message_id: MessageId,
        message_seq: Seq,
    },
    /// The room's disappearing-messages timer changed; it applies to
    /// messages posted from now on.
    #[serde(rename = "room.disappearing_changed")]
    DisappearingChanged {
        /// Seconds after which new messages disappear; 0 is off.
        seconds: u32,
        /// Who changed it.
        changed_by: String,
    },
    /// An owner made a member a co-owner (`role: owner`) or a member again.
    #[serde(rename = "member.role_changed")]
    MemberRoleChanged {
        user_id: UserId,
        username: String,
        role: super::Role,
        /// Who changed it.
        by_user_id: UserId,
        by_username: String,
    },
}

/// What a `room.updated` event changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoomUpdate {
    Renamed,
    Topic,
    Archived,
    Restored,
    PinPolicy,
}

/// Someone joined or left a room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipChange {
    pub room_id: RoomId,
    pub member: Member,
    pub joined: bool,
}

/// Sessions that ended (sign-out, sign-out everywhere, password change):
/// their live connections close at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionsEnded {
    pub user: UserId,
    pub which: EndedSessions,
}

/// Sessions are named by the SHA-256 of their token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndedSessions {
    One([u8; 32]),
    AllBut(Option<[u8; 32]>),
}

impl EndedSessions {
    pub fn includes(&self, session: &[u8; 32]) -> bool {
        match self {
            EndedSessions::One(one) => one == session,
            EndedSessions::AllBut(keep) => keep.as_ref() != Some(session),
        }
    }
}

/// A change no live client is told of, but that answers remembered in
/// front of the store depend on: caches forget on it (on every node, once
/// events cross nodes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changed {
    /// A room's kind, slow mode, archive state, roles or existence: what
    /// `Store::access` answers.
    RoomAccess(RoomId),
    /// A user's own record (theme, password): what a session resolves to.
    Account(UserId),
}

/// Everything a commit can announce, in commit order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Room(RoomEvent),
    Membership(MembershipChange),
    Sessions(SessionsEnded),
    Changed(Changed),
    /// A person's profile or status: to their room-mates, live only.
    Person(super::PersonChanged),
}
