//! Resuming on a node that has the room live already: a cursor at what the
//! node has handed out needs no store read (`realtime/hub/known.rs`), and
//! nothing may be missed, repeated or shown to a non-member because of it.

use serde_json::json;

use crate::helpers::spawn_app;
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
