//! The hub's unit tests: fan-out, kicks and sessions.

use super::*;
use crate::domain::{Event, RoomChange, RoomEvent, Seq, Theme, Timestamp, User};
use crate::realtime::listener::{Kick, Wake};
use crate::storage::Publisher;
use axum::body::Bytes;

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

/// The room events each listener has queued, as (room, seq).
fn queued_events(l: &Listener) -> Vec<(i64, i64)> {
    let mut seen = Vec::new();
    while let Some(Wake::Frames(frames)) = l.try_next() {
        for f in frames {
            if let Outbound::Event { room, seq, .. } = f {
                seen.push((room.0, seq.0));
            }
        }
    }
    seen
}

#[test]
fn a_batch_of_many_rooms_reaches_each_member_once_in_seq_order_from_every_thread() {
    // 3 rooms of 400: 1,200 writes in one publish, shared with a helper.
    let hub = Hub::with_fan_out_helpers(1);
    let rooms: Vec<Vec<Arc<Listener>>> = (1..=3)
        .map(|room| {
            (0..400)
                .map(|i| {
                    let l = hub.connect(&user(room * 1000 + i), [0; 32], 64, None);
                    hub.subscribe(RoomId(room), &l);
                    l
                })
                .collect()
        })
        .collect();
    let both = hub.connect(&user(9), [0; 32], 64, None);
    hub.subscribe(RoomId(1), &both);
    hub.subscribe(RoomId(3), &both);
    for l in rooms.iter().flatten().chain([&both]) {
        queued_events(l); // presence frames from the joins
    }
    let events: Vec<Event> = (1..=3)
        .flat_map(|seq| {
            (1..=3).map(move |room| {
                Event::Room(RoomEvent {
                    room_id: RoomId(room),
                    seq: Seq(seq),
                    change: RoomChange::MessageDeleted {
                        message_id: crate::domain::MessageId(seq),
                        message_seq: Seq(seq),
                    },
                })
            })
        })
        .collect();
    hub.publish(&events);
    for (room, members) in (1..=3).zip(&rooms) {
        for l in members {
            assert_eq!(queued_events(l), vec![(room, 1), (room, 2), (room, 3)]);
        }
    }
    let mut seen = queued_events(&both);
    seen.sort_by_key(|(room, _)| *room); // rooms have no order between them
    assert_eq!(seen, vec![(1, 1), (1, 2), (1, 3), (3, 1), (3, 2), (3, 3)]);
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

/// Records what the hub reports to the bus.
#[derive(Default)]
struct Reported(std::sync::Mutex<Vec<(RoomId, bool)>>);

impl crate::bus::Interest for Reported {
    fn interest(&self, room: RoomId, wanted: bool) {
        self.0.lock().unwrap().push((room, wanted));
    }
}

#[test]
fn the_bus_hears_when_a_room_gets_its_first_listener_and_loses_its_last() {
    let hub = Hub::new();
    let reported = Arc::new(Reported::default());
    hub.report_interest_to(reported.clone());
    let (a, b) = (
        hub.connect(&user(1), [1; 32], 8, None),
        hub.connect(&user(2), [2; 32], 8, None),
    );
    hub.subscribe(RoomId(5), &a);
    hub.subscribe(RoomId(5), &b);
    hub.subscribe(RoomId(6), &b);
    hub.unsubscribe(RoomId(5), &a);
    assert_eq!(
        *reported.0.lock().unwrap(),
        [(RoomId(5), true), (RoomId(6), true)],
        "a second listener and one of two leaving change nothing"
    );
    hub.disconnect(&b, [RoomId(5), RoomId(6)]);
    assert_eq!(
        reported.0.lock().unwrap()[2..],
        [(RoomId(5), false), (RoomId(6), false)]
    );
}
