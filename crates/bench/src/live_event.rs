//! What a receiving client needs from a room event: its room, its seq and
//! the send stamp in its body. Read from the front of the frame the way
//! the server writes it, without a JSON parse: the receivers share the
//! server's two cores, and serde was the largest user-space cost of a
//! receiving worker. Anything not written that way is left to the full
//! parse (`client::Frame`), so a change of the server's layout costs speed,
//! never a wrong count.

use crate::client::Frame;
use crate::clock::stamp_of;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveEvent {
    pub room: i64,
    pub seq: i64,
    /// When the message was sent (edits and deletions may have none).
    pub stamp: Option<u64>,
    pub kind: Kind,
}

/// The kinds of room event `mixed` counts apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Message,
    Reply,
    ThreadUpdated,
    ReactionAdded,
    ReactionRemoved,
    /// Edits, deletions, expiries.
    Other,
}

impl Kind {
    pub const COUNT: usize = 6;
    pub const NAMES: [&str; Self::COUNT] = [
        "message",
        "reply",
        "thread.updated",
        "reaction.added",
        "reaction.removed",
        "other",
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    fn of_type(kind: &str, reply: bool) -> Self {
        match kind {
            "message.created" if reply => Self::Reply,
            "message.created" => Self::Message,
            "thread.updated" => Self::ThreadUpdated,
            "reaction.added" => Self::ReactionAdded,
            "reaction.removed" => Self::ReactionRemoved,
            _ => Self::Other,
        }
    }
}

/// A reply's message names its thread; inside a JSON string every quote is
/// escaped, so this can only be the key.
const THREAD_ROOT: &str = r#""thread_root":"#;

/// Inside a JSON string every quote is escaped, so this can only be the key.
const BODY: &str = r#""body":""#;

impl LiveEvent {
    /// `{"room_id":R,"seq":S,"type":"message.<created|edited|deleted>",…}`
    /// gives its room and seq, and the stamp of a `"body":"t…:"` after them;
    /// `reaction.added`, `reaction.removed` and `thread.updated` give room,
    /// seq and kind (no stamp); None for any other frame.
    pub fn scan(text: &str) -> Option<Self> {
        let rest = text.strip_prefix(r#"{"room_id":"#)?;
        let (room, rest) = leading_int(rest)?;
        let rest = rest.strip_prefix(r#","seq":"#)?;
        let (seq, rest) = leading_int(rest)?;
        let rest = rest.strip_prefix(r#","type":""#)?;
        let kind = rest.split('"').next()?;
        match kind {
            "message.created" | "message.edited" | "message.deleted" => {
                let stamp = rest
                    .find(BODY)
                    .and_then(|at| stamp_of(&rest[at + BODY.len()..]));
                let reply = kind == "message.created" && rest.contains(THREAD_ROOT);
                Some(Self {
                    room,
                    seq,
                    stamp,
                    kind: Kind::of_type(kind, reply),
                })
            }
            "reaction.added" | "reaction.removed" | "thread.updated" => Some(Self {
                room,
                seq,
                stamp: None,
                kind: Kind::of_type(kind, false),
            }),
            _ => None,
        }
    }

    /// The same fields from a fully parsed frame, for frames `scan` passes by.
    pub fn of(frame: &Frame<'_>) -> Option<Self> {
        if !is_room_event(&frame.kind) {
            return None;
        }
        let reply = frame
            .message
            .as_ref()
            .is_some_and(|m| m.thread_root.is_some());
        Some(Self {
            room: frame.room_id?,
            seq: frame.seq?,
            stamp: frame.message.as_ref().and_then(|m| stamp_of(&m.body)),
            kind: Kind::of_type(&frame.kind, reply),
        })
    }
}

/// Whether a frame's `type` is a room event (one with a room and a seq):
/// every one takes a seq, so a client that skipped one would see a gap.
pub fn is_room_event(kind: &str) -> bool {
    matches!(
        kind,
        "message.created"
            | "message.edited"
            | "message.deleted"
            | "messages.expired"
            | "thread.updated"
            | "reaction.added"
            | "reaction.removed"
            | "message.pinned"
            | "message.unpinned"
            | "room.updated"
            | "room.disappearing_changed"
            | "member.role_changed"
            | "member.joined"
            | "member.left"
    )
}

/// A non-negative integer at the start of `text`, and what follows it.
fn leading_int(text: &str) -> Option<(i64, &str)> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let value = text[..digits].parse().ok()?;
    Some((value, &text[digits..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREATED: &str = r#"{"room_id":12,"seq":58,"type":"message.created","message":{"id":9,"room_id":12,"seq":58,"author_id":3,"author":"a \"body\":\"t5:","client_id":"x","body":"t1234:xx","created_at":"2026"}}"#;

    #[test]
    fn a_message_event_is_read_as_the_full_parse_reads_it() {
        let fast = LiveEvent::scan(CREATED).unwrap();
        assert_eq!(
            fast,
            LiveEvent {
                room: 12,
                seq: 58,
                stamp: Some(1234),
                kind: Kind::Message,
            }
        );
        assert_eq!(LiveEvent::of(&Frame::parse(CREATED).unwrap()), Some(fast));
    }

    #[test]
    fn a_deletion_has_room_and_seq_but_no_stamp() {
        let text =
            r#"{"room_id":1,"seq":60,"type":"message.deleted","message_id":9,"message_seq":58}"#;
        let fast = LiveEvent::scan(text).unwrap();
        assert_eq!((fast.room, fast.seq, fast.stamp), (1, 60, None));
        assert_eq!(LiveEvent::of(&Frame::parse(text).unwrap()), Some(fast));
    }

    #[test]
    fn a_reply_and_a_reaction_are_told_apart_from_a_message() {
        let reply = r#"{"room_id":1,"seq":61,"type":"message.created","message":{"id":913,"room_id":1,"seq":61,"author":"bob","body":"t77:x","thread_root":58}}"#;
        let fast = LiveEvent::scan(reply).unwrap();
        assert_eq!((fast.kind, fast.stamp), (Kind::Reply, Some(77)));
        assert_eq!(LiveEvent::of(&Frame::parse(reply).unwrap()), Some(fast));
        let reaction = r#"{"room_id":1,"seq":62,"type":"reaction.added","message_id":911,"message_seq":57,"emoji":"x","user_id":4,"username":"bob"}"#;
        let fast = LiveEvent::scan(reaction).unwrap();
        assert_eq!(
            (fast.seq, fast.kind, fast.stamp),
            (62, Kind::ReactionAdded, None)
        );
        assert_eq!(LiveEvent::of(&Frame::parse(reaction).unwrap()), Some(fast));
    }

    #[test]
    fn other_frames_and_other_layouts_are_left_to_the_full_parse() {
        for text in [
            r#"{"type":"subscribed","room_id":1,"last_seq":57}"#,
            r#"{"room_id":1,"seq":2,"type":"presence"}"#,
            r#"{"seq":2,"room_id":1,"type":"message.created"}"#,
            r#"{"room_id":-1,"seq":2,"type":"message.created"}"#,
            r#"{"room_id":1,"seq":,"type":"message.created"}"#,
        ] {
            assert_eq!(LiveEvent::scan(text), None, "{text}");
        }
    }
}
