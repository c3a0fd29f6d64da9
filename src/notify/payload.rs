//! What a push carries: enough for the service worker to show a
//! notification and open the message (room id and seq), and no more: a
//! short plain-text excerpt, never the whole message.

use serde::{Deserialize, Serialize};

use crate::domain::{Message, RoomId, RoomKind, Seq};

/// Characters of the message shown in a notification.
pub const EXCERPT_CHARS: usize = 140;

/// The JSON the service worker receives (decrypted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushPayload {
    /// Always `"message"` for now; the worker ignores kinds it does not know.
    #[serde(rename = "type")]
    pub kind: String,
    pub room_id: RoomId,
    pub seq: Seq,
    /// The room's name; `null` for a direct message.
    pub room_name: Option<String>,
    /// `public`, `private` or `direct`.
    pub room_kind: RoomKind,
    pub author: String,
    /// Plain text: the worker shows it as text, never as markup.
    pub excerpt: String,
    /// It names the recipient (or everyone).
    pub mention: bool,
    /// Where a click goes: the chat page at this message.
    pub url: String,
}

impl PushPayload {
    pub fn new(
        message: &Message,
        room_name: Option<String>,
        kind: RoomKind,
        mention: bool,
    ) -> Self {
        Self {
            kind: "message".into(),
            room_id: message.room_id,
            seq: message.seq,
            room_name,
            room_kind: kind,
            author: message.author.clone(),
            excerpt: excerpt(message),
            mention,
            url: format!("/chat#room={}&msg={}", message.room_id, message.seq),
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a payload is plain data")
    }
}

/// The first [`EXCERPT_CHARS`] characters with whitespace runs made one
/// space (a notification has a line or two), "…" when cut; for a message
/// that is only files, how many.
fn excerpt(message: &Message) -> String {
    let text: Vec<&str> = message.body.split_whitespace().collect();
    let text = text.join(" ");
    if text.is_empty() {
        return match message.files.len() {
            0 => String::new(),
            1 => "📎 1 file".into(),
            n => format!("📎 {n} files"),
        };
    }
    if text.chars().count() <= EXCERPT_CHARS {
        return text;
    }
    let mut cut: String = text.chars().take(EXCERPT_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Timestamp;

    fn message(body: &str) -> Message {
        serde_json::from_value(serde_json::json!({
            "id": 1, "room_id": 7, "seq": 42, "author_id": 3, "author": "ann",
            "client_id": "c", "body": body, "created_at": Timestamp(0),
        }))
        .unwrap()
    }

    #[test]
    fn a_long_message_is_cut_to_a_short_excerpt_on_one_line() {
        let long = format!("first line\n\n  second {}", "word ".repeat(100));
        let payload = PushPayload::new(&message(&long), Some("ops".into()), RoomKind::Public, true);
        assert!(payload.excerpt.starts_with("first line second word"));
        assert_eq!(payload.excerpt.chars().count(), EXCERPT_CHARS);
        assert!(payload.excerpt.ends_with('…'));
        assert_eq!(payload.url, "/chat#room=7&msg=42");
        assert!(payload.to_bytes().len() < crate::push::MAX_PLAINTEXT);
    }
}
