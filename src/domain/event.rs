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
    /// Messages disappeared (the room's timer ran out, or the server's
    /// retention): their text and edits are gone from the server; clients
    /// remove them all at once. One event per room for each expiry batch,
    /// so a million messages due together cost a few thousand frames, not
    /// a million per listener.
    #[serde(rename = "messages.expired")]
    MessagesExpired {
        /// The seqs of the messages that disappeared, ascending.
        message_seqs: Vec<Seq>,
        /// Their ids, in the same order.
        message_ids: Vec<MessageId>,
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

impl RoomEvent {
    /// Reads an event back from a room's log. A log written before expiries
    /// were batched may hold `message.expired` (one message each); it reads
    /// as the `messages.expired` of that one message, so clients are only
    /// ever told of the one kind.
    pub fn from_logged(payload: &str) -> serde_json::Result<Self> {
        serde_json::from_str(payload).or_else(|e| match serde_json::from_str(payload) {
            Ok(LoggedExpiry {
                room_id,
                seq,
                kind: LegacyExpired::MessageExpired,
                message_id,
                message_seq,
            }) => Ok(RoomEvent {
                room_id,
                seq,
                change: RoomChange::MessagesExpired {
                    message_seqs: vec![message_seq],
                    message_ids: vec![message_id],
                },
            }),
            Err(_) => Err(e),
        })
    }
}

/// A `message.expired` event as the previous version logged it.
#[derive(Deserialize)]
struct LoggedExpiry {
    room_id: RoomId,
    seq: Seq,
    #[serde(rename = "type")]
    kind: LegacyExpired,
    message_id: MessageId,
    message_seq: Seq,
}

#[derive(Deserialize)]
enum LegacyExpired {
    #[serde(rename = "message.expired")]
    MessageExpired,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_logged_per_message_expiry_reads_as_a_batched_one() {
        let old =
            r#"{"room_id":1,"seq":75,"type":"message.expired","message_id":915,"message_seq":62}"#;
        let event = RoomEvent::from_logged(old).unwrap();
        assert_eq!(
            event,
            RoomEvent {
                room_id: RoomId(1),
                seq: Seq(75),
                change: RoomChange::MessagesExpired {
                    message_seqs: vec![Seq(62)],
                    message_ids: vec![MessageId(915)],
                },
            }
        );
        let new = serde_json::to_string(&event).unwrap();
        assert_eq!(
            new,
            r#"{"room_id":1,"seq":75,"type":"messages.expired","message_seqs":[62],"message_ids":[915]}"#
        );
        assert_eq!(RoomEvent::from_logged(&new).unwrap(), event);
    }

    #[test]
    fn a_damaged_log_entry_is_still_an_error() {
        assert!(RoomEvent::from_logged(r#"{"room_id":1,"seq":2,"type":"nonsense"}"#).is_err());
        assert!(
            RoomEvent::from_logged(r#"{"room_id":1,"seq":2,"type":"message.expired"}"#).is_err()
        );
    }
}
