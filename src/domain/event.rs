//! Events: what happened in a room, in the order it committed. Room events
//! (messages, edits, reactions, members joining and leaving, ...) carry the
//! room's `seq` and can be replayed from the store. A membership change is
//! also announced as a `MembershipChange`, which the hub and the caches act
//! on (who may listen to a room); its room event is what people are told.

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
    /// `username` joined the room: by themselves (a public room, the room
    /// of the invite link they signed up with), or added by `by_username`.
    /// People in a room from its start have no such event: its creator and
    /// the members it was made with (group conversations too), a direct
    /// conversation's two, a new account in the rooms everyone is in
    /// (`general`), and an import's members.
    #[serde(rename = "member.joined")]
    MemberJoined {
        user_id: UserId,
        username: String,
        /// Who added them; absent when they joined by themselves.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by_user_id: Option<UserId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by_username: Option<String>,
    },
    /// `username` is no longer in the room; `reason` says why.
    #[serde(rename = "member.left")]
    MemberLeft {
        user_id: UserId,
        username: String,
        reason: LeaveReason,
        /// Who removed or banned them; absent when they left.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by_user_id: Option<UserId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by_username: Option<String>,
    },
}

/// Why a `member.left`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeaveReason {
    /// They left by themselves.
    Left,
    /// An owner removed them.
    Removed,
    /// An owner or an admin banned them (they cannot come back until unbanned).
    Banned,
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
    /// Whether a `member.joined` / `member.left` room event in the same
    /// commit tells the room of it (then the hub sends nothing more to the
    /// room; it still lets the person's own connections in or out). Changes
    /// outside the log (a room made or deleted) are told without a seq.
    pub logged: bool,
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
    fn a_join_by_oneself_has_no_by_fields_and_a_removal_names_who_did_it() {
        let joined = RoomEvent {
            room_id: RoomId(4),
            seq: Seq(9),
            change: RoomChange::MemberJoined {
                user_id: UserId(5),
                username: "carol".into(),
                by_user_id: None,
                by_username: None,
            },
        };
        let json = serde_json::to_string(&joined).unwrap();
        assert_eq!(
            json,
            r#"{"room_id":4,"seq":9,"type":"member.joined","user_id":5,"username":"carol"}"#
        );
        assert_eq!(RoomEvent::from_logged(&json).unwrap(), joined);
        let removed = r#"{"room_id":4,"seq":10,"type":"member.left","user_id":5,"username":"carol","reason":"removed","by_user_id":3,"by_username":"alice"}"#;
        let event = RoomEvent::from_logged(removed).unwrap();
        assert!(matches!(
            event.change,
            RoomChange::MemberLeft {
                reason: LeaveReason::Removed,
                by_user_id: Some(UserId(3)),
                ..
            }
        ));
        assert_eq!(serde_json::to_string(&event).unwrap(), removed);
    }

    #[test]
    fn a_damaged_log_entry_is_still_an_error() {
        assert!(RoomEvent::from_logged(r#"{"room_id":1,"seq":2,"type":"nonsense"}"#).is_err());
        assert!(
            RoomEvent::from_logged(r#"{"room_id":1,"seq":2,"type":"message.expired"}"#).is_err()
        );
    }
}
