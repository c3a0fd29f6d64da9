//! Resuming on a node that has the room live already: a cursor at what the
//! node has handed out needs no store read (`realtime/hub/known.rs`), one a
//! few messages behind gets them from what the node handed out
//! (`realtime/hub/recent.rs`), and nothing may be missed, repeated, shown
//! after its deletion or shown to a non-member because of it.
// The metrics compared exactly are counts: whole numbers, exact in an f64.
#![allow(clippy::float_cmp)]

use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with};
use crate::ops::{scrape, value};
use crate::ws::{connect, next_event, seqs};

#[tokio::test]
async fn a_resume_where_the_node_has_the_room_gets_exactly_what_it_lacks() {
    let app = spawn_app().await;
    let (alice, _) = app.user_with_token("alice").await;
    let (_, bob_token) = app.user_with_token("bob").await;
    let (_, carol_token) = app.user_with_token("carol").await;
    for i in 0..3 {
        alice.say(1, &format!("before {i}")).await;
    }
    // The room's first listener here replays from the store.
    let mut bob = connect(&app.base, &bob_token).await;
    assert_eq!(seqs(&bob.subscribe(1, 0).await), [1, 2, 3]);
    alice.say(1, "four").await;
    assert_eq!(next_event(&mut bob).await["seq"], 4);

    // At the newest seq: nothing to replay, then live.
    let mut carol = connect(&app.base, &carol_token).await;
    assert!(carol.subscribe(1, 4).await.is_empty());
    alice.say(1, "five").await;
    assert_eq!(next_event(&mut carol).await["seq"], 5);
    assert_eq!(next_event(&mut bob).await["seq"], 5);

    // Behind it: exactly what is missing, once, then live.
    let mut behind = connect(&app.base, &carol_token).await;
    assert_eq!(seqs(&behind.subscribe(1, 2).await), [3, 4, 5]);
    alice.say(1, "six").await;
    assert_eq!(next_event(&mut behind).await["seq"], 6);
    assert!(behind.drain().await.iter().all(|f| f.get("seq").is_none()));
}

/// How many subscribes caught up `from` ("none", "memory", "store").
async fn catchups(metrics: &str, from: &str) -> f64 {
    let (_, text) = scrape(metrics, None).await;
    value(
        &text,
        &format!("natter_stream_catchups_total{{from=\"{from}\"}} "),
    )
}

fn bodies(frames: &[serde_json::Value]) -> Vec<&str> {
    frames
        .iter()
        .filter_map(|f| f["message"]["body"].as_str())
        .collect()
}

#[tokio::test]
async fn a_resume_a_few_behind_gets_them_from_what_the_node_handed_out_never_a_deleted_text() {
    let app = spawn_app_with(|c| c.metrics_listen = Some("127.0.0.1:0".parse().unwrap())).await;
    let metrics = app.metrics_base.clone().unwrap();
    let (alice, _) = app.user_with_token("alice").await;
    let (_, bob_token) = app.user_with_token("bob").await;
    let (_, carol_token) = app.user_with_token("carol").await;
    let mut bob = connect(&app.base, &bob_token).await;
    let start = seqs(&bob.subscribe(1, 0).await)
        .last()
        .copied()
        .unwrap_or(0);
    for body in ["one", "two", "three"] {
        alice.say(1, body).await;
        next_event(&mut bob).await;
    }

    // Two behind: those two, from the node's memory, then live.
    let mut carol = connect(&app.base, &carol_token).await;
    let caught_up = carol.subscribe(1, start + 1).await;
    assert_eq!(seqs(&caught_up), [start + 2, start + 3]);
    assert_eq!(bodies(&caught_up), ["two", "three"]);
    assert_eq!(catchups(&metrics, "memory").await, 1.0);
    alice.say(1, "four").await;
    assert_eq!(next_event(&mut carol).await["message"]["body"], "four");
    assert_eq!(next_event(&mut bob).await["message"]["body"], "four");

    // "two" deleted, then one more: a resume from before it never sees its text.
    let r = alice
        .delete(&format!("/api/v1/rooms/1/messages/{}", start + 2))
        .await;
    assert!(r.status.is_success(), "{:?}", r.body);
    alice.say(1, "five").await;
    let mut again = connect(&app.base, &carol_token).await;
    let caught_up = again.subscribe(1, start + 1).await;
    assert_eq!(
        bodies(&caught_up),
        ["", "three", "four", "five"],
        "the deleted one as a tombstone"
    );
    assert_eq!(
        seqs(&caught_up),
        (start + 2..=start + 6).collect::<Vec<_>>(),
        "the deleted message and its deletion are replayed too"
    );
    assert_eq!(catchups(&metrics, "memory").await, 1.0, "not from memory");
    assert!(catchups(&metrics, "store").await >= 2.0);
}

#[tokio::test]
async fn a_non_member_resuming_at_a_high_cursor_is_still_refused() {
    let app = spawn_app().await;
    let (alice, _) = app.user_with_token("alice").await;
    let (_, bob_token) = app.user_with_token("bob").await;
    let (_, mallory_token) = app.user_with_token("mallory").await;
    let r = alice
        .post(
            "/api/v1/rooms",
            json!({"name": "team", "kind": "private", "members": ["bob"]}),
        )
        .await;
    let room = r.body["room"]["id"].as_i64().unwrap();
    alice.say(room, "the plan").await;
    let mut bob = connect(&app.base, &bob_token).await;
    let replayed = bob.subscribe(room, 0).await;
    assert_eq!(replayed.last().unwrap()["message"]["body"], "the plan");

    let mut mallory = connect(&app.base, &mallory_token).await;
    mallory
        .send(json!({"type": "subscribe", "rooms": {room.to_string(): 1000}}))
        .await;
    let (error, _) = mallory.until("error").await;
    assert_eq!(error["error"]["code"], "not_found");
    alice.say(room, "still secret").await;
    assert_eq!(
        next_event(&mut bob).await["message"]["body"],
        "still secret"
    );
    assert!(
        mallory.drain().await.iter().all(|f| f["room_id"] != room),
        "mallory saw something of the private room"
    );
}
