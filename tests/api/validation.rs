//! Bad input: a clear JSON error with the right status, and nothing changed.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with};

#[tokio::test]
async fn malformed_json_and_wrong_types_get_400_with_a_sentence() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let json_header = [("content-type", "application/json")];

    let r = alice
        .raw(
            Method::POST,
            "/api/v1/rooms/1/messages",
            b"{not json".to_vec(),
            &json_header,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.error_code(), "invalid_json");
    assert!(
        r.error_message()
            .starts_with("The request body is not valid JSON"),
        "{}",
        r.text
    );

    let r = alice
        .post(
            "/api/v1/rooms/1/messages",
            json!({"body": 42, "client_id": "x1"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.error_code(), "invalid_body");
    assert!(
        r.error_message().contains("body"),
        "names the field: {}",
        r.text
    );

    let r = alice
        .raw(
            Method::POST,
            "/api/v1/rooms/1/messages",
            b"{}".to_vec(),
            &[],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "missing content type: {}",
        r.text
    );

    let r = alice
        .post(
            "/api/v1/rooms/1/messages",
            json!({"body": "   ", "client_id": "x2"}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_message()),
        (StatusCode::BAD_REQUEST, "Message is empty")
    );
    let r = alice
        .post(
            "/api/v1/rooms/1/messages",
            json!({"body": "hi", "client_id": "no spaces"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    let r = alice.get("/messages?current=abc").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = alice.get("/api/v1/rooms/1/messages?before=3&after=1").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    assert!(
        alice.all_messages(1).await.is_empty(),
        "none of that stored anything"
    );
}

#[tokio::test]
async fn an_overlong_message_gets_413_and_is_not_stored() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let r = alice
        .post(
            "/api/v1/rooms/1/messages",
            json!({"body": "é".repeat(4001), "client_id": "long"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        r.error_message(),
        "Message is too long: 4001 characters, the limit is 4000"
    );
    let r = alice
        .post(
            "/api/v1/rooms/1/messages",
            json!({"body": "é".repeat(4000), "client_id": "long"}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "exactly at the limit is fine"
    );
    assert_eq!(alice.all_messages(1).await.len(), 1);
}

#[tokio::test]
async fn the_message_limit_is_configurable() {
    let app = spawn_app_with(|c| c.max_message_chars = 10).await;
    let alice = app.user("alice").await;
    assert_eq!(alice.say(1, "0123456789").await.status, StatusCode::CREATED);
    assert_eq!(
        alice.say(1, "0123456789x").await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
}

#[tokio::test]
async fn an_oversize_body_gets_413() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let huge = json!({"body": "x".repeat(200_000), "client_id": "huge"});
    let r = alice.post("/api/v1/rooms/1/messages", huge).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.error_code(), "body_too_large");
    assert!(alice.all_messages(1).await.is_empty());
}

#[tokio::test]
async fn unknown_rooms_and_addresses_get_404() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let r = alice.get("/api/v1/rooms/424242/messages").await;
    assert_eq!(
        (r.status, r.error_message()),
        (StatusCode::NOT_FOUND, "Room not found.")
    );
    let r = alice.get("/api/v1/rooms/not-a-number").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.error_code(), "not_found");
}

#[tokio::test]
async fn signed_out_requests_get_401() {
    let app = spawn_app().await;
    let anon = app.client();
    for path in ["/api/v1/me", "/api/v1/rooms", "/api/v1/rooms/1/messages"] {
        let r = anon.get(path).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(r.error_code(), "signed_out");
    }
}

#[tokio::test]
async fn a_cross_origin_state_change_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let c = app.client();
    let evil = [("origin", "http://evil.example")];
    let r = c
        .send(
            Method::POST,
            "/api/v1/users",
            Some(json!({"username": "victim"})),
            &evil,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = c
        .send(
            Method::POST,
            "/add_user",
            Some(json!({"username": "victim"})),
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The name is still free: nothing was created.
    let own = app.base.clone();
    let r = c
        .send(
            Method::POST,
            "/api/v1/users",
            Some(json!({"username": "victim"})),
            &[("origin", &own)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
}

#[tokio::test]
async fn every_page_carries_the_security_headers() {
    let app = spawn_app().await;
    let r = app.client().get("/").await;
    let csp = r.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn the_openapi_document_describes_the_api() {
    let app = spawn_app().await;
    let r = app.client().get("/api/v1/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let paths = r.body["paths"].as_object().unwrap();
    for p in [
        "/api/v1/users",
        "/api/v1/session",
        "/api/v1/rooms",
        "/api/v1/rooms/{id}/messages",
        "/api/v1/dms",
    ] {
        assert!(
            paths.contains_key(p),
            "{p} missing from the OpenAPI document"
        );
    }
    assert!(r.body["paths"]["/api/v1/rooms/{id}/messages"]["post"].is_object());
    assert!(r.body["components"]["schemas"]["Message"].is_object());
}
