//! The hub: who is listening to which room, on this node. It hears every
//! committed event (as the store's `Publisher`), encodes each frame once and
//! hands the shared bytes to each listener's bounded queue. A listener whose
//! queue is full is cut off (it reconnects and resumes from its cursor), so
//! one slow reader never slows the room or grows the server.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::extract::ws::Utf8Bytes;
use tokio::sync::{mpsc, watch, Notify};

use super::wire::{self, Frame, OnlineUser};
use crate::domain::{Event, RoomChange, RoomId, Seq, SessionsEnded, User, UserId};
use crate::storage::Publisher;

/// What a listener's queue carries.
#[derive(Debug, Clone)]
pub enum Outbound {
    /// A room event with its seq (deduplicated against the replay).
    Event {
        room: RoomId,
        seq: Seq,
        frame: Utf8Bytes,
    },
    /// A frame about a room without a seq (membership, typing, presence).
    Room { room: RoomId, frame: Utf8Bytes },
    /// A frame for this user alone (e.g. `room.added`).
    User(Utf8Bytes),
    /// The user left the room or was removed: stop sending it.
    Removed { room: RoomId },
}

pub type ListenerId = u64;

/// Why the hub told a listener to go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kick {
    /// Its queue was full: it reads too slowly.
    TooSlow = 1,
    /// Its session was signed out (or the password changed).
    SessionEnded = 2,
}

/// One connection (or long-poll) as the hub sees it.
pub struct Listener {
    pub id: ListenerId,
    pub user: UserId,
    pub username: String,
    /// The SHA-256 of the session token it came with.
    session: [u8; 32],
    tx: mpsc::Sender<Outbound>,
    kicked: AtomicU8,
    cut: Notify,
    /// The hub's count of listeners ever cut off.
    cut_count: Arc<AtomicU64>,
}

impl Listener {
    /// Completes once the hub has told this listener to go.
    pub async fn kicked(&self) -> Kick {
        loop {
            let notified = self.cut.notified();
            if let Some(kick) = self.kick() {
                return kick;
            }
            notified.await;
        }
    }

    pub fn kick(&self) -> Option<Kick> {
        match self.kicked.load(Ordering::Acquire) {
            1 => Some(Kick::TooSlow),
            2 => Some(Kick::SessionEnded),
            _ => None,
        }
    }

    fn is_cut_off(&self) -> bool {
        self.kick().is_some()
    }

    /// The first kick wins; returns whether this one was it.
    fn kick_with(&self, why: Kick) -> bool {
        let first = self
            .kicked
            .compare_exchange(0, why as u8, Ordering::AcqRel, Ordering::Acquire)
            .is_ok();
        self.cut.notify_waiters();
        first
    }

    /// Queues without waiting; on a full queue the listener is cut off.
    fn offer(&self, out: Outbound) -> bool {
        if self.is_cut_off() {
            return false;
        }
        match self.tx.try_send(out) {
            // Closed: the connection is closing and unregisters itself.
            Ok(()) | Err(mpsc::error::TrySendError::Closed(_)) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                if self.kick_with(Kick::TooSlow) {
                    self.cut_count.fetch_add(1, Ordering::Relaxed);
                }
                false
            }
        }
    }
}

#[derive(Default)]
struct RoomListeners {
    listeners: Vec<Arc<Listener>>,
    /// Listener count per user: a user is online here while it is above 0.
    online: HashMap<UserId, (String, u32)>,
    typing: HashMap<UserId, Instant>,
}

#[derive(Default)]
struct State {
    rooms: HashMap<RoomId, RoomListeners>,
    users: HashMap<UserId, Vec<Arc<Listener>>>,
}

/// Counters for tests, metrics and benchmarks.
#[derive(Debug, Default, Clone, Copy, serde::Serialize)]
pub struct HubStats {
    pub listeners: usize,
    pub rooms: usize,
    pub cut_off: u64,
}

pub struct Hub {
    state: RwLock<State>,
    next_id: AtomicU64,
    cut_off_total: Arc<AtomicU64>,
    shutdown: watch::Sender<bool>,
}

/// Rooms with more people online than this get presence as a count only.
/// A header shows a handful of names anyway, and a long list is a large
/// frame that every joining connection's write buffer keeps the size of
/// (100 names cost about 2 KiB per idle connection, measured).
pub const PRESENCE_LIST_MAX: usize = 20;

/// How long a `typing` event counts.
pub const TYPING_TTL: Duration = Duration::from_secs(6);

impl Default for Hub {
    fn default() -> Self {
        Self {
            state: RwLock::default(),
            next_id: AtomicU64::new(1),
            cut_off_total: Arc::new(AtomicU64::new(0)),
            shutdown: watch::channel(false).0,
        }
    }
}

impl Hub {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Registers a listener for `user`, signed in with the session whose
    /// token hashes to `session`, with a queue of `bound` entries.
    pub fn connect(
        &self,
        user: &User,
        session: [u8; 32],
        bound: usize,
    ) -> (Arc<Listener>, mpsc::Receiver<Outbound>) {
        let (tx, rx) = mpsc::channel(bound);
        let listener = Arc::new(Listener {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            user: user.id,
            username: user.username.clone(),
            session,
            tx,
            kicked: AtomicU8::new(0),
            cut: Notify::new(),
            cut_count: Arc::clone(&self.cut_off_total),
        });
        let mut state = self.state.write().expect("hub lock");
        state
            .users
            .entry(user.id)
            .or_default()
            .push(Arc::clone(&listener));
        (listener, rx)
    }

    /// Removes the listener from the hub and from `rooms` (the rooms it
    /// subscribed to).
    pub fn disconnect(&self, listener: &Listener, rooms: impl IntoIterator<Item = RoomId>) {
        let mut state = self.state.write().expect("hub lock");
        if let Some(list) = state.users.get_mut(&listener.user) {
            list.retain(|l| l.id != listener.id);
            if list.is_empty() {
                state.users.remove(&listener.user);
            }
        }
        for room in rooms {
            Self::leave(&mut state, room, listener.id);
        }
    }

    /// Starts sending `room`'s live events to the listener. Call before
    /// replaying from the store, so nothing committed in between is missed.
    pub fn subscribe(&self, room: RoomId, listener: &Arc<Listener>) {
        let mut state = self.state.write().expect("hub lock");
        let entry = state.rooms.entry(room).or_default();
        // Callers subscribe a listener to a room once (the connection keeps
        // its own set), so no scan for duplicates here.
        entry.listeners.push(Arc::clone(listener));
        let count = entry
            .online
            .entry(listener.user)
            .or_insert_with(|| (listener.username.clone(), 0));
        count.1 += 1;
        // In a big room, individual comings and goings would cost every
        // member a frame per arrival (quadratic in the room's size); there
        // the client shows the count from `presence` instead.
        if count.1 == 1 && entry.online.len() <= PRESENCE_LIST_MAX {
            let frame = wire::encode(&Frame::PresenceChanged {
                room_id: room,
                user_id: listener.user,
                username: &listener.username,
                online: true,
            });
            Self::offer_room(entry, &Outbound::Room { room, frame });
        }
    }

    pub fn unsubscribe(&self, room: RoomId, listener: &Listener) {
        let mut state = self.state.write().expect("hub lock");
        Self::leave(&mut state, room, listener.id);
    }

    fn leave(state: &mut State, room: RoomId, id: ListenerId) {
        let Some(entry) = state.rooms.get_mut(&room) else {
            return;
        };
        let Some(pos) = entry.listeners.iter().position(|l| l.id == id) else {
            return;
        };
        let listener = entry.listeners.swap_remove(pos);
        let gone = entry.online.get_mut(&listener.user).is_some_and(|count| {
            count.1 -= 1;
            count.1 == 0
        });
        if gone {
            entry.online.remove(&listener.user);
            entry.typing.remove(&listener.user);
            if entry.online.len() < PRESENCE_LIST_MAX {
                let frame = wire::encode(&Frame::PresenceChanged {
                    room_id: room,
                    user_id: listener.user,
                    username: &listener.username,
                    online: false,
                });
                Self::offer_room(entry, &Outbound::Room { room, frame });
            }
        }
        if entry.listeners.is_empty() {
            state.rooms.remove(&room);
        }
    }

    fn offer_room(entry: &RoomListeners, out: &Outbound) {
        for l in &entry.listeners {
            l.offer(out.clone());
        }
    }

    /// How many are online in the room, and who (only up to
    /// `PRESENCE_LIST_MAX`; beyond that the list is left empty).
    pub fn online(&self, room: RoomId) -> (usize, Vec<OnlineUser>) {
        let state = self.state.read().expect("hub lock");
        let Some(r) = state.rooms.get(&room) else {
            return (0, Vec::new());
        };
        if r.online.len() > PRESENCE_LIST_MAX {
            return (r.online.len(), Vec::new());
        }
        let mut online: Vec<OnlineUser> = r
            .online
            .iter()
            .map(|(id, (name, _))| OnlineUser {
                user_id: *id,
                username: name.clone(),
            })
            .collect();
        online.sort_by(|a, b| a.username.cmp(&b.username));
        (r.online.len(), online)
    }

    /// Tells the room's other listeners that `listener`'s user is typing.
    /// At most one announcement per user per half of the typing window.
    pub fn typing(&self, room: RoomId, listener: &Listener) {
        let mut state = self.state.write().expect("hub lock");
        let Some(entry) = state.rooms.get_mut(&room) else {
            return;
        };
        if !entry.listeners.iter().any(|l| l.id == listener.id) {
            return;
        }
        let now = Instant::now();
        entry
            .typing
            .retain(|_, at| now.duration_since(*at) < TYPING_TTL);
        if entry
            .typing
            .get(&listener.user)
            .is_some_and(|at| now.duration_since(*at) < TYPING_TTL / 2)
        {
            return;
        }
        entry.typing.insert(listener.user, now);
        let frame = wire::encode(&Frame::Typing {
            room_id: room,
            user_id: listener.user,
            username: &listener.username,
        });
        for l in entry.listeners.iter().filter(|l| l.user != listener.user) {
            l.offer(Outbound::Room {
                room,
                frame: frame.clone(),
            });
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
        }
    }

    /// Tells every connection to go (they send `reconnect` and close).
    pub fn shut_down(&self) {
        self.shutdown.send_replace(true);
    }

    /// Completes when the server starts shutting down.
    pub fn stopping(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.shutdown.subscribe();
        async move {
            // The guard `wait_for` returns is dropped here, never held across an await.
            let _ = rx.wait_for(|stop| *stop).await;
        }
    }

    fn dispatch(&self, event: &Event) {
        match event {
            Event::Room(e) => {
                let mut stopped_typing = None;
                {
                    let state = self.state.read().expect("hub lock");
                    if let Some(entry) = state.rooms.get(&e.room_id) {
                        let out = Outbound::Event {
                            room: e.room_id,
                            seq: e.seq,
                            frame: wire::encode_event(e),
                        };
                        Self::offer_room(entry, &out);
                        if let RoomChange::MessageCreated { message } = &e.change {
                            // Sending ends typing, so typing again right away is announced.
                            if entry.typing.contains_key(&message.author_id) {
                                stopped_typing = Some(message.author_id);
                            }
                        }
                    }
                }
                if let Some(author) = stopped_typing {
                    let mut state = self.state.write().expect("hub lock");
                    if let Some(entry) = state.rooms.get_mut(&e.room_id) {
                        entry.typing.remove(&author);
                    }
                }
            }
            Event::Sessions(ended) => self.end_sessions(ended),
            Event::Membership(m) => {
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
                let mut state = self.state.write().expect("hub lock");
                if let Some(entry) = state.rooms.get(&m.room_id) {
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
                        Self::leave(&mut state, m.room_id, l.id);
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

impl Publisher for Hub {
    fn publish(&self, events: &[Event]) {
        for event in events {
            self.dispatch(event);
        }
    }
}
