//! Typing and presence over the stream: stopping typing ends it at once,
//! and a connection that stops answering pings shows its user offline long
//! before the connection itself is given up.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with};
use crate::ws::{connect, Ws};

/// The next `presence.changed` about `username`.
async fn presence_of(ws: &mut Ws, username: &str) -> Value {
    loop {
        let (f, _) = ws.until("presence.changed").await;
        if f["username"] == username {
            return f;
        }
    }
}

#[tokio::test]
async fn stopping_typing_reaches_the_others_at_once() {
    let app = spawn_app().await;
    let (_, alice_token) = app.user_with_token("alice").await;
    let (_, bob_token) = app.user_with_token("bob").await;
    let mut alice = connect(&app.base, &alice_token).await;
    alice.subscribe(1, 0).await;
    let mut bob = connect(&app.base, &bob_token).await;
    bob.subscribe(1, 0).await;

    bob.send(json!({"type": "typing", "room_id": 1})).await;
    alice.until("typing").await;
    bob.send(json!({"type": "typing.stopped", "room_id": 1}))
        .await;
    let (stopped, _) = alice.until("typing.stopped").await;
    assert_eq!(
        (stopped["room_id"].clone(), stopped["username"].clone()),
        (json!(1), json!("bob"))
    );

    // Stopping again, or without having typed, tells nobody anything.
    bob.send(json!({"type": "typing.stopped", "room_id": 1}))
        .await;
    bob.drain().await;
    assert!(alice
        .drain()
        .await
        .iter()
        .all(|f| f["type"] != "typing.stopped"));
}

#[tokio::test]
async fn a_connection_that_stops_answering_pings_shows_offline_before_it_is_dropped() {
    let app = spawn_app_with(|c| {
        c.stream.ping_interval = Duration::from_secs(1);
        c.stream.idle_timeout = Duration::from_secs(30);
    })
    .await;
    let (alice_http, alice_token) = app.user_with_token("alice").await;
    let (_, bob_token) = app.user_with_token("bob").await;
    let mut alice = connect(&app.base, &alice_token).await;
    alice.subscribe(1, 0).await;
    let mut bob = connect(&app.base, &bob_token).await;
    bob.subscribe(1, 0).await;
    assert_eq!(presence_of(&mut alice, "bob").await["online"], true);

    // Bob stops reading, so he answers no pings: one heartbeat later (a
    // second or two here) he is shown offline, while his connection is
    // kept until the idle timeout.
    let started = std::time::Instant::now();
    let offline = presence_of(&mut alice, "bob").await;
    assert_eq!(offline["online"], false);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "went stale after {:?}",
        started.elapsed()
    );
    assert_eq!(
        app.hub.stats().listeners,
        2,
        "bob's connection is still open"
    );
    let (count, _) = app.hub.online(natter::domain::RoomId(1));
    assert_eq!(count, 1);

    // Heard from again: online again, and nothing was lost meanwhile.
    alice_http.say(1, "while you were away").await;
    bob.send(json!({"type": "ping"})).await;
    assert_eq!(presence_of(&mut alice, "bob").await["online"], true);
    let (missed, _) = bob.until("message.created").await;
    assert_eq!(missed["message"]["body"], "while you were away");
}
