//! The OpenAPI document against the server: every status a route answers
//! is listed for it, with the error body, and the answers each kind of
//! route can give (401 with a session, 400 and 413 with a body, ...) are
//! listed wherever they can happen.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{spawn_app_with, Client};

/// Routes that never touch the database.
const WITHOUT_STORAGE: &[&str] = &["/api/v1/server", "/api/v1/health"];
/// Routes with rate limits of their own (429 with Retry-After); every route
/// can answer 429 for the per-address connection cap besides.
const RATE_LIMITED: &[(&str, &str)] = &[
    ("post", "/api/v1/users"),
    ("post", "/api/v1/session"),
    ("post", "/api/v1/rooms/{id}/messages"),
    ("post", "/api/v1/rooms/{id}/messages/{seq}/replies"),
    ("post", "/api/v1/password-reset"),
];

fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.push((method.clone(), path.clone(), op.clone()));
        }
    }
    out
}

/// Calls the route with `path` filled in, `body` (JSON bytes) and headers.
async fn probe(
    c: &Client,
    method: &str,
    path: &str,
    body: Option<&[u8]>,
    headers: &[(&str, &str)],
) -> StatusCode {
    let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
    let mut all = vec![("host", "chat.test")];
    all.extend_from_slice(headers);
    match body {
        Some(b) => {
            all.push(("content-type", "application/json"));
            c.raw(method, path, b.to_vec(), &all).await.status
        }
        None => c.send(method, path, None, &all).await.status,
    }
}

#[tokio::test]
async fn every_route_lists_each_status_it_answers_with_the_error_body() {
    let app = spawn_app_with(|c| {
        c.public_url = Some("https://chat.test".into());
        c.max_body_bytes = 2048;
    })
    .await;
    let alice = app.user("alice").await;
    let anonymous = app.client();
    let doc = alice.get("/api/v1/openapi.json").await.body;
    let too_big = json!({"body": "x".repeat(4096), "username": "x", "name": "x"}).to_string();

    for (method, path, op) in operations(&doc) {
        let what = format!("{} {path}", method.to_uppercase());
        let listed = |status: StatusCode| op["responses"].get(status.as_str()).is_some();
        let good = path
            .replace("{id}", "1")
            .replace("{seq}", "1")
            .replace("{username}", "alice");
        let takes_body = op.get("requestBody").is_some();
        let body = takes_body.then_some(&b"{}"[..]);
        let mut seen = vec![
            probe(&alice, &method, &good, body, &[]).await,
            probe(&anonymous, &method, &good, body, &[]).await,
            probe(&alice, &method, &good, body, &[("host", "evil.example")]).await,
        ];
        if path.contains('{') {
            let bad = path.replace("{id}", "abc").replace("{seq}", "abc");
            seen.push(probe(&alice, &method, &bad, body, &[]).await);
        }
        if takes_body {
            seen.push(probe(&alice, &method, &good, Some(b"{"), &[]).await);
            seen.push(probe(&alice, &method, &good, Some(too_big.as_bytes()), &[]).await);
        }
        if method != "get" {
            let foreign = [("origin", "http://chat.test")];
            seen.push(probe(&alice, &method, &good, body, &foreign).await);
        }
        for status in seen {
            assert!(
                listed(status),
                "{what} answered {status}, which its document does not list"
            );
        }

        // Each kind of route lists what it can answer, even where the probes
        // above did not make it happen.
        let responses = op["responses"].as_object().unwrap();
        let needs_session = op.get("security").is_some();
        let mut kinds = vec![
            StatusCode::MISDIRECTED_REQUEST,
            StatusCode::TOO_MANY_REQUESTS,
        ];
        if needs_session {
            kinds.push(StatusCode::UNAUTHORIZED);
        }
        if takes_body {
            kinds.extend([StatusCode::BAD_REQUEST, StatusCode::PAYLOAD_TOO_LARGE]);
        }
        if method != "get" {
            kinds.push(StatusCode::FORBIDDEN);
        }
        if !WITHOUT_STORAGE.contains(&path.as_str()) {
            kinds.push(StatusCode::SERVICE_UNAVAILABLE);
        }
        assert!(
            responses["429"]["headers"].get("Retry-After").is_some(),
            "{what}: 429 without Retry-After"
        );
        if RATE_LIMITED.contains(&(method.as_str(), path.as_str())) {
            let why = responses["429"]["description"].as_str().unwrap();
            assert!(
                why.contains("connections") && why.contains(';'),
                "{what}: its own rate limit and the connection cap are both said: {why}"
            );
        }
        for status in kinds {
            assert!(listed(status), "{what} does not list {status}");
        }
        for (status, response) in responses {
            if status.starts_with('4') || status.starts_with('5') {
                assert_eq!(
                    response["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorBody",
                    "{what} {status} without the error body"
                );
            }
        }
        // A route that answered 401 to the anonymous client says it needs a session.
        let anonymous_status = probe(&anonymous, &method, &good, body, &[]).await;
        assert_eq!(
            anonymous_status == StatusCode::UNAUTHORIZED,
            needs_session,
            "{what}: signed out it answered {anonymous_status}"
        );
    }
}
