//! The stream's wire format (documented in docs/protocol.md): commands a
//! client sends, and the frames the server sends, as JSON text frames with a
//! `type` tag. Room events are the `domain::RoomEvent` JSON as is.

use std::collections::HashMap;

use axum::body::Bytes;
use serde::{Deserialize, Serialize};

use super::frame::text_frame;

use crate::domain::{Member, Message, RoomEvent, RoomId, Seq, User, UserId};
use crate::error::Error;

/// What a client may send.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    /// Start (or resume) receiving rooms: room id -> last seq seen (0 for all).
    Subscribe {
        rooms: HashMap<String, Seq>,
    },
    Unsubscribe {
        rooms: Vec<RoomId>,
    },
    /// Send a message; answered by `ack` (after commit) or `error`.
    Send {
        room_id: RoomId,
        client_id: String,
        #[serde(default)]
        body: String,
        /// Reply in the thread of the message at this seq.
        #[serde(default)]
        reply_to: Option<Seq>,
        /// With `reply_to`: show the reply in the room's timeline too.
        #[serde(default)]
        also_in_room: bool,
        /// Ids of the sender's uploads to attach (not with `reply_to`).
        #[serde(default)]
        files: Vec<String>,
    },
    /// "I am typing in this room" (for the next few seconds).
    Typing {
        room_id: RoomId,
    },
    /// "I stopped typing" (sent, or cleared the box): ends `typing` at once.
    #[serde(rename = "typing.stopped")]
    TypingStopped {
        room_id: RoomId,
    },
    Ping,
}

/// The (room, last seq seen) pairs of a subscribe, oldest room id first.
pub fn cursors<S: std::hash::BuildHasher>(
    rooms: HashMap<String, Seq, S>,
) -> Result<Vec<(RoomId, Seq)>, Error> {
    let mut out = Vec::with_capacity(rooms.len());
    for (key, seq) in rooms {
        let id = key.parse::<i64>().map_err(|_| {
            Error::invalid("invalid_command", format!("\"{key}\" is not a room id."))
        })?;
        out.push((RoomId(id), seq));
    }
    out.sort();
    Ok(out)
}

#[derive(Debug, Serialize)]
pub struct ErrorDetail {
    pub code: &'static str,
    pub message: String,
}

impl From<&Error> for ErrorDetail {
    fn from(e: &Error) -> Self {
        Self {
            code: e.code(),
            message: e.public_message(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct OnlineUser {
    pub user_id: UserId,
    pub username: String,
}

/// What the server sends besides room events.
#[derive(Debug, Serialize)]
#[serde(tag = "type")]
pub enum Frame<'a> {
    /// First frame of every connection.
    #[serde(rename = "hello")]
    Hello { user: &'a User, heartbeat_secs: u64 },
    /// The replay for a room is done; live events follow.
    #[serde(rename = "subscribed")]
    Subscribed { room_id: RoomId, last_seq: Seq },
    /// More was missed than the server replays: page history from
    /// `after` up to `up_to` yourself; live events after `up_to` follow.
    #[serde(rename = "resync")]
    Resync {
        room_id: RoomId,
        after: Seq,
        up_to: Seq,
    },
    #[serde(rename = "unsubscribed")]
    Unsubscribed { room_id: RoomId },
    /// The answer to a `send`, once the message is committed.
    #[serde(rename = "ack")]
    Ack {
        client_id: &'a str,
        message: &'a Message,
    },
    #[serde(rename = "error")]
    Error {
        #[serde(skip_serializing_if = "Option::is_none")]
        client_id: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        room_id: Option<RoomId>,
        error: ErrorDetail,
    },
    #[serde(rename = "member.joined")]
    MemberJoined { room_id: RoomId, member: &'a Member },
    #[serde(rename = "member.left")]
    MemberLeft { room_id: RoomId, member: &'a Member },
    /// You were added to a room (subscribe to it to receive it).
    #[serde(rename = "room.added")]
    RoomAdded { room_id: RoomId },
    /// You are no longer in a room; nothing more of it will come.
    #[serde(rename = "room.removed")]
    RoomRemoved { room_id: RoomId },
    #[serde(rename = "typing")]
    Typing {
        room_id: RoomId,
        user_id: UserId,
        username: &'a str,
    },
    /// Someone announced by `typing` stopped before it ran out.
    #[serde(rename = "typing.stopped")]
    TypingStopped {
        room_id: RoomId,
        user_id: UserId,
        username: &'a str,
    },
    /// Who is online in the room (sent after `subscribed`).
    #[serde(rename = "presence")]
    Presence {
        room_id: RoomId,
        /// How many people are online in the room.
        count: usize,
        /// Who they are; empty when `count` is above 20.
        online: Vec<OnlineUser>,
    },
    /// One person came online in, or went offline from, the room.
    #[serde(rename = "presence.changed")]
    PresenceChanged {
        room_id: RoomId,
        user_id: UserId,
        username: &'a str,
        online: bool,
    },
    #[serde(rename = "pong")]
    Pong,
    /// The server is going away: reconnect (elsewhere) and resume.
    #[serde(rename = "reconnect")]
    Reconnect { reason: &'a str },
}

/// Encodes a frame once, as a whole WebSocket text frame; the bytes are
/// shared by every recipient.
pub fn encode(frame: &Frame<'_>) -> Bytes {
    text_frame(&serde_json::to_vec(frame).expect("frames serialize"))
}

/// A person's change (`profile.changed`, `status.changed`).
pub fn encode_person(change: &crate::domain::PersonChange) -> Bytes {
    text_frame(&serde_json::to_vec(change).expect("person changes serialize"))
}

pub fn encode_event(event: &RoomEvent) -> Bytes {
    text_frame(&serde_json::to_vec(event).expect("events serialize"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_from_their_documented_json() {
        let c: Command =
            serde_json::from_str(r#"{"type":"subscribe","rooms":{"1":5,"7":0}}"#).unwrap();
        let Command::Subscribe { rooms } = c else {
            panic!("not subscribe")
        };
        assert_eq!(
            cursors(rooms).unwrap(),
            vec![(RoomId(1), Seq(5)), (RoomId(7), Seq(0))]
        );
        let c: Command =
            serde_json::from_str(r#"{"type":"send","room_id":1,"client_id":"a-1","body":"hi"}"#)
                .unwrap();
        assert!(matches!(
            c,
            Command::Send {
                room_id: RoomId(1),
                ..
            }
        ));
        let c: Command = serde_json::from_str(r#"{"type":"typing.stopped","room_id":3}"#).unwrap();
        assert!(matches!(c, Command::TypingStopped { room_id: RoomId(3) }));
        assert!(serde_json::from_str::<Command>(r#"{"type":"explode"}"#).is_err());
    }

    proptest::proptest! {
        /// Whatever a client sends, parsing answers (a command or an error);
        /// it never panics.
        #[test]
        fn any_text_parses_to_a_command_or_an_error(raw in "\\PC{0,200}") {
            if let Ok(Command::Subscribe { rooms }) = serde_json::from_str::<Command>(&raw) {
                let _ = cursors(rooms);
            }
        }

        #[test]
        fn json_shaped_input_parses_to_a_command_or_an_error(
            kind in "subscribe|unsubscribe|send|typing|ping|[a-z]{1,8}",
            key in "[0-9]{1,20}|-?[0-9]{1,3}|[a-z]{1,3}",
            value in proptest::num::i64::ANY,
        ) {
            let text = format!(r#"{{"type":"{kind}","rooms":{{"{key}":{value}}},"room_id":{value},"client_id":"{key}","body":"{key}"}}"#);
            if let Ok(Command::Subscribe { rooms }) = serde_json::from_str::<Command>(&text) {
                let _ = cursors(rooms);
            }
        }
    }
}
