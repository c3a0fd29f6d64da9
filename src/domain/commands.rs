//! Custom slash commands (a name in a room mapped to a bot's URL) and the
//! bots' feed cursor (one opaque text holding a seq per room).

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::Serialize;
use utoipa::ToSchema;

use super::{RoomId, Seq, Timestamp, UserId};
use crate::error::{Error, Result};

/// The commands the web client runs itself: a custom one cannot take
/// these names.
pub const BUILT_IN_COMMANDS: [&str; 6] = ["me", "shrug", "topic", "invite", "leave", "mute"];
/// The longest command name.
pub const COMMAND_NAME_MAX: usize = 32;
/// The longest description shown in the composer's list.
pub const COMMAND_DESCRIPTION_MAX: usize = 120;

/// A custom command's name: 1 to 32 of `a-z`, `0-9`, `_`, `-`, lower case,
/// without the slash, and not a built-in's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandName(String);

impl CommandName {
    pub fn parse(text: &str) -> Result<Self> {
        let name = text.trim().trim_start_matches('/').to_ascii_lowercase();
        let ok = !name.is_empty()
            && name.len() <= COMMAND_NAME_MAX
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if !ok {
            return Err(Error::invalid(
                "command_name_invalid",
                format!(
                    "A command's name is 1 to {COMMAND_NAME_MAX} letters, digits, `_` or `-` (like `deploy`)."
                ),
            ));
        }
        if BUILT_IN_COMMANDS.contains(&name.as_str()) {
            return Err(Error::invalid(
                "command_name_taken",
                format!("/{name} is a built-in command; choose another name."),
            ));
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A custom command as members see it (never its URL or secret).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SlashCommandInfo {
    pub id: i64,
    pub room_id: RoomId,
    /// Typed as `/name`.
    pub name: String,
    /// Its help in the composer's list.
    pub description: String,
    /// The bot whose answers are posted.
    pub bot_id: UserId,
    pub bot: String,
    pub made_by: String,
    pub created_at: Timestamp,
}

/// What running a command needs: where to call, how to sign, as whom to answer.
#[derive(Debug, Clone)]
pub struct CommandTarget {
    pub info: SlashCommandInfo,
    pub url: String,
    pub secret: String,
    pub made_by: UserId,
}

/// The feed's position: per room, the last seq handed over (or
/// acknowledged). Its text form is opaque to bots: `v1.` and base64url of
/// `room:seq,room:seq`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedCursor(pub BTreeMap<RoomId, Seq>);

/// The most rooms a cursor may name (the stream's subscribe takes as many).
pub const FEED_CURSOR_MAX_ROOMS: usize = 1000;

impl FeedCursor {
    pub fn encode(&self) -> String {
        let plain = self
            .0
            .iter()
            .map(|(room, seq)| format!("{}:{}", room.0, seq.0))
            .collect::<Vec<_>>()
            .join(",");
        format!("v1.{}", URL_SAFE_NO_PAD.encode(plain))
    }

    pub fn parse(text: &str) -> Result<Self> {
        let bad = || {
            Error::invalid(
                "cursor_invalid",
                "This is not a feed cursor: pass back the `cursor` a feed answer gave, as it was.",
            )
        };
        let plain = text
            .strip_prefix("v1.")
            .and_then(|b| URL_SAFE_NO_PAD.decode(b).ok())
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(bad)?;
        let mut rooms = BTreeMap::new();
        for pair in plain.split(',').filter(|p| !p.is_empty()) {
            let (room, seq) = pair.split_once(':').ok_or_else(bad)?;
            let room: i64 = room.parse().map_err(|_| bad())?;
            let seq: i64 = seq.parse().map_err(|_| bad())?;
            if seq < 0 || rooms.len() >= FEED_CURSOR_MAX_ROOMS {
                return Err(bad());
            }
            rooms.insert(RoomId(room), Seq(seq));
        }
        Ok(Self(rooms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_as_it_was_written() {
        let cursor = FeedCursor(BTreeMap::from([(RoomId(1), Seq(41)), (RoomId(7), Seq(0))]));
        assert_eq!(FeedCursor::parse(&cursor.encode()).unwrap(), cursor);
        assert_eq!(
            FeedCursor::parse(&FeedCursor::default().encode()).unwrap(),
            FeedCursor::default()
        );
    }

    #[test]
    fn a_made_up_cursor_is_refused_with_a_sentence() {
        for text in ["", "41", "v1.!!", "v1.MTo", "v2.MTo0MQ"] {
            assert!(
                matches!(FeedCursor::parse(text), Err(Error::Invalid { .. })),
                "{text}"
            );
        }
        let negative = format!("v1.{}", URL_SAFE_NO_PAD.encode("1:-5"));
        assert!(FeedCursor::parse(&negative).is_err());
    }

    #[test]
    fn command_names_are_plain_lower_case_and_not_built_in() {
        assert_eq!(CommandName::parse("/Deploy").unwrap().as_str(), "deploy");
        assert!(CommandName::parse("me").is_err());
        assert!(CommandName::parse("two words").is_err());
        assert!(CommandName::parse("").is_err());
        assert!(CommandName::parse(&"x".repeat(33)).is_err());
    }
}
