//! The JSON a receiver gets for one room event: the event as the stream
//! sends it (`room_id`, `seq`, `type` and its fields), with the hook's id.
//!
//! Built from the event as the log stores it, by splicing text rather than
//! decoding and encoding again: at 10,000 events/s the round trip through
//! `RoomEvent` was most of a hook's CPU (BENCHMARKS.md, "Issue 19").

use serde::Serialize;

use crate::domain::{RoomChange, RoomEvent, RoomId, UserId};
use crate::storage::LoggedEvent;

/// A payload larger than this is sent as its envelope only, with
/// `"truncated": true` (the receiver can read the event through the API).
pub const MAX_PAYLOAD_BYTES: usize = 256 * 1024;

#[derive(Serialize)]
struct Payload<'a> {
    hook_id: i64,
    #[serde(flatten)]
    event: &'a RoomEvent,
}

#[derive(Serialize)]
struct Envelope<'a> {
    hook_id: i64,
    room_id: RoomId,
    seq: crate::domain::Seq,
    #[serde(rename = "type")]
    kind: &'a str,
    truncated: bool,
}

/// The body for `event` of `room`, or `None` for an event the hook does not
/// send: its own bot's messages (a receiver that replies would otherwise
/// hear its own replies, and could answer them for ever). The same bytes as
/// [`encode`] gives for the decoded event.
pub fn encode_logged(
    hook_id: i64,
    bot: UserId,
    room: RoomId,
    event: LoggedEvent,
) -> Option<Vec<u8>> {
    match event {
        LoggedEvent::Created {
            seq,
            author,
            message,
        } => {
            if author == bot {
                return None;
            }
            let message = message.as_str();
            let body = format!(
                r#"{{"hook_id":{hook_id},"room_id":{room},"seq":{seq},"type":"message.created","message":{message}}}"#
            );
            if body.len() <= MAX_PAYLOAD_BYTES {
                return Some(body.into_bytes());
            }
            envelope(hook_id, room, seq, "message.created")
        }
        // A change is logged as its whole event: the hook's id goes in front.
        // Events from before expiries were batched are read as their newer
        // kind, which takes decoding (`RoomEvent::from_logged`).
        LoggedEvent::Changed { payload, .. }
            if payload.len() < MAX_PAYLOAD_BYTES
                && payload.starts_with('{')
                && !payload.contains(r#""type":"message.expired""#) =>
        {
            let mut body = format!(r#"{{"hook_id":{hook_id},"#).into_bytes();
            body.extend_from_slice(&payload.as_bytes()[1..]);
            Some(body)
        }
        LoggedEvent::Changed { payload, .. } => {
            let event = RoomEvent::from_logged(&payload).ok()?;
            encode(hook_id, bot, &event)
        }
    }
}

/// The body for a decoded `event` (see [`encode_logged`]).
pub fn encode(hook_id: i64, bot: UserId, event: &RoomEvent) -> Option<Vec<u8>> {
    if let RoomChange::MessageCreated { message } = &event.change {
        if message.author_id == bot {
            return None;
        }
    }
    let body = serde_json::to_vec(&Payload { hook_id, event }).ok()?;
    if body.len() <= MAX_PAYLOAD_BYTES {
        return Some(body);
    }
    let kind = serde_json::to_value(event)
        .ok()
        .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_owned))
        .unwrap_or_default();
    envelope(hook_id, event.room_id, event.seq, &kind)
}

fn envelope(hook_id: i64, room_id: RoomId, seq: crate::domain::Seq, kind: &str) -> Option<Vec<u8>> {
    serde_json::to_vec(&Envelope {
        hook_id,
        room_id,
        seq,
        kind,
        truncated: true,
    })
    .ok()
}

#[cfg(test)]
#[path = "payload_tests.rs"]
mod tests;
