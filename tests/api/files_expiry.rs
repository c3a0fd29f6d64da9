//! Disappearing messages take their files with them.

use reqwest::StatusCode;
use serde_json::json;

use crate::files_support::{message_with_files, upload};
use crate::helpers::spawn_app;

#[tokio::test]
async fn an_expired_messages_files_are_no_longer_served_or_listed() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let r = alice
        .post(
            "/api/v1/rooms",
            json!({"name": "vanishing", "kind": "public"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let room = r.body["room"]["id"].as_i64().unwrap();
    let timer = alice
        .put(
            &format!("/api/v1/rooms/{room}/disappearing"),
            json!({ "seconds": 1 }),
        )
        .await;
    assert!(timer.status.is_success(), "{}", timer.text);
    let up = upload(&alice, "secret.txt", b"the launch code".to_vec()).await;
    assert_eq!(up.status, StatusCode::CREATED, "{}", up.text);
    let id = up.body["file"]["id"].as_str().unwrap().to_owned();
    let sent = message_with_files(&alice, room, "self-destructing", &[&id]).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.text);
    let path = format!("/api/v1/files/{id}");
    assert_eq!(alice.bytes(&path).await.0, StatusCode::OK);

    // Wait for the expiry task (the timer is one second).
    let mut expired = None;
    for _ in 0..300 {
        let messages = alice.all_messages(room).await;
        if let Some(m) = messages.iter().find(|m| m["expired"] == true) {
            expired = Some(m.clone());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let expired = expired.expect("the message expired");
    assert!(expired.get("files").is_none(), "{expired}");
    assert_eq!(alice.bytes(&path).await.0, StatusCode::NOT_FOUND);
}
