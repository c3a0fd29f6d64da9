//! People joining and leaving as room events, against the real server:
//! one frame each on the stream (with a seq), replayed on resume and in
//! history pages, delivered to outgoing webhooks and the bots' feed.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, Client};
use crate::integrations_support::{bot, room, token, with_token};
use crate::outhooks_support::Receiver;
use crate::ws::{connect, Ws};

fn of_type<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == kind).collect()
}

/// The next `kind` frame of the room's log (with a seq). A room's first
/// members are announced without one, after the commit, so a client that
/// subscribed at once may hear of its own join to a room it just made.
async fn logged(ws: &mut Ws, kind: &str) -> Value {
    loop {
        let (frame, _) = ws.until(kind).await;
        if frame.get("seq").is_some() {
            return frame;
        }
        assert_eq!(
            kind, "member.joined",
            "only a room's first members come without a seq"
        );
    }
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

#[tokio::test]
async fn a_join_and_a_leave_are_one_frame_each_with_a_seq_and_a_resuming_client_gets_them() {
    let app = spawn_app().await;
    let (alice, alice_token) = app.user_with_token("alice").await;
    let bob = app.user("bob").await;
    let lounge = room(&alice, "lounge", "public").await;
    let mut ws = connect(&app.base, &alice_token).await;
    assert!(ws.subscribe(lounge, 0).await.is_empty());

    let r = bob
        .post(&format!("/api/v1/rooms/{lounge}/join"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let joined = logged(&mut ws, "member.joined").await;
    assert_eq!(
        (joined["seq"].as_i64(), joined["username"].as_str()),
        (Some(1), Some("bob"))
    );
    assert!(joined.get("by_username").is_none(), "he joined by himself");
    let r = bob
        .post(&format!("/api/v1/rooms/{lounge}/leave"), json!({}))
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let (left, between) = ws.until("member.left").await;
    assert_eq!(
        (left["seq"].as_i64(), left["reason"].as_str()),
        (Some(2), Some("left"))
    );
    // Nothing else announces them to the room: one frame per change.
    let after = ws.drain().await;
    assert!(
        between
            .iter()
            .chain(&after)
            .all(|f| f["type"] != "member.joined" && f["type"] != "member.left"),
        "{between:?} {after:?}"
    );

    // The next message takes the next seq; a client coming back from
    // nothing replays all three, in order.
    let said = alice.say(lounge, "welcome, whoever comes next").await;
    assert_eq!(said.body["message"]["seq"], 3);
    let mut again = connect(&app.base, &alice_token).await;
    let replayed: Vec<_> = again
        .subscribe(lounge, 0)
        .await
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        replayed,
        ["member.joined", "member.left", "message.created"]
    );

    // A history page tells the same story as the lines shown live.
    let page = alice.get(&format!("/api/v1/rooms/{lounge}/messages")).await;
    let changes = page.body["changes"].as_array().unwrap();
    let told: Vec<_> = changes
        .iter()
        .map(|c| (c["type"].as_str().unwrap(), c["username"].as_str().unwrap()))
        .collect();
    assert_eq!(told, [("member.joined", "bob"), ("member.left", "bob")]);
}

#[tokio::test]
async fn an_outgoing_webhook_hears_who_was_added_and_who_the_owner_removed() {
    let app = spawn_app_with(|c| {
        c.outbound.allow = vec!["127.0.0.1/32".to_owned()];
        c.outbound.hook_retry_ms = 5;
    })
    .await;
    let receiver = Receiver::start().await;
    let alice = app.user("alice").await;
    app.user("bob").await;
    let ops = room(&alice, "ops", "private").await;
    let r = alice
        .post(
            &format!("/api/v1/rooms/{ops}/outhooks"),
            json!({ "name": "relay", "url": receiver.url() }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    add(&alice, ops, "bob").await;
    let r = alice
        .delete(&format!("/api/v1/rooms/{ops}/members/bob"))
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let about_bob = |hits: &[crate::outhooks_support::Hit]| -> Vec<Value> {
        hits.iter()
            .filter(|h| h.taken)
            .map(crate::outhooks_support::Hit::json)
            .filter(|e| e["username"] == "bob")
            .collect()
    };
    let hits = receiver
        .until("bob's member.left", |h| about_bob(h).len() >= 2)
        .await;
    let events = about_bob(&hits);
    let (joined, left) = (&events[0], &events[1]);
    assert_eq!(joined["type"], "member.joined");
    assert_eq!(joined["by_username"], "alice");
    assert_eq!(joined["room_id"], ops);
    assert_eq!(left["type"], "member.left");
    assert_eq!(left["reason"], "removed");
    assert_eq!(left["by_username"], "alice");
    assert_eq!(left["seq"].as_i64(), joined["seq"].as_i64().map(|s| s + 1));
}

#[tokio::test]
async fn the_bots_feed_carries_member_joined_when_someone_joins_a_room_of_the_bot() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let lounge = room(&alice, "lounge", "public").await;
    let helper = bot(&alice, "helper").await;
    add(&alice, lounge, "helper").await;
    let t = token(&alice, json!({"scopes": ["read"], "bot_id": helper})).await;

    let r = bob
        .post(&format!("/api/v1/rooms/{lounge}/join"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let page = with_token(&app, &t, Method::GET, "/api/v1/feed", None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let events = page.body["events"].as_array().unwrap();
    let joined = of_type(events, "member.joined");
    let names: Vec<_> = joined
        .iter()
        .map(|e| {
            (
                e["room_id"].as_i64().unwrap(),
                e["username"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(names.contains(&(lounge, "bob")), "{events:?}");
}
