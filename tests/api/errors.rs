//! Error answers everywhere: the JSON error body on unknown routes and
//! wrong methods too, messages that are sentences for a person (never a
//! Rust type), and 413s that say the limit.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, Answer, Client};

fn assert_error_body(r: &Answer, what: &str) {
    let message = r.error_message();
    assert!(
        !r.error_code().is_empty()
            && message.split_whitespace().count() >= 3
            && !message.starts_with(char::is_lowercase),
        "{what}: not a JSON error with a sentence: {} {}",
        r.status,
        r.text
    );
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_answer_with_the_json_error_body() {
    let app = spawn_app().await;
    let c = app.client();
    for path in ["/nope", "/api/v1/nope", "/api/v1/rooms/1/nope"] {
        let r = c.get(path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(r.error_code(), "not_found", "{path}");
        assert_error_body(&r, path);
    }
    let r = c.delete("/api/v1/health").await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.error_code(), "method_not_allowed");
    assert_eq!(
        r.error_message(),
        "This address does not answer DELETE requests."
    );
    assert!(r.headers["allow"].to_str().unwrap().contains("GET"));
    let r = c.post("/chat", json!({})).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_error_body(&r, "POST /chat");
}

#[tokio::test]
async fn a_body_over_the_limit_is_answered_with_the_limit() {
    let app = spawn_app_with(|c| c.max_body_bytes = 4096).await;
    let alice = app.user("alice").await;
    let r = alice
        .post(
            "/api/v1/rooms/1/messages",
            json!({"body": "x".repeat(5000), "client_id": "big"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        r.error_message(),
        "The request body is too large: the limit is 4096 bytes."
    );
}

/// Words that name Rust types or serde's inner workings.
const RUST_WORDS: &[&str] = &[
    "i8",
    "i16",
    "i32",
    "i64",
    "u8",
    "u16",
    "u32",
    "u64",
    "usize",
    "isize",
    "f64",
    "String",
    "Vec",
    "Option",
    "struct",
    "enum",
    "tuple",
    "HashMap",
    "deserialize",
    "Failed to",
];

fn names_a_rust_type(message: &str) -> Option<&'static str> {
    let words: Vec<&str> = message
        .split(|c: char| !c.is_alphanumeric() && c != ' ')
        .flat_map(str::split_whitespace)
        .collect();
    RUST_WORDS.iter().copied().find(|w| {
        if w.contains(' ') {
            message.contains(w)
        } else {
            words.iter().any(|x| x == w)
        }
    })
}

/// A value of another JSON kind than the schema property wants.
fn wrong_value(property: &Value) -> Value {
    let kinds = match &property["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if kinds.contains(&"string") || property.get("$ref").is_some() {
        json!(42)
    } else {
        json!("abc")
    }
}

/// The bad requests to make for one operation: its path with a word where
/// a number goes, each query parameter not a number, and bodies that are
/// not JSON, not an object, or with each field of the wrong kind.
fn bad_requests(doc: &Value, path: &str, op: &Value) -> Vec<(String, Option<Vec<u8>>)> {
    let good_path = path
        .replace("{id}", "1")
        .replace("{seq}", "1")
        .replace("{username}", "alice");
    let mut out = vec![(path.replace("{id}", "abc").replace("{seq}", "abc"), None)];
    for p in op["parameters"].as_array().into_iter().flatten() {
        if p["in"] == "query" {
            out.push((
                format!("{good_path}?{}=abc", p["name"].as_str().unwrap()),
                None,
            ));
        }
    }
    let Some(reference) =
        op["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str()
    else {
        return out;
    };
    let name = reference.rsplit('/').next().unwrap();
    let schema = &doc["components"]["schemas"][name];
    for body in ["{", "[]", "\"x\"", "{}", ""] {
        out.push((good_path.clone(), Some(body.as_bytes().to_vec())));
    }
    for (field, property) in schema["properties"].as_object().into_iter().flatten() {
        let body = json!({ field: wrong_value(property) });
        out.push((good_path.clone(), Some(body.to_string().into_bytes())));
    }
    out
}

async fn call(c: &Client, method: &str, path: &str, body: Option<Vec<u8>>) -> Answer {
    let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
    match body {
        Some(bytes) => {
            c.raw(method, path, bytes, &[("content-type", "application/json")])
                .await
        }
        None => c.send(method, path, None, &[]).await,
    }
}

#[tokio::test]
async fn no_error_message_on_any_route_names_a_rust_type() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let doc = alice.get("/api/v1/openapi.json").await.body;
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (url, body) in bad_requests(&doc, path, op) {
                let what = format!(
                    "{method} {url} {}",
                    String::from_utf8_lossy(body.as_deref().unwrap_or_default())
                );
                let r = call(&alice, method, &url, body).await;
                if r.status.is_success() || r.status == StatusCode::SWITCHING_PROTOCOLS {
                    continue;
                }
                assert_error_body(&r, &what);
                if let Some(word) = names_a_rust_type(r.error_message()) {
                    panic!("{what}: the message names `{word}`: {}", r.error_message());
                }
                checked += 1;
            }
        }
    }
    assert!(
        checked > 60,
        "only {checked} bad requests were answered with errors"
    );
}

#[tokio::test]
async fn a_stream_command_of_the_wrong_shape_is_answered_with_a_sentence() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("alice").await;
    let mut ws = crate::ws::connect(&app.base, &token).await;
    for command in [
        json!({"type": "typing", "room_id": "seven"}),
        json!({"type": "subscribe", "rooms": {"1": "x"}}),
        json!({"type": "send", "room_id": 1, "client_id": 5, "body": "hi"}),
        json!({"type": "dance"}),
        json!([1, 2]),
    ] {
        ws.send(command.clone()).await;
        let (error, _) = ws.until("error").await;
        assert_eq!(error["error"]["code"], "invalid_command", "{command}");
        let message = error["error"]["message"].as_str().unwrap();
        if let Some(word) = names_a_rust_type(message) {
            panic!("{command}: the message names `{word}`: {message}");
        }
    }
}
