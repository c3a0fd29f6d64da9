//! Session hygiene: each user's signed-in devices (one signed out from
//! another), sessions that end when idle, and an admin signing a user out
//! everywhere.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, Client};
use crate::ws::connect;

/// `GET /api/v1/me` as a browser with this user agent.
async fn visit_as(c: &Client, agent: &str) -> StatusCode {
    c.raw(
        Method::GET,
        "/api/v1/me",
        Vec::new(),
        &[("user-agent", agent)],
    )
    .await
    .status
}

async fn devices(c: &Client) -> Vec<Value> {
    let r = c.get("/api/v1/sessions").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["devices"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_user_sees_each_signed_in_device_and_signs_another_one_out() {
    let app = spawn_app().await;
    let laptop = app.user_with_password("alice").await;
    let (phone, _) = app.second_device("alice").await;
    assert_eq!(visit_as(&laptop, "Laptop Firefox").await, StatusCode::OK);
    assert_eq!(visit_as(&phone, "Phone Safari").await, StatusCode::OK);

    let listed = devices(&laptop).await;
    assert_eq!(listed.len(), 2, "{listed:?}");
    let this = listed.iter().find(|d| d["current"] == true).unwrap();
    let other = listed.iter().find(|d| d["current"] == false).unwrap();
    assert_eq!(this["user_agent"], "Laptop Firefox");
    assert_eq!(other["user_agent"], "Phone Safari");
    assert_eq!(other["ip"], "127.0.0.1");
    assert!(other["last_seen_at"].is_string() && other["signed_in_at"].is_string());
    let id = other["id"].as_str().unwrap();
    assert_eq!(id.len(), 16, "an id, not a token: {id}");

    // Someone else cannot end it, nor learn that it exists.
    let bob = app.user("bob").await;
    let stolen = bob.delete(&format!("/api/v1/sessions/{id}")).await;
    assert_eq!(stolen.status, StatusCode::NOT_FOUND, "{}", stolen.text);
    assert_eq!(phone.get("/api/v1/me").await.status, StatusCode::OK);

    let ended = laptop.delete(&format!("/api/v1/sessions/{id}")).await;
    assert_eq!(ended.status, StatusCode::NO_CONTENT, "{}", ended.text);
    let gone = phone.get("/api/v1/me").await;
    assert_eq!(gone.status, StatusCode::UNAUTHORIZED);
    assert_eq!(gone.error_code(), "session_ended");
    assert_eq!(laptop.get("/api/v1/me").await.status, StatusCode::OK);
    assert_eq!(devices(&laptop).await.len(), 1);
    let again = laptop.delete(&format!("/api/v1/sessions/{id}")).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert!(!again.error_message().is_empty());
}

#[tokio::test]
async fn a_session_left_unused_past_the_idle_time_ends_and_its_socket_closes() {
    let app = spawn_app_with(|c| c.session_idle = std::time::Duration::from_secs(2)).await;
    let (alice, token) = app.user_with_token("alice").await;
    let mut ws = connect(&app.base, &token).await;
    ws.subscribe(1, 0).await;
    // No request for longer than the idle time: the prune ends it and
    // closes the socket as signed out.
    assert_eq!(ws.end().await, Some(4001));
    let r = alice.get("/api/v1/me").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.error_code(), "session_ended");
}

#[tokio::test]
async fn an_admin_signs_a_user_out_everywhere_at_once_and_it_is_audited() {
    let app = spawn_app().await;
    let admin = app.user("admin").await;
    let (mallory, token) = app.user_with_token("mallory").await;
    let mut ws = connect(&app.base, &token).await;
    ws.subscribe(1, 0).await;
    let users = admin.get("/api/v1/admin/users?query=mallory").await;
    let id = users.body["users"][0]["user_id"].as_i64().unwrap();

    let refused = mallory
        .post(&format!("/api/v1/admin/users/{id}/sign-out"), json!({}))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let r = admin
        .post(&format!("/api/v1/admin/users/{id}/sign-out"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_eq!(ws.end().await, Some(4001), "the socket is closed at once");
    assert_eq!(
        mallory.get("/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    let log = admin.get("/api/v1/admin/audit").await;
    let first = &log.body["entries"][0];
    assert_eq!(first["action"], "sign_out_everywhere");
    assert_eq!(first["target"], "mallory");
    let nobody = admin
        .post("/api/v1/admin/users/999999/sign-out", json!({}))
        .await;
    assert_eq!(nobody.status, StatusCode::NOT_FOUND);
}
