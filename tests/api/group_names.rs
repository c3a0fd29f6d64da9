//! A group conversation named after its people follows who is in it
//! (issue 16): joins and leaves rename it, unless someone chose a name.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{spawn_app, Client};
use crate::room_care::patch;

async fn name_of(c: &Client, room: i64) -> String {
    let r = c.get(&format!("/api/v1/rooms/{room}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["room"]["name"].as_str().unwrap().to_owned()
}

async fn add(c: &Client, room: i64, who: &str) {
    let r = c
        .post(
            &format!("/api/v1/rooms/{room}/members"),
            json!({ "username": who }),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
}

#[tokio::test]
async fn a_group_named_after_its_people_follows_who_joins_and_leaves() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    app.user("Dave").await;
    let r = alice
        .post("/api/v1/groups", json!({ "usernames": ["carol", "bob"] }))
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let group = r.body["room"]["id"].as_i64().unwrap();
    assert_eq!(name_of(&bob, group).await, "alice, bob, carol");

    add(&bob, group, "Dave").await;
    assert_eq!(name_of(&alice, group).await, "alice, bob, carol, Dave");

    let r = carol
        .post(&format!("/api/v1/rooms/{group}/leave"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_eq!(name_of(&alice, group).await, "alice, bob, Dave");
    let rooms = bob.get("/api/v1/rooms").await.body;
    let listed = rooms["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == group)
        .unwrap();
    assert_eq!(
        listed["name"], "alice, bob, Dave",
        "the room list shows it too"
    );
}

#[tokio::test]
async fn a_group_someone_named_keeps_its_name_when_people_join() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    app.user("bob").await;
    app.user("carol").await;
    app.user("dave").await;
    let r = alice
        .post("/api/v1/groups", json!({ "usernames": ["bob", "carol"] }))
        .await;
    let group = r.body["room"]["id"].as_i64().unwrap();
    let r = patch(
        &alice,
        &format!("/api/v1/rooms/{group}/settings"),
        json!({ "name": "launch crew" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    add(&alice, group, "dave").await;
    assert_eq!(name_of(&alice, group).await, "launch crew");
}
