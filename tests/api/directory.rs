//! The directory: finding people by name, and what a room says about itself.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;

fn names(r: &crate::helpers::Answer) -> Vec<String> {
    r.body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn people_are_found_by_the_start_of_their_name_ignoring_case() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    app.user("Alfred").await;
    app.user("bob").await;

    assert_eq!(
        names(&alice.get("/api/v1/users?query=AL").await),
        ["Alfred", "alice"]
    );
    assert_eq!(
        names(&alice.get("/api/v1/users?query=%40bo").await),
        ["bob"]
    );
    assert_eq!(
        names(&alice.get("/api/v1/users?query=al&limit=1").await),
        ["Alfred"]
    );
    assert_eq!(
        names(&alice.get("/api/v1/users").await),
        ["Alfred", "alice", "bob"],
        "no query: everyone, by name"
    );
    // Nobody can be called that: an empty answer, not an error.
    let odd = alice.get("/api/v1/users?query=%3Cscript%3E").await;
    assert_eq!(odd.status, StatusCode::OK);
    assert!(names(&odd).is_empty());
    assert!(names(&alice.get("/api/v1/users?query=zed").await).is_empty());
}

#[tokio::test]
async fn the_people_directory_is_for_signed_in_users_and_checks_its_limit() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let r = app.client().get("/api/v1/users?query=a").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(!r.text.contains("alice"));
    let r = alice.get("/api/v1/users?limit=lots").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body["error"]["message"].is_string());
}

#[tokio::test]
async fn a_room_tells_how_many_are_in_it_and_who_made_it() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let r = alice
        .post(
            "/api/v1/rooms",
            json!({"name": "plans", "kind": "private", "members": ["bob"]}),
        )
        .await;
    let id = r.body["room"]["id"].as_i64().unwrap();

    let r = bob.get(&format!("/api/v1/rooms/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["room"]["name"], "plans");
    assert_eq!(r.body["room"]["member_count"], 2);
    assert_eq!(r.body["room"]["created_by"]["username"], "alice");

    // The room the server made has no maker.
    let r = carol.get("/api/v1/rooms/1").await;
    assert_eq!(r.body["room"]["member_count"], 3);
    assert!(r.body["room"]["created_by"].is_null());
}

#[tokio::test]
async fn a_non_member_gets_404_for_a_private_rooms_details() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let carol = app.user("carol").await;
    let r = alice
        .post("/api/v1/rooms", json!({"name": "plans", "kind": "private"}))
        .await;
    let id = r.body["room"]["id"].as_i64().unwrap();
    let r = carol.get(&format!("/api/v1/rooms/{id}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.text.contains("plans") && !r.text.contains("alice"));
    // A public room is no secret, joined or not.
    let r = alice
        .post("/api/v1/rooms", json!({"name": "lobby", "kind": "public"}))
        .await;
    let public = r.body["room"]["id"].as_i64().unwrap();
    let r = carol.get(&format!("/api/v1/rooms/{public}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["room"]["member_count"], 1);
}
