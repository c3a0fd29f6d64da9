//! The XSS corpus (tests/data/xss-corpus.json; the browser test e2e/xss.test.js
//! renders the same list) through every server output: pages escape it,
//! the API returns it as JSON data, byte for byte.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::spawn_app;

fn corpus() -> Vec<String> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/xss-corpus.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A payload that would be markup if it reached a page raw.
fn is_markup(p: &str) -> bool {
    p.contains('<') || p.contains('"')
}

#[tokio::test]
async fn every_xss_payload_is_inert_in_pages_and_data_in_the_api() {
    let payloads = corpus();
    assert!(payloads.len() >= 30);
    let app = spawn_app().await;
    let alice = app.user("alice").await;

    let mut room_names = Vec::new();
    for p in &payloads {
        assert_eq!(alice.say(1, p).await.status, StatusCode::CREATED, "{p}");
        let r = alice
            .post("/api/v1/rooms", json!({"name": p, "kind": "public"}))
            .await;
        match r.status {
            StatusCode::CREATED => room_names.push(p.clone()),
            // Too long or with control characters; or the same name ignoring case.
            StatusCode::BAD_REQUEST | StatusCode::CONFLICT => {}
            other => panic!("room {p:?}: {other}"),
        }
        // As a username it never gets in: the name rules allow no markup.
        let r = app
            .client()
            .post("/api/v1/users", json!({"username": p}))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "username {p:?}");
    }
    assert!(room_names.len() >= 20);

    // The chat page (sidebar and bootstrap) shows all of it escaped.
    let page = alice.get("/chat").await;
    for p in payloads.iter().filter(|p| is_markup(p)) {
        assert!(!page.text.contains(p.as_str()), "raw payload in /chat: {p}");
    }
    assert_eq!(
        page.text.matches("<script").count(),
        3,
        "only the page's own scripts"
    );
    assert!(
        !page.text.contains("<img src=x"),
        "a payload element reached the page raw"
    );

    // The API hands the text back exactly, as JSON that browsers will not sniff.
    let history = alice.all_messages(1).await;
    let bodies: Vec<&str> = history
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    let stored: Vec<String> = payloads.iter().map(|p| p.trim_end().to_owned()).collect();
    assert_eq!(bodies, stored);
    let raw = alice.get("/api/v1/rooms/1/messages").await;
    assert!(raw.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(raw.headers["x-content-type-options"], "nosniff");
    let tutorial = alice.get("/messages?current=0").await;
    assert!(tutorial.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(tutorial.body.as_array().unwrap().len(), payloads.len());

    // An error that names what was asked for is JSON too.
    let r = alice
        .post(
            "/api/v1/dms",
            json!({"username": "<script>alert(1)</script>"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    assert!(r.body.get("error").is_some_and(Value::is_object));
}
