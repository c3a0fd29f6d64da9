//! The delivery worker driving the real webhook sender to a real receiver:
//! signed, in order per room, at least once through failures and restarts,
//! paused when the receiver stays down.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use url::Url;

use super::client::{client, loopback};
use super::eventually;
use super::receiver::{always, fails_then, Answer, Receiver, Recorded, Script};
use crate::domain::{RoomId, Seq};
use crate::outbound::{
    verify, AddressPolicy, Delivered, DeliveryObserver, DeliveryWorker, Failure, MemoryCursorStore,
    MemoryEventSource, OutboundEvent, Paused, RetryPolicy, TargetId, WebhookSecret, WebhookSender,
    WebhookTarget, DEFAULT_TOLERANCE,
};

const HOOK: TargetId = TargetId(1);

fn event(room: i64, seq: i64) -> OutboundEvent {
    let body = format!(r#"{{"type":"message","room":{room},"seq":{seq},"text":"hello {seq}"}}"#);
    OutboundEvent {
        room: RoomId(room),
        seq: Seq(seq),
        body: body.into_bytes().into(),
    }
}

/// Room 1 and room 2 interleaved, `n` events each.
fn two_rooms(n: i64) -> Vec<OutboundEvent> {
    (1..=n)
        .flat_map(|seq| [event(1, seq), event(2, seq)])
        .collect()
}

fn fast_retries(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        base: Duration::from_millis(5),
        cap: Duration::from_millis(20),
        max_attempts,
    }
}

struct Hook {
    secret: WebhookSecret,
    store: Arc<MemoryCursorStore>,
    source: Arc<MemoryEventSource>,
}

impl Hook {
    fn new(events: Vec<OutboundEvent>) -> Self {
        Self {
            secret: WebhookSecret::generate(),
            store: Arc::new(MemoryCursorStore::new()),
            source: Arc::new(MemoryEventSource::new(events)),
        }
    }

    fn worker(&self, url: &str, policy: AddressPolicy) -> DeliveryWorker {
        let target = WebhookTarget {
            url: Url::parse(url).unwrap(),
            secret: self.secret.clone(),
        };
        let sender = WebhookSender::new(client(policy, |_| {}), target);
        DeliveryWorker::new(
            HOOK,
            self.store.clone(),
            self.source.clone(),
            Arc::new(sender),
        )
    }

    /// Waits (bounded) until the stored cursor of every room reaches `seq`.
    async fn delivered_through(&self, rooms: &[i64], seq: i64) {
        eventually(&format!("every room's cursor reaches {seq}"), || {
            rooms
                .iter()
                .all(|&r| self.store.cursor(HOOK, RoomId(r)) == Some(Seq(seq)))
        })
        .await;
    }
}

/// What a careful receiver does: checks the signature, then keeps an event
/// only if its seq is above the last one kept for its room.
fn receiver_view(
    requests: &[Recorded],
    accepted: impl Fn(usize) -> bool,
    secret: &WebhookSecret,
) -> (HashMap<i64, Vec<i64>>, usize) {
    let mut kept: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut duplicates = 0;
    for (i, r) in requests.iter().enumerate().filter(|(i, _)| accepted(*i)) {
        let now = crate::outbound::unix_now();
        verify(
            &[secret],
            r.header("natter-signature"),
            &r.body,
            now,
            DEFAULT_TOLERANCE,
        )
        .expect("signed");
        let (room, seq) = (
            r.header("natter-room").parse().unwrap(),
            r.header("natter-seq").parse::<i64>().unwrap(),
        );
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(
            (body["room"].as_i64(), body["seq"].as_i64()),
            (Some(room), Some(seq)),
            "request {i}"
        );
        let seqs = kept.entry(room).or_default();
        if seqs.last().is_some_and(|&last| seq <= last) {
            duplicates += 1;
        } else {
            seqs.push(seq);
        }
    }
    (kept, duplicates)
}

#[tokio::test]
async fn a_receiver_that_fails_5_times_then_recovers_gets_every_event_once_in_order() {
    let script = fails_then(5, 500, 200);
    let receiver = Receiver::http("127.0.0.1", script).await;
    let hook = Hook::new(two_rooms(10));
    let worker = hook
        .worker(
            &format!("http://hook.test:{}/", receiver.port()),
            loopback(),
        )
        .retry(fast_retries(10))
        .spawn();
    hook.delivered_through(&[1, 2], 10).await;
    worker.stop();

    let requests = receiver.requests();
    assert_eq!(
        requests.len(),
        5 + 20,
        "five failed tries of the first event, then each event once"
    );
    let (kept, duplicates) = receiver_view(&requests, |i| i >= 5, &hook.secret);
    assert_eq!(duplicates, 0);
    assert_eq!(kept[&1], (1..=10).collect::<Vec<_>>());
    assert_eq!(kept[&2], (1..=10).collect::<Vec<_>>());
    // The first event was the one retried, and nothing overtook it.
    assert!(requests[..6]
        .iter()
        .all(|r| r.header("natter-seq") == "1" && r.header("natter-room") == "1"));
}

#[tokio::test]
async fn a_worker_stopped_mid_delivery_and_restarted_from_its_cursor_loses_nothing() {
    // The tenth request hangs, so the worker is surely stopped mid-delivery.
    let script: Script = Arc::new(|_, n| {
        Answer::status(200).delay(if n == 9 {
            Duration::from_secs(30)
        } else {
            Duration::ZERO
        })
    });
    let receiver = Receiver::http("127.0.0.1", script).await;
    let hook = Hook::new((1..=30).map(|seq| event(1, seq)).collect());
    let url = format!("http://hook.test:{}/", receiver.port());

    let first = hook.worker(&url, loopback()).spawn();
    eventually("the receiver gets ten requests", || {
        receiver.requests().len() >= 10
    })
    .await;
    first.stop();
    assert_eq!(
        hook.store.cursor(HOOK, RoomId(1)),
        Some(Seq(9)),
        "the unanswered tenth is not counted"
    );

    let second = hook.worker(&url, loopback()).spawn();
    hook.delivered_through(&[1], 30).await;
    second.stop();

    let requests = receiver.requests();
    let (kept, duplicates) = receiver_view(&requests, |_| true, &hook.secret);
    assert_eq!(kept[&1], (1..=30).collect::<Vec<_>>());
    assert_eq!(duplicates, 1, "only the event in flight was sent twice");
    assert_eq!(
        requests[10].header("natter-seq"),
        "10",
        "the restart began with the event in flight"
    );
}

#[derive(Default)]
struct Log {
    attempts: Mutex<Vec<(i64, u32, bool)>>,
    paused: Mutex<Vec<Paused>>,
}

impl DeliveryObserver for Log {
    fn attempted(
        &self,
        _: TargetId,
        event: &OutboundEvent,
        attempt: u32,
        result: &Result<Delivered, Failure>,
    ) {
        self.attempts
            .lock()
            .unwrap()
            .push((event.seq.0, attempt, result.is_ok()));
    }
    fn paused(&self, _: TargetId, paused: &Paused) {
        self.paused.lock().unwrap().push(paused.clone());
    }
}

#[tokio::test]
async fn a_receiver_that_stays_down_pauses_the_hook_and_a_resumed_hook_starts_at_the_failed_event()
{
    let down = Receiver::http("127.0.0.1", always(503)).await;
    let hook = Hook::new((1..=3).map(|seq| event(1, seq)).collect());
    let log = Arc::new(Log::default());
    let worker = hook
        .worker(&format!("http://hook.test:{}/", down.port()), loopback())
        .retry(fast_retries(4))
        .observer(log.clone());
    let paused = worker.spawn().paused().await.expect("paused, not stopped");
    assert_eq!(
        (paused.room, paused.seq, paused.attempts, paused.last_status),
        (RoomId(1), Seq(1), 4, Some(503))
    );
    assert_eq!(paused.last_error, "the receiver answered 503");
    assert_eq!(
        *log.attempts.lock().unwrap(),
        [(1, 1, false), (1, 2, false), (1, 3, false), (1, 4, false)]
    );
    assert_eq!(*log.paused.lock().unwrap(), [paused]);
    assert_eq!(hook.store.cursor(HOOK, RoomId(1)), None);

    let up = Receiver::http("127.0.0.1", always(200)).await;
    let resumed = hook
        .worker(&format!("http://hook.test:{}/", up.port()), loopback())
        .spawn();
    hook.delivered_through(&[1], 3).await;
    resumed.stop();
    let seqs: Vec<String> = up
        .requests()
        .iter()
        .map(|r| r.header("natter-seq").to_owned())
        .collect();
    assert_eq!(seqs, ["1", "2", "3"]);
}

#[tokio::test]
async fn a_refused_url_or_a_410_pauses_at_once() {
    let gone = Receiver::http("127.0.0.1", always(410)).await;
    for (url, policy, says) in [
        (
            format!("http://hook.test:{}/", gone.port()),
            AddressPolicy::public_only(),
            "loopback",
        ),
        (
            format!("http://hook.test:{}/", gone.port()),
            loopback(),
            "410 Gone",
        ),
    ] {
        let hook = Hook::new(vec![event(1, 1)]);
        let paused = hook
            .worker(&url, policy)
            .retry(fast_retries(10))
            .spawn()
            .paused()
            .await
            .unwrap();
        assert_eq!(paused.attempts, 1, "{says}");
        assert!(paused.last_error.contains(says), "{}", paused.last_error);
    }
    assert_eq!(
        gone.requests().len(),
        1,
        "the refused URL was never contacted"
    );
}

#[tokio::test]
async fn a_receivers_retry_after_is_waited_out() {
    let script: Script = Arc::new(|_, n| {
        if n == 0 {
            Answer::status(429).header("retry-after", "1")
        } else {
            Answer::status(200)
        }
    });
    let receiver = Receiver::http("127.0.0.1", script).await;
    let hook = Hook::new(vec![event(1, 1)]);
    // Backoff alone would wait at most 5 ms here.
    let policy = RetryPolicy {
        base: Duration::from_millis(5),
        cap: Duration::from_secs(5),
        max_attempts: 5,
    };
    let worker = hook
        .worker(
            &format!("http://hook.test:{}/", receiver.port()),
            loopback(),
        )
        .retry(policy)
        .spawn();
    let started = Instant::now();
    hook.delivered_through(&[1], 1).await;
    worker.stop();
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "retried after {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn an_idle_worker_delivers_new_events_as_soon_as_it_is_woken() {
    let receiver = Receiver::http("127.0.0.1", always(204)).await;
    let hook = Hook::new(Vec::new());
    let url = format!("http://hook.test:{}/", receiver.port());
    // Polling alone would take an hour: only the wake can bring these.
    let worker = hook
        .worker(&url, loopback())
        .idle_poll(Duration::from_hours(1))
        .spawn();
    tokio::time::sleep(Duration::from_millis(50)).await;
    for seq in 1..=3 {
        hook.source.push(event(4, seq));
    }
    worker.wake();
    hook.delivered_through(&[4], 3).await;
    worker.stop();
    assert_eq!(receiver.requests().len(), 3);
}
