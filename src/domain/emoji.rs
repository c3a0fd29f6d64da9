//! One emoji, as a reaction names it: checked against the Unicode emoji set
//! shipped in the binary (the `emojis` crate), so a reaction cannot carry
//! arbitrary text.

use serde::Serialize;

use crate::error::{Error, Result};

/// The longest emoji text taken, in bytes: the longest sequences (a family
/// with skin tones) are about 35; anything much longer is not one emoji.
pub const EMOJI_MAX_BYTES: usize = 64;

/// A single emoji from the Unicode set, as Unicode text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Emoji(String);

impl Emoji {
    /// Takes an emoji as text (`👍`, with or without skin tone) or as a
    /// `:shortcode:` (`:thumbsup:`), which becomes the emoji itself.
    pub fn parse(raw: &str) -> Result<Self> {
        let raw = raw.trim();
        let invalid = || {
            Error::invalid(
                "emoji_invalid",
                "A reaction must be exactly one emoji (or its :shortcode:).",
            )
        };
        if raw.is_empty() || raw.len() > EMOJI_MAX_BYTES {
            return Err(invalid());
        }
        let found = match raw.strip_prefix(':').and_then(|s| s.strip_suffix(':')) {
            Some(code) => emojis::get_by_shortcode(code),
            // Also finds an emoji typed without its presentation selector
            // (`❤` for `❤️`): it becomes the fully qualified form.
            None => emojis::get(raw),
        };
        found
            .map(|e| Self(e.as_str().to_owned()))
            .ok_or_else(invalid)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One entry of the picker's data: the emoji, its name, its shortcodes and
/// its group, in the Unicode order.
#[derive(Debug, Clone, Serialize)]
pub struct EmojiEntry {
    pub emoji: &'static str,
    pub name: &'static str,
    pub shortcodes: Vec<&'static str>,
    pub group: &'static str,
}

/// The whole set, for the web client's picker and `:shortcode:` completion.
pub fn emoji_catalogue() -> Vec<EmojiEntry> {
    emojis::iter()
        .map(|e| EmojiEntry {
            emoji: e.as_str(),
            name: e.name(),
            shortcodes: e.shortcodes().collect(),
            group: group_key(e.group()),
        })
        .collect()
}

fn group_key(group: emojis::Group) -> &'static str {
    match group {
        emojis::Group::SmileysAndEmotion => "smileys",
        emojis::Group::PeopleAndBody => "people",
        emojis::Group::AnimalsAndNature => "nature",
        emojis::Group::FoodAndDrink => "food",
        emojis::Group::TravelAndPlaces => "travel",
        emojis::Group::Activities => "activities",
        emojis::Group::Objects => "objects",
        emojis::Group::Symbols => "symbols",
        emojis::Group::Flags => "flags",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_emoji_is_taken_as_itself() {
        assert_eq!(Emoji::parse("👍").unwrap().as_str(), "👍");
        assert_eq!(Emoji::parse("👍🏽").unwrap().as_str(), "👍🏽");
        assert_eq!(Emoji::parse("👨‍👩‍👧").unwrap().as_str(), "👨‍👩‍👧");
    }

    #[test]
    fn a_shortcode_becomes_its_emoji() {
        assert_eq!(Emoji::parse(":thumbsup:").unwrap().as_str(), "👍");
        assert_eq!(Emoji::parse(":tada:").unwrap().as_str(), "🎉");
    }

    #[test]
    fn a_heart_without_its_selector_is_the_heart() {
        assert_eq!(Emoji::parse("\u{2764}").unwrap().as_str(), "❤️");
    }

    #[test]
    fn text_two_emoji_and_oversize_input_are_refused() {
        for bad in ["", "a", "ok", "👍👍", ":nope:", "<b>", &"👍".repeat(20)] {
            let e = Emoji::parse(bad).unwrap_err();
            assert_eq!(e.code(), "emoji_invalid", "{bad:?}");
        }
    }

    #[test]
    fn the_catalogue_has_the_whole_set_with_shortcodes() {
        let all = emoji_catalogue();
        assert!(all.len() > 1800, "{}", all.len());
        assert!(all
            .iter()
            .any(|e| e.emoji == "🎉" && e.shortcodes.contains(&"tada")));
    }
}
