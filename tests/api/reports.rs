//! Reports: a member reports a message they can read, with a bounded
//! reason; admins see open reports and resolve or dismiss them, audited.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Client};

async fn room(owner: &Client, name: &str, kind: &str) -> i64 {
    let r = owner
        .post("/api/v1/rooms", json!({"name": name, "kind": kind}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["room"]["id"].as_i64().unwrap()
}

fn seq_of(sent: &crate::helpers::Answer) -> i64 {
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
    sent.body["message"]["seq"].as_i64().unwrap()
}

fn report_path(room: i64, seq: i64) -> String {
    format!("/api/v1/rooms/{room}/messages/{seq}/report")
}

async fn open_reports(admin: &Client) -> Vec<Value> {
    let r = admin.get("/api/v1/admin/reports").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["reports"].as_array().unwrap().clone()
}

#[tokio::test]
async fn reporting_a_message_in_a_room_you_cannot_read_is_404() {
    let app = spawn_app().await;
    let _admin = app.user("admin").await;
    let alice = app.user("alice").await;
    let mallory = app.user("mallory").await;
    let secret = room(&alice, "secret", "private").await;
    let seq = seq_of(&alice.say(secret, "the plan").await);

    let r = mallory
        .post(&report_path(secret, seq), json!({"reason": "spam"}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    // Nor a message that does not exist, in a room one can read.
    let r = alice
        .post(&report_path(secret, seq + 100), json!({"reason": "spam"}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
}

#[tokio::test]
async fn a_reports_reason_is_bounded_and_required() {
    let app = spawn_app().await;
    let _admin = app.user("admin").await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let seq = seq_of(&alice.say(1, "buy cheap watches").await);

    let blank = bob
        .post(&report_path(1, seq), json!({"reason": "   "}))
        .await;
    assert_eq!(blank.status, StatusCode::BAD_REQUEST, "{}", blank.body);
    let long = bob
        .post(&report_path(1, seq), json!({"reason": "x".repeat(501)}))
        .await;
    assert_eq!(long.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", long.body);
    assert!(long.error_message().contains("500"), "{}", long.body);

    let ok = bob
        .post(&report_path(1, seq), json!({"reason": "x".repeat(500)}))
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    // Reporting it again while open is the same report.
    let again = bob
        .post(&report_path(1, seq), json!({"reason": "still spam"}))
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.body["id"], ok.body["id"]);
}

#[tokio::test]
async fn a_non_admin_cannot_list_or_close_reports() {
    let app = spawn_app().await;
    let _admin = app.user("admin").await;
    let alice = app.user("alice").await;
    let seq = seq_of(&alice.say(1, "hello").await);
    let filed = alice
        .post(&report_path(1, seq), json!({"reason": "testing"}))
        .await;
    let id = filed.body["id"].as_i64().unwrap();

    assert_eq!(
        alice.get("/api/v1/admin/reports").await.status,
        StatusCode::FORBIDDEN
    );
    let close = alice
        .put(
            &format!("/api/v1/admin/reports/{id}"),
            json!({"state": "dismissed"}),
        )
        .await;
    assert_eq!(close.status, StatusCode::FORBIDDEN, "{}", close.body);
}

#[tokio::test]
async fn an_admin_sees_the_report_and_resolving_or_dismissing_it_is_audited() {
    let app = spawn_app().await;
    let admin = app.user("admin").await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let rude = seq_of(&alice.say(1, "you are all fools").await);
    let odd = seq_of(&alice.say(1, "odd but fine").await);
    bob.post(&report_path(1, rude), json!({"reason": "insults people"}))
        .await;
    bob.post(&report_path(1, odd), json!({"reason": "weird"}))
        .await;

    let open = open_reports(&admin).await;
    assert_eq!(open.len(), 2);
    let first = open.iter().find(|r| r["seq"] == rude).unwrap();
    assert_eq!(first["body"], "you are all fools");
    assert_eq!(first["author"], "alice");
    assert_eq!(first["reporter"], "bob");
    assert_eq!(first["reason"], "insults people");
    assert_eq!(first["room_id"], 1);
    assert_eq!(first["state"], "open");
    let rude_id = first["id"].as_i64().unwrap();
    let odd_id = open.iter().find(|r| r["seq"] == odd).unwrap()["id"]
        .as_i64()
        .unwrap();

    let resolved = admin
        .put(
            &format!("/api/v1/admin/reports/{rude_id}"),
            json!({"state": "resolved"}),
        )
        .await;
    assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.body);
    assert_eq!(resolved.body["state"], "resolved");
    assert_eq!(resolved.body["closed_by"], "admin");
    let dismissed = admin
        .put(
            &format!("/api/v1/admin/reports/{odd_id}"),
            json!({"state": "dismissed"}),
        )
        .await;
    assert_eq!(dismissed.status, StatusCode::OK, "{}", dismissed.body);
    assert!(open_reports(&admin).await.is_empty());
    // Closed once: a second close finds no open report.
    let twice = admin
        .put(
            &format!("/api/v1/admin/reports/{odd_id}"),
            json!({"state": "resolved"}),
        )
        .await;
    assert_eq!(twice.status, StatusCode::NOT_FOUND, "{}", twice.body);
    let closed = admin.get("/api/v1/admin/reports?state=resolved").await;
    assert_eq!(closed.body["reports"].as_array().unwrap().len(), 1);

    let log = admin.get("/api/v1/admin/audit").await;
    let entries: Vec<(String, String, String)> = log.body["entries"]
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
        .collect();
    assert!(entries.contains(&(
        "admin".into(),
        "report.resolve".into(),
        format!("report {rude_id}")
    )));
    assert!(entries.contains(&(
        "admin".into(),
        "report.dismiss".into(),
        format!("report {odd_id}")
    )));
}
