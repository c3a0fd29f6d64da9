//! The hub: who is listening to which room, on this node. It hears every
//! committed event (as the store's `Publisher`), encodes each frame once and
//! hands the shared bytes to each listener (`listener`), which writes them
//! straight into its socket or queues them, within a bound. A listener with
//! too much waiting is cut off (it reconnects and resumes from its cursor),
//! so one slow reader never slows the room or grows the server.
//!
//! This file holds the hub's state and what the parts share; each part
//! owns one job: `registry` (listeners, rooms, connecting and leaving),
//! `publish` (committed events to listeners), `presence` (online and
//! typing here) and `remote` (the same from other nodes), `heartbeat`,
//! `people` (profile changes) and `floor`; `known` and `recent` say how far
//! this node has a room, for resumes without a store read.

mod floor;
mod heartbeat;
mod known;
mod people;
mod presence;
mod publish;
mod recent;
mod registry;
mod remote;

pub use registry::Catchup;
pub use remote::BEAT as PRESENCE_BEAT;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use super::fan_out::FanOut;
use super::listener::{Listener, ListenerId, Outbound};
use crate::bus::{Interest, Signals};
use crate::domain::{RoomId, UserId};

#[derive(Default)]
struct RoomListeners {
    listeners: Vec<Arc<Listener>>,
    /// Listener count per user: a user is online here while it is above 0.
    online: HashMap<UserId, (String, u32)>,
    typing: HashMap<UserId, Instant>,
    /// Who is online here on the other nodes, by node (`remote`).
    remote: HashMap<Arc<str>, remote::Remote>,
    /// How far this node has the room (`known`).
    known: known::Known,
    /// Its newest messages as handed out here (`recent`).
    recent: Mutex<recent::Recent>,
}

#[derive(Default)]
struct State {
    rooms: HashMap<RoomId, RoomListeners>,
    users: HashMap<UserId, Vec<Arc<Listener>>>,
    /// Listeners that missed a heartbeat: subscribed, but not counted as
    /// online (`presence`).
    stale: HashSet<ListenerId>,
}

/// Counters for tests, metrics and benchmarks.
#[derive(Debug, Default, Clone, Copy, serde::Serialize)]
pub struct HubStats {
    pub listeners: usize,
    pub rooms: usize,
    pub cut_off: u64,
    /// Room event frames handed to listeners.
    pub deliveries: u64,
    /// Subscribes with nothing to catch up, caught up from this node's
    /// recent frames, and from the store (`Catchup`).
    pub catchups: [u64; 3],
}

pub struct Hub {
    state: RwLock<State>,
    next_id: AtomicU64,
    cut_off_total: Arc<AtomicU64>,
    /// One add per broadcast (not per listener), for metrics.
    deliveries: AtomicU64,
    /// Subscribes by how they caught up (`HubStats::catchups`).
    catchups: [AtomicU64; 3],
    /// Set once the server starts shutting down; later listeners are told
    /// to go as they connect.
    stopping: AtomicBool,
    /// Writes each broadcast to its listeners (a big one from several cores).
    fan_out: FanOut,
    /// Told when a room gets its first listener here and loses its last.
    interest: OnceLock<Arc<dyn Interest>>,
    /// Told of typing and presence here, for the other nodes (`remote`).
    signals: OnceLock<Arc<dyn Signals>>,
}

/// Rooms with more people online than this get presence as a count only.
/// A header shows a handful of names anyway, and a long list is a large
/// frame that every joining connection's write buffer keeps the size of
/// (100 names cost about 2 KiB per idle connection, measured).
pub const PRESENCE_LIST_MAX: usize = 20;

/// The heartbeat goes round the listeners in this many steps per interval.
const HEARTBEAT_SLICES: u64 = 20;

/// How long a `typing` event counts.
pub const TYPING_TTL: Duration = Duration::from_secs(6);

impl Default for Hub {
    fn default() -> Self {
        Self {
            state: RwLock::default(),
            next_id: AtomicU64::new(1),
            cut_off_total: Arc::new(AtomicU64::new(0)),
            deliveries: AtomicU64::new(0),
            catchups: Default::default(),
            stopping: AtomicBool::new(false),
            fan_out: FanOut::default(),
            interest: OnceLock::new(),
            signals: OnceLock::new(),
        }
    }
}

impl Hub {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// From now on, `interest` hears which rooms have listeners here (the
    /// bus subscribes to those only). Set once, before anyone connects.
    pub fn report_interest_to(&self, interest: Arc<dyn Interest>) {
        if self.interest.set(interest).is_err() {
            tracing::warn!("the hub already reports its rooms to a bus");
        }
    }

    fn interest(&self, room: RoomId, wanted: bool) {
        if let Some(interest) = self.interest.get() {
            interest.interest(room, wanted);
        }
    }

    /// A hub with `helpers` fan-out threads, whatever the machine's cores.
    #[cfg(test)]
    fn with_fan_out_helpers(helpers: usize) -> Arc<Self> {
        Arc::new(Self {
            fan_out: FanOut::with_helpers(helpers),
            ..Self::default()
        })
    }

    pub fn stats(&self) -> HubStats {
        let state = self.state.read().expect("hub lock");
        HubStats {
            listeners: state.users.values().map(Vec::len).sum(),
            rooms: state.rooms.len(),
            cut_off: self.cut_off_total.load(Ordering::Relaxed),
            deliveries: self.deliveries.load(Ordering::Relaxed),
            catchups: self.catchups.each_ref().map(|c| c.load(Ordering::Relaxed)),
        }
    }
}

#[cfg(test)]
#[path = "hub_tests.rs"]
mod tests;
