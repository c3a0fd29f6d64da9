//! A person's status (issue 16): a short line and an emoji shown beside
//! their name, until an optional end time.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Emoji, Timestamp};
use crate::error::{Error, Result};

/// The longest status line, in characters.
pub const STATUS_MAX: usize = 80;
/// The furthest a status may be set to end: a year ahead.
const LONGEST_STATUS_MS: i64 = 366 * 24 * 3600 * 1000;

/// A status as set: one line (may be empty when there is an emoji), an
/// emoji or none, and when it ends (`None`: until changed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UserStatus {
    pub text: String,
    /// One emoji, or `null`.
    pub emoji: Option<String>,
    /// When it clears itself; `null` keeps it until it is changed.
    pub until: Option<Timestamp>,
}

impl UserStatus {
    /// Checks a status as a person typed it; `None` when it says nothing
    /// (no text, no emoji), which clears the status.
    pub fn parse(
        text: &str,
        emoji: Option<&str>,
        until: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<Option<Self>> {
        let text = text.trim();
        if text.chars().count() > STATUS_MAX {
            return Err(Error::invalid(
                "status_too_long",
                format!("A status is at most {STATUS_MAX} characters."),
            ));
        }
        if text.chars().any(char::is_control) {
            return Err(Error::invalid(
                "status_invalid",
                "A status is one line, without control characters.",
            ));
        }
        let emoji = match emoji.map(str::trim).filter(|e| !e.is_empty()) {
            Some(e) => Some(
                Emoji::parse(e)
                    .map_err(|_| {
                        Error::invalid(
                            "emoji_invalid",
                            "A status's emoji must be exactly one emoji (or its :shortcode:).",
                        )
                    })?
                    .as_str()
                    .to_owned(),
            ),
            None => None,
        };
        if let Some(t) = until {
            if t <= now {
                return Err(Error::invalid(
                    "time_passed",
                    "That end time has already passed; choose a time in the future.",
                ));
            }
            if t.0 - now.0 > LONGEST_STATUS_MS {
                return Err(Error::invalid(
                    "time_too_far",
                    "A status can last at most a year.",
                ));
            }
        }
        if text.is_empty() && emoji.is_none() {
            return Ok(None);
        }
        Ok(Some(Self {
            text: text.to_owned(),
            emoji,
            until,
        }))
    }
}

/// A room member's status, as the room's members see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct MemberStatus {
    pub username: String,
    #[serde(flatten)]
    pub status: UserStatus,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_is_one_trimmed_line_with_at_most_one_emoji() {
        let now = Timestamp(1_000);
        let s = UserStatus::parse("  in a meeting ", Some(":calendar:"), None, now)
            .unwrap()
            .unwrap();
        assert_eq!(s.text, "in a meeting");
        assert_eq!(s.emoji.as_deref(), Some("📆"));
        assert!(UserStatus::parse("a\nb", None, None, now).is_err());
        assert!(UserStatus::parse("x", Some("ab"), None, now).is_err());
        assert!(UserStatus::parse(&"x".repeat(81), None, None, now).is_err());
        assert!(UserStatus::parse("x", None, Some(Timestamp(999)), now).is_err());
    }

    #[test]
    fn a_status_with_nothing_in_it_clears_the_status() {
        assert_eq!(
            UserStatus::parse("  ", Some(""), None, Timestamp(0)).unwrap(),
            None
        );
    }
}
