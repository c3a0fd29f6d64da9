//! The hub: who is listening to which room, on this node. It hears every
//! committed event (as the store's `Publisher`), encodes each frame once and
//! hands the shared bytes to each listener's bounded queue. A listener whose
//! queue is full is cut off (it reconnects and resumes from its cursor), so
//! one slow reader never slows the room or grows the server.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use tokio::sync::Notify;

use super::cursor::{Live, RoomCursor};
use super::socket::SocketOut;
use super::wire::{self, Frame, OnlineUser};
use crate::domain::{Event, RoomChange, RoomEvent, RoomId, Seq, SessionsEnded, User, UserId};
use crate::storage::Publisher;

/// What a listener's queue carries. Frames are whole WebSocket text
/// frames (`socket::text_frame`), made once for every listener.
#[derive(Debug, Clone)]
pub enum Outbound {
    /// A room event with its seq (deduplicated against the replay).
    Event {
        room: RoomId,
        seq: Seq,
        frame: Bytes,
    },
    /// A frame about a room without a seq (membership, typing, presence).
    Room { room: RoomId, frame: Bytes },
    /// A frame for this user alone (e.g. `room.added`).
    User(Bytes),
    /// The user left the room or was removed: stop sending it.
    Removed { room: RoomId },
}

pub type ListenerId = u64;

/// Why the hub told a listener to go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kick {
    /// Its queue was full: it reads too slowly.
    TooSlow,
    /// Its session was signed out (or the password changed).
    SessionEnded,
    /// The server is shutting down.
    Restart,
}

/// What a listener wakes up for.
#[derive(Debug)]
pub enum Wake {
    /// Everything queued since the last wake, oldest first.
    Frames(VecDeque<Outbound>),
    Kicked(Kick),
    /// Time to ping the peer and check it has answered lately.
    Heartbeat,
}

/// One connection (or long-poll) as the hub sees it. Its queue lives here
/// rather than in a channel: an idle listener then holds no queue memory
/// at all (a tokio mpsc allocates a 32-slot block up front, ~2.3 KiB per
/// connection with its shared state), and the receiver takes the whole
/// queue at once, so draining it frees it.
pub struct Listener {
    pub id: ListenerId,
    pub user: UserId,
    pub username: String,
    /// The SHA-256 of the session token it came with.
    session: [u8; 32],
    inbox: Mutex<Inbox>,
    /// The connection's socket, which `offer` writes to directly while
    /// nothing is queued (`None` for long-polls).
    socket: Option<Arc<SocketOut>>,
    /// Woken on the first frame into an empty queue and on a kick; with
    /// one waiting task per listener, `notify_one`'s stored permit means
    /// no wake-up is lost between a check and the wait.
    wake: Notify,
    /// The hub's count of listeners ever cut off.
    cut_count: Arc<AtomicU64>,
}

struct Inbox {
    queue: VecDeque<Outbound>,
    /// Frames that may wait before the listener is cut off.
    bound: usize,
    kick: Option<Kick>,
    /// The hub's heartbeat came by since the last `Heartbeat` wake.
    beat: bool,
    /// Unregistered: nothing more is queued.
    closed: bool,
    /// Rooms whose replay has been written, with the last seq sent: their
    /// live frames go straight to the socket while `queue` is empty and
    /// not `draining`; otherwise they queue behind what is already there.
    live: HashMap<RoomId, RoomCursor>,
    /// The connection took the queue and has not finished writing it.
    draining: bool,
}

/// What `offer` does with a frame when nothing is queued.
enum Direct {
    Write(Bytes),
    /// Already sent (by a replay).
    Drop,
    /// The connection's task must see it (a gap, a room not live yet).
    Queue,
}

impl Inbox {
    fn direct(&mut self, out: &Outbound) -> Direct {
        match out {
            Outbound::Event { room, seq, frame } => {
                let Some(cursor) = self.live.get_mut(room) else {
                    return Direct::Queue;
                };
                match cursor.live(*seq) {
                    Live::Next => {
                        cursor.sent(*seq);
                        Direct::Write(frame.clone())
                    }
                    Live::Duplicate => Direct::Drop,
                    Live::Gap { .. } => Direct::Queue,
                }
            }
            Outbound::Room { room, frame } if self.live.contains_key(room) => {
                Direct::Write(frame.clone())
            }
            Outbound::User(frame) => Direct::Write(frame.clone()),
            Outbound::Room { .. } | Outbound::Removed { .. } => Direct::Queue,
        }
    }
}

impl Listener {
    /// Waits for queued frames or a kick (a kick comes first).
    pub async fn next(&self) -> Wake {
        loop {
            if let Some(wake) = self.try_next() {
                return wake;
            }
            self.wake.notified().await;
        }
    }

    fn try_next(&self) -> Option<Wake> {
        let mut inbox = self.inbox.lock().expect("listener lock");
        if let Some(kick) = inbox.kick {
            return Some(Wake::Kicked(kick));
        }
        if !inbox.queue.is_empty() {
            inbox.draining = true;
            return Some(Wake::Frames(std::mem::take(&mut inbox.queue)));
        }
        if std::mem::take(&mut inbox.beat) {
            return Some(Wake::Heartbeat);
        }
        None
    }

    /// The frames taken by the last `Wake::Frames` are written (or
    /// dropped): live frames may go straight to the socket again.
    pub fn drained(&self) {
        self.inbox.lock().expect("listener lock").draining = false;
    }

    /// Where the connection stands in `room`, if it is live there.
    pub fn cursor(&self, room: RoomId) -> Option<RoomCursor> {
        self.inbox
            .lock()
            .expect("listener lock")
            .live
            .get(&room)
            .copied()
    }

    /// Records that the connection has sent `room` up to `seq`.
    pub fn sent(&self, room: RoomId, seq: Seq) {
        if let Some(c) = self
            .inbox
            .lock()
            .expect("listener lock")
            .live
            .get_mut(&room)
        {
            c.sent(seq);
        }
    }

    /// The room's replay is written: later frames for it may be written
    /// as they come.
    pub fn go_live(&self, room: RoomId, cursor: RoomCursor) {
        self.inbox
            .lock()
            .expect("listener lock")
            .live
            .insert(room, cursor);
    }

    /// Stops sending the room; returns whether it was live.
    pub fn leave_room(&self, room: RoomId) -> bool {
        self.inbox
            .lock()
            .expect("listener lock")
            .live
            .remove(&room)
            .is_some()
    }

    pub fn is_live(&self, room: RoomId) -> bool {
        self.inbox
            .lock()
            .expect("listener lock")
            .live
            .contains_key(&room)
    }

    /// The rooms the connection is live in.
    pub fn live_rooms(&self) -> Vec<RoomId> {
        self.inbox
            .lock()
            .expect("listener lock")
            .live
            .keys()
            .copied()
            .collect()
    }

    /// Marks a heartbeat as due and wakes the connection.
    fn beat(&self) {
        {
            let mut inbox = self.inbox.lock().expect("listener lock");
            if inbox.kick.is_some() || inbox.closed || inbox.beat {
                return;
            }
            inbox.beat = true;
        }
        self.wake.notify_one();
    }

    /// Completes once the hub has told this listener to go.
    pub async fn kicked(&self) -> Kick {
        loop {
            if let Some(kick) = self.kick() {
                return kick;
            }
            // Woken by frames too; `next` finds those still queued.
            self.wake.notified().await;
        }
    }

    pub fn kick(&self) -> Option<Kick> {
        self.inbox.lock().expect("listener lock").kick
    }

    /// The first kick wins; returns whether this one was it.
    fn kick_with(&self, why: Kick) -> bool {
        let first = {
            let mut inbox = self.inbox.lock().expect("listener lock");
            let first = inbox.kick.is_none();
            if first {
                inbox.kick = Some(why);
                // Nobody will read them now.
                inbox.queue = VecDeque::new();
            }
            first
        };
        self.wake.notify_one();
        first
    }

    /// Writes the frame to the socket if nothing is ahead of it, or else
    /// queues it, without waiting; when too much waits (in the queue or
    /// in the socket) the listener is cut off.
    fn offer(&self, out: Outbound) -> bool {
        let mut inbox = self.inbox.lock().expect("listener lock");
        if inbox.kick.is_some() {
            return false;
        }
        if inbox.closed {
            // The connection is closing and unregisters itself.
            return true;
        }
        if let Some(socket) = &self.socket {
            if inbox.queue.is_empty() && !inbox.draining {
                match inbox.direct(&out) {
                    // Under the inbox lock, so the task cannot take a
                    // queue and write it ahead of this frame.
                    Direct::Write(frame) => {
                        if socket.offer(frame).is_ok() {
                            return true;
                        }
                        drop(inbox);
                        return self.cut_off();
                    }
                    Direct::Drop => return true,
                    Direct::Queue => {}
                }
            }
        }
        if inbox.queue.len() >= inbox.bound {
            drop(inbox);
            return self.cut_off();
        }
        let was_empty = inbox.queue.is_empty();
        inbox.queue.push_back(out);
        drop(inbox);
        // A non-empty queue has had its wake-up already.
        if was_empty {
            self.wake.notify_one();
        }
        true
    }

    /// Offers a run of consecutive events of one room (oldest first), with
    /// `joined` their frames back to back: one write when the listener is
    /// live in the room and the run's first event is the next it needs
    /// (the hub fell behind and catches up a write per listener, not per
    /// event), else event by event.
    fn offer_run(&self, room: RoomId, run: &[(Seq, Bytes)], joined: &Bytes) -> bool {
        let (Some((first, _)), Some((last, _))) = (run.first(), run.last()) else {
            return true;
        };
        if let Some(socket) = &self.socket {
            let mut inbox = self.inbox.lock().expect("listener lock");
            let ready =
                inbox.kick.is_none() && !inbox.closed && inbox.queue.is_empty() && !inbox.draining;
            if let Some(cursor) = inbox.live.get_mut(&room).filter(|_| ready) {
                if cursor.live(*first) == Live::Next {
                    cursor.sent(*last);
                    if socket.offer(joined.clone()).is_ok() {
                        return true;
                    }
                    drop(inbox);
                    return self.cut_off();
                }
            }
        }
        run.iter().all(|(seq, frame)| {
            self.offer(Outbound::Event {
                room,
                seq: *seq,
                frame: frame.clone(),
            })
        })
    }

    /// Cuts the listener off for reading too slowly; always false (the
    /// frame was not taken).
    fn cut_off(&self) -> bool {
        if self.kick_with(Kick::TooSlow) {
            self.cut_count.fetch_add(1, Ordering::Relaxed);
        }
        false
    }

    fn close(&self) {
        let mut inbox = self.inbox.lock().expect("listener lock");
        inbox.closed = true;
        inbox.queue = VecDeque::new();
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
    /// Set once the server starts shutting down; later listeners are told
    /// to go as they connect.
    stopping: AtomicBool,
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
            stopping: AtomicBool::new(false),
        }
    }
}

impl Hub {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Wakes every listener with a `Heartbeat` once per `every`, until the
    /// hub is dropped: one timer for the server instead of one in each
    /// connection (~110 bytes per idle connection, and a timer polled on
    /// every wake-up of every connection). The listeners are beaten in
    /// `HEARTBEAT_SLICES` slices spread over the interval, not all at once:
    /// with 18,000 connections one beat is 18,000 pings and pongs, and
    /// live frames waited behind them.
    pub fn start_heartbeat(self: &Arc<Self>, every: Duration) {
        let hub = Arc::downgrade(self);
        tokio::spawn(async move {
            let slices = u32::try_from(HEARTBEAT_SLICES).expect("a few slices");
            let mut tick = tokio::time::interval(every / slices);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            for slice in (0..HEARTBEAT_SLICES).cycle() {
                tick.tick().await;
                let Some(hub) = hub.upgrade() else { return };
                hub.beat(slice, HEARTBEAT_SLICES);
            }
        });
    }

    /// Beats the listeners whose id is `slice` modulo `slices`.
    fn beat(&self, slice: u64, slices: u64) {
        let state = self.state.read().expect("hub lock");
        for listener in state.users.values().flatten() {
            if listener.id % slices == slice {
                listener.beat();
            }
        }
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
        let listener = Arc::new(Listener {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            user: user.id,
            username: user.username.clone(),
            session,
            inbox: Mutex::new(Inbox {
                queue: VecDeque::new(),
                bound,
                kick: None,
                beat: false,
                closed: false,
                live: HashMap::new(),
                draining: false,
            }),
            socket,
            wake: Notify::new(),
            cut_count: Arc::clone(&self.cut_off_total),
        });
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
            Event::Room(e) => self.room_events(e.room_id, &[e]),
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

impl Hub {
    /// Sends a room's events (in seq order) to its listeners.
    fn room_events(&self, room: RoomId, events: &[&RoomEvent]) {
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
            let Some(entry) = state.rooms.get(&room) else {
                return;
            };
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
        if frames.windows(2).all(|w| w[1].0 .0 == w[0].0 .0 + 1) {
            let joined = if let [(_, only)] = frames.as_slice() {
                only.clone()
            } else {
                let mut all = Vec::with_capacity(frames.iter().map(|f| f.1.len()).sum());
                for (_, frame) in &frames {
                    all.extend_from_slice(frame);
                }
                Bytes::from(all)
            };
            for l in &listeners {
                l.offer_run(room, &frames, &joined);
            }
        } else {
            for (seq, frame) in frames {
                for l in &listeners {
                    l.offer(Outbound::Event {
                        room,
                        seq,
                        frame: frame.clone(),
                    });
                }
            }
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
            for (room, run) in runs.drain(..) {
                self.room_events(room, &run);
            }
        };
        for event in events {
            match event {
                Event::Room(e) => match runs.iter_mut().find(|(room, _)| *room == e.room_id) {
                    Some((_, run)) => run.push(e),
                    None => runs.push((e.room_id, vec![e])),
                },
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
mod tests {
    use super::*;
    use crate::domain::{Theme, Timestamp};

    fn user(id: i64) -> User {
        User {
            id: UserId(id),
            username: format!("u{id}"),
            has_password: false,
            theme: Theme::default(),
            created_at: Timestamp(0),
        }
    }

    fn frame(room: i64) -> Outbound {
        Outbound::Room {
            room: RoomId(room),
            frame: Bytes::from_static(b"{}"),
        }
    }

    fn queued(l: &Listener) -> Option<Wake> {
        l.try_next()
    }

    #[test]
    fn a_listener_takes_its_whole_queue_at_once_and_then_holds_none() {
        let hub = Hub::new();
        let l = hub.connect(&user(1), [0; 32], 8, None);
        assert!(queued(&l).is_none());
        assert!(l.offer(frame(1)) && l.offer(frame(2)));
        match queued(&l) {
            Some(Wake::Frames(batch)) => assert_eq!(batch.len(), 2),
            other => panic!("{other:?}"),
        }
        assert!(queued(&l).is_none());
        assert_eq!(l.inbox.lock().unwrap().queue.capacity(), 0);
    }

    #[test]
    fn a_full_queue_cuts_the_listener_off_once() {
        let hub = Hub::new();
        let l = hub.connect(&user(1), [0; 32], 2, None);
        assert!(l.offer(frame(1)) && l.offer(frame(1)));
        assert!(!l.offer(frame(1)), "the third frame is refused");
        assert!(!l.offer(frame(1)));
        assert_eq!(hub.stats().cut_off, 1);
        assert!(matches!(queued(&l), Some(Wake::Kicked(Kick::TooSlow))));
        assert!(
            l.inbox.lock().unwrap().queue.is_empty(),
            "its frames are dropped"
        );
    }

    #[test]
    fn a_heartbeat_wakes_each_listener_once_after_its_queued_frames() {
        let hub = Hub::new();
        let a = hub.connect(&user(1), [0; 32], 8, None);
        let b = hub.connect(&user(2), [0; 32], 8, None);
        hub.subscribe(RoomId(1), &a);
        hub.beat(0, 1);
        hub.beat(0, 1); // a second beat before the first is seen is one beat
                        // Frames queued before the beat (a's own arrival) come first.
        assert!(matches!(a.try_next(), Some(Wake::Frames(_))));
        assert!(matches!(a.try_next(), Some(Wake::Heartbeat)));
        assert!(a.try_next().is_none());
        assert!(matches!(b.try_next(), Some(Wake::Heartbeat)));
        assert!(b.try_next().is_none());
    }

    #[test]
    fn each_heartbeat_slice_wakes_only_its_share_of_the_listeners() {
        let hub = Hub::new();
        let listeners: Vec<_> = (1..=6)
            .map(|i| hub.connect(&user(i), [0; 32], 8, None))
            .collect();
        let mut woken = vec![0; listeners.len()];
        for slice in 0..3 {
            hub.beat(slice, 3);
            let now: Vec<usize> = listeners
                .iter()
                .enumerate()
                .filter(|(_, l)| matches!(l.try_next(), Some(Wake::Heartbeat)))
                .map(|(i, _)| i)
                .collect();
            assert_eq!(now.len(), 2, "slice {slice} wakes a third");
            for i in now {
                woken[i] += 1;
            }
        }
        assert_eq!(woken, vec![1; 6], "a round of slices beats everyone once");
    }

    #[test]
    fn shutdown_tells_present_and_later_listeners_to_go() {
        let hub = Hub::new();
        let before = hub.connect(&user(1), [0; 32], 8, None);
        hub.shut_down();
        let after = hub.connect(&user(2), [0; 32], 8, None);
        assert_eq!(before.kick(), Some(Kick::Restart));
        assert_eq!(after.kick(), Some(Kick::Restart));
        assert_eq!(hub.stats().cut_off, 0, "a restart is not a cut-off");
    }

    #[test]
    fn a_closed_listener_queues_nothing() {
        let hub = Hub::new();
        let l = hub.connect(&user(1), [0; 32], 8, None);
        hub.subscribe(RoomId(1), &l);
        hub.disconnect(&l, [RoomId(1)]);
        l.offer(frame(1));
        assert!(queued(&l).is_none());
        assert_eq!(hub.stats().listeners, 0);
    }
}
