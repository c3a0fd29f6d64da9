//! Per-room order on a node of a cluster: every event for this node's hub
//! passes through one `Sequencer`, in one thread, whichever way it came
//! (this node's commits, the bus, the watermark). It remembers, for each
//! room with listeners here, the run of seqs it has handed to the hub; an
//! event further ahead than the next one means the bus lost or reordered
//! some, and the missing ones are read from the store once, for the room,
//! and handed over first, so no connection has to repair the gap on its
//! own. Duplicates of what was handed over are dropped here too.
//!
//! Why that is enough: a listener subscribes to the hub before it replays
//! from the store, so what was handed over before it subscribed is in its
//! replay and what is handed over after reaches it live; each connection
//! still drops what its cursor has passed.

use std::collections::{HashMap, HashSet};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};

use crate::domain::{Event, RoomEvent, RoomId, Seq};
use crate::storage::Publisher;

/// Gaps longer than this are left to each connection's own repair (a
/// node that was cut off for long; the connections read their way back).
pub const MAX_REPAIR: i64 = 1000;

/// The most events handed to the hub at once (`Sequencer::handle_waiting`).
pub const MAX_HANDOVER: usize = 4096;

/// Where missing events are read from: the store, blocking.
pub trait RoomLog: Send + 'static {
    /// Up to `limit` events of `room` after `after`, oldest first (none if
    /// the store cannot be read now).
    fn events_after(&mut self, room: RoomId, after: Seq, limit: u32) -> Vec<RoomEvent>;
}

/// What the sequencer is handed.
#[derive(Debug)]
pub enum Arrival {
    /// This node's commits (its caches already know).
    Local(Vec<Event>),
    /// Another node's commits, from the bus.
    Remote(Vec<Event>),
    /// The store has `room` up to `upto` and a listener here has only
    /// `after` (the watermark found it; its bus message never came).
    Behind { room: RoomId, after: Seq, upto: Seq },
    /// The bus may have missed other nodes' changes: forget cached answers.
    MayHaveMissed,
    /// Now and then: forget the runs of rooms nobody listens to any more.
    Tidy,
}

/// The seqs `from..=last` of a room have been handed to the hub.
#[derive(Debug, Clone, Copy)]
struct Run {
    from: Seq,
    last: Seq,
}

pub struct Sequencer<L> {
    log: L,
    hub: Arc<dyn Publisher>,
    /// Told other nodes' events (and `MayHaveMissed`) before the hub.
    caches: Arc<crate::storage::cached::Caches>,
    /// Rooms with listeners here (kept by the bus's `Interest`).
    wanted: Arc<Mutex<HashSet<RoomId>>>,
    runs: HashMap<RoomId, Run>,
    /// Gaps filled from the store, for tests and metrics.
    pub repairs: u64,
}

impl<L: RoomLog> Sequencer<L> {
    pub fn new(
        log: L,
        hub: Arc<dyn Publisher>,
        caches: Arc<crate::storage::cached::Caches>,
        wanted: Arc<Mutex<HashSet<RoomId>>>,
    ) -> Self {
        Self {
            log,
            hub,
            caches,
            wanted,
            runs: HashMap::new(),
            repairs: 0,
        }
    }

    /// Orders `arrival` and hands the result to the hub.
    pub fn handle(&mut self, arrival: Arrival) {
        let out = self.take(arrival);
        self.hand_over(&out);
    }

    /// Orders `first` and every arrival already waiting behind it in
    /// `waiting` (up to `MAX_HANDOVER` events), and hands them to the hub
    /// at once. A fan-out that fell behind (a burst, a busy machine) then
    /// catches up with one write per listener for a room's whole run of
    /// events instead of one per event: the hub joins a room's consecutive
    /// events into one frame buffer (`hub::publish`). Without it, a node
    /// of a cluster wrote each other node's commit to every listener on
    /// its own, however far behind it was (issue 15's CPU per delivery).
    pub fn handle_waiting(&mut self, first: Arrival, waiting: &Receiver<Arrival>) {
        let mut out = self.take(first);
        while out.len() < MAX_HANDOVER {
            match waiting.try_recv() {
                Ok(next) => out.extend(self.take(next)),
                Err(_) => break,
            }
        }
        self.hand_over(&out);
    }

    fn hand_over(&self, out: &[Event]) {
        if !out.is_empty() {
            self.hub.publish(out);
        }
    }

    /// What `arrival` hands to the hub, in order (other nodes' changes are
    /// told to the caches here, before the hub hears them).
    fn take(&mut self, arrival: Arrival) -> Vec<Event> {
        match arrival {
            Arrival::Local(events) => self.order(events),
            Arrival::Remote(events) => {
                self.caches.publish(&events);
                self.order(events)
            }
            Arrival::Behind { room, after, upto } => {
                if self.runs.get(&room).is_some_and(|run| run.last >= upto) {
                    // Handed over already; that listener is only behind in
                    // writing it.
                    return Vec::new();
                }
                let limit = (upto.0 - after.0).clamp(0, MAX_REPAIR);
                let filled = self
                    .log
                    .events_after(room, after, u32::try_from(limit).unwrap_or(0));
                if !filled.is_empty() {
                    self.repairs += 1;
                }
                self.order(filled.into_iter().map(Event::Room).collect())
            }
            Arrival::MayHaveMissed => {
                self.caches.forget_all();
                Vec::new()
            }
            Arrival::Tidy => {
                self.prune();
                Vec::new()
            }
        }
    }

    /// The events to hand over, in order: room events checked against
    /// their room's run (gaps filled, duplicates dropped), the others as
    /// they are.
    fn order(&mut self, events: Vec<Event>) -> Vec<Event> {
        let mut out = Vec::with_capacity(events.len());
        for event in events {
            match event {
                Event::Room(e) => self.place(e, &mut out),
                other => out.push(other),
            }
        }
        out
    }

    fn place(&mut self, event: RoomEvent, out: &mut Vec<Event>) {
        let room = event.room_id;
        let seq = event.seq;
        if !self.wanted.lock().expect("interest lock").contains(&room) {
            // Nobody listens here: nothing to keep in order (and nothing
            // remembered, so the map stays as small as the rooms in use).
            self.runs.remove(&room);
            out.push(Event::Room(event));
            return;
        }
        let Some(run) = self.runs.get_mut(&room) else {
            self.runs.insert(
                room,
                Run {
                    from: seq,
                    last: seq,
                },
            );
            out.push(Event::Room(event));
            return;
        };
        if seq < run.from {
            // Older than what this node follows: the connections decide.
            out.push(Event::Room(event));
            return;
        }
        if seq <= run.last {
            return;
        }
        let missing = seq.0 - run.last.0 - 1;
        if missing > 0 && missing <= MAX_REPAIR {
            let after = run.last;
            let limit = u32::try_from(missing).unwrap_or(0);
            let filled = self.log.events_after(room, after, limit);
            self.repairs += 1;
            out.extend(
                filled
                    .into_iter()
                    .filter(|f| f.seq > after && f.seq < seq)
                    .map(Event::Room),
            );
        }
        if let Some(run) = self.runs.get_mut(&room) {
            run.last = seq;
        }
        out.push(Event::Room(event));
    }

    /// Forgets the runs of rooms nobody listens to any more.
    fn prune(&mut self) {
        let wanted = self.wanted.lock().expect("interest lock");
        self.runs.retain(|room, _| wanted.contains(room));
    }
}

#[cfg(test)]
#[path = "order_tests.rs"]
mod tests;
