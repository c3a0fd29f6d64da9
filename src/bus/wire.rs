//! Events as they cross nodes: JSON in an envelope with a version, so that
//! during a rolling upgrade a node can tell a batch it cannot read (from a
//! newer natter) from a damaged one. Session hashes travel as hex.

use serde::{Deserialize, Serialize};

use crate::domain::{
    Changed, EndedSessions, Event, Member, MembershipChange, PersonChange, PersonChanged,
    RoomEvent, RoomId, SessionsEnded, UserId,
};

/// The version this natter writes and reads.
pub const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Envelope {
    v: u32,
    /// The node that committed them, so it can ignore its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    events: Vec<WireEvent>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum WireEvent {
    Room {
        event: RoomEvent,
    },
    Membership {
        room_id: RoomId,
        member: Member,
        joined: bool,
        /// Absent from a node that did not log joins and leaves yet: that
        /// node's room is told by the membership itself.
        #[serde(default)]
        logged: bool,
    },
    /// `one` session, or all of the user's but `keep` (if any).
    SessionsEnded {
        user: UserId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        one: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        keep: Option<String>,
    },
    RoomAccessChanged {
        room_id: RoomId,
    },
    AccountChanged {
        user: UserId,
    },
    /// A person's profile or status, for the rooms they were in.
    Person {
        user: UserId,
        rooms: Vec<RoomId>,
        change: PersonChange,
    },
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WireError {
    #[error("events of wire version {0}, from a newer natter")]
    Newer(u32),
    #[error("not a batch of events: {0}")]
    Damaged(String),
}

/// A commit's events as one message for the bus.
pub fn encode(events: &[Event]) -> Vec<u8> {
    encode_envelope(None, events)
}

/// A commit's events as `node` sends them.
pub fn encode_from(node: &str, events: &[Event]) -> Vec<u8> {
    encode_envelope(Some(node.to_owned()), events)
}

fn encode_envelope(from: Option<String>, events: &[Event]) -> Vec<u8> {
    let envelope = Envelope {
        v: VERSION,
        from,
        events: events.iter().map(to_wire).collect(),
    };
    serde_json::to_vec(&envelope).expect("events serialise")
}

pub fn decode(bytes: &[u8]) -> Result<Vec<Event>, WireError> {
    decode_from(bytes).map(|(_, events)| events)
}

/// The sending node (if it said) and the events.
pub fn decode_from(bytes: &[u8]) -> Result<(Option<String>, Vec<Event>), WireError> {
    #[derive(Deserialize)]
    struct Version {
        v: u32,
    }
    let damaged = |e: &dyn std::fmt::Display| WireError::Damaged(e.to_string());
    let version: Version = serde_json::from_slice(bytes).map_err(|e| damaged(&e))?;
    if version.v > VERSION {
        return Err(WireError::Newer(version.v));
    }
    let envelope: Envelope = serde_json::from_slice(bytes).map_err(|e| damaged(&e))?;
    let events = envelope
        .events
        .into_iter()
        .map(from_wire)
        .collect::<Result<_, _>>()?;
    Ok((envelope.from, events))
}

fn to_wire(event: &Event) -> WireEvent {
    match event {
        Event::Room(event) => WireEvent::Room {
            event: event.clone(),
        },
        Event::Membership(m) => WireEvent::Membership {
            room_id: m.room_id,
            member: m.member.clone(),
            joined: m.joined,
            logged: m.logged,
        },
        Event::Sessions(ended) => {
            let (one, keep) = match &ended.which {
                EndedSessions::One(one) => (Some(hex(one)), None),
                EndedSessions::AllBut(keep) => (None, keep.as_ref().map(hex)),
            };
            WireEvent::SessionsEnded {
                user: ended.user,
                one,
                keep,
            }
        }
        Event::Changed(Changed::RoomAccess(room_id)) => {
            WireEvent::RoomAccessChanged { room_id: *room_id }
        }
        Event::Changed(Changed::Account(user)) => WireEvent::AccountChanged { user: *user },
        Event::Person(p) => WireEvent::Person {
            user: p.user,
            rooms: p.rooms.clone(),
            change: p.change.clone(),
        },
    }
}

fn from_wire(event: WireEvent) -> Result<Event, WireError> {
    Ok(match event {
        WireEvent::Room { event } => Event::Room(event),
        WireEvent::Membership {
            room_id,
            member,
            joined,
            logged,
        } => Event::Membership(MembershipChange {
            room_id,
            member,
            joined,
            logged,
        }),
        WireEvent::SessionsEnded { user, one, keep } => {
            let which = match (one, keep) {
                (Some(one), None) => EndedSessions::One(unhex(&one)?),
                (None, keep) => EndedSessions::AllBut(keep.as_deref().map(unhex).transpose()?),
                (Some(_), Some(_)) => {
                    return Err(WireError::Damaged("one session and all but one".into()))
                }
            };
            Event::Sessions(SessionsEnded { user, which })
        }
        WireEvent::RoomAccessChanged { room_id } => Event::Changed(Changed::RoomAccess(room_id)),
        WireEvent::AccountChanged { user } => Event::Changed(Changed::Account(user)),
        WireEvent::Person {
            user,
            rooms,
            change,
        } => Event::Person(PersonChanged {
            user,
            rooms,
            change,
        }),
    })
}

fn hex(bytes: &[u8; 32]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut text, b| {
        let _ = write!(text, "{b:02x}");
        text
    })
}

fn unhex(text: &str) -> Result<[u8; 32], WireError> {
    let bad = || WireError::Damaged(format!("not a session hash: {text:?}"));
    if text.len() != 64 || !text.is_ascii() {
        return Err(bad());
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(out)
}

#[cfg(test)]
#[path = "wire_tests.rs"]
mod tests;
