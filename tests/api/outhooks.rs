//! Outgoing webhooks against the real server and a receiver on 127.0.0.1:
//! signatures, order, retries, replies, pausing, a SIGKILL mid-delivery,
//! the SSRF guard and who may manage hooks.

use natter::outbound::{unix_now, verify, WebhookSecret, DEFAULT_TOLERANCE};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, Client, ServerProcess, TestApp};
use crate::integrations_support::room;
use crate::outhooks_support::Receiver;

/// An app that may deliver to loopback, retrying after a few milliseconds.
async fn app_allowing_loopback(attempts: u32) -> TestApp {
    spawn_app_with(|c| {
        c.outbound.allow = vec!["127.0.0.1/32".to_owned()];
        c.outbound.hook_retry_ms = 5;
        c.outbound.hook_attempts = attempts;
    })
    .await
}

/// Makes a hook to `url` in `room`; returns the answer.
async fn make(owner: &Client, room: i64, name: &str, url: &str) -> crate::helpers::Answer {
    owner
        .post(
            &format!("/api/v1/rooms/{room}/outhooks"),
            json!({ "name": name, "url": url }),
        )
        .await
}

/// Makes a hook that must succeed; returns (its id, its secret).
async fn hook(owner: &Client, room: i64, url: &str) -> (i64, String) {
    let r = make(owner, room, "relay", url).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    (
        r.body["hook"]["id"].as_i64().unwrap(),
        r.body["secret"].as_str().unwrap().to_owned(),
    )
}

async fn say_seq(c: &Client, room: i64, text: &str) -> i64 {
    let r = c.say(room, text).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["message"]["seq"].as_i64().unwrap()
}

#[tokio::test]
async fn a_receiver_gets_each_message_signed_and_in_order() {
    let app = app_allowing_loopback(20).await;
    let receiver = Receiver::start().await;
    let alice = app.user("alice").await;
    let ops = room(&alice, "ops", "private").await;
    let (_, secret) = hook(&alice, ops, &receiver.url()).await;
    let secret = WebhookSecret::parse(&secret).unwrap();

    let mut sent = Vec::new();
    for i in 0..20 {
        sent.push(say_seq(&alice, ops, &format!("message {i}")).await);
    }
    let hits = receiver
        .until("20 messages", |h| {
            h.iter().filter(|h| h.taken).count() >= 20
        })
        .await;
    assert_eq!(receiver.kept_message_seqs(), sent);
    for hit in &hits {
        verify(
            &[&secret],
            &hit.signature,
            &hit.body,
            unix_now(),
            DEFAULT_TOLERANCE,
        )
        .expect("the signature verifies with the hook's secret");
        assert_eq!(hit.room, ops);
        let event = hit.json();
        assert_eq!(event["room_id"], ops);
        assert_eq!(event["seq"], hit.seq);
    }
    // Arrival order is seq order, with no repeats when nothing failed.
    let seqs: Vec<i64> = hits.iter().map(|h| h.seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert_eq!(hits[0].json()["message"]["body"], "message 0");
    // A signature made with another secret does not verify.
    let other = WebhookSecret::generate();
    assert!(verify(
        &[&other],
        &hits[0].signature,
        &hits[0].body,
        unix_now(),
        DEFAULT_TOLERANCE
    )
    .is_err());
}

#[tokio::test]
async fn edits_and_reactions_reach_the_receiver_too() {
    let app = app_allowing_loopback(20).await;
    let receiver = Receiver::start().await;
    let alice = app.user("alice").await;
    let ops = room(&alice, "ops", "private").await;
    hook(&alice, ops, &receiver.url()).await;
    let seq = say_seq(&alice, ops, "first draft").await;
    assert_eq!(
        alice.edit(ops, seq, "final text").await.status,
        StatusCode::OK
    );
    let r = alice
        .send(
            Method::PUT,
            &format!("/api/v1/rooms/{ops}/messages/{seq}/reactions/%F0%9F%91%8D"),
            None,
            &[],
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let hits = receiver.until("three events", |h| h.len() >= 3).await;
    let kinds: Vec<Value> = hits.iter().map(|h| h.json()["type"].clone()).collect();
    assert_eq!(
        kinds,
        [
            json!("message.created"),
            json!("message.edited"),
            json!("reaction.added")
        ]
    );
    assert_eq!(hits[1].json()["message"]["body"], "final text");
}

#[tokio::test]
async fn a_receiver_that_fails_five_times_then_recovers_gets_every_event_once_in_order() {
    let app = app_allowing_loopback(20).await;
    let receiver = Receiver::start().await;
    receiver.fail(5, 500);
    let alice = app.user("alice").await;
    let ops = room(&alice, "ops", "private").await;
    let (id, _) = hook(&alice, ops, &receiver.url()).await;
    let mut sent = Vec::new();
    for i in 0..10 {
        sent.push(say_seq(&alice, ops, &format!("event {i}")).await);
    }
    let hits = receiver
        .until("10 taken events", |h| {
            h.iter().filter(|h| h.taken).count() >= 10
        })
        .await;
    // Every event was taken exactly once, in order.
    let taken: Vec<i64> = hits.iter().filter(|h| h.taken).map(|h| h.seq).collect();
    assert_eq!(taken, sent);
    // The five refusals were all of the first event, retried.
    let refused: Vec<i64> = hits.iter().filter(|h| !h.taken).map(|h| h.seq).collect();
    assert_eq!(refused, vec![sent[0]; 5]);
    // The delivery log shows them, newest first (the last answer may still
    // be on its way back to the worker: wait for it).
    let path = format!("/api/v1/rooms/{ops}/outhooks/{id}/deliveries");
    let mut log = Vec::new();
    for _ in 0..1500 {
        let r = alice.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        log = r.body["deliveries"].as_array().unwrap().clone();
        if log.len() >= 15 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(log.len(), 15, "{log:?}");
    assert_eq!(log[0]["seq"], sent[9]);
    assert_eq!(log[0]["status"], 204);
    assert_eq!(log[0]["error"], Value::Null);
    let failed: Vec<&Value> = log.iter().filter(|a| a["status"] == 500).collect();
    assert_eq!(failed.len(), 5);
    assert_eq!(failed[0]["attempt"], 5);
    assert!(failed[0]["error"].as_str().unwrap().contains("500"));
}

#[tokio::test]
async fn a_reply_in_the_answer_is_posted_back_as_the_bot_once() {
    let app = app_allowing_loopback(20).await;
    let receiver = Receiver::start().await;
    receiver.reply("ping", "pong");
    let alice = app.user("alice").await;
    let ops = room(&alice, "ops", "private").await;
    hook(&alice, ops, &receiver.url()).await;
    say_seq(&alice, ops, "ping").await;
    let mut history = Vec::new();
    for _ in 0..1500 {
        history = alice.all_messages(ops).await;
        if history.len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(history[1]["body"], "pong");
    assert_eq!(history[1]["author"], "relay");
    assert_eq!(history[1]["bot"], true);
    // The bot's own reply is not sent to the receiver: one event only,
    // then a message of alice's arrives next.
    let next = say_seq(&alice, ops, "after").await;
    let hits = receiver
        .until("the next message", |h| h.iter().any(|h| h.seq == next))
        .await;
    assert_eq!(hits.len(), 2, "{hits:?}");
}

#[tokio::test]
async fn a_hook_that_keeps_failing_pauses_tells_its_maker_and_resumes_where_it_stopped() {
    let app = app_allowing_loopback(3).await;
    let receiver = Receiver::start().await;
    receiver.fail(3, 503);
    let alice = app.user("alice").await;
    let ops = room(&alice, "ops", "private").await;
    let (id, _) = hook(&alice, ops, &receiver.url()).await;
    let first = say_seq(&alice, ops, "lost?").await;
    let list = format!("/api/v1/rooms/{ops}/outhooks");
    let mut paused = Value::Null;
    for _ in 0..1500 {
        paused = alice.get(&list).await.body["hooks"][0].clone();
        if !paused["paused_at"].is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(!paused["paused_at"].is_null(), "{paused}");
    assert!(
        paused["pause_reason"].as_str().unwrap().contains("503"),
        "{paused}"
    );
    // Its maker hears of it from the hook's bot, in a direct message.
    let mut told = false;
    for _ in 0..500 {
        let rooms = alice.get("/api/v1/rooms").await.body;
        let dm = rooms["rooms"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["kind"] == "direct")
            .cloned();
        if let Some(dm) = dm {
            let messages = alice.all_messages(dm["id"].as_i64().unwrap()).await;
            if let Some(m) = messages.first() {
                assert!(m["body"].as_str().unwrap().contains("paused"), "{m}");
                assert_eq!(m["author"], "relay");
                told = true;
                break;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(told, "the maker was not told");
    // Resumed, it starts with the event that failed.
    let second = say_seq(&alice, ops, "after the pause").await;
    let r = alice
        .send(
            Method::PATCH,
            &format!("{list}/{id}"),
            Some(json!({ "paused": false })),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["hook"]["paused_at"], Value::Null);
    receiver
        .until("both messages", |h| {
            h.iter().any(|h| h.taken && h.seq == second)
        })
        .await;
    assert_eq!(receiver.kept_message_seqs(), vec![first, second]);
}

#[tokio::test]
async fn the_ssrf_guard_refuses_loopback_private_and_link_local_urls_unless_allowed() {
    // Address literals are checked before anything is sent: no traffic
    // leaves the machine.
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let ops = room(&alice, "ops", "private").await;
    for url in [
        "http://127.0.0.1:9/x",
        "http://10.1.2.3/x",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:9/x",
        "http://localhost:9/x",
        "http://192.168.0.1/x",
    ] {
        let r = make(&alice, ops, "relay", url).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{url}: {}", r.text);
        assert_eq!(r.error_code(), "url_not_allowed", "{url}");
    }
    for url in [
        "ftp://example.com/x",
        "not a url",
        "http://user:pw@example.com/",
    ] {
        let r = make(&alice, ops, "relay", url).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{url}: {}", r.text);
    }
    // Nothing was made.
    let list = alice.get(&format!("/api/v1/rooms/{ops}/outhooks")).await;
    assert_eq!(list.body["hooks"], json!([]));
    // The admin's allow list opens exactly its block.
    let allowing = app_allowing_loopback(20).await;
    let bob = allowing.user("bob").await;
    let lab = room(&bob, "lab", "private").await;
    assert_eq!(
        make(&bob, lab, "relay", "http://127.0.0.1:9/x")
            .await
            .status,
        StatusCode::CREATED
    );
    let r = make(&bob, lab, "relay2", "http://10.1.2.3/x").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
}

#[tokio::test]
async fn only_a_rooms_owners_manage_its_outgoing_hooks_and_see_them() {
    let app = app_allowing_loopback(20).await;
    let receiver = Receiver::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let ops = room(&alice, "ops", "private").await;
    let r = alice
        .post(
            &format!("/api/v1/rooms/{ops}/members"),
            json!({ "username": "bob" }),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let (id, secret) = hook(&alice, ops, &receiver.url()).await;
    let list = format!("/api/v1/rooms/{ops}/outhooks");
    let one = format!("{list}/{id}");
    // A member who does not own the room: 403, a stranger: 404.
    for (who, status) in [
        (&bob, StatusCode::FORBIDDEN),
        (&carol, StatusCode::NOT_FOUND),
    ] {
        assert_eq!(make(who, ops, "mine", &receiver.url()).await.status, status);
        assert_eq!(who.get(&list).await.status, status);
        assert_eq!(who.get(&format!("{one}/deliveries")).await.status, status);
        assert_eq!(who.delete(&one).await.status, status);
        let r = who
            .send(Method::PATCH, &one, Some(json!({"paused": true})), &[])
            .await;
        assert_eq!(r.status, status);
    }
    // The owner sees the hook, never its secret again.
    let listed = alice.get(&list).await;
    assert_eq!(listed.body["hooks"][0]["url"], receiver.url());
    assert!(!listed.text.contains(&secret));
    // A hook of another room is not found through this one.
    let other = room(&alice, "other", "private").await;
    assert_eq!(
        alice
            .get(&format!("/api/v1/rooms/{other}/outhooks/{id}/deliveries"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(alice.delete(&one).await.status, StatusCode::NO_CONTENT);
    assert_eq!(alice.get(&list).await.body["hooks"], json!([]));
    assert_eq!(alice.delete(&one).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_room_has_at_most_ten_outgoing_hooks() {
    let app = app_allowing_loopback(20).await;
    let alice = app.user("alice").await;
    let ops = room(&alice, "ops", "private").await;
    for i in 0..10 {
        let r = make(&alice, ops, &format!("relay{i}"), "http://127.0.0.1:9/x").await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let r = make(&alice, ops, "relay10", "http://127.0.0.1:9/x").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    assert_eq!(r.error_code(), "too_many_hooks");
}

#[tokio::test]
async fn a_server_killed_mid_delivery_loses_no_event() {
    let receiver = Receiver::start().await;
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "--outbound-allow",
        "127.0.0.1/32",
        "--outhook-retry-ms",
        "10",
    ];
    let server = ServerProcess::start(dir.path(), &args).unwrap();
    let alice = Client::new(&server.base);
    let r = alice
        .post("/api/v1/users", json!({ "username": "alice" }))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let ops = room(&alice, "ops", "private").await;
    hook(&alice, ops, &receiver.url()).await;
    // Sends keep coming while the receiver is slowed by failures, then the
    // server dies with deliveries in flight.
    receiver.fail(3, 500);
    let mut acked = Vec::new();
    for i in 0..60 {
        acked.push(say_seq(&alice, ops, &format!("before {i}")).await);
    }
    receiver
        .until("some deliveries", |h| {
            h.iter().filter(|h| h.taken).count() >= 5
        })
        .await;
    tokio::task::spawn_blocking(move || server.kill())
        .await
        .unwrap();

    let server = ServerProcess::start(dir.path(), &args).unwrap();
    let alice = alice.with_base(&server.base);
    for i in 0..20 {
        acked.push(say_seq(&alice, ops, &format!("after {i}")).await);
    }
    let last = *acked.last().unwrap();
    receiver
        .until("the last message", |h| {
            h.iter().any(|h| h.taken && h.seq == last)
        })
        .await;
    // De-duplicated by seq, the receiver has every acknowledged message,
    // each once, in order.
    assert_eq!(receiver.kept_message_seqs(), acked);
    drop(server);
}
