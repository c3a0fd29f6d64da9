//! The tutorial's own flow through its own routes.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{spawn_app, Client};

#[tokio::test]
async fn the_tutorial_flow_works_through_its_own_routes() {
    let app = spawn_app().await;
    let alice = app.client();
    let bob = app.client();

    let page = alice.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("<form"), "the new-user page has a form");
    // Not signed in yet: the chat page sends people to pick a name.
    assert_eq!(alice.get("/chat").await.status, StatusCode::SEE_OTHER);

    assert_eq!(
        alice
            .post("/add_user", json!({"username": "alice"}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        bob.post("/add_user", json!({"username": "bob"}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(alice.get("/chat").await.status, StatusCode::OK);

    for text in ["hi bob", "how are you?"] {
        let r = alice
            .post(
                "/send_message",
                json!({"username": "alice", "message": text}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let r = bob
        .post(
            "/send_message",
            json!({"username": "bob", "message": "fine!"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);

    let all = bob.get("/messages?current=0").await.body;
    let all = all.as_array().unwrap();
    let seen: Vec<(&str, &str)> = all
        .iter()
        .map(|m| {
            (
                m["username"].as_str().unwrap(),
                m["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("alice", "hi bob"),
            ("alice", "how are you?"),
            ("bob", "fine!")
        ]
    );
    assert!(
        all[0]["timestamp"].as_str().unwrap().ends_with('Z'),
        "UTC RFC 3339 timestamp"
    );

    // `current` (and the tutorial's own `amount`) skip what the page has shown.
    let newer = alice.get("/messages?current=2").await.body;
    assert_eq!(newer.as_array().unwrap().len(), 1);
    assert_eq!(newer[0]["message"], "fine!");
    assert_eq!(
        alice
            .get("/messages?amount=1")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(alice.get("/messages?current=3").await.body, json!([]));
}

#[tokio::test]
async fn add_user_refuses_empty_and_taken_names_with_400() {
    let app = spawn_app().await;
    let c = app.client();
    assert_eq!(
        c.post("/add_user", json!({"username": "Carol"}))
            .await
            .status,
        StatusCode::OK
    );

    let other = app.client();
    let taken = other.post("/add_user", json!({"username": "cAROL"})).await;
    assert_eq!(taken.status, StatusCode::BAD_REQUEST);
    assert_eq!(taken.error_message(), "Username is taken");

    let empty = other.post("/add_user", json!({"username": "   "})).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert_eq!(empty.error_message(), "Username is empty");
    let missing = other.post("/add_user", json!({})).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn send_message_posts_only_as_the_signed_in_user() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let mallory = app.user("mallory").await;

    let forged = mallory
        .post(
            "/send_message",
            json!({"username": "alice", "message": "I owe mallory $100"}),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let anonymous = Client::new(&app.base)
        .post(
            "/send_message",
            json!({"username": "alice", "message": "anonymous"}),
        )
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let missing = alice
        .post("/send_message", json!({"username": "alice"}))
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);

    // None of those stored anything.
    assert_eq!(alice.get("/messages?current=0").await.body, json!([]));
}
