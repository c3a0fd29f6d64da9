//! The room registry: which listeners this node has, for which users and
//! rooms; connecting, subscribing and leaving (telling the bus when a room
//! gets its first listener here and loses its last), and cutting
//! connections off (sessions that ended, a shutdown).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Bytes;

use super::{presence, Hub, RoomListeners, State};
use crate::domain::{RoomId, Seq, SessionsEnded, User, UserId};
use crate::realtime::listener::{Kick, Listener, ListenerId, Outbound};
use crate::realtime::socket::SocketOut;

/// What a subscribing client needs to catch up.
#[derive(Debug)]
pub enum Catchup {
    /// A replay from the store.
    Store,
    /// Nothing: it has everything this node has.
    Nothing,
    /// These frames, every event after its cursor (`recent`).
    Recent(Vec<(Seq, Bytes)>),
}

impl Catchup {
    /// The kinds' names, in the order of `HubStats::catchups`.
    pub const KINDS: [&'static str; 3] = ["none", "memory", "store"];

    /// What to hand over without a store read (nothing for `Nothing`);
    /// `None` when the store must replay.
    pub fn without_store(self) -> Option<Vec<(Seq, Bytes)>> {
        match self {
            Self::Nothing => Some(Vec::new()),
            Self::Recent(frames) => Some(frames),
            Self::Store => None,
        }
    }

    /// Its place in `HubStats::catchups` (and `KINDS`).
    fn index(&self) -> usize {
        match self {
            Self::Nothing => 0,
            Self::Recent(_) => 1,
            Self::Store => 2,
        }
    }
}

impl Hub {
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
        // Most users have one connection here: room for one, not the four
        // a first `push` makes.
        state
            .users
            .entry(user.id)
            .or_insert_with(|| Vec::with_capacity(1))
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
        self.listen(&mut state, room, listener);
    }

    /// `subscribe` for a client that has the room up to `cursor`: says
    /// what it needs to catch up, as far as this node knows (`known`,
    /// `recent`). In the same step as the listening starts, so whatever is
    /// handed out after it reaches the listener live.
    pub fn subscribe_after(&self, room: RoomId, listener: &Arc<Listener>, cursor: Seq) -> Catchup {
        let mut state = self.state.write().expect("hub lock");
        let entry = self.listen(&mut state, room, listener);
        let catchup = match entry.known.upto() {
            None => Catchup::Store,
            Some(upto) if cursor >= upto => Catchup::Nothing,
            Some(upto) => {
                let recent = entry
                    .recent
                    .lock()
                    .expect("recent frames")
                    .after(cursor, upto);
                recent.map_or(Catchup::Store, Catchup::Recent)
            }
        };
        self.catchups[catchup.index()].fetch_add(1, Ordering::Relaxed);
        catchup
    }

    fn listen<'a>(
        &self,
        state: &'a mut State,
        room: RoomId,
        listener: &Arc<Listener>,
    ) -> &'a mut RoomListeners {
        let entry = state.rooms.entry(room).or_default();
        if entry.listeners.is_empty() {
            self.interest(room, true);
            self.say_hello(room);
        }
        // Callers subscribe a listener to a room once (the connection keeps
        // its own set), so no scan for duplicates here.
        entry.listeners.push(Arc::clone(listener));
        presence::came_online(self, entry, room, listener);
        entry
    }

    /// A replay from the store, read after `listener` subscribed, found
    /// the room at `last_seq`. Counted only while the listener is still in
    /// the room: the room's listeners here have then not all gone since
    /// (when they do, what this node knows of the room is forgotten).
    pub fn replayed(&self, room: RoomId, listener: &Listener, last_seq: Seq) {
        let state = self.state.read().expect("hub lock");
        if let Some(entry) = state.rooms.get(&room) {
            if entry.listeners.iter().any(|l| l.id == listener.id) {
                entry.known.replayed(last_seq);
            }
        }
    }

    pub fn unsubscribe(&self, room: RoomId, listener: &Listener) {
        let mut state = self.state.write().expect("hub lock");
        if self.leave(&mut state, room, listener.id) {
            self.interest(room, false);
        }
    }

    /// Returns whether the room lost its last listener here.
    pub(super) fn leave(&self, state: &mut State, room: RoomId, id: ListenerId) -> bool {
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

    pub(super) fn offer_room(entry: &RoomListeners, out: &Outbound) {
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

    /// Tells every connection to go (they send `reconnect` and close),
    /// and every one that connects from now on.
    pub fn shut_down(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        let state = self.state.read().expect("hub lock");
        for l in state.users.values().flatten() {
            l.kick_with(Kick::Restart);
        }
    }

    /// Closes the live connections of sessions that ended.
    pub(super) fn end_sessions(&self, ended: &SessionsEnded) {
        let state = self.state.read().expect("hub lock");
        for l in state.users.get(&ended.user).into_iter().flatten() {
            if ended.which.includes(&l.session) {
                l.kick_with(Kick::SessionEnded);
            }
        }
    }
}
