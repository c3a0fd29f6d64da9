//! People's news (`profile.changed`, `status.changed`): not about one room
//! but about a person, so it goes to everyone here who shares a room with
//! them, once per connection.

use std::collections::HashSet;

use super::{Hub, Outbound};
use crate::domain::PersonChanged;
use crate::realtime::wire;

impl Hub {
    /// A person's profile or status, to each connection here that listens
    /// to a room they are in, and to their own, once each however many
    /// rooms are shared. Not a room event: it goes out as a user frame.
    pub(super) fn tell_room_mates(&self, changed: &PersonChanged) {
        let frame = wire::encode_person(&changed.change);
        let state = self.state.read().expect("hub lock");
        let mut told = HashSet::new();
        let rooms = changed
            .rooms
            .iter()
            .filter_map(|room| state.rooms.get(room))
            .flat_map(|entry| entry.listeners.iter());
        let own = state.users.get(&changed.user).into_iter().flatten();
        for l in rooms.chain(own) {
            if told.insert(l.id) {
                l.offer(Outbound::User(frame.clone()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Event, PersonChange, RoomId, Theme, Timestamp, User, UserId};
    use crate::realtime::listener::Wake;
    use crate::storage::Publisher;

    fn user(id: i64) -> User {
        User {
            id: UserId(id),
            username: format!("u{id}"),
            has_password: false,
            theme: Theme::default(),
            created_at: Timestamp(0),
            bot: false,
        }
    }

    fn frames(wake: Option<Wake>) -> usize {
        match wake {
            Some(Wake::Frames(batch)) => batch.len(),
            None => 0,
            Some(other) => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_change_reaches_each_room_mate_connection_once_and_nobody_else() {
        let hub = Hub::new();
        let mate = hub.connect(&user(2), [0; 32], 8, None);
        hub.subscribe(RoomId(1), &mate);
        hub.subscribe(RoomId(2), &mate);
        let stranger = hub.connect(&user(3), [0; 32], 8, None);
        hub.subscribe(RoomId(3), &stranger);
        let own = hub.connect(&user(1), [0; 32], 8, None);
        // Presence from the subscriptions.
        let _ = (mate.try_next(), stranger.try_next(), own.try_next());

        hub.publish(&[Event::Person(PersonChanged {
            user: UserId(1),
            rooms: vec![RoomId(1), RoomId(2)],
            change: PersonChange::Status {
                user_id: UserId(1),
                username: "u1".into(),
                status: None,
            },
        })]);
        assert_eq!(frames(mate.try_next()), 1, "two shared rooms, one frame");
        assert_eq!(frames(own.try_next()), 1, "my other devices hear it too");
        assert_eq!(frames(stranger.try_next()), 0);
    }
}
