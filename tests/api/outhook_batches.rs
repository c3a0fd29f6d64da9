//! Outgoing webhooks made to take batches (`"batch": true`): the events go
//! out as one signed `{"events":[...]}` per read of the log, in seq order,
//! always in that shape (one event too).

use natter::outbound::{unix_now, verify, WebhookSecret, DEFAULT_TOLERANCE};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{spawn_app_with, Client};
use crate::integrations_support::room;
use crate::outhooks_support::Receiver;

async fn set_paused(owner: &Client, room: i64, hook: i64, paused: bool) {
    let r = owner
        .send(
            Method::PATCH,
            &format!("/api/v1/rooms/{room}/outhooks/{hook}"),
            Some(json!({ "paused": paused })),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

/// The (type, seq) of each event in a batch body; panics on another shape.
fn elements(body: &Value) -> Vec<(String, i64)> {
    body["events"]
        .as_array()
        .unwrap_or_else(|| panic!("a batch body: {body}"))
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap().to_owned(),
                e["seq"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_hook_made_for_batches_gets_what_waited_in_one_signed_request_in_order() {
    let app = spawn_app_with(|c| {
        c.outbound.allow = vec!["127.0.0.1/32".to_owned()];
        c.outbound.hook_retry_ms = 5;
    })
    .await;
    let receiver = Receiver::start().await;
    let alice = app.user("alice").await;
    let ops = room(&alice, "ops", "private").await;
    let made = alice
        .post(
            &format!("/api/v1/rooms/{ops}/outhooks"),
            json!({ "name": "ci", "url": receiver.url(), "batch": true }),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    assert_eq!(made.body["hook"]["batch"], true);
    let hook = made.body["hook"]["id"].as_i64().unwrap();
    let secret = WebhookSecret::parse(made.body["secret"].as_str().unwrap()).unwrap();

    // Twelve messages wait while the hook is paused, then go out together.
    set_paused(&alice, ops, hook, true).await;
    let mut sent = Vec::new();
    for i in 0..12 {
        let r = alice.say(ops, &format!("build {i}")).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        sent.push(r.body["message"]["seq"].as_i64().unwrap());
    }
    assert!(receiver.hits().is_empty(), "a paused hook sends nothing");
    set_paused(&alice, ops, hook, false).await;
    let hits = receiver
        .until("the batch", |h| h.iter().any(|h| h.taken))
        .await;
    assert_eq!(hits.len(), 1, "one request for the twelve: {hits:?}");
    let batch = &hits[0];
    verify(
        &[&secret],
        &batch.signature,
        &batch.body,
        unix_now(),
        DEFAULT_TOLERANCE,
    )
    .expect("the batch is signed with the hook's secret");
    let got = elements(&batch.json());
    let seqs: Vec<i64> = got.iter().map(|(_, s)| *s).collect();
    assert_eq!(seqs, sent, "every message once, in seq order");
    assert!(got.iter().all(|(t, _)| t == "message.created"));
    assert_eq!(
        batch.seq,
        *sent.last().unwrap(),
        "Natter-Seq names the last"
    );
    assert_eq!(batch.room, ops);

    // A lone event comes in the same shape.
    let r = alice.say(ops, "deployed").await;
    let seq = r.body["message"]["seq"].as_i64().unwrap();
    let hits = receiver.until("the next one", |h| h.len() >= 2).await;
    assert_eq!(
        elements(&hits[1].json()),
        [("message.created".to_owned(), seq)]
    );

    // The hook says it takes batches when listed.
    let listed = alice.get(&format!("/api/v1/rooms/{ops}/outhooks")).await;
    assert_eq!(listed.body["hooks"][0]["batch"], true, "{}", listed.text);
}

#[tokio::test]
async fn a_hook_takes_single_events_unless_asked_for_batches() {
    let app = spawn_app_with(|c| c.outbound.allow = vec!["127.0.0.1/32".to_owned()]).await;
    let receiver = Receiver::start().await;
    let alice = app.user("alice").await;
    let ops = room(&alice, "ops", "private").await;
    let made = alice
        .post(
            &format!("/api/v1/rooms/{ops}/outhooks"),
            json!({ "name": "ci", "url": receiver.url() }),
        )
        .await;
    assert_eq!(made.body["hook"]["batch"], false, "{}", made.text);
    alice.say(ops, "one").await;
    let hits = receiver.until("the message", |h| !h.is_empty()).await;
    let event = hits[0].json();
    assert_eq!(event["type"], "message.created", "{event}");
    assert!(event.get("events").is_none());
    let bad = alice
        .post(
            &format!("/api/v1/rooms/{ops}/outhooks"),
            json!({ "name": "ci2", "url": receiver.url(), "batch": "yes" }),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
}
