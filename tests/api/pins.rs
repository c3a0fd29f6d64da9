//! Pins (a room's shared list, owners may keep pinning to themselves) and
//! saved messages (private, gone with the room or the message).

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{spawn_app, Answer};
use crate::room_care::{patch, put, room};

fn pinned_seqs(r: &Answer) -> Vec<i64> {
    r.body["pins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["message"]["seq"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn members_pin_and_unpin_and_the_room_lists_its_pins_newest_first() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let id = room(&alice, "plans", "public", &["bob"]).await;
    alice.say(id, "the agenda").await;
    alice.say(id, "the venue").await;

    assert_eq!(
        put(&bob, &format!("/api/v1/rooms/{id}/messages/1/pin"))
            .await
            .body["changed"],
        true
    );
    assert_eq!(
        put(&alice, &format!("/api/v1/rooms/{id}/messages/2/pin"))
            .await
            .body["changed"],
        true
    );
    assert_eq!(
        put(&alice, &format!("/api/v1/rooms/{id}/messages/2/pin"))
            .await
            .body["changed"],
        false
    );
    let r = bob.get(&format!("/api/v1/rooms/{id}/pins")).await;
    assert_eq!(pinned_seqs(&r), [2, 1]);
    assert_eq!(r.body["pins"][1]["pinned_by"], "bob");
    assert_eq!(r.body["pins"][1]["message"]["body"], "the agenda");

    assert_eq!(
        bob.delete(&format!("/api/v1/rooms/{id}/messages/1/pin"))
            .await
            .body["changed"],
        true
    );
    assert_eq!(
        pinned_seqs(&bob.get(&format!("/api/v1/rooms/{id}/pins")).await),
        [2]
    );
}

#[tokio::test]
async fn an_owner_can_keep_pinning_to_owners() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let id = room(&alice, "plans", "private", &["bob"]).await;
    alice.say(id, "rules").await;
    let r = patch(
        &bob,
        &format!("/api/v1/rooms/{id}/settings"),
        json!({"pin_policy": "owners"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = patch(
        &alice,
        &format!("/api/v1/rooms/{id}/settings"),
        json!({"pin_policy": "owners"}),
    )
    .await;
    assert_eq!(r.body["settings"]["pin_policy"], "owners");

    let r = put(&bob, &format!("/api/v1/rooms/{id}/messages/1/pin")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.error_message().contains("owners"));
    assert_eq!(
        put(&alice, &format!("/api/v1/rooms/{id}/messages/1/pin"))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_non_member_gets_404_for_pins_and_saving_in_a_private_room() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let eve = app.user("eve").await;
    let id = room(&alice, "secret", "private", &[]).await;
    alice.say(id, "the plan").await;
    put(&alice, &format!("/api/v1/rooms/{id}/messages/1/pin")).await;

    for r in [
        eve.get(&format!("/api/v1/rooms/{id}/pins")).await,
        put(&eve, &format!("/api/v1/rooms/{id}/messages/1/pin")).await,
        eve.delete(&format!("/api/v1/rooms/{id}/messages/1/pin"))
            .await,
        put(&eve, &format!("/api/v1/rooms/{id}/messages/1/saved")).await,
        eve.get(&format!("/api/v1/rooms/{id}/settings")).await,
    ] {
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
        assert!(!r.text.contains("the plan"));
    }
    assert!(eve.get("/api/v1/saved").await.body["saved"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn saved_messages_are_private_and_a_room_left_or_a_deleted_message_drops_out() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let id = room(&alice, "club", "public", &["bob"]).await;
    alice.say(id, "keep this").await;
    alice.say(1, "and this").await;
    alice.say(1, "not this").await;

    assert_eq!(
        put(&bob, &format!("/api/v1/rooms/{id}/messages/1/saved"))
            .await
            .body["changed"],
        true
    );
    assert_eq!(
        put(&bob, "/api/v1/rooms/1/messages/1/saved").await.body["changed"],
        true
    );
    assert_eq!(
        put(&bob, "/api/v1/rooms/1/messages/2/saved").await.body["changed"],
        true
    );
    assert_eq!(
        put(&bob, "/api/v1/rooms/1/messages/2/saved").await.body["changed"],
        false
    );
    let bodies = |r: Answer| -> Vec<String> {
        r.body["saved"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["message"]["body"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        bodies(bob.get("/api/v1/saved").await),
        ["not this", "and this", "keep this"]
    );
    assert!(
        bodies(alice.get("/api/v1/saved").await).is_empty(),
        "private to bob"
    );

    // Deleted: gone. Left the room: not shown.
    alice.delete("/api/v1/rooms/1/messages/2").await;
    assert_eq!(
        bob.post(&format!("/api/v1/rooms/{id}/leave"), json!({}))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(bodies(bob.get("/api/v1/saved").await), ["and this"]);
    assert_eq!(
        bob.delete("/api/v1/rooms/1/messages/1/saved").await.body["changed"],
        true
    );
    assert!(bodies(bob.get("/api/v1/saved").await).is_empty());
}
