//! How a person appears besides their username (issue 17): a display name
//! and an avatar, and the live news that either (or a status) changed.
//! Avatars are public within the server: any signed-in user may load one.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{RoomId, UserId, UserStatus};
use crate::error::{Error, Result};

/// The longest display name, in characters.
pub const DISPLAY_NAME_MAX: usize = 64;

/// A display name as a person may set it: trimmed, 1 to 64 characters, one
/// line, and without the invisible characters that reorder text (a name
/// that turns the rest of a line around is a way to impersonate someone).
/// Plain text: clients write it as text, never as HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileName(String);

impl ProfileName {
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::invalid(
                "display_name_empty",
                "A display name needs at least one character; remove it to show your username instead.",
            ));
        }
        if text.chars().count() > DISPLAY_NAME_MAX {
            return Err(Error::invalid(
                "display_name_too_long",
                format!("A display name is at most {DISPLAY_NAME_MAX} characters."),
            ));
        }
        if text
            .chars()
            .any(|c| c.is_control() || is_invisible_control(c))
        {
            return Err(Error::invalid(
                "display_name_invalid",
                "A display name is one line of visible text, without control or text-direction characters.",
            ));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Direction marks, embeddings, overrides and isolates, and the line and
/// paragraph separators: format characters that `char::is_control` misses.
fn is_invisible_control(c: char) -> bool {
    matches!(c,
        '\u{200E}' | '\u{200F}' | '\u{061C}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}'
        | '\u{2028}' | '\u{2029}')
}

/// What a user object says beyond its username; both `null` when unset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Profile {
    /// Shown instead of the username where set (the username stays the
    /// handle for mentions). Plain text.
    #[serde(default)]
    pub display_name: Option<String>,
    /// The 256-pixel square avatar; add `?size=64` for the small one. The
    /// URL changes with the picture, so it may be cached forever.
    #[serde(default)]
    pub avatar_url: Option<String>,
}

impl Profile {
    /// The URL of the avatar stored under `key`: made here only, so every
    /// user object spells it the same way.
    pub fn avatar_url_of(key: &str) -> String {
        format!("/api/v1/avatars/{key}")
    }
}

/// A person as lists of messages name their authors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PersonProfile {
    pub user_id: UserId,
    pub username: String,
    #[serde(flatten)]
    pub profile: Profile,
}

/// Anything that names a person and can carry their profile: filled in
/// one place (`Chat::with_profiles`).
pub trait Profiled {
    fn username(&self) -> &str;
    fn set_profile(&mut self, profile: Profile);
}

impl Profiled for super::Member {
    fn username(&self) -> &str {
        &self.username
    }
    fn set_profile(&mut self, profile: Profile) {
        self.profile = profile;
    }
}

impl Profiled for super::Person {
    fn username(&self) -> &str {
        &self.username
    }
    fn set_profile(&mut self, profile: Profile) {
        self.profile = profile;
    }
}

/// The avatar files of a person, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvatarFiles {
    /// 256 × 256.
    pub key: String,
    /// 64 × 64.
    pub small_key: String,
    /// `image/jpeg`, or `image/png` when there is transparency.
    pub mime: String,
}

/// What changed about a person, as their room-mates' streams are told.
/// Not room history: no seq, not replayed (a client that was away reads
/// profiles and statuses afresh with the member list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type")]
pub enum PersonChange {
    /// Their display name or avatar changed; `user` is the new state.
    #[serde(rename = "profile.changed")]
    Profile { user: PersonProfile },
    /// Their status was set or cleared (`null`). One with `until` ends
    /// then without another event: clients take it away themselves.
    #[serde(rename = "status.changed")]
    Status {
        user_id: UserId,
        username: String,
        status: Option<UserStatus>,
    },
}

/// A person's change and who is to hear it: everyone in `rooms` (the rooms
/// they are in when it commits) and the person's own connections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonChanged {
    pub user: UserId,
    pub rooms: Vec<RoomId>,
    pub change: PersonChange,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_display_name_is_trimmed_and_one_to_sixty_four_characters() {
        assert_eq!(ProfileName::parse("  Ada L. ").unwrap().as_str(), "Ada L.");
        assert!(ProfileName::parse("   ").is_err());
        assert!(ProfileName::parse(&"é".repeat(64)).is_ok());
        assert!(ProfileName::parse(&"é".repeat(65)).is_err());
    }

    #[test]
    fn a_display_name_with_control_or_direction_characters_is_refused() {
        for bad in [
            "a\nb",
            "a\u{0}b",
            "evil\u{202E}gnp.exe",
            "a\u{2066}b",
            "a\u{200F}b",
            "a\u{2028}b",
        ] {
            assert!(ProfileName::parse(bad).is_err(), "{bad:?}");
        }
        assert!(
            ProfileName::parse("<b>Zoë</b> 🎉").is_ok(),
            "text, kept as text"
        );
    }
}
