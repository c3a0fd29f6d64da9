//! Moderation: bans from a room, deleting others' messages, and the audit
//! log that records every admin and moderator action.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{spawn_app, Client};
use crate::ws::connect;

async fn public_room(owner: &Client, name: &str) -> i64 {
    owner
        .post("/api/v1/rooms", json!({"name": name, "kind": "public"}))
        .await
        .body["room"]["id"]
        .as_i64()
        .unwrap()
}

/// (actor, action, target) of each audit entry, newest first.
async fn audit_actions(admin: &Client) -> Vec<(String, String, String)> {
    let log = admin.get("/api/v1/admin/audit").await;
    log.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_owned(),
                e["action"].as_str().unwrap().to_owned(),
                e["target"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_banned_member_is_removed_cannot_rejoin_and_every_action_is_in_the_audit_log() {
    let app = spawn_app().await;
    let admin = app.user("admin").await;
    let (owner, _) = app.user_with_token("owner").await;
    let (spammer, token) = app.user_with_token("spammer").await;
    let room = public_room(&owner, "town").await;
    let other = public_room(&owner, "elsewhere").await;
    for r in [room, other] {
        spammer
            .post(&format!("/api/v1/rooms/{r}/join"), json!({}))
            .await;
    }
    let spam = spammer.say(room, "buy now").await.body["message"]["seq"]
        .as_i64()
        .unwrap();
    let mut ws = connect(&app.base, &token).await;
    ws.subscribe(room, 0).await;

    // A member who is not the owner has no power here.
    let r = spammer
        .post(
            &format!("/api/v1/rooms/{room}/bans"),
            json!({"username": "owner"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The owner deletes the spam and bans the spammer.
    let r = owner
        .delete(&format!("/api/v1/rooms/{room}/messages/{spam}"))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let r = owner
        .post(
            &format!("/api/v1/rooms/{room}/bans"),
            json!({"username": "spammer"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let (left, _) = ws.until("member.left").await;
    assert_eq!(left["username"], "spammer");
    assert_eq!(
        (left["reason"].as_str(), left["by_username"].as_str()),
        (Some("banned"), Some("owner"))
    );
    assert!(left["seq"].as_i64().is_some(), "a room event, in the log");
    let again = spammer
        .post(&format!("/api/v1/rooms/{room}/join"), json!({}))
        .await;
    assert_eq!(again.status, StatusCode::FORBIDDEN);
    assert!(again.error_message().contains("banned"));
    let added = owner
        .post(
            &format!("/api/v1/rooms/{room}/members"),
            json!({"username": "spammer"}),
        )
        .await;
    assert_eq!(added.status, StatusCode::FORBIDDEN);
    // The ban is for this room only.
    assert_eq!(
        spammer.say(other, "still here").await.status,
        StatusCode::CREATED
    );

    // Admin actions too; only admins read the log.
    let r = admin
        .put(
            "/api/v1/admin/sign-up",
            json!({ "sign_up_mode": "invite-only" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        owner.get("/api/v1/admin/audit").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        audit_actions(&admin).await,
        [
            ("admin".into(), "sign_up_mode".into(), "invite-only".into()),
            ("owner".into(), "ban".into(), "spammer".into()),
            (
                "owner".into(),
                "message.delete".into(),
                format!("message {spam} by spammer")
            ),
        ]
    );
    // Unban lets them back in.
    let r = owner
        .delete(&format!("/api/v1/rooms/{room}/bans/spammer"))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let back = spammer
        .post(&format!("/api/v1/rooms/{room}/join"), json!({}))
        .await;
    assert_eq!(back.status, StatusCode::OK);
}
