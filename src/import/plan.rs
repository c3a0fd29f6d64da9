//! The neutral import plan: the users, rooms and messages another chat
//! system's export becomes, in the order to create them, each with a key
//! that makes creating it twice a no-op. Knows no source format and no SQL.

use std::fmt::Write as _;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::domain::{ClientId, RoomKind, Timestamp};

/// A stable, source-derived id for one imported item, unique within its
/// kind (user, room, message, file) and the same on every run over the same
/// export: `slack-U024BE7LH`, `slack-C024BE91L-1512085950-000216`. Made
/// only of ASCII letters, digits, `-` and `_`, at most 64 characters, so a
/// message's key is also a valid [`ClientId`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ImportKey(String);

impl ImportKey {
    /// `prefix-part-part…`, readable when it fits the rules; otherwise
    /// `prefix-h<hash>` of the same parts (still stable across runs).
    pub fn derive(prefix: &str, parts: &[&str]) -> Self {
        let readable = std::iter::once(prefix)
            .chain(parts.iter().copied())
            .collect::<Vec<_>>()
            .join("-");
        if ClientId::parse(&readable).is_ok() {
            return Self(readable);
        }
        let mut hash = Sha256::new();
        for part in parts {
            // Length-prefixed, so ("ab","c") and ("a","bc") differ.
            hash.update(part.len().to_be_bytes());
            hash.update(part.as_bytes());
        }
        let hex = hash.finalize()[..20]
            .iter()
            .fold(String::with_capacity(40), |mut s, b| {
                let _ = write!(s, "{b:02x}");
                s
            });
        Self(format!("{prefix}-h{hex}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key as the client id of the message it names: the same import
    /// run twice posts each message once (invariant 5).
    pub fn client_id(&self) -> ClientId {
        ClientId::parse(&self.0).expect("import keys are valid client ids by construction")
    }
}

impl std::fmt::Display for ImportKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person (or bot) to create without a password: they claim the account
/// later through an invite link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedUser {
    pub key: ImportKey,
    /// A valid, plan-unique Natter username (the wiring still makes it
    /// unique against accounts already on the server, never reusing one).
    pub username: String,
    pub display_name: String,
    pub is_bot: bool,
    /// Deactivated at the source: create the account deactivated.
    pub deactivated: bool,
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedRoom {
    pub key: ImportKey,
    /// A valid Natter room name, unique within the plan (case-insensitive).
    pub name: String,
    pub kind: RoomKind,
    pub topic: Option<String>,
    /// Users' keys, sorted; only users in the plan.
    pub members: Vec<ImportKey>,
    pub created_at: Timestamp,
    pub created_by: Option<ImportKey>,
    pub archived: bool,
    /// How many messages [`RoomHistory::messages`] will hold.
    pub message_count: usize,
}

/// What a message is, beyond its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum MessageKind {
    /// Written by a person.
    Message,
    /// Posted by an integration or bot user.
    Bot,
    /// "@alice has joined the channel".
    Joined,
    Left,
    /// The room's topic or purpose was set to `topic`.
    TopicChanged {
        topic: String,
    },
    /// Any other system notice (`pinned_item`, `channel_name`, …): kept as
    /// text so history reads as it did.
    Notice {
        subtype: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedReaction {
    /// The source's shortcode without colons (`thumbsup`, `+1::skin-tone-2`).
    pub emoji: String,
    /// Keys of the users who reacted, in the source's order.
    pub users: Vec<ImportKey>,
}

/// A file the message carried. Exports list files but do not contain them,
/// so only the listing is kept (no download URL: those carry access tokens).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedFile {
    pub key: ImportKey,
    pub name: String,
    pub title: Option<String>,
    pub mimetype: Option<String>,
    pub size: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedMessage {
    /// Also the message's client id ([`ImportKey::client_id`]).
    pub key: ImportKey,
    pub author: ImportKey,
    /// The original time, to the millisecond.
    pub posted_at: Timestamp,
    /// Natter Markdown. Never empty: a message of only files lists them.
    pub body: String,
    pub kind: MessageKind,
    /// The thread's first message, always earlier in the same history.
    pub thread_parent: Option<ImportKey>,
    /// When it was last edited at the source.
    pub edited_at: Option<Timestamp>,
    pub reactions: Vec<PlannedReaction>,
    pub files: Vec<PlannedFile>,
}

/// Everything to create before any message: users first, then rooms.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportPlan {
    /// Sorted: people, then bots, then deactivated accounts; by key within.
    pub users: Vec<PlannedUser>,
    /// Sorted: public, private, then direct rooms; by name within.
    pub rooms: Vec<PlannedRoom>,
}

impl ImportPlan {
    pub fn room_named(&self, name: &str) -> Option<&PlannedRoom> {
        self.rooms.iter().find(|r| r.name == name)
    }
}

/// One room's messages in the order to post them (by original time, so a
/// thread's first message comes before its replies).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoomHistory {
    pub room: ImportKey,
    pub messages: Vec<PlannedMessage>,
    pub warnings: Vec<String>,
}
