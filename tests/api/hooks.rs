//! Incoming webhooks against the real server: Natter's and Slack's shapes,
//! Idempotency-Key, wrong and revoked secrets, oversize bodies, limits.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, Answer, Client, TestApp};
use crate::integrations_support::{bot, room};

/// Makes a hook named `name` in `room`; returns (its path, its id).
async fn hook(owner: &Client, room: i64, name: &str) -> (String, i64) {
    let r = owner
        .post(
            &format!("/api/v1/rooms/{room}/hooks"),
            json!({ "name": name }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let path = r.body["path"].as_str().unwrap().to_owned();
    (path, r.body["hook"]["id"].as_i64().unwrap())
}

/// Posts `body` to the hook the way an outside service would: no cookie.
async fn deliver(app: &TestApp, path: &str, body: Value, headers: &[(&str, &str)]) -> Answer {
    app.client()
        .send(Method::POST, path, Some(body), headers)
        .await
}

#[tokio::test]
async fn a_hook_posts_natters_shape_into_its_room_as_its_bot() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let ops = room(&alice, "ops", "private").await;
    let (path, _) = hook(&alice, ops, "ci").await;
    assert!(path.starts_with("/hooks/"), "{path}");

    let r = deliver(&app, &path, json!({"body": "build **green**"}), &[]).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let history = alice.all_messages(ops).await;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["author"], "ci");
    assert_eq!(history[0]["body"], "build **green**");
    assert_eq!(history[0]["bot"], true);
    // Members see the hook listed, never its secret.
    let list = alice.get(&format!("/api/v1/rooms/{ops}/hooks")).await;
    assert_eq!(list.body["hooks"][0]["name"], "ci");
    let secret = path.rsplit('/').next().unwrap();
    assert!(!list.text.contains(secret));
}

#[tokio::test]
async fn slacks_shape_works_by_changing_only_the_url() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let (path, _) = hook(&alice, 1, "alerts").await;
    let slack = json!({
        "text": "*Deploy* finished: <https://ci.example/42|build 42>",
        "username": "Deploy Bot",
        "icon_emoji": ":rocket:",
    });
    let r = deliver(&app, &path, slack, &[]).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let m = &r.body["message"];
    assert_eq!(
        m["body"],
        "**Deploy** finished: [build 42](https://ci.example/42)"
    );
    assert_eq!(m["sent_as"], "Deploy Bot");
    assert_eq!(m["author"], "alerts");
    // mrkdwn off: the text as sent.
    let plain = json!({"text": "*as is*", "mrkdwn": false});
    let r = deliver(&app, &path, plain, &[]).await;
    assert_eq!(r.body["message"]["body"], "*as is*");
}

#[tokio::test]
async fn the_same_idempotency_key_twice_posts_one_message() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let (path, _) = hook(&alice, 1, "ci").await;
    let key = [("idempotency-key", "deploy 1234")];
    let first = deliver(&app, &path, json!({"text": "deployed"}), &key).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let again = deliver(&app, &path, json!({"text": "deployed"}), &key).await;
    assert_eq!(again.status, StatusCode::OK, "a retry gets the original");
    assert_eq!(again.body["message"]["id"], first.body["message"]["id"]);
    let other = deliver(
        &app,
        &path,
        json!({"text": "deployed"}),
        &[("idempotency-key", "deploy 1235")],
    )
    .await;
    assert_eq!(other.status, StatusCode::CREATED);
    let bodies: Vec<_> = alice
        .all_messages(1)
        .await
        .into_iter()
        .map(|m| m["body"].clone())
        .collect();
    assert_eq!(bodies, vec![json!("deployed"), json!("deployed")]);
}

#[tokio::test]
async fn a_wrong_or_revoked_secret_gets_404_and_posts_nothing() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let (path, id) = hook(&alice, 1, "ci").await;
    let wrong = format!("/hooks/{id}/not-the-secret");
    let r = deliver(&app, &wrong, json!({"text": "x"}), &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.error_message(), "There is no webhook at this address.");
    let r = deliver(&app, "/hooks/999/abc", json!({"text": "x"}), &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    assert_eq!(
        alice
            .delete(&format!("/api/v1/rooms/1/hooks/{id}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let r = deliver(&app, &path, json!({"text": "x"}), &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(alice.all_messages(1).await.is_empty());
}

#[tokio::test]
async fn an_oversized_post_gets_413_with_the_limit() {
    let app = spawn_app_with(|c| c.max_body_bytes = 4096).await;
    let alice = app.user("alice").await;
    let (path, _) = hook(&alice, 1, "ci").await;
    let r = deliver(&app, &path, json!({"text": "x".repeat(5000)}), &[]).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.error_message().contains("4096"), "{}", r.error_message());
    let long = json!({"text": "y".repeat(4001)});
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let (path, _) = hook(&alice, 1, "ci").await;
    let r = deliver(&app, &path, long, &[]).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
    let r = deliver(&app, &path, json!({"attachments": []}), &[]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(alice.all_messages(1).await.is_empty());
}

#[tokio::test]
async fn a_hook_obeys_slow_mode_with_429_and_retry_after() {
    let app = spawn_app_with(|c| c.limits.enabled = true).await;
    let alice = app.user("alice").await;
    let ops = room(&alice, "ops", "public").await;
    let r = alice
        .put(
            &format!("/api/v1/rooms/{ops}/slow-mode"),
            json!({"seconds": 30}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let (path, _) = hook(&alice, ops, "ci").await;
    assert_eq!(
        deliver(&app, &path, json!({"text": "one"}), &[])
            .await
            .status,
        StatusCode::CREATED
    );
    let r = deliver(&app, &path, json!({"text": "two"}), &[]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn only_members_make_hooks_and_an_existing_bot_can_be_reused() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let ops = room(&alice, "ops", "private").await;
    let r = bob
        .post(
            &format!("/api/v1/rooms/{ops}/hooks"),
            json!({"name": "spy"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let mine = bot(&alice, "notifier").await;
    let r = alice
        .post(
            &format!("/api/v1/rooms/{ops}/hooks"),
            json!({"name": "grafana", "bot_id": mine}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["hook"]["bot"], "notifier");
    let members = alice.get(&format!("/api/v1/rooms/{ops}/members")).await;
    assert!(members.text.contains("notifier"), "the bot joined the room");
    // Bob cannot revoke a hook of a room he is not in.
    let id = r.body["hook"]["id"].as_i64().unwrap();
    let r = bob.delete(&format!("/api/v1/rooms/{ops}/hooks/{id}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn slacks_form_encoded_payload_posts_like_its_json() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let (path, _) = hook(&alice, 1, "alerts").await;
    let payload = r#"{"text": "*Disk* at 91% & rising", "username": "Monitor"}"#;
    let form: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("payload", payload)
        .finish();
    let form_type = [("content-type", "application/x-www-form-urlencoded")];
    let r = app
        .client()
        .raw(Method::POST, &path, form.into_bytes(), &form_type)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["message"]["body"], "**Disk** at 91% & rising");
    assert_eq!(r.body["message"]["sent_as"], "Monitor");

    // A form without `payload` is refused with a sentence, and posts nothing.
    let before = alice.all_messages(1).await.len();
    let r = app
        .client()
        .raw(Method::POST, &path, b"text=hi".to_vec(), &form_type)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert!(r.error_message().contains("payload"), "{}", r.text);
    assert_eq!(alice.all_messages(1).await.len(), before);
}
