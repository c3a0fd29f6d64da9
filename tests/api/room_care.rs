//! Room care: topic, rename, archive, delete, co-owners; and that pins and
//! room changes are room events replayed on resume in seq order.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Answer, Client};
use crate::ws::connect;

pub(crate) async fn put(c: &Client, path: &str) -> Answer {
    c.send(Method::PUT, path, None, &[]).await
}

pub(crate) async fn patch(c: &Client, path: &str, body: Value) -> Answer {
    c.send(Method::PATCH, path, Some(body), &[]).await
}

pub(crate) async fn room(owner: &Client, name: &str, kind: &str, members: &[&str]) -> i64 {
    let r = owner
        .post(
            "/api/v1/rooms",
            json!({"name": name, "kind": kind, "members": members}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["room"]["id"].as_i64().unwrap()
}

#[tokio::test]
async fn an_owner_sets_the_topic_and_renames_the_room_and_members_may_not() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let id = room(&alice, "plans", "public", &["bob"]).await;
    room(&alice, "taken", "public", &[]).await;
    let path = format!("/api/v1/rooms/{id}/settings");

    let r = patch(
        &alice,
        &path,
        json!({"topic": "  Where we plan the offsite  "}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["settings"]["topic"], "Where we plan the offsite");
    assert_eq!(
        patch(&alice, &path, json!({"name": "offsite"}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        alice.get(&format!("/api/v1/rooms/{id}")).await.body["room"]["name"],
        "offsite"
    );

    assert_eq!(
        patch(&bob, &path, json!({"topic": "mine"})).await.status,
        StatusCode::FORBIDDEN
    );
    let r = patch(&alice, &path, json!({"name": "Taken"})).await;
    assert_eq!(
        (r.status, r.error_code()),
        (StatusCode::CONFLICT, "room_name_taken")
    );
    let r = patch(&alice, &path, json!({"topic": "x".repeat(251)})).await;
    assert_eq!(
        (r.status, r.error_code()),
        (StatusCode::BAD_REQUEST, "topic_too_long")
    );
    let r = patch(&alice, &path, json!({})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        bob.get(&path).await.body["settings"]["topic"],
        "Where we plan the offsite"
    );
}

#[tokio::test]
async fn an_archived_room_refuses_sends_leaves_the_directory_and_can_be_restored() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let id = room(&alice, "old project", "public", &["bob"]).await;
    bob.say(id, "last words").await;
    let path = format!("/api/v1/rooms/{id}/settings");
    assert_eq!(
        patch(&alice, &path, json!({"archived": true})).await.body["settings"]["archived"],
        true
    );

    let r = bob.say(id, "more").await;
    assert_eq!(
        (r.status, r.error_code()),
        (StatusCode::CONFLICT, "room_archived")
    );
    assert!(r.error_message().contains("archived"));
    assert_eq!(
        put(
            &bob,
            &format!("/api/v1/rooms/{id}/messages/1/reactions/%F0%9F%91%8D")
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        bob.get(&format!("/api/v1/rooms/{id}/messages")).await.body["messages"][0]["body"],
        "last words"
    );
    let listed = |r: Answer| {
        r.body["rooms"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == id)
    };
    assert!(!listed(bob.get("/api/v1/public-rooms").await));
    let r = patch(
        &alice,
        "/api/v1/rooms/1/settings",
        json!({"archived": true}),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "alice does not own general"
    );

    patch(&alice, &path, json!({"archived": false})).await;
    assert_eq!(bob.say(id, "back").await.status, StatusCode::CREATED);
    assert!(listed(bob.get("/api/v1/public-rooms").await));
}

#[tokio::test]
async fn an_owner_deletes_a_room_with_everything_in_it() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let id = room(&alice, "temp", "private", &["bob"]).await;
    bob.say(id, "bye").await;
    put(&bob, &format!("/api/v1/rooms/{id}/messages/1/saved")).await;
    assert_eq!(
        bob.delete(&format!("/api/v1/rooms/{id}")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        alice.delete(&format!("/api/v1/rooms/{id}")).await.status,
        StatusCode::NO_CONTENT
    );

    assert_eq!(
        bob.get(&format!("/api/v1/rooms/{id}/messages"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert!(!bob.get("/api/v1/rooms").await.body["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == id));
    assert!(bob.get("/api/v1/saved").await.body["saved"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(
        alice.delete("/api/v1/rooms/1").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn an_owner_makes_a_member_a_co_owner_who_may_then_change_the_room() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let id = room(&alice, "team", "public", &["bob"]).await;
    let role = |who: &str| format!("/api/v1/rooms/{id}/members/{who}/role");
    assert_eq!(
        bob.send(
            Method::PUT,
            &role("bob"),
            Some(json!({"role": "owner"})),
            &[]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        alice
            .send(
                Method::PUT,
                &role("bob"),
                Some(json!({"role": "owner"})),
                &[]
            )
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let members = alice.get(&format!("/api/v1/rooms/{id}/members")).await;
    assert!(members.body["members"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["role"] == "owner"));
    assert_eq!(
        patch(
            &bob,
            &format!("/api/v1/rooms/{id}/settings"),
            json!({"topic": "ours"})
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        alice
            .send(
                Method::PUT,
                &role("nobody"),
                Some(json!({"role": "owner"})),
                &[]
            )
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn pins_and_room_changes_replay_on_resume_in_seq_order() {
    let app = spawn_app().await;
    let (alice, _) = app.user_with_token("alice").await;
    let (_, bob_token) = app.user_with_token("bob").await;
    let id = room(&alice, "log", "public", &["bob"]).await;
    alice.say(id, "one").await;
    put(&alice, &format!("/api/v1/rooms/{id}/messages/1/pin")).await;
    patch(
        &alice,
        &format!("/api/v1/rooms/{id}/settings"),
        json!({"topic": "t", "name": "log2"}),
    )
    .await;
    alice
        .delete(&format!("/api/v1/rooms/{id}/messages/1/pin"))
        .await;
    patch(
        &alice,
        &format!("/api/v1/rooms/{id}/settings"),
        json!({"archived": true}),
    )
    .await;

    let mut ws = connect(&app.base, &bob_token).await;
    let replay = ws.subscribe(id, 1).await;
    let got: Vec<(i64, String)> = replay
        .iter()
        .map(|e| {
            let what = e["change"]
                .as_str()
                .map_or(String::new(), |c| format!(":{c}"));
            (
                e["seq"].as_i64().unwrap(),
                format!("{}{what}", e["type"].as_str().unwrap()),
            )
        })
        .collect();
    let want: Vec<(i64, String)> = [
        (2, "message.pinned"),
        (3, "room.updated:renamed"),
        (4, "room.updated:topic"),
        (5, "message.unpinned"),
        (6, "room.updated:archived"),
    ]
    .iter()
    .map(|(s, k)| (*s, (*k).to_owned()))
    .collect();
    assert_eq!(got, want);
    assert_eq!(replay[1]["name"], "log2");
    assert_eq!(replay[4]["archived"], true);
    assert_eq!(replay[4]["username"], "alice");
}
