//! Who runs a room and who stays in which: an owner who leaves hands the
//! room on, nobody leaves `general`, and a DM with oneself is one's notes.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Client};

async fn role_of(c: &Client, room: i64, username: &str) -> Option<String> {
    let r = c.get(&format!("/api/v1/rooms/{room}/members")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["username"] == username)
        .map(|m| m["role"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn an_owner_who_leaves_hands_the_room_to_the_member_who_joined_first() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    // Carol is in from the start; Bob (whose account is older) comes later.
    let r = alice
        .post(
            "/api/v1/rooms",
            json!({"name": "plans", "kind": "private", "members": ["carol"]}),
        )
        .await;
    let room = r.body["room"]["id"].as_i64().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let r = carol
        .post(
            &format!("/api/v1/rooms/{room}/members"),
            json!({"username": "bob"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "any member may add people");

    let r = alice
        .post(&format!("/api/v1/rooms/{room}/leave"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        role_of(&carol, room, "carol").await.as_deref(),
        Some("owner")
    );
    assert_eq!(
        role_of(&carol, room, "bob").await.as_deref(),
        Some("member")
    );
    assert_eq!(role_of(&carol, room, "alice").await, None);

    // The new owner can manage the room; the others cannot.
    let slow = json!({"seconds": 5});
    let path = format!("/api/v1/rooms/{room}/slow-mode");
    assert_eq!(
        bob.put(&path, slow.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(carol.put(&path, slow).await.status, StatusCode::OK);
    let r = carol
        .delete(&format!("/api/v1/rooms/{room}/members/bob"))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn nobody_can_leave_general() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    for r in [
        alice.post("/api/v1/rooms/1/leave", json!({})).await,
        alice.delete("/api/v1/rooms/1/members/alice").await,
    ] {
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
        assert_eq!(r.error_code(), "general_room");
    }
    let rooms = alice.get("/api/v1/rooms").await.body;
    assert!(
        rooms["rooms"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == 1),
        "still in general"
    );
    assert_eq!(alice.say(1, "still here").await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn not_even_an_admin_can_ban_or_remove_anyone_from_general() {
    let app = spawn_app().await;
    let admin = app.user("alice").await; // the first account is the admin
    let bob = app.user("bob").await;
    for r in [
        admin
            .post("/api/v1/rooms/1/bans", json!({"username": "bob"}))
            .await,
        admin.delete("/api/v1/rooms/1/members/bob").await,
    ] {
        assert!(
            r.status == StatusCode::BAD_REQUEST || r.status == StatusCode::FORBIDDEN,
            "{}",
            r.text
        );
        if r.status == StatusCode::BAD_REQUEST {
            assert_eq!(r.error_code(), "general_room");
        }
    }
    let r = admin
        .post("/api/v1/rooms/1/bans", json!({"username": "bob"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert!(r.text.contains("deactivates"), "{}", r.text);
    assert_eq!(bob.say(1, "still here").await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn a_dm_with_oneself_is_a_notes_to_self_room_that_nobody_else_sees() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let r = alice
        .post("/api/v1/dms", json!({"username": "Alice"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let notes = r.body["room"]["id"].as_i64().unwrap();
    assert_eq!(r.body["room"]["kind"], "direct");
    let again = alice
        .post("/api/v1/dms", json!({"username": "alice"}))
        .await;
    assert_eq!(again.body["room"]["id"], notes, "one notes room, reused");

    let r = alice.get(&format!("/api/v1/rooms/{notes}/members")).await;
    let members: Vec<&Value> = r.body["members"].as_array().unwrap().iter().collect();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0]["username"], "alice");
    let listed = alice.get("/api/v1/rooms").await.body;
    let entry = listed["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == notes)
        .unwrap()
        .clone();
    assert_eq!(entry["peer"], "alice", "shown under one's own name");

    assert_eq!(
        alice.say(notes, "buy milk").await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        bob.get(&format!("/api/v1/rooms/{notes}/messages"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = alice
        .post(&format!("/api/v1/rooms/{notes}/leave"), json!({}))
        .await;
    assert_eq!(r.error_code(), "direct_room");
}
