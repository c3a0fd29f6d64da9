//! Who is online and who is typing in each room, kept in memory by the hub:
//! a user is online in a room while one of their connections to it answers
//! the heartbeat; `typing` and `typing.stopped` are passed on to the room's
//! other members. Both also go to the other nodes, and come from them
//! (`remote`).

use std::time::Instant;

use super::remote::announce;
use super::{Hub, Outbound, RoomListeners, PRESENCE_LIST_MAX, TYPING_TTL};
use crate::bus::Signal;
use crate::domain::RoomId;
use crate::realtime::listener::Listener;
use crate::realtime::wire::{self, Frame, OnlineUser};

impl Hub {
    /// How many are online in the room (on any node), and who (only up to
    /// `PRESENCE_LIST_MAX`; beyond that the list is left empty).
    pub fn online(&self, room: RoomId) -> (usize, Vec<OnlineUser>) {
        let state = self.state.read().expect("hub lock");
        state
            .rooms
            .get(&room)
            .map_or((0, Vec::new()), RoomListeners::everyone_online)
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
        offer_others(entry, room, listener, &frame);
        self.signal(Signal::Typing {
            room,
            user: listener.user,
            username: listener.username.clone(),
        });
    }

    /// `listener`'s user stopped typing (sent, or cleared the box): the
    /// others stop showing it now instead of when `typing` runs out. Only
    /// someone announced as typing, and not run out yet, is announced.
    pub fn typing_stopped(&self, room: RoomId, listener: &Listener) {
        let mut state = self.state.write().expect("hub lock");
        let Some(entry) = state.rooms.get_mut(&room) else {
            return;
        };
        let Some(since) = entry.typing.remove(&listener.user) else {
            return;
        };
        if since.elapsed() >= TYPING_TTL {
            return;
        }
        let frame = wire::encode(&Frame::TypingStopped {
            room_id: room,
            user_id: listener.user,
            username: &listener.username,
        });
        offer_others(entry, room, listener, &frame);
        self.signal(Signal::TypingStopped {
            room,
            user: listener.user,
            username: listener.username.clone(),
        });
    }

    /// The connection did not answer the last heartbeat: until it is heard
    /// again it does not count as online, so the others see its user go
    /// offline about one ping interval after the link died instead of at
    /// the idle timeout. It stays subscribed (nothing is lost if it was only
    /// slow). Connections that answer cost nothing: only stale ones are kept.
    pub fn mark_stale(&self, listener: &Listener) {
        let rooms = listener.live_rooms();
        let mut state = self.state.write().expect("hub lock");
        if !state.stale.insert(listener.id) {
            return;
        }
        for room in rooms {
            if let Some(entry) = state.rooms.get_mut(&room) {
                // A room the hub took it out of (removed) is already settled.
                if entry.listeners.iter().any(|l| l.id == listener.id) {
                    went_offline(self, entry, room, listener);
                }
            }
        }
    }

    /// A stale connection was heard from again: it counts as online again.
    pub fn mark_fresh(&self, listener: &Listener) {
        let rooms = listener.live_rooms();
        let mut state = self.state.write().expect("hub lock");
        if !state.stale.remove(&listener.id) {
            return;
        }
        for room in rooms {
            if let Some(entry) = state.rooms.get_mut(&room) {
                if entry.listeners.iter().any(|l| l.id == listener.id) {
                    came_online(self, entry, room, listener);
                }
            }
        }
    }
}

/// One more of the user's connections is online in the room; the user is
/// announced with the first (unless online on another node already), and
/// the other nodes are told. In a big room, individual comings and goings
/// would cost every member a frame per arrival (quadratic in the room's
/// size); there the client shows the count from `presence` instead.
pub(super) fn came_online(hub: &Hub, entry: &mut RoomListeners, room: RoomId, listener: &Listener) {
    let count = entry
        .online
        .entry(listener.user)
        .or_insert_with(|| (listener.username.clone(), 0));
    count.1 += 1;
    if count.1 > 1 {
        return;
    }
    if entry.online.len() <= PRESENCE_LIST_MAX && !entry.online_elsewhere(listener.user) {
        announce(entry, room, listener.user, &listener.username, true);
    }
    hub.signal(presence_signal(room, listener, true));
}

/// One of the user's connections is no longer online in the room; the user
/// is announced gone with the last (unless still online on another node),
/// and the other nodes are told.
pub(super) fn went_offline(
    hub: &Hub,
    entry: &mut RoomListeners,
    room: RoomId,
    listener: &Listener,
) {
    let gone = entry.online.get_mut(&listener.user).is_some_and(|count| {
        count.1 -= 1;
        count.1 == 0
    });
    if !gone {
        return;
    }
    entry.online.remove(&listener.user);
    entry.typing.remove(&listener.user);
    if entry.online.len() < PRESENCE_LIST_MAX && !entry.online_elsewhere(listener.user) {
        announce(entry, room, listener.user, &listener.username, false);
    }
    hub.signal(presence_signal(room, listener, false));
}

fn presence_signal(room: RoomId, listener: &Listener, online: bool) -> Signal {
    Signal::Presence {
        room,
        user: listener.user,
        username: listener.username.clone(),
        online,
    }
}

fn offer_others(
    entry: &RoomListeners,
    room: RoomId,
    listener: &Listener,
    frame: &axum::body::Bytes,
) {
    for l in entry.listeners.iter().filter(|l| l.user != listener.user) {
        l.offer(Outbound::Room {
            room,
            frame: frame.clone(),
        });
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::domain::{Seq, Theme, Timestamp, User, UserId};
    use crate::realtime::cursor::RoomCursor;

    const ROOM: RoomId = RoomId(1);

    fn live_listener(hub: &Hub, id: i64) -> Arc<Listener> {
        let user = User {
            id: UserId(id),
            username: format!("u{id}"),
            has_password: false,
            theme: Theme::default(),
            created_at: Timestamp(0),
            bot: false,
        };
        let l = hub.connect(&user, [0; 32], 64, None);
        hub.subscribe(ROOM, &l);
        l.go_live(ROOM, RoomCursor::from(Seq(0)));
        l
    }

    #[test]
    fn a_stale_listener_stops_counting_as_online_until_it_is_heard_again() {
        let hub = Hub::new();
        let a = live_listener(&hub, 1);
        let _b = live_listener(&hub, 2);
        assert_eq!(hub.online(ROOM).0, 2);
        hub.mark_stale(&a);
        hub.mark_stale(&a); // twice is once
        assert_eq!(hub.online(ROOM).0, 1);
        hub.mark_fresh(&a);
        hub.mark_fresh(&a);
        assert_eq!(hub.online(ROOM).0, 2);
    }

    #[test]
    fn a_user_with_another_live_connection_stays_online_when_one_goes_stale() {
        let hub = Hub::new();
        let laptop = live_listener(&hub, 1);
        let _phone = live_listener(&hub, 1);
        hub.mark_stale(&laptop);
        assert_eq!(hub.online(ROOM).1[0].username, "u1");
    }

    #[test]
    fn a_stale_listener_that_goes_away_is_not_counted_out_twice() {
        let hub = Hub::new();
        let stale = live_listener(&hub, 1);
        let other = live_listener(&hub, 1);
        hub.mark_stale(&stale);
        hub.disconnect(&stale, stale.live_rooms());
        assert_eq!(hub.online(ROOM).0, 1, "the other connection still counts");
        hub.disconnect(&other, other.live_rooms());
        assert_eq!(hub.online(ROOM).0, 0);
        assert!(hub.state.read().unwrap().stale.is_empty());
    }
}
