//! Pushes driven by the outbound delivery worker: a stored cursor per
//! subscription, at least once and in order, paused when it is gone.

use std::sync::Arc;
use std::time::Duration;

use super::browser::Browser;
use crate::domain::{RoomId, Seq};
use crate::outbound::tests::receiver::{always, fails_then, Receiver, Script, TestCert};
use crate::outbound::{
    DeliveryWorker, MemoryCursorStore, MemoryEventSource, OutboundEvent, RetryPolicy, TargetId,
};
use crate::push::{PushOptions, PushSender, PushTarget, VapidKey};

const SUBSCRIPTION: TargetId = TargetId(9);

fn payload(seq: i64) -> OutboundEvent {
    let body = format!(r#"{{"room":3,"seq":{seq},"title":"mention {seq}"}}"#);
    OutboundEvent {
        room: RoomId(3),
        seq: Seq(seq),
        body: body.into_bytes().into(),
    }
}

async fn run(
    script: Script,
    events: i64,
) -> (Receiver, Browser, Arc<MemoryCursorStore>, DeliveryWorker) {
    let cert = TestCert::new(&["push.test"]);
    let service = Receiver::https("127.0.0.1", script, &cert).await;
    let client =
        crate::outbound::tests::client::client(crate::outbound::tests::client::loopback(), |c| {
            c.extra_roots_pem = vec![cert.cert_pem.clone().into_bytes()];
        });
    let sender = PushSender::new(
        client,
        VapidKey::generate(),
        "mailto:admin@chat.example.com",
    )
    .unwrap();
    let browser = Browser::new();
    let subscription = browser.subscription(&format!("https://push.test:{}/s/1", service.port()));
    let target = PushTarget {
        sender,
        subscription,
        options: PushOptions::default(),
    };
    let store = Arc::new(MemoryCursorStore::new());
    let source = Arc::new(MemoryEventSource::new((1..=events).map(payload).collect()));
    let policy = RetryPolicy {
        base: Duration::from_millis(5),
        cap: Duration::from_millis(20),
        max_attempts: 5,
    };
    let worker =
        DeliveryWorker::new(SUBSCRIPTION, store.clone(), source, Arc::new(target)).retry(policy);
    (service, browser, store, worker)
}

#[tokio::test]
async fn pushes_through_the_worker_survive_a_failing_service_and_arrive_in_order() {
    let script = fails_then(2, 503, 201);
    let (service, browser, store, worker) = run(script, 4).await;
    let handle = worker.spawn();
    crate::outbound::tests::eventually("every push goes through", || {
        store.cursor(SUBSCRIPTION, RoomId(3)) == Some(Seq(4))
    })
    .await;
    handle.stop();
    let read: Vec<String> = service.requests()[2..]
        .iter()
        .map(|r| String::from_utf8(browser.decrypt(&r.body).unwrap()).unwrap())
        .collect();
    let expected: Vec<String> = (1..=4)
        .map(|seq| String::from_utf8(payload(seq).body.to_vec()).unwrap())
        .collect();
    assert_eq!(read, expected);
}

#[tokio::test]
async fn a_gone_subscription_pauses_its_target_at_once() {
    let (service, _, store, worker) = run(always(410), 2).await;
    let paused = worker.spawn().paused().await.unwrap();
    assert_eq!(
        (paused.seq, paused.attempts, paused.last_status),
        (Seq(1), 1, Some(410))
    );
    assert!(paused.last_error.contains("gone"), "{}", paused.last_error);
    assert_eq!(service.requests().len(), 1);
    assert_eq!(store.cursor(SUBSCRIPTION, RoomId(3)), None);
}
