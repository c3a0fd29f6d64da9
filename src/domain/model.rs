//! The records of the chat domain as the use-cases hand them out; they are
//! also the JSON shapes of the API.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{MessageId, RoomId, Seq, Timestamp, UserId};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct User {
    pub id: UserId,
    pub username: String,
    /// Whether the account can be signed in to from another browser.
    pub has_password: bool,
    pub theme: Theme,
    pub created_at: Timestamp,
    /// A bot (made by a person, acting through API tokens and webhooks).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub bot: bool,
}

/// The look a user chose; `system` follows the device's setting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    Light,
    Dark,
    #[default]
    System,
}

impl Theme {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Light => "light",
            Self::Dark => "dark",
            Self::System => "system",
        }
    }

    pub fn from_db(s: &str) -> Self {
        match s {
            "light" => Self::Light,
            "dark" => Self::Dark,
            _ => Self::System,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RoomKind {
    /// Anyone may find and join it.
    Public,
    /// Only its members know it exists.
    Private,
    /// A private room of exactly two people.
    Direct,
}

impl RoomKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Private => "private",
            Self::Direct => "direct",
        }
    }

    pub fn from_db(s: &str) -> Option<Self> {
        match s {
            "public" => Some(Self::Public),
            "private" => Some(Self::Private),
            "direct" => Some(Self::Direct),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Room {
    pub id: RoomId,
    /// `null` for direct rooms.
    pub name: Option<String>,
    pub kind: RoomKind,
    pub created_at: Timestamp,
    /// The newest seq in the room (0 when empty).
    pub last_seq: Seq,
    /// Seconds a member must wait between messages (0: no slow mode).
    pub slow_mode_secs: u32,
    /// Seconds after which messages posted now disappear (0: they stay).
    pub disappear_after_secs: u32,
}

/// A room as its member sees it in their room list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoomSummary {
    #[serde(flatten)]
    pub room: Room,
    pub last_read_seq: Seq,
    /// Messages after the read marker.
    pub unread: i64,
    /// For direct rooms: the other person's username.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer: Option<String>,
    /// For direct rooms whose other person set one: their display name
    /// and avatar.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer_profile: Option<super::Profile>,
    /// Unread messages that mention me (or the whole room).
    pub mentions: i64,
    /// How much of this room I want to be told about.
    pub notification_level: super::NotificationLevel,
    /// A group conversation (a private room of 3 to 8 people named by
    /// them), listed with the direct messages.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub group: bool,
}

/// A public room in the directory.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoomListing {
    #[serde(flatten)]
    pub room: Room,
    pub member_count: i64,
    /// Whether the asking user is a member.
    pub joined: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Member,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Member => "member",
        }
    }

    pub fn from_db(s: &str) -> Self {
        if s == "owner" {
            Self::Owner
        } else {
            Self::Member
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Member {
    pub user_id: UserId,
    pub username: String,
    pub role: Role,
    /// Display name and avatar (`Chat::with_profiles` fills them in).
    #[serde(flatten, default)]
    pub profile: super::Profile,
}

// Each bool is a separate JSON flag clients read (deleted, expired, also_in_room,
// mentions_room); an enum would change the wire format.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Message {
    pub id: MessageId,
    pub room_id: RoomId,
    pub seq: Seq,
    pub author_id: UserId,
    /// The author's username.
    pub author: String,
    /// The id the sender made up for this send.
    pub client_id: String,
    /// The text; empty once deleted.
    pub body: String,
    /// When the server committed it (UTC).
    pub created_at: Timestamp,
    /// When its text was last changed, if ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
    /// Attached files, in the order sent; none once deleted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<super::Attachment>,
    // --- threads and mentions
    /// For a reply: the seq of its thread's first message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_root: Option<Seq>,
    /// A reply that is also shown in the room's timeline.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub also_in_room: bool,
    /// For a message that has replies: how many, the last, who replied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<Box<super::ThreadSummary>>,
    /// The usernames of the members it mentions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<String>,
    /// It mentions the whole room (`@room` or `@here`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mentions_room: bool,
    /// When the message disappears (posted while the room's timer was on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    /// It disappeared: its text is gone from the server (`deleted` is set too).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub expired: bool,
    // --- integrations (issue 19)
    /// Its author is a bot (clients mark it so).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub bot: bool,
    /// The name an incoming webhook asked to show (Slack's `username`);
    /// `author` is still the hook's bot.
    // A thin box: every room event holds a message (the events' enum stays
    // within clippy's size difference), and most messages have no name.
    #[allow(clippy::box_collection)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub sent_as: Option<Box<String>>,
}

/// A message in its public JSON form, encoded once when it is stored or
/// changed: a history page is then a concatenation of these instead of
/// decoding every row into a `Message` and encoding it again (the two were
/// most of a page's cost). Only made from a `Message`, so it cannot drift
/// from that type's serialization unless the type changes — and a change
/// to `Message`'s JSON form must re-encode stored messages (a migration
/// that clears the column; see `storage::sqlite::migrate`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageJson(Box<str>);

impl MessageJson {
    pub fn of(message: &Message) -> Self {
        // Serializing plain strings, numbers and timestamps cannot fail.
        Self(
            serde_json::to_string(message)
                .expect("a message always encodes")
                .into_boxed_str(),
        )
    }

    /// Text read back from storage, written there by `of`.
    pub fn from_stored(text: String) -> Self {
        Self(text.into_boxed_str())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The outcome of a send: the stored message, and whether this call stored it
/// (`false` when the client id had been used, so this is a retry).
#[derive(Debug, Clone)]
pub struct Posted {
    pub message: Message,
    pub created: bool,
}
