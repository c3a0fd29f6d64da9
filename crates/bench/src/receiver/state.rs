//! What a worker's clients share: the phase the worker tells them to be
//! in, and the counters and per-client seq sets they record into.

use std::collections::HashMap;
use std::rc::Rc;

use crate::job::SeenEvent;
use crate::live_event::Kind;
use crate::seqset::SeqSet;
use crate::stats::{Errors, Latency, Slowest};

/// What the worker tells its clients to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Not started yet.
    Wait,
    /// Be connected (generation: a change means a new connection).
    Connected(u32),
    /// Stay disconnected.
    Away,
    Stop,
}

/// Everything a worker's clients record.
#[derive(Default)]
pub struct Shared {
    pub clients: Vec<ClientState>,
    pub latency: Latency,
    pub slowest: Slowest,
    pub deliveries: u64,
    pub first_ns: u64,
    pub last_ns: u64,
    pub errors: Errors,
    pub resyncs: u64,
    pub unexpected_closes: u64,
    /// Connect + subscribe, first connection and later ones.
    pub connect: Latency,
    pub reconnect: Latency,
    pub connected: u64,
    pub reconnected: u64,
    pub failed: u64,
    pub connect_start_ns: u64,
    pub connect_end_ns: u64,
    pub reconnect_end_ns: u64,
    /// Set by a `Reconnect`: when it came and what each room must reach.
    pub reconnect_at_ns: u64,
    pub target: HashMap<i64, i64>,
    pub caught_up: Latency,
    /// Set by a `Failover`: the nodes a client whose connection ends moves
    /// to (empty: reconnect where it was).
    pub failover_urls: Vec<Rc<str>>,
    /// Deliveries per `Kind`.
    pub kinds: [u64; Kind::COUNT],
    /// Set by the job: keep `events` (costs a map entry per room event).
    pub track_events: bool,
    pub events: HashMap<(i64, i64), SeenEvent>,
}

#[derive(Default)]
pub struct ClientState {
    pub rooms: Vec<(i64, SeqSet)>,
    pub duplicates: u64,
    pub caught_up: bool,
    /// Reconnected to another node after its own was killed.
    pub moved: bool,
    /// How it got there (set while it moves).
    pub way: crate::job::Move,
}

impl ClientState {
    pub(super) fn room(&mut self, room: i64) -> Option<&mut SeqSet> {
        self.rooms
            .iter_mut()
            .find(|(r, _)| *r == room)
            .map(|(_, s)| s)
    }

    pub(super) fn reached(&self, target: &HashMap<i64, i64>) -> bool {
        self.rooms
            .iter()
            .all(|(r, s)| target.get(r).is_none_or(|t| s.contiguous() >= *t))
    }
}
