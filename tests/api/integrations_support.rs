//! Helpers for the integrations tests (bots, tokens, webhooks).

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{Answer, Client, TestApp};

/// A request with `Authorization: Bearer <token>` and no cookies.
pub async fn with_token(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Answer {
    let auth = format!("Bearer {token}");
    app.client()
        .send(method, path, body, &[("authorization", &auth)])
        .await
}

/// Makes a token with `body` (name added); returns the whole answer.
pub async fn make_token(owner: &Client, mut body: Value) -> Answer {
    body["name"] = json!("test token");
    owner.post("/api/v1/tokens", body).await
}

/// A token's string, made with `body`.
pub async fn token(owner: &Client, body: Value) -> String {
    let r = make_token(owner, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["token"].as_str().unwrap().to_owned()
}

/// A new bot of `owner`'s; returns its user id.
pub async fn bot(owner: &Client, name: &str) -> i64 {
    let r = owner.post("/api/v1/bots", json!({ "name": name })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["bot"]["user_id"].as_i64().unwrap()
}

/// A room made by `owner`; returns its id.
pub async fn room(owner: &Client, name: &str, kind: &str) -> i64 {
    let r = owner
        .post("/api/v1/rooms", json!({ "name": name, "kind": kind }))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["room"]["id"].as_i64().unwrap()
}

/// Sends `body` with a fresh client id as the token's user.
pub async fn say(app: &TestApp, token: &str, room: i64, body: &str) -> Answer {
    let id = uuid::Uuid::new_v4().to_string();
    with_token(
        app,
        token,
        Method::POST,
        &format!("/api/v1/rooms/{room}/messages"),
        Some(json!({ "body": body, "client_id": id })),
    )
    .await
}

pub async fn my_id(c: &Client) -> i64 {
    c.get("/api/v1/me").await.body["user"]["id"]
        .as_i64()
        .unwrap()
}
