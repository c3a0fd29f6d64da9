//! Several events per request (`DeliveryWorker::per_request`): one signed
//! `{"events":[...]}` body per group, in seq order, retried whole, each
//! event kept once by a receiver that de-duplicates by (room, seq).

use std::sync::Arc;
use std::time::Duration;

use url::Url;

use super::client::{client, loopback};
use super::eventually;
use super::receiver::{always, fails_then, Receiver, Recorded, Script};
use crate::domain::{RoomId, Seq};
use crate::outbound::{
    verify, DeliveryWorker, MemoryCursorStore, MemoryEventSource, OutboundEvent, RetryPolicy,
    TargetId, WebhookSecret, WebhookSender, WebhookTarget, DEFAULT_TOLERANCE,
};

const HOOK: TargetId = TargetId(7);

fn event(room: i64, seq: i64) -> OutboundEvent {
    let body = format!(r#"{{"type":"message","room_id":{room},"seq":{seq}}}"#);
    OutboundEvent {
        room: RoomId(room),
        seq: Seq(seq),
        body: body.into_bytes().into(),
    }
}

/// Delivers room 3's events 1..=`n`, `per_request` at a time, to a
/// receiver answering `script`; returns what it received.
async fn deliver(n: i64, per_request: usize, script: Script) -> (Vec<Recorded>, WebhookSecret) {
    let receiver = Receiver::http("127.0.0.1", script).await;
    let secret = WebhookSecret::generate();
    let store = Arc::new(MemoryCursorStore::new());
    let source = Arc::new(MemoryEventSource::new(
        (1..=n).map(|s| event(3, s)).collect(),
    ));
    let target = WebhookTarget {
        url: Url::parse(&format!("http://hook.test:{}/", receiver.port())).unwrap(),
        secret: secret.clone(),
    };
    let sender = WebhookSender::new(client(loopback(), |_| {}), target);
    let worker = DeliveryWorker::new(HOOK, store.clone(), source, Arc::new(sender))
        .per_request(per_request)
        .retry(RetryPolicy {
            base: Duration::from_millis(5),
            cap: Duration::from_millis(20),
            max_attempts: 10,
        })
        .spawn();
    eventually("room 3's cursor reaches the last event", || {
        store.cursor(HOOK, RoomId(3)) == Some(Seq(n))
    })
    .await;
    worker.stop();
    (receiver.requests(), secret)
}

/// The (room, seq) of each element of a signed batch, checked as a
/// receiver would check it.
fn elements(r: &Recorded, secret: &WebhookSecret) -> Vec<(i64, i64)> {
    let now = crate::outbound::unix_now();
    verify(
        &[secret],
        r.header("natter-signature"),
        &r.body,
        now,
        DEFAULT_TOLERANCE,
    )
    .expect("signed");
    let body: serde_json::Value = serde_json::from_slice(&r.body).expect("JSON");
    let events = body["events"].as_array().expect("an events array");
    assert_eq!(r.header("natter-events"), events.len().to_string());
    let all: Vec<(i64, i64)> = events
        .iter()
        .map(|e| (e["room_id"].as_i64().unwrap(), e["seq"].as_i64().unwrap()))
        .collect();
    let last = all.last().unwrap();
    assert_eq!(
        (r.header("natter-room"), r.header("natter-seq")),
        (last.0.to_string().as_str(), last.1.to_string().as_str()),
        "the headers name the batch's last event"
    );
    all
}

#[tokio::test]
async fn ten_events_four_per_request_arrive_as_three_signed_batches_in_order() {
    let (requests, secret) = deliver(10, 4, always(204)).await;
    let batches: Vec<Vec<(i64, i64)>> = requests.iter().map(|r| elements(r, &secret)).collect();
    assert_eq!(
        batches,
        vec![
            (1..=4).map(|s| (3, s)).collect::<Vec<_>>(),
            (5..=8).map(|s| (3, s)).collect(),
            (9..=10).map(|s| (3, s)).collect(),
        ]
    );
}

#[tokio::test]
async fn a_failed_batch_is_retried_whole_and_every_event_is_kept_once() {
    let (requests, secret) = deliver(6, 4, fails_then(2, 503, 200)).await;
    let batches: Vec<Vec<(i64, i64)>> = requests.iter().map(|r| elements(r, &secret)).collect();
    assert_eq!(batches.len(), 2 + 2, "two failed tries, then two batches");
    assert!(
        batches[..3].iter().all(|b| *b == batches[0]),
        "the retries resend the same batch"
    );
    let mut last = 0;
    let mut kept = Vec::new();
    for (_, seq) in batches[2..].iter().flatten() {
        if *seq > last {
            last = *seq;
            kept.push(*seq);
        }
    }
    assert_eq!(kept, (1..=6).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_steady_stream_goes_out_in_requests_spaced_apart_and_nothing_is_left_behind() {
    let receiver = Receiver::http("127.0.0.1", always(204)).await;
    let secret = WebhookSecret::generate();
    let store = Arc::new(MemoryCursorStore::new());
    let source = Arc::new(MemoryEventSource::default());
    let target = WebhookTarget {
        url: Url::parse(&format!("http://hook.test:{}/", receiver.port())).unwrap(),
        secret: secret.clone(),
    };
    let sender = WebhookSender::new(client(loopback(), |_| {}), target);
    let worker = DeliveryWorker::new(HOOK, store.clone(), source.clone(), Arc::new(sender))
        .per_request(200)
        .batch(200)
        .gather(Duration::from_millis(2))
        .spacing(Duration::from_millis(100))
        .spawn();
    // 120 events, one every 5 ms: without spacing nearly one request each.
    for seq in 1..=120 {
        source.push(event(3, seq));
        worker.wake();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    eventually("room 3's cursor reaches the last event", || {
        store.cursor(HOOK, RoomId(3)) == Some(Seq(120))
    })
    .await;
    worker.stop();
    let requests = receiver.requests();
    let seqs: Vec<i64> = requests
        .iter()
        .flat_map(|r| elements(r, &secret))
        .map(|(_, seq)| seq)
        .collect();
    assert_eq!(
        seqs,
        (1..=120).collect::<Vec<_>>(),
        "each event once, in order"
    );
    // ~600 ms of stream at one request per 100 ms at most; a slow machine
    // only makes them fewer and larger.
    assert!(
        requests.len() <= 9,
        "{} requests for 120 events",
        requests.len()
    );
}
