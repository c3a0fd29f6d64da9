//! The JSON a receiver gets for one room event: the event as the stream
//! sends it (`room_id`, `seq`, `type` and its fields), with the hook's id.

use serde::Serialize;

use crate::domain::{RoomChange, RoomEvent, UserId};

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
    room_id: crate::domain::RoomId,
    seq: crate::domain::Seq,
    #[serde(rename = "type")]
    kind: &'a str,
    truncated: bool,
}

/// The body for `event`, or `None` for an event the hook does not send:
/// its own bot's messages (a receiver that replies would otherwise hear
/// its own replies, and could answer them for ever).
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
    serde_json::to_vec(&Envelope {
        hook_id,
        room_id: event.room_id,
        seq: event.seq,
        kind: &kind,
        truncated: true,
    })
    .ok()
}
