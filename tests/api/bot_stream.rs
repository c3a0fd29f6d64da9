//! API tokens on the WebSocket stream: a bot's messages arrive marked, a
//! token's scopes and rooms hold for subscribing and sending, and revoking
//! the token or deactivating its maker closes its connection at once.

use serde_json::json;

use crate::helpers::spawn_app;
use crate::integrations_support::{bot, my_id, room, say, token};
use crate::ws::connect;

#[tokio::test]
async fn a_read_token_streams_a_bots_messages_but_cannot_send_or_see_other_rooms() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let ops = room(&alice, "ops", "private").await;
    let other = room(&alice, "other", "private").await;
    let helper = bot(&alice, "helper").await;
    let r = alice
        .post(
            &format!("/api/v1/rooms/{ops}/members"),
            json!({"username": "helper"}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let poster = token(&alice, json!({"scopes": ["post"], "bot_id": helper})).await;
    let reader = token(&alice, json!({"scopes": ["read"], "rooms": [ops]})).await;

    let mut ws = connect(&app.base, &reader).await;
    ws.subscribe(ops, 0).await;
    assert!(say(&app, &poster, ops, "build green")
        .await
        .status
        .is_success());
    let (created, _) = ws.until("message.created").await;
    assert_eq!(created["message"]["author"], "helper");
    assert_eq!(created["message"]["bot"], true);

    ws.send(json!({"type": "subscribe", "rooms": {other.to_string(): 0}}))
        .await;
    let (refused, _) = ws.until("error").await;
    assert_eq!(refused["room_id"], other);
    assert_eq!(refused["error"]["code"], "not_found");

    ws.send(json!({"type": "send", "room_id": ops, "client_id": "ws-1", "body": "hi"}))
        .await;
    let (refused, _) = ws.until("error").await;
    assert_eq!(refused["client_id"], "ws-1");
    assert_eq!(refused["error"]["code"], "forbidden");
    assert_eq!(alice.all_messages(ops).await.len(), 1, "nothing was sent");
}

#[tokio::test]
async fn revoking_a_token_closes_its_stream_at_once() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let made = alice
        .post("/api/v1/tokens", json!({"name": "t", "scopes": ["read"]}))
        .await;
    let t = made.body["token"].as_str().unwrap().to_owned();
    let mut ws = connect(&app.base, &t).await;
    ws.subscribe(1, 0).await;
    let id = made.body["id"].as_i64().unwrap();
    assert!(alice
        .delete(&format!("/api/v1/tokens/{id}"))
        .await
        .status
        .is_success());
    assert_eq!(ws.end().await, Some(4001));
}

#[tokio::test]
async fn deactivating_the_owner_closes_the_bots_stream_but_signing_out_everywhere_does_not() {
    let app = spawn_app().await;
    let admin = app.user("admin").await;
    let alice = app.user("alice").await;
    let alice_id = my_id(&alice).await;
    let helper = bot(&alice, "helper").await;
    let r = alice
        .post("/api/v1/rooms/1/members", json!({"username": "helper"}))
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let t = token(&alice, json!({"scopes": ["read"], "bot_id": helper})).await;
    let mut ws = connect(&app.base, &t).await;
    ws.subscribe(1, 0).await;

    assert!(alice.delete("/api/v1/sessions").await.status.is_success());
    admin.say(1, "still listening?").await;
    let (created, _) = ws.until("message.created").await;
    assert_eq!(created["message"]["body"], "still listening?");

    let r = admin
        .put(
            &format!("/api/v1/admin/users/{alice_id}/active"),
            json!({"active": false}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    assert_eq!(ws.end().await, Some(4001));
}
