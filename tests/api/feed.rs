//! The bots' resumable feed against the real server: one cursor over all
//! of a token's rooms, positions the server remembers, and the example
//! echo bot (examples/echo_bot.rs) answering across a restart.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Client, TestApp};
use crate::integrations_support::{bot, room, token, with_token};

#[allow(dead_code)] // its `main` is for `cargo run --example echo_bot`
#[path = "../../examples/echo_bot.rs"]
mod echo_bot;

/// A bot of `owner`'s in `rooms`, and a read+post token for it.
async fn bot_in(owner: &Client, name: &str, rooms: &[i64]) -> String {
    let id = bot(owner, name).await;
    for r in rooms {
        let added = owner
            .post(
                &format!("/api/v1/rooms/{r}/members"),
                json!({ "username": name }),
            )
            .await;
        assert!(added.status.is_success(), "{}", added.text);
    }
    token(owner, json!({"scopes": ["read", "post"], "bot_id": id})).await
}

async fn feed(app: &TestApp, token: &str, query: &str) -> Value {
    let r = with_token(
        app,
        token,
        Method::GET,
        &format!("/api/v1/feed{query}"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

fn bodies(page: &Value) -> Vec<String> {
    page["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "message.created")
        .map(|e| e["message"]["body"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn one_cursor_follows_every_room_and_an_acknowledged_position_survives_without_it() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let ops = room(&alice, "ops", "private").await;
    alice.say(1, "said before the bot came").await;
    let t = bot_in(&alice, "helper", &[1, ops]).await;

    alice.say(1, "in general").await;
    alice.say(ops, "in ops").await;
    let page = feed(&app, &t, "").await;
    let mut got = bodies(&page);
    got.sort();
    assert_eq!(
        got,
        ["in general", "in ops"],
        "only what came since it joined"
    );

    // With the cursor: nothing again; without it and without an ack: the same again.
    let cursor = page["cursor"].as_str().unwrap();
    assert!(bodies(&feed(&app, &t, &format!("?cursor={cursor}")).await).is_empty());
    assert_eq!(bodies(&feed(&app, &t, "").await).len(), 2);

    // Acknowledged: a bot that kept nothing resumes after it.
    let ack = with_token(
        &app,
        &t,
        Method::POST,
        "/api/v1/feed/ack",
        Some(json!({"cursor": cursor})),
    )
    .await;
    assert_eq!(ack.status, StatusCode::NO_CONTENT, "{}", ack.text);
    alice.say(ops, "after the ack").await;
    let page = feed(&app, &t, "").await;
    assert_eq!(bodies(&page), ["after the ack"]);
    // The stream's form of the same position, which an ack takes too.
    let seq = page["events"][0]["seq"].clone();
    assert_eq!(page["rooms"][ops.to_string()], seq);
    let rooms = json!({ "rooms": { ops.to_string(): seq } });
    let ack = with_token(&app, &t, Method::POST, "/api/v1/feed/ack", Some(rooms)).await;
    assert_eq!(ack.status, StatusCode::NO_CONTENT, "{}", ack.text);
    let position = feed(&app, &t, "?limit=0").await;
    assert!(bodies(&position).is_empty());
    assert_eq!(position["rooms"][ops.to_string()], seq, "{position}");
    assert!(bodies(&feed(&app, &t, "").await).is_empty(), "all handled");
}

#[tokio::test]
async fn a_long_poll_wakes_for_a_message_in_any_room() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let ops = room(&alice, "ops", "private").await;
    let t = bot_in(&alice, "helper", &[1, ops]).await;
    let cursor = feed(&app, &t, "").await["cursor"]
        .as_str()
        .unwrap()
        .to_owned();

    let waiting = {
        let (base, t) = (app.base.clone(), t.clone());
        tokio::spawn(async move {
            reqwest::Client::new()
                .get(format!("{base}/api/v1/feed?wait=30&cursor={cursor}"))
                .bearer_auth(t)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        })
    };
    // Sent until the poll has surely started: each send is a new event,
    // and the poll answers with whatever it has when it wakes.
    let mut sent = 0;
    while !waiting.is_finished() && sent < 50 {
        alice.say(ops, &format!("wake {sent}")).await;
        sent += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let page = waiting.await.unwrap();
    assert!(bodies(&page)[0].starts_with("wake "), "{page}");
}

#[tokio::test]
async fn the_feed_never_reads_a_room_outside_the_token_or_its_membership() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let ops = room(&alice, "ops", "private").await;
    let secret = room(&alice, "secret", "private").await;
    let id = bot(&alice, "helper").await;
    for r in [ops, secret] {
        let added = alice
            .post(
                &format!("/api/v1/rooms/{r}/members"),
                json!({"username": "helper"}),
            )
            .await;
        assert!(added.status.is_success());
    }
    let only_ops = token(
        &alice,
        json!({"scopes": ["read"], "bot_id": id, "rooms": [ops]}),
    )
    .await;
    alice.say(secret, "not for the token").await;
    alice.say(ops, "for the token").await;
    // A cursor naming another room changes nothing: rooms come from membership.
    let page = feed(&app, &only_ops, "").await;
    assert_eq!(bodies(&page), ["for the token"]);
    assert!(page["rooms"].get(secret.to_string()).is_none());

    let bob = app.user("bob").await;
    let bob_token = token(&bob, json!({"scopes": ["read"]})).await;
    let page = feed(&app, &bob_token, "").await;
    assert!(!bodies(&page).iter().any(|b| b.contains("token")), "{page}");

    let r = with_token(&app, &only_ops, Method::GET, "/api/v1/feed?cursor=41", None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.error_code(), "cursor_invalid");
    // A browser keeps its own position: acknowledging is for tokens.
    let r = alice
        .post("/api/v1/feed/ack", json!({"cursor": page["cursor"]}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.error_code(), "feed_needs_token");
}

/// Waits until `room` holds a message `body` (the bot answers in its own time).
async fn until_said(owner: &Client, room: i64, body: &str) {
    for _ in 0..300 {
        if owner
            .all_messages(room)
            .await
            .iter()
            .any(|m| m["body"] == body)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("nobody said {body:?}");
}

fn count(messages: &[Value], body: &str) -> usize {
    messages.iter().filter(|m| m["body"] == body).count()
}

#[tokio::test]
async fn the_example_echo_bot_answers_and_after_a_restart_misses_nothing_and_repeats_nothing() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let ops = room(&alice, "ops", "private").await;
    let t = bot_in(&alice, "echo", &[1, ops]).await;
    let start =
        |base: String, t: String| tokio::spawn(async move { echo_bot::run(&base, &t).await });

    let running = start(app.base.clone(), t.clone());
    alice.say(ops, "hello").await;
    until_said(&alice, ops, "echo: hello").await;

    // Stopped mid-poll, like a killed process; messages arrive meanwhile.
    running.abort();
    let _ = running.await;
    alice.say(ops, "while down 1").await;
    alice.say(1, "while down 2").await;
    alice.say(ops, "while down 3").await;

    let running = start(app.base.clone(), t.clone());
    until_said(&alice, ops, "echo: while down 1").await;
    until_said(&alice, 1, "echo: while down 2").await;
    until_said(&alice, ops, "echo: while down 3").await;
    // A last one, answered after everything before it was handled.
    alice.say(ops, "last").await;
    until_said(&alice, ops, "echo: last").await;
    running.abort();

    let in_ops = alice.all_messages(ops).await;
    let in_general = alice.all_messages(1).await;
    for body in [
        "echo: hello",
        "echo: while down 1",
        "echo: while down 3",
        "echo: last",
    ] {
        assert_eq!(count(&in_ops, body), 1, "{body}");
    }
    assert_eq!(count(&in_general, "echo: while down 2"), 1);
    assert!(
        !in_ops
            .iter()
            .any(|m| m["body"].as_str().unwrap().starts_with("echo: echo")),
        "the bot does not answer itself"
    );
}
