//! The receiving client's failover rule, checked without a server.

use std::collections::HashMap;

use super::*;
use crate::seqset::SeqSet;

fn receiver(shared: &Rc<RefCell<Shared>>) -> Receiver {
    Receiver {
        index: 0,
        worker: 0,
        job: ClientJob {
            token: String::new(),
            rooms: vec![7],
        },
        url: Rc::from("ws://127.0.0.1:1/dead"),
        shared: Rc::clone(shared),
        control: watch::channel(Phase::Wait).1,
        gate: Rc::new(Semaphore::new(1)),
    }
}

#[test]
fn in_a_failover_only_a_client_that_moved_counts_as_resumed() {
    let mut seen = SeqSet::default();
    for seq in 1..=5 {
        seen.insert(seq);
    }
    let shared = Rc::new(RefCell::new(Shared {
        clients: vec![ClientState {
            rooms: vec![(7, seen)],
            ..ClientState::default()
        }],
        reconnect_at_ns: 1,
        target: HashMap::from([(7, 5)]),
        failover_urls: vec![Rc::from("ws://127.0.0.1:2/alive")],
        ..Shared::default()
    }));
    let mut r = receiver(&shared);
    // Holding everything while still on the node about to die is not
    // a resume.
    r.check_caught_up(&mut shared.borrow_mut(), 10);
    assert!(!shared.borrow().clients[0].caught_up);

    assert!(r.move_elsewhere());
    assert_eq!(&*r.url, "ws://127.0.0.1:2/alive");
    r.record_connected(0, 5, true);
    let s = shared.borrow();
    assert!(s.clients[0].moved && s.clients[0].caught_up);
    assert_eq!((s.connected, s.reconnected), (0, 1));
    drop(s);
    // It moves once: a second close is an error like any other.
    assert!(!r.move_elsewhere());
}
