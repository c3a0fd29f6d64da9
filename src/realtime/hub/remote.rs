//! Presence and typing across nodes (never stored): what this node's people
//! do goes to the other nodes as signals (`bus::signal`), and what theirs
//! do arrives here and reaches this node's listeners as if it happened
//! here. Each other node's people online in a room are kept per room and
//! node, refreshed by that node's `Online` every beat and forgotten once
//! it has missed a few beats (it died, or lost the bus): its people then go
//! offline here. Only rooms with listeners here keep any of it, and each
//! node's list is bounded (`ONLINE_LISTED`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Hub, Outbound, RoomListeners, PRESENCE_LIST_MAX};
use crate::bus::signal::ONLINE_LISTED;
use crate::bus::{Signal, Signals};
use crate::domain::{RoomId, UserId};
use crate::realtime::wire::{self, Frame, OnlineUser};

/// How often each node repeats who is online in its rooms.
pub const BEAT: Duration = Duration::from_secs(2);
/// A node not heard for this long is gone: three beats missed.
const FORGET_AFTER: Duration = Duration::from_secs(7);

/// Who is online in one room on one other node.
#[derive(Debug)]
pub(super) struct Remote {
    count: usize,
    users: HashMap<UserId, String>,
    until: Instant,
}

impl Remote {
    fn new() -> Self {
        Self {
            count: 0,
            users: HashMap::new(),
            until: Instant::now() + FORGET_AFTER,
        }
    }
}

impl RoomListeners {
    /// Whether the user is online in the room on another node.
    pub(super) fn online_elsewhere(&self, user: UserId) -> bool {
        self.remote.values().any(|r| r.users.contains_key(&user))
    }

    fn online_anywhere(&self, user: UserId) -> bool {
        self.online.contains_key(&user) || self.online_elsewhere(user)
    }

    /// How many are online in the room on any node, and who (only up to
    /// `PRESENCE_LIST_MAX`). Beyond the lists the nodes send, a person
    /// online on two nodes may be counted twice.
    pub(super) fn everyone_online(&self) -> (usize, Vec<OnlineUser>) {
        let mut users: HashMap<UserId, &str> = self
            .online
            .iter()
            .map(|(id, (name, _))| (*id, name.as_str()))
            .collect();
        for r in self.remote.values() {
            users.extend(r.users.iter().map(|(id, name)| (*id, name.as_str())));
        }
        let listed = self.remote.values().all(|r| r.users.len() == r.count);
        let count = if listed {
            users.len()
        } else {
            self.online.len() + self.remote.values().map(|r| r.count).sum::<usize>()
        };
        if count > PRESENCE_LIST_MAX {
            return (count, Vec::new());
        }
        let mut online: Vec<OnlineUser> = users
            .into_iter()
            .map(|(user_id, name)| OnlineUser {
                user_id,
                username: name.to_owned(),
            })
            .collect();
        online.sort_by(|a, b| a.username.cmp(&b.username));
        (count, online)
    }

    /// This node's `Online` for the room.
    fn online_here(&self, room: RoomId) -> Signal {
        Signal::Online {
            room,
            count: self.online.len(),
            users: self
                .online
                .iter()
                .take(ONLINE_LISTED)
                .map(|(id, (name, _))| (*id, name.clone()))
                .collect(),
        }
    }
}

/// Tells the room's listeners here that `user` came online or went.
pub(super) fn announce(
    entry: &RoomListeners,
    room: RoomId,
    user: UserId,
    username: &str,
    online: bool,
) {
    let frame = wire::encode(&Frame::PresenceChanged {
        room_id: room,
        user_id: user,
        username,
        online,
    });
    Hub::offer_room(entry, &Outbound::Room { room, frame });
}

impl Hub {
    /// From now on this node's typing and presence go to `signals` (the
    /// other nodes). Set once, before anyone connects; a single node has
    /// none.
    pub fn report_signals_to(&self, signals: Arc<dyn Signals>) {
        if self.signals.set(signals).is_err() {
            tracing::warn!("the hub already reports its signals to a bus");
        }
    }

    pub(super) fn signal(&self, signal: Signal) {
        if let Some(signals) = self.signals.get() {
            signals.signal(signal);
        }
    }

    /// A signal from node `from`, for this node's listeners.
    pub fn remote_signal(&self, from: &str, signal: Signal) {
        match signal {
            Signal::Typing {
                room,
                user,
                username,
            } => self.remote_typing(room, user, &username, true),
            Signal::TypingStopped {
                room,
                user,
                username,
            } => self.remote_typing(room, user, &username, false),
            Signal::Presence {
                room,
                user,
                username,
                online,
            } => {
                let mut state = self.state.write().expect("hub lock");
                let Some(entry) = state.rooms.get_mut(&room) else {
                    return;
                };
                let before = entry.online_anywhere(user);
                let remote = entry.remote.entry(from.into()).or_insert_with(Remote::new);
                remote.until = Instant::now() + FORGET_AFTER;
                if online {
                    if remote.users.len() < ONLINE_LISTED
                        && remote.users.insert(user, username.clone()).is_none()
                    {
                        remote.count += 1;
                    }
                } else if remote.users.remove(&user).is_some() {
                    remote.count = remote.count.saturating_sub(1);
                }
                let after = entry.online_anywhere(user);
                if before != after && entry.everyone_online().0 <= PRESENCE_LIST_MAX {
                    announce(entry, room, user, &username, after);
                }
            }
            Signal::Online { room, count, users } => {
                let mut state = self.state.write().expect("hub lock");
                let Some(entry) = state.rooms.get_mut(&room) else {
                    return;
                };
                let users: HashMap<UserId, String> =
                    users.into_iter().take(ONLINE_LISTED).collect();
                let fresh = Remote {
                    count: count.max(users.len()),
                    users,
                    until: Instant::now() + FORGET_AFTER,
                };
                let old = entry.remote.insert(from.into(), fresh);
                let old = old.map(|r| r.users).unwrap_or_default();
                Self::announce_differences(entry, room, &old, from);
            }
            Signal::Hello { room } => {
                let state = self.state.read().expect("hub lock");
                if let Some(entry) = state.rooms.get(&room) {
                    self.signal(entry.online_here(room));
                }
            }
        }
    }

    fn remote_typing(&self, room: RoomId, user: UserId, username: &str, typing: bool) {
        let state = self.state.read().expect("hub lock");
        let Some(entry) = state.rooms.get(&room) else {
            return;
        };
        let frame = if typing {
            wire::encode(&Frame::Typing {
                room_id: room,
                user_id: user,
                username,
            })
        } else {
            wire::encode(&Frame::TypingStopped {
                room_id: room,
                user_id: user,
                username,
            })
        };
        for l in entry.listeners.iter().filter(|l| l.user != user) {
            l.offer(Outbound::Room {
                room,
                frame: frame.clone(),
            });
        }
    }

    /// After node `from`'s list for the room changed from `old`: who came
    /// online or went, on no node but that one, is announced here.
    fn announce_differences(
        entry: &RoomListeners,
        room: RoomId,
        old: &HashMap<UserId, String>,
        from: &str,
    ) {
        if entry.everyone_online().0 > PRESENCE_LIST_MAX {
            return;
        }
        let now = entry.remote.get(from).map(|r| &r.users);
        let elsewhere = |user: &UserId| {
            entry.online.contains_key(user)
                || entry
                    .remote
                    .iter()
                    .any(|(node, r)| node.as_ref() != from && r.users.contains_key(user))
        };
        for (user, name) in old {
            if !now.is_some_and(|n| n.contains_key(user)) && !elsewhere(user) {
                announce(entry, room, *user, name, false);
            }
        }
        for (user, name) in now.into_iter().flatten() {
            if !old.contains_key(user) && !elsewhere(user) {
                announce(entry, room, *user, name, true);
            }
        }
    }

    /// Every `BEAT`: tells the other nodes who is online here in each room
    /// with listeners here, and forgets the nodes that stopped beating
    /// (their people go offline here).
    pub fn presence_beat(&self) {
        let now = Instant::now();
        let mut state = self.state.write().expect("hub lock");
        for (room, entry) in &mut state.rooms {
            let gone: Vec<Arc<str>> = entry
                .remote
                .iter()
                .filter(|(_, r)| r.until < now)
                .map(|(node, _)| node.clone())
                .collect();
            for node in gone {
                if let Some(r) = entry.remote.remove(&node) {
                    entry.remote.insert(node.clone(), Remote::new());
                    Self::announce_differences(entry, *room, &r.users, &node);
                    entry.remote.remove(&node);
                }
            }
            self.signal(entry.online_here(*room));
        }
    }

    /// Sends a `Hello` for a room that just got its first listener here.
    pub(super) fn say_hello(&self, room: RoomId) {
        self.signal(Signal::Hello { room });
    }
}
