//! The NATS bus against a real NATS server (`NATTER_TEST_NATS_URL`; skipped
//! without it), each test on subjects of its own; the reconnection test
//! runs its own nats-server.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::*;
use crate::domain::{Changed, MessageId, RoomChange, UserId};

fn nats_url() -> Option<BusUrl> {
    let Ok(url) = std::env::var("NATTER_TEST_NATS_URL") else {
        eprintln!("NATTER_TEST_NATS_URL is not set: skipping a NATS test");
        return None;
    };
    Some(url.parse().expect("NATTER_TEST_NATS_URL is a nats:// URL"))
}

fn prefix() -> String {
    format!("test{}", uuid::Uuid::new_v4().simple())
}

#[derive(Default)]
struct Heard(Mutex<Vec<Event>>);

impl Publisher for Heard {
    fn publish(&self, events: &[Event]) {
        self.0.lock().unwrap().extend_from_slice(events);
    }
}

impl Heard {
    fn all(&self) -> Vec<Event> {
        self.0.lock().unwrap().clone()
    }
}

fn room_event(room: i64, seq: i64) -> Event {
    Event::Room(RoomEvent {
        room_id: RoomId(room),
        seq: Seq(seq),
        change: RoomChange::MessageDeleted {
            message_id: MessageId(seq),
            message_seq: Seq(seq),
        },
    })
}

async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "waited too long for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn node(url: &BusUrl, prefix: &str) -> (Arc<NatsBus>, Arc<Heard>) {
    let heard = Arc::new(Heard::default());
    let bus = NatsBus::start(url.clone(), prefix, heard.clone(), Arc::default()).unwrap();
    (bus, heard)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nodes_room_events_reach_the_nodes_listening_to_the_room_and_no_others() {
    let Some(url) = nats_url() else { return };
    let prefix = prefix();
    let (a, heard_a) = node(&url, &prefix);
    let (b, heard_b) = node(&url, &prefix);
    let (c, heard_c) = node(&url, &prefix);
    b.interest(RoomId(5), true);
    until("the nodes to connect", || {
        a.is_connected() && b.is_connected() && c.is_connected()
    })
    .await;
    // The SUB is written by the link's task: give it a moment to land.
    tokio::time::sleep(Duration::from_millis(200)).await;
    a.publish(&[room_event(5, 1), room_event(5, 2)]);
    until("node b to hear room 5", || heard_b.all().len() == 2).await;
    assert_eq!(heard_b.all(), vec![room_event(5, 1), room_event(5, 2)]);
    // The sender hears its own commits once, from itself.
    assert_eq!(heard_a.all().len(), 2);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(heard_c.all().is_empty(), "node c has nobody in room 5");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_outs_and_access_changes_reach_every_node() {
    let Some(url) = nats_url() else { return };
    let prefix = prefix();
    let (a, _) = node(&url, &prefix);
    let (b, heard_b) = node(&url, &prefix);
    until("the nodes to connect", || {
        a.is_connected() && b.is_connected()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let changes = vec![
        Event::Changed(Changed::Account(UserId(3))),
        Event::Changed(Changed::RoomAccess(RoomId(9))),
    ];
    a.publish(&changes);
    until("node b to hear the changes", || heard_b.all() == changes).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_left_by_its_last_listener_is_no_longer_heard() {
    let Some(url) = nats_url() else { return };
    let prefix = prefix();
    let (a, _) = node(&url, &prefix);
    let (b, heard_b) = node(&url, &prefix);
    b.interest(RoomId(1), true);
    until("the nodes to connect", || {
        a.is_connected() && b.is_connected()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    a.publish(&[room_event(1, 1)]);
    until("node b to hear room 1", || heard_b.all().len() == 1).await;
    b.interest(RoomId(1), false);
    tokio::time::sleep(Duration::from_millis(200)).await;
    a.publish(&[room_event(1, 2)]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(heard_b.all(), vec![room_event(1, 1)]);
}

/// A nats-server of the test's own, on a free port.
struct OwnNats {
    port: u16,
    child: std::process::Child,
}

impl OwnNats {
    fn start(port: u16) -> Self {
        let child = std::process::Command::new("/usr/sbin/nats-server")
            .args(["-a", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("nats-server runs");
        Self { port, child }
    }

    fn url(&self) -> BusUrl {
        format!("nats://127.0.0.1:{}", self.port).parse().unwrap()
    }
}

impl Drop for OwnNats {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bus_comes_back_after_nats_restarts_and_resubscribes() {
    if nats_url().is_none() || !std::path::Path::new("/usr/sbin/nats-server").exists() {
        return;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let nats = OwnNats::start(port);
    let prefix = prefix();
    let (a, _) = node(&nats.url(), &prefix);
    let (b, heard_b) = node(&nats.url(), &prefix);
    b.interest(RoomId(2), true);
    until("the nodes to connect", || {
        a.is_connected() && b.is_connected()
    })
    .await;
    drop(nats);
    until("the nodes to see NATS gone", || {
        !a.is_connected() && !b.is_connected()
    })
    .await;
    // Dropped, not queued for later: the store is the truth.
    a.publish(&[room_event(2, 1)]);
    let nats = OwnNats::start(port);
    until("the nodes to reconnect", || {
        a.is_connected() && b.is_connected()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    a.publish(&[room_event(2, 2)]);
    until("node b to hear room 2 again", || !heard_b.all().is_empty()).await;
    assert_eq!(heard_b.all(), vec![room_event(2, 2)]);
    drop(nats);
}
