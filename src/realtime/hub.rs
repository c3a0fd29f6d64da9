//! The hub: who is listening to which room, on this node. It hears every
//! committed event (as the store's `Publisher`), encodes each frame once and
//! hands the shared bytes to each listener (`listener`), which writes them
//! straight into its socket or queues them, within a bound. A listener with
//! too much waiting is cut off (it reconnects and resumes from its cursor),
//! so one slow reader never slows the room or grows the server.

mod floor;
mod heartbeat;
mod people;
mod presence;
mod remote;

pub use remote::BEAT as PRESENCE_BEAT;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;

use super::fan_out::FanOut;
use super::listener::{Kick, Listener, ListenerId, Outbound};
use super::socket::SocketOut;
use super::wire::{self, Frame};
use crate::bus::{Interest, Signals};
use crate::domain::{Event, RoomChange, RoomEvent, RoomId, Seq, SessionsEnded, User, UserId};
use crate::storage::Publisher;

#[derive(Default)]
struct RoomListeners {
    listeners: Vec<Arc<Listener>>,
    /// Listener count per user: a user is online here while it is above 0.
    online: HashMap<UserId, (String, u32)>,
    typing: HashMap<UserId, Instant>,
    /// Who is online here on the other nodes, by node (`remote`).
    remote: HashMap<Arc<str>, remote::Remote>,
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
}

pub struct Hub {
    state: RwLock<State>,
    next_id: AtomicU64,
    cut_off_total: Arc<AtomicU64>,
    /// One add per broadcast (not per listener), for metrics.
    deliveries: AtomicU64,
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

    /// Registers a listener for `user`, signed in with the session whose
    /// token hashes to `session`, with a queue of `bound` entries, writing
    /// to `socket` (a stream) or only queueing (a long-poll).
    pub fn connect(
        &self,
        user: &User,
        session: [u8; 32],
        bound: usize,
        socket: Option<Arc<SocketOut>>,
    ) -> Arc<Listener> {
        let listener = Arc::new(Listener::new(
            self.next_id.fetch_add(1, Ordering::Relaxed),
            user,
            session,
            bound,
            socket,
            Arc::clone(&self.cut_off_total),
        ));
        let mut state = self.state.write().expect("hub lock");
        state
            .users
            .entry(user.id)
            .or_default()
            .push(Arc::clone(&listener));
        drop(state);
        // Checked after registering, so `shut_down` either sees this
        // listener or this check sees the flag.
        if self.stopping.load(Ordering::SeqCst) {
            listener.kick_with(Kick::Restart);
        }
        listener
    }

    /// Removes the listener from the hub and from `rooms` (the rooms it
    /// subscribed to).
    pub fn disconnect(&self, listener: &Listener, rooms: impl IntoIterator<Item = RoomId>) {
        listener.close();
        let mut state = self.state.write().expect("hub lock");
        if let Some(list) = state.users.get_mut(&listener.user) {
            list.retain(|l| l.id != listener.id);
            if list.is_empty() {
                state.users.remove(&listener.user);
            }
        }
        for room in rooms {
            if self.leave(&mut state, room, listener.id) {
                self.interest(room, false);
            }
        }
        state.stale.remove(&listener.id);
    }

    /// Starts sending `room`'s live events to the listener. Call before
    /// replaying from the store, so nothing committed in between is missed.
    pub fn subscribe(&self, room: RoomId, listener: &Arc<Listener>) {
        let mut state = self.state.write().expect("hub lock");
        let entry = state.rooms.entry(room).or_default();
        if entry.listeners.is_empty() {
            self.interest(room, true);
            self.say_hello(room);
        }
        // Callers subscribe a listener to a room once (the connection keeps
        // its own set), so no scan for duplicates here.
        entry.listeners.push(Arc::clone(listener));
        presence::came_online(self, entry, room, listener);
    }

    pub fn unsubscribe(&self, room: RoomId, listener: &Listener) {
        let mut state = self.state.write().expect("hub lock");
        if self.leave(&mut state, room, listener.id) {
            self.interest(room, false);
        }
    }

    /// Returns whether the room lost its last listener here.
    fn leave(&self, state: &mut State, room: RoomId, id: ListenerId) -> bool {
        // A stale listener no longer counts as online (`mark_stale`).
        let counted = !state.stale.contains(&id);
        let Some(entry) = state.rooms.get_mut(&room) else {
            return false;
        };
        let Some(pos) = entry.listeners.iter().position(|l| l.id == id) else {
            return false;
        };
        let listener = entry.listeners.swap_remove(pos);
        if counted {
            presence::went_offline(self, entry, room, &listener);
        }
        let emptied = entry.listeners.is_empty();
        if emptied {
            state.rooms.remove(&room);
        }
        emptied
    }

    fn offer_room(entry: &RoomListeners, out: &Outbound) {
        for l in &entry.listeners {
            l.offer(out.clone());
        }
    }

    /// How many live connections the user has on this node.
    pub fn connections_of(&self, user: UserId) -> usize {
        self.state
            .read()
            .expect("hub lock")
            .users
            .get(&user)
            .map_or(0, Vec::len)
    }

    pub fn stats(&self) -> HubStats {
        let state = self.state.read().expect("hub lock");
        HubStats {
            listeners: state.users.values().map(Vec::len).sum(),
            rooms: state.rooms.len(),
            cut_off: self.cut_off_total.load(Ordering::Relaxed),
            deliveries: self.deliveries.load(Ordering::Relaxed),
        }
    }

    /// Tells every connection to go (they send `reconnect` and close),
    /// and every one that connects from now on.
    pub fn shut_down(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        let state = self.state.read().expect("hub lock");
        for l in state.users.values().flatten() {
            l.kick_with(Kick::Restart);
        }
    }

    fn dispatch(&self, event: &Event) {
        match event {
            // Fanned out by `publish`, a room's events together.
            Event::Room(e) => {
                if let Some(prepared) = self.prepare(e.room_id, &[e]) {
                    self.write_runs(vec![prepared]);
                }
            }
            Event::Sessions(ended) => self.end_sessions(ended),
            Event::Person(changed) => self.tell_room_mates(changed),
            // For caches in front of the store; no listener is told.
            Event::Changed(_) => {}
            Event::Membership(m) => {
                let mut state = self.state.write().expect("hub lock");
                // A logged change reached the room as its `member.joined` /
                // `member.left` room event (with a seq): one frame each.
                // Only changes outside the log are told here, without a seq.
                if let Some(entry) = state.rooms.get(&m.room_id).filter(|_| !m.logged) {
                    let frame = if m.joined {
                        wire::encode(&Frame::MemberJoined {
                            room_id: m.room_id,
                            member: &m.member,
                        })
                    } else {
                        wire::encode(&Frame::MemberLeft {
                            room_id: m.room_id,
                            member: &m.member,
                        })
                    };
                    Self::offer_room(
                        entry,
                        &Outbound::Room {
                            room: m.room_id,
                            frame,
                        },
                    );
                }
                let own: Vec<Arc<Listener>> = state
                    .users
                    .get(&m.member.user_id)
                    .cloned()
                    .unwrap_or_default();
                if m.joined {
                    let added = wire::encode(&Frame::RoomAdded { room_id: m.room_id });
                    for l in &own {
                        l.offer(Outbound::User(added.clone()));
                    }
                } else {
                    // Authorization is live: the departed user's listeners
                    // leave the room now, before any later event is sent.
                    for l in &own {
                        if self.leave(&mut state, m.room_id, l.id) {
                            self.interest(m.room_id, false);
                        }
                        l.offer(Outbound::Removed { room: m.room_id });
                    }
                }
            }
        }
    }
}

impl Hub {
    /// Closes the live connections of sessions that ended.
    fn end_sessions(&self, ended: &SessionsEnded) {
        let state = self.state.read().expect("hub lock");
        for l in state.users.get(&ended.user).into_iter().flatten() {
            if ended.which.includes(&l.session) {
                l.kick_with(Kick::SessionEnded);
            }
        }
    }
}

impl Hub {
    /// A room's events (in seq order), encoded, and who is to get them.
    fn prepare(&self, room: RoomId, events: &[&RoomEvent]) -> Option<(Run, Vec<Arc<Listener>>)> {
        // The listeners are copied out and written to after the lock is
        // released: each write is a system call (a room of 10,000 is tens
        // of milliseconds of them), and connections coming and going need
        // the lock meanwhile. One that leaves in between is still safe: a
        // removal is published through here, so it is applied after this
        // run and before the next; an unsubscribe or a disconnect takes
        // the room out of the listener's live set first, and frames of a
        // room that is not live are dropped by its connection.
        let (listeners, stopped_typing) = {
            let state = self.state.read().expect("hub lock");
            let entry = state.rooms.get(&room)?;
            // Sending ends typing, so typing again right away is announced.
            let stopped: Vec<UserId> = events
                .iter()
                .filter_map(|e| match &e.change {
                    RoomChange::MessageCreated { message }
                        if entry.typing.contains_key(&message.author_id) =>
                    {
                        Some(message.author_id)
                    }
                    _ => None,
                })
                .collect();
            (entry.listeners.clone(), stopped)
        };
        if !stopped_typing.is_empty() {
            let mut state = self.state.write().expect("hub lock");
            if let Some(entry) = state.rooms.get_mut(&room) {
                for author in stopped_typing {
                    entry.typing.remove(&author);
                }
            }
        }
        let frames: Vec<(Seq, Bytes)> = events
            .iter()
            .map(|e| (e.seq, wire::encode_event(e)))
            .collect();
        let joined = frames
            .windows(2)
            .all(|w| w[1].0 .0 == w[0].0 .0 + 1)
            .then(|| {
                if let [(_, only)] = frames.as_slice() {
                    return only.clone();
                }
                let mut all = Vec::with_capacity(frames.iter().map(|f| f.1.len()).sum());
                for (_, frame) in &frames {
                    all.extend_from_slice(frame);
                }
                Bytes::from(all)
            });
        Some((
            Run {
                room,
                frames,
                joined,
            },
            listeners,
        ))
    }

    /// Writes each room's run to its listeners: all the rooms of one
    /// publish together, so a batch big enough is shared between cores
    /// (`FanOut`) whether it is one big room or many small ones. A room's
    /// listeners each appear once, so per-room order holds on any thread;
    /// rooms have no order between them.
    fn write_runs(&self, prepared: Vec<(Run, Vec<Arc<Listener>>)>) {
        let mut writes = Vec::with_capacity(prepared.iter().map(|(_, l)| l.len()).sum());
        let mut runs = Vec::with_capacity(prepared.len());
        let delivered: usize = prepared.iter().map(|(r, l)| r.frames.len() * l.len()).sum();
        self.deliveries
            .fetch_add(delivered as u64, Ordering::Relaxed);
        for (index, (run, listeners)) in prepared.into_iter().enumerate() {
            writes.extend(listeners.into_iter().map(|l| (l, index)));
            runs.push(run);
        }
        self.fan_out.each(&Arc::new(writes), move |(l, index)| {
            runs[*index].write_to(l);
        });
    }
}

/// One room's events, encoded once for all its listeners.
struct Run {
    room: RoomId,
    frames: Vec<(Seq, Bytes)>,
    /// All the frames in one buffer, when their seqs are consecutive (as
    /// they are with one writer): a listener next in line gets them in one
    /// write.
    joined: Option<Bytes>,
}

impl Run {
    fn write_to(&self, listener: &Listener) {
        if let Some(joined) = &self.joined {
            listener.offer_run(self.room, &self.frames, joined);
            return;
        }
        for (seq, frame) in &self.frames {
            listener.offer(Outbound::Event {
                room: self.room,
                seq: *seq,
                frame: frame.clone(),
            });
        }
    }
}

impl Publisher for Hub {
    /// Room events go out room by room, each room's run of events in one
    /// write per listener where it can; other events keep their place
    /// (the room events before them are sent first).
    fn publish(&self, events: &[Event]) {
        let mut runs: Vec<(RoomId, Vec<&RoomEvent>)> = Vec::new();
        let send_runs = |runs: &mut Vec<(RoomId, Vec<&RoomEvent>)>| {
            let prepared: Vec<_> = runs
                .drain(..)
                .filter_map(|(room, run)| self.prepare(room, &run))
                .collect();
            if !prepared.is_empty() {
                self.write_runs(prepared);
            }
        };
        for event in events {
            match event {
                Event::Room(e) => match runs.iter_mut().find(|(room, _)| *room == e.room_id) {
                    Some((_, run)) => run.push(e),
                    None => runs.push((e.room_id, vec![e])),
                },
                Event::Changed(_) => {}
                other => {
                    send_runs(&mut runs);
                    self.dispatch(other);
                }
            }
        }
        send_runs(&mut runs);
    }
}

#[cfg(test)]
#[path = "hub_tests.rs"]
mod tests;
