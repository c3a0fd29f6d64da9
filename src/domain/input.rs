//! Parse, don't validate: each type here can only hold input that follows its
//! rules, and its error is a sentence a person can act on.

use crate::error::{Error, Result};

pub const USERNAME_MAX: usize = 32;
pub const ROOM_NAME_MAX: usize = 64;
pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 256;
pub const CLIENT_ID_MAX: usize = 64;

/// A username: trimmed, 1–32 ASCII letters, digits, `_`, `-` or `.`.
/// ASCII only, so look-alike letters from other scripts cannot impersonate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(Error::invalid("username_empty", "Username is empty"));
        }
        if name.chars().count() > USERNAME_MAX {
            return Err(Error::invalid(
                "username_too_long",
                format!("Username is too long (at most {USERNAME_MAX} characters)"),
            ));
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        {
            return Err(Error::invalid(
                "username_invalid",
                "Username may only contain letters, digits, _, - and .",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form uniqueness is checked on: case does not make a new name.
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

/// A room name: trimmed, 1–64 characters, no control or bidi-override characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomName(String);

impl RoomName {
    pub fn parse(raw: &str) -> Result<Self> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(Error::invalid("room_name_empty", "Room name is empty"));
        }
        if name.chars().count() > ROOM_NAME_MAX {
            return Err(Error::invalid(
                "room_name_too_long",
                format!("Room name is too long (at most {ROOM_NAME_MAX} characters)"),
            ));
        }
        if name.chars().any(|c| c.is_control() || is_bidi_control(c)) {
            return Err(Error::invalid(
                "room_name_invalid",
                "Room name may not contain control characters",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

/// Characters that reorder the text around them; in a name they can make one
/// name look like another.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// A message text: not blank, at most `max_chars` characters (Unicode scalar values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageBody(String);

impl MessageBody {
    /// As `parse`, except that a message carrying files may have no text.
    pub fn parse_caption(raw: &str, max_chars: usize, has_files: bool) -> Result<Self> {
        if has_files && raw.trim().is_empty() {
            return Ok(Self(String::new()));
        }
        Self::parse(raw, max_chars)
    }

    pub fn parse(raw: &str, max_chars: usize) -> Result<Self> {
        if raw.trim().is_empty() {
            return Err(Error::invalid("message_empty", "Message is empty"));
        }
        let chars = raw.chars().count();
        if chars > max_chars {
            return Err(Error::TooLarge {
                code: "message_too_long",
                message: format!(
                    "Message is too long: {chars} characters, the limit is {max_chars}"
                ),
            });
        }
        // Trailing whitespace is noise; leading whitespace may be indentation.
        Ok(Self(raw.trim_end().to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password as typed: 8–256 characters. Never logged, never stored as is.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str) -> Result<Self> {
        let chars = raw.chars().count();
        if chars < PASSWORD_MIN {
            return Err(Error::invalid(
                "password_too_short",
                format!("Password is too short (at least {PASSWORD_MIN} characters)"),
            ));
        }
        if chars > PASSWORD_MAX {
            return Err(Error::invalid(
                "password_too_long",
                format!("Password is too long (at most {PASSWORD_MAX} characters)"),
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// The id a client makes up for each send so a retry is recognised:
/// 1–64 characters of letters, digits, `-` and `_` (a UUID fits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientId(String);

impl ClientId {
    pub fn parse(raw: &str) -> Result<Self> {
        if raw.is_empty() || raw.len() > CLIENT_ID_MAX {
            return Err(Error::invalid(
                "client_id_invalid",
                format!("client_id must be 1 to {CLIENT_ID_MAX} characters"),
            ));
        }
        if !raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        {
            return Err(Error::invalid(
                "client_id_invalid",
                "client_id may only contain letters, digits, - and _",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// For clients that cannot make one (the tutorial's page): a fresh id,
    /// which makes that send not retry-safe but otherwise the same. A UUIDv7:
    /// ids that sort by time keep the idempotency index append-only.
    pub fn generate() -> Self {
        Self(uuid::Uuid::now_v7().to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_trimmed_and_keyed_without_case() {
        let name = Username::parse("  Alice.B-1_ ").unwrap();
        assert_eq!(name.as_str(), "Alice.B-1_");
        assert_eq!(name.key(), "alice.b-1_");
    }

    #[test]
    fn usernames_that_break_the_rules_are_refused_with_a_sentence() {
        assert_eq!(
            Username::parse("   ").unwrap_err().to_string(),
            "Username is empty"
        );
        assert!(Username::parse(&"a".repeat(33)).is_err());
        assert!(Username::parse(&"a".repeat(32)).is_ok());
        for bad in ["a b", "<b>", "ålice", "a/b", "a\u{202e}b"] {
            assert!(Username::parse(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn message_bodies_are_limited_in_characters_not_bytes() {
        assert!(MessageBody::parse(&"é".repeat(10), 10).is_ok());
        assert!(matches!(
            MessageBody::parse(&"é".repeat(11), 10),
            Err(Error::TooLarge { .. })
        ));
        assert!(MessageBody::parse(" \n\t", 10).is_err());
    }

    #[test]
    fn room_names_refuse_bidi_overrides() {
        assert!(RoomName::parse("rust\u{202e}lang").is_err());
        assert_eq!(RoomName::parse(" Design ").unwrap().key(), "design");
    }

    #[test]
    fn generated_client_ids_are_valid_and_sort_in_the_order_they_were_made() {
        let ids: Vec<String> = (0..500)
            .map(|_| ClientId::generate().as_str().to_owned())
            .collect();
        for id in &ids {
            assert!(ClientId::parse(id).is_ok(), "{id}");
        }
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(sorted, ids);
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len());
    }

    #[test]
    fn client_ids_accept_uuids_only_from_a_safe_alphabet() {
        assert!(ClientId::parse("0b7e2f0a-4f7c-4d6e-9a53-2a8a51f1b6d1").is_ok());
        assert!(ClientId::parse("").is_err());
        assert!(ClientId::parse("a b").is_err());
        assert!(ClientId::parse(&"x".repeat(65)).is_err());
    }

    #[test]
    fn passwords_never_show_in_debug_output() {
        let p = Password::parse("correct horse").unwrap();
        assert!(!format!("{p:?}").contains("horse"));
    }

    proptest::proptest! {
        #[test]
        fn any_username_input_parses_to_a_valid_name_or_a_sentence(raw in "\\PC{0,40}|[a-zA-Z0-9_.\\- ]{0,40}") {
            match Username::parse(&raw) {
                Ok(name) => {
                    let n = name.as_str();
                    proptest::prop_assert!(!n.is_empty() && n.chars().count() <= USERNAME_MAX);
                    proptest::prop_assert!(n.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')));
                    proptest::prop_assert_eq!(name.key(), n.to_ascii_lowercase());
                }
                Err(e) => proptest::prop_assert!(!e.to_string().is_empty()),
            }
        }

        #[test]
        fn any_room_name_input_parses_to_a_printable_name_or_a_sentence(raw in "\\PC{0,80}|[\\x00-\\x20\\u{202a}-\\u{202e}a-z]{0,10}") {
            if let Ok(name) = RoomName::parse(&raw) {
                let n = name.as_str();
                proptest::prop_assert!(!n.is_empty() && n.chars().count() <= ROOM_NAME_MAX);
                proptest::prop_assert!(!n.chars().any(|c| c.is_control() || is_bidi_control(c)));
                proptest::prop_assert_eq!(n, n.trim());
            }
        }

        #[test]
        fn any_message_body_is_stored_within_the_limit_or_refused(raw in "\\PC{0,60}", max in 1usize..50) {
            if let Ok(body) = MessageBody::parse(&raw, max) {
                proptest::prop_assert!(body.as_str().chars().count() <= max);
                proptest::prop_assert!(!body.as_str().trim().is_empty());
            }
        }

        #[test]
        fn any_client_id_input_is_safe_or_refused(raw in "\\PC{0,70}") {
            if let Ok(id) = ClientId::parse(&raw) {
                proptest::prop_assert!(id.as_str().len() <= CLIENT_ID_MAX);
                proptest::prop_assert!(id.as_str().chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
            }
        }
    }
}
