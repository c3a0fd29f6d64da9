//! A bot's outgoing webhooks against the real server and a receiver on
//! 127.0.0.1: the events of every room the bot is in, each room in order,
//! from the bot's join, never a room it is not (or no longer) in; only the
//! bot's owner manages them.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{spawn_app_with, Client, TestApp};
use crate::integrations_support::{bot, room};
use crate::outhooks_support::{Hit, Receiver};

/// An app that may deliver to loopback.
async fn app_allowing_loopback() -> TestApp {
    spawn_app_with(|c| {
        c.outbound.allow = vec!["127.0.0.1/32".to_owned()];
        c.outbound.hook_retry_ms = 5;
        c.outbound.hook_attempts = 20;
    })
    .await
}

async fn add(owner: &Client, room: i64, username: &str) {
    let r = owner
        .post(
            &format!("/api/v1/rooms/{room}/members"),
            json!({ "username": username }),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
}

/// Makes a hook for the bot that must succeed; returns its id.
async fn bot_hook(owner: &Client, bot: i64, url: &str) -> i64 {
    let r = owner
        .post(
            &format!("/api/v1/bots/{bot}/outhooks"),
            json!({ "name": "relay", "url": url }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert!(r.body["secret"].as_str().unwrap().starts_with("whsec_"));
    assert!(r.body["hook"]["room_id"].is_null(), "{}", r.text);
    r.body["hook"]["id"].as_i64().unwrap()
}

async fn say_seq(c: &Client, room: i64, text: &str) -> i64 {
    let r = c.say(room, text).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["message"]["seq"].as_i64().unwrap()
}

/// The new messages the receiver took in `room`, as (seq, body), in
/// arrival order without repeats.
fn messages_in(hits: &[Hit], room: i64) -> Vec<(i64, String)> {
    let mut last = 0;
    let mut out = Vec::new();
    for hit in hits.iter().filter(|h| h.taken && h.room == room) {
        if hit.seq <= last {
            continue;
        }
        last = hit.seq;
        let event = hit.json();
        if event["type"] == "message.created" {
            let body = event["message"]["body"].as_str().unwrap_or("").to_owned();
            out.push((hit.seq, body));
        }
    }
    out
}

fn has_body(hits: &[Hit], body: &str) -> bool {
    hits.iter()
        .any(|h| h.taken && h.json()["message"]["body"] == body)
}

#[tokio::test]
async fn a_bots_hook_gets_every_room_it_is_in_in_order_and_no_other() {
    let app = app_allowing_loopback().await;
    let receiver = Receiver::start().await;
    let alice = app.user("alice").await;
    let relay = bot(&alice, "relay").await;
    let ops = room(&alice, "ops", "private").await;
    let dev = room(&alice, "dev", "private").await;
    let secret = room(&alice, "secret", "private").await;
    add(&alice, ops, "relay").await;
    say_seq(&alice, dev, "before the bot joined dev").await;
    bot_hook(&alice, relay, &receiver.url()).await;

    let mut in_ops = Vec::new();
    let mut in_dev = Vec::new();
    for i in 0..5 {
        in_ops.push(say_seq(&alice, ops, &format!("ops {i}")).await);
        say_seq(&alice, secret, &format!("secret {i}")).await;
    }
    // A room joined after the hook was made is followed from the join.
    add(&alice, dev, "relay").await;
    for i in 0..5 {
        in_dev.push(say_seq(&alice, dev, &format!("dev {i}")).await);
        in_ops.push(say_seq(&alice, ops, &format!("ops {}", i + 5)).await);
    }
    let hits = receiver
        .until("10 messages of ops and 5 of dev", |h| {
            messages_in(h, ops).len() >= 10 && messages_in(h, dev).len() >= 5
        })
        .await;
    let seqs = |room| -> Vec<i64> { messages_in(&hits, room).iter().map(|m| m.0).collect() };
    assert_eq!(seqs(ops), in_ops);
    assert_eq!(seqs(dev), in_dev);
    assert!(
        hits.iter().all(|h| h.room != secret),
        "a room the bot is not in"
    );
    assert!(!has_body(&hits, "before the bot joined dev"));
    // Each room's events arrive in seq order (a retry may repeat one).
    for r in [ops, dev] {
        let arrived: Vec<i64> = hits.iter().filter(|h| h.room == r).map(|h| h.seq).collect();
        assert!(arrived.windows(2).all(|w| w[0] <= w[1]), "{arrived:?}");
    }
}

#[tokio::test]
async fn nothing_more_arrives_from_a_room_the_bot_left() {
    let app = app_allowing_loopback().await;
    let receiver = Receiver::start().await;
    let alice = app.user("alice").await;
    let relay = bot(&alice, "relay").await;
    let ops = room(&alice, "ops", "private").await;
    let dev = room(&alice, "dev", "private").await;
    add(&alice, ops, "relay").await;
    add(&alice, dev, "relay").await;
    bot_hook(&alice, relay, &receiver.url()).await;

    say_seq(&alice, ops, "while in ops").await;
    receiver
        .until("the message in ops", |h| has_body(h, "while in ops"))
        .await;
    let r = alice
        .delete(&format!("/api/v1/rooms/{ops}/members/relay"))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    say_seq(&alice, ops, "after the bot left").await;
    // Read after the leave, like everything the worker reads from now on.
    say_seq(&alice, dev, "marker in dev").await;
    let hits = receiver
        .until("the marker in dev", |h| has_body(h, "marker in dev"))
        .await;
    assert!(!has_body(&hits, "after the bot left"));

    // Back in the room, it is followed from the new join, not from where it
    // stopped: what was said while it was out never arrives.
    add(&alice, ops, "relay").await;
    say_seq(&alice, ops, "back in ops").await;
    let hits = receiver
        .until("the message after rejoining", |h| {
            has_body(h, "back in ops")
        })
        .await;
    assert!(!has_body(&hits, "after the bot left"));
}

#[tokio::test]
async fn only_the_bots_owner_makes_sees_and_manages_its_hooks() {
    let app = app_allowing_loopback().await;
    let receiver = Receiver::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let relay = bot(&alice, "relay").await;
    let id = bot_hook(&alice, relay, &receiver.url()).await;
    let hooks = format!("/api/v1/bots/{relay}/outhooks");
    let one = format!("{hooks}/{id}");

    let r = bob
        .post(&hooks, json!({ "name": "spy", "url": receiver.url() }))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    assert!(r.body["error"]["message"].is_string(), "{}", r.text);
    assert_eq!(bob.get(&hooks).await.status, StatusCode::NOT_FOUND);
    assert_eq!(bob.delete(&one).await.status, StatusCode::NOT_FOUND);
    let r = bob
        .send(Method::PATCH, &one, Some(json!({"paused": true})), &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        bob.get(&format!("{one}/deliveries")).await.status,
        StatusCode::NOT_FOUND
    );

    // The owner lists, pauses, reads the log of and deletes it.
    let list = alice.get(&hooks).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert_eq!(list.body["hooks"][0]["id"], id);
    let r = alice
        .send(Method::PATCH, &one, Some(json!({"paused": true})), &[])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.body["hook"]["paused_at"].is_string(), "{}", r.text);
    let log = alice.get(&format!("{one}/deliveries")).await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.text);
    assert_eq!(alice.delete(&one).await.status, StatusCode::NO_CONTENT);
    assert_eq!(alice.get(&hooks).await.body["hooks"], json!([]));
    // A bot's hook is not a room's: the room routes do not reach it.
    let ops = room(&alice, "ops", "private").await;
    let other = bot_hook(&alice, relay, &receiver.url()).await;
    assert_eq!(
        alice
            .delete(&format!("/api/v1/rooms/{ops}/outhooks/{other}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}
