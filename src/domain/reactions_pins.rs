//! What people hang on messages and rooms besides the messages themselves:
//! reactions, pins, bookmarks, and the care of a room (topic, archive, who
//! may pin).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Message, MessageId, Seq, Timestamp, UserId};

/// Someone who reacted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Reactor {
    pub user_id: UserId,
    pub username: String,
}

/// One emoji on one message and everyone who reacted with it, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReactionGroup {
    pub message_id: MessageId,
    pub message_seq: Seq,
    pub emoji: String,
    pub count: u32,
    pub users: Vec<Reactor>,
}

/// Who may pin and unpin messages in a room.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PinPolicy {
    /// Any member.
    #[default]
    Members,
    /// The room's owners only.
    Owners,
}

impl PinPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Members => "members",
            Self::Owners => "owners",
        }
    }

    pub fn from_db(s: &str) -> Self {
        if s == "owners" {
            Self::Owners
        } else {
            Self::Members
        }
    }
}

/// A pinned message with who pinned it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Pin {
    pub message: Message,
    pub pinned_by: String,
    pub pinned_at: Timestamp,
}

/// A message a user saved for later, with the room's name to show it by.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SavedMessage {
    pub message: Message,
    /// `null` for direct rooms.
    pub room_name: Option<String>,
    pub saved_at: Timestamp,
}

/// The parts of a room its owners look after besides its name (which
/// `Room` carries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RoomSettings {
    /// Empty when none is set.
    pub topic: String,
    /// Read-only and out of the directory while set.
    pub archived: bool,
    pub pin_policy: PinPolicy,
}

/// A change an owner makes to a room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomCare {
    /// A new name, and its lower-cased key (unique among public rooms).
    Rename {
        name: String,
        key: String,
    },
    Topic(String),
    Archive,
    Restore,
    PinPolicy(PinPolicy),
}
