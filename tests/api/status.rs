//! People's statuses (issue 16): set, read back, cleared, ended by time,
//! and shown to the members of a room, never outside it.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;
use crate::room_care::room;

#[tokio::test]
async fn a_status_with_an_emoji_is_shown_to_the_members_of_my_rooms() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let id = room(&alice, "team", "private", &["bob"]).await;

    let r = alice
        .put(
            "/api/v1/me/status",
            json!({"text": "  On holiday ", "emoji": ":palm_tree:"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.body["status"],
        json!({"text": "On holiday", "emoji": "🌴", "until": null})
    );
    assert_eq!(
        alice.get("/api/v1/me/status").await.body["status"]["text"],
        "On holiday"
    );

    let seen = bob.get(&format!("/api/v1/rooms/{id}/statuses")).await;
    assert_eq!(
        seen.body["statuses"],
        json!([{"username": "alice", "text": "On holiday", "emoji": "🌴", "until": null}])
    );
    assert_eq!(
        carol
            .get(&format!("/api/v1/rooms/{id}/statuses"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Nothing in it clears it.
    let r = alice
        .put("/api/v1/me/status", json!({"text": "", "emoji": null}))
        .await;
    assert_eq!(r.body["status"], json!(null));
    assert!(
        bob.get(&format!("/api/v1/rooms/{id}/statuses")).await.body["statuses"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_bad_status_is_refused_with_a_sentence_and_changes_nothing() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    alice
        .put("/api/v1/me/status", json!({"text": "focus"}))
        .await;
    for (body, code) in [
        (json!({"text": "x".repeat(81)}), "status_too_long"),
        (json!({"text": "two\nlines"}), "status_invalid"),
        (json!({"text": "hi", "emoji": "not one"}), "emoji_invalid"),
        (
            json!({"text": "hi", "until": "2001-01-01T00:00:00Z"}),
            "time_passed",
        ),
    ] {
        let r = alice.put("/api/v1/me/status", body).await;
        assert_eq!((r.status, r.error_code()), (StatusCode::BAD_REQUEST, code));
        assert!(!r.error_message().is_empty());
    }
    assert_eq!(
        alice.get("/api/v1/me/status").await.body["status"]["text"],
        "focus"
    );
}

#[tokio::test]
async fn a_status_ends_by_itself_at_its_time() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let soon = time::OffsetDateTime::now_utc() + time::Duration::milliseconds(300);
    let until = soon
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let r = alice
        .put(
            "/api/v1/me/status",
            json!({"text": "in a call", "until": until}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.body["status"]["until"].is_string());
    // Read until it has ended (no fixed sleep: the end is the server's clock).
    let mut ended = false;
    for _ in 0..100 {
        if alice.get("/api/v1/me/status").await.body["status"].is_null() {
            ended = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(ended, "the status ended at its time");
    assert!(alice.get("/api/v1/rooms/1/statuses").await.body["statuses"]
        .as_array()
        .unwrap()
        .is_empty());
}
