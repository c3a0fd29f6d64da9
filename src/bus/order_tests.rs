//! The sequencer hands each room's events over once, in order, filling a
//! gap from the store once for the room.

use std::sync::Mutex;

use super::*;
use crate::domain::{Changed, MessageId, RoomChange, UserId};
use crate::storage::cached::Caches;

fn event(room: i64, seq: i64) -> RoomEvent {
    RoomEvent {
        room_id: RoomId(room),
        seq: Seq(seq),
        change: RoomChange::MessageDeleted {
            message_id: MessageId(seq),
            message_seq: Seq(seq),
        },
    }
}

/// A store holding seqs 1..=100 of every room, counting its reads.
struct Log(Arc<Mutex<u32>>);

impl RoomLog for Log {
    fn events_after(&mut self, room: RoomId, after: Seq, limit: u32) -> Vec<RoomEvent> {
        *self.0.lock().unwrap() += 1;
        (after.0 + 1..=100)
            .take(limit as usize)
            .map(|s| event(room.0, s))
            .collect()
    }
}

/// The events handed over, and how many hand-overs brought them.
#[derive(Default)]
struct Hub(Mutex<Vec<Event>>, Mutex<u32>);

impl Publisher for Hub {
    fn publish(&self, events: &[Event]) {
        self.0.lock().unwrap().extend_from_slice(events);
        *self.1.lock().unwrap() += 1;
    }
}

impl Hub {
    fn seqs(&self, room: i64) -> Vec<i64> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter_map(|e| match e {
                Event::Room(e) if e.room_id.0 == room => Some(e.seq.0),
                _ => None,
            })
            .collect()
    }
}

fn sequencer(wanted: &[i64]) -> (Sequencer<Log>, Arc<Hub>, Arc<Mutex<u32>>) {
    let hub = Arc::new(Hub::default());
    let reads = Arc::new(Mutex::new(0));
    let wanted = Arc::new(Mutex::new(wanted.iter().map(|r| RoomId(*r)).collect()));
    let s = Sequencer::new(
        Log(Arc::clone(&reads)),
        hub.clone(),
        Arc::new(Caches::default()),
        wanted,
    );
    (s, hub, reads)
}

fn room_events(room: i64, seqs: &[i64]) -> Vec<Event> {
    seqs.iter().map(|s| Event::Room(event(room, *s))).collect()
}

#[test]
fn a_gap_is_filled_from_the_store_once_and_handed_over_in_order() {
    let (mut s, hub, reads) = sequencer(&[1]);
    s.handle(Arrival::Local(room_events(1, &[3])));
    s.handle(Arrival::Remote(room_events(1, &[7])));
    assert_eq!(hub.seqs(1), vec![3, 4, 5, 6, 7]);
    assert_eq!(*reads.lock().unwrap(), 1);
    // The lost ones arriving late are already handed over.
    s.handle(Arrival::Remote(room_events(1, &[4, 5, 6, 7])));
    s.handle(Arrival::Local(room_events(1, &[8])));
    assert_eq!(hub.seqs(1), vec![3, 4, 5, 6, 7, 8]);
    assert_eq!(*reads.lock().unwrap(), 1);
}

#[test]
fn a_room_nobody_listens_to_here_is_passed_on_as_it_comes() {
    let (mut s, hub, reads) = sequencer(&[]);
    s.handle(Arrival::Remote(room_events(2, &[5, 9, 9])));
    assert_eq!(hub.seqs(2), vec![5, 9, 9]);
    assert_eq!(*reads.lock().unwrap(), 0);
}

#[test]
fn the_watermark_brings_what_the_bus_never_did_and_only_once() {
    let (mut s, hub, reads) = sequencer(&[1]);
    s.handle(Arrival::Local(room_events(1, &[10])));
    // Seq 11 was committed by a node that died before publishing it.
    let behind = || Arrival::Behind {
        room: RoomId(1),
        after: Seq(10),
        upto: Seq(11),
    };
    s.handle(behind());
    assert_eq!(hub.seqs(1), vec![10, 11]);
    // Asked again before the listener has written it: nothing more is read.
    s.handle(behind());
    assert_eq!(hub.seqs(1), vec![10, 11]);
    assert_eq!(*reads.lock().unwrap(), 1);
}

#[test]
fn other_nodes_changes_reach_the_caches_and_keep_their_place() {
    let (mut s, hub, _) = sequencer(&[1]);
    let mut events = room_events(1, &[1]);
    events.push(Event::Changed(Changed::Account(UserId(4))));
    events.extend(room_events(1, &[2]));
    s.handle(Arrival::Remote(events.clone()));
    assert_eq!(*hub.0.lock().unwrap(), events);
}

#[test]
fn a_gap_longer_than_the_repair_limit_is_left_to_the_connections() {
    let (mut s, hub, reads) = sequencer(&[1]);
    s.handle(Arrival::Local(room_events(1, &[1])));
    s.handle(Arrival::Remote(room_events(1, &[MAX_REPAIR + 10])));
    assert_eq!(hub.seqs(1), vec![1, MAX_REPAIR + 10]);
    assert_eq!(*reads.lock().unwrap(), 0);
}

#[test]
fn arrivals_waiting_behind_each_other_reach_the_hub_in_one_hand_over_in_order() {
    let (mut s, hub, reads) = sequencer(&[1, 2]);
    let (send, waiting) = std::sync::mpsc::channel();
    // Three nodes' commits of two rooms, queued while the fan-out was busy.
    send.send(Arrival::Remote(room_events(1, &[2]))).unwrap();
    send.send(Arrival::Local(room_events(2, &[1]))).unwrap();
    send.send(Arrival::Remote(room_events(1, &[3, 4]))).unwrap();
    let first = Arrival::Local(room_events(1, &[1]));
    s.handle_waiting(first, &waiting);
    assert_eq!(hub.seqs(1), vec![1, 2, 3, 4]);
    assert_eq!(hub.seqs(2), vec![1]);
    assert_eq!(*hub.1.lock().unwrap(), 1, "one hand-over");
    assert_eq!(*reads.lock().unwrap(), 0, "no gap was read from the store");
    // Nothing waiting: the next one goes alone, at once.
    s.handle_waiting(Arrival::Remote(room_events(1, &[5])), &waiting);
    assert_eq!(hub.seqs(1), vec![1, 2, 3, 4, 5]);
    assert_eq!(*hub.1.lock().unwrap(), 2);
}
