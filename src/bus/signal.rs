//! Signals: what nodes tell each other about people in a room right now
//! (typing, online), as opposed to events, which are committed and stored.
//! Signals are never stored and may be lost: typing runs out by itself,
//! and each node repeats who is online in its rooms every beat
//! (`Signal::Online`), so the others forget a node that stopped beating
//! (it died) after a few beats and repair any lost change at the next.

use serde::{Deserialize, Serialize};

use crate::domain::{RoomId, UserId};

/// The version of the signal envelope this natter writes and reads.
pub const VERSION: u32 = 1;

/// Hears this node's signals for the other nodes. Called under the hub's
/// lock: must be quick and must not call back into the hub (a networked
/// bus only queues the message, and drops it when its queue is full).
pub trait Signals: Send + Sync + 'static {
    fn signal(&self, signal: Signal);
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Signal {
    /// Someone here is typing in the room (already rate-limited here).
    Typing {
        room: RoomId,
        user: UserId,
        username: String,
    },
    TypingStopped {
        room: RoomId,
        user: UserId,
        username: String,
    },
    /// Someone came online (their first connection here listening to the
    /// room) or went offline (their last one).
    Presence {
        room: RoomId,
        user: UserId,
        username: String,
        online: bool,
    },
    /// Everyone online in the room on the sending node, repeated every
    /// beat: `count` of them, `users` listing at most `ONLINE_LISTED`.
    Online {
        room: RoomId,
        count: usize,
        users: Vec<(UserId, String)>,
    },
    /// A node got its first listener in the room: the others send their
    /// `Online` for it now rather than at their next beat.
    Hello { room: RoomId },
}

/// How many people one `Online` names; beyond that only the count
/// crosses (the clients show a count above 20 anyway).
pub const ONLINE_LISTED: usize = 1000;

impl Signal {
    pub fn room(&self) -> RoomId {
        match self {
            Signal::Typing { room, .. }
            | Signal::TypingStopped { room, .. }
            | Signal::Presence { room, .. }
            | Signal::Online { room, .. }
            | Signal::Hello { room } => *room,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    v: u32,
    from: String,
    signal: Signal,
}

/// A signal as `node` sends it.
pub fn encode(node: &str, signal: &Signal) -> Vec<u8> {
    #[derive(Serialize)]
    struct Out<'a> {
        v: u32,
        from: &'a str,
        signal: &'a Signal,
    }
    serde_json::to_vec(&Out {
        v: VERSION,
        from: node,
        signal,
    })
    .expect("signals serialise")
}

/// The sending node and the signal; `None` for what this natter cannot
/// read (damaged, or from a newer natter during a rolling upgrade: a lost
/// signal only costs a beat).
pub fn decode(bytes: &[u8]) -> Option<(String, Signal)> {
    let envelope: Envelope = serde_json::from_slice(bytes).ok()?;
    (envelope.v <= VERSION).then_some((envelope.from, envelope.signal))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signal_reads_back_as_it_was_sent_with_its_node() {
        let signal = Signal::Online {
            room: RoomId(3),
            count: 1,
            users: vec![(UserId(7), "ann".into())],
        };
        let (from, back) = decode(&encode("node-a", &signal)).unwrap();
        assert_eq!((from.as_str(), back), ("node-a", signal));
        assert_eq!(decode(b"{\"v\":9,\"from\":\"x\",\"signal\":{}}"), None);
        assert_eq!(decode(b"not json"), None);
    }
}
