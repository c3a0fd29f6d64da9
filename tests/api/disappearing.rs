//! Disappearing messages: the room's timer, expiry on time, and "expired
//! means gone" — from history, replay and the database file itself.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::disk_copy::{contains, database_bytes};
use crate::helpers::{session_token, spawn_app, Client, ServerProcess};
use crate::ws::{connect, Ws};

/// Alice's public room with bob in it; returns its id.
pub async fn room_of_two(alice: &Client, bob: &Client) -> i64 {
    let r = alice
        .post(
            "/api/v1/rooms",
            json!({"name": "vanishing", "kind": "public"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let room = r.body["room"]["id"].as_i64().unwrap();
    let joined = bob
        .post(&format!("/api/v1/rooms/{room}/join"), json!({}))
        .await;
    assert!(joined.status.is_success(), "{}", joined.text);
    room
}

pub async fn set_timer(c: &Client, room: i64, seconds: i64) -> crate::helpers::Answer {
    c.put(
        &format!("/api/v1/rooms/{room}/disappearing"),
        json!({ "seconds": seconds }),
    )
    .await
}

/// Reads room events until one of `kind` arrives.
pub async fn until_event(ws: &mut Ws, kind: &str) -> Value {
    loop {
        let f = ws.next_frame().await;
        if f["type"] == kind && f.get("seq").is_some() {
            return f;
        }
    }
}

#[tokio::test]
async fn an_expired_message_is_removed_live_and_its_text_and_edits_are_gone_from_the_database_file()
{
    let app = spawn_app().await;
    let (alice, _) = app.user_with_token("alice").await;
    let (bob, bob_token) = app.user_with_token("bob").await;
    let room = room_of_two(&alice, &bob).await;
    let mut ws = connect(&app.base, &bob_token).await;
    ws.subscribe(room, 0).await;

    let timer = set_timer(&alice, room, 1).await;
    assert_eq!(timer.status, StatusCode::OK, "{}", timer.text);
    assert_eq!(timer.body["room"]["disappear_after_secs"], 1);
    let changed = until_event(&mut ws, "room.disappearing_changed").await;
    assert_eq!(changed["seconds"], 1);
    assert_eq!(changed["changed_by"], "alice");

    let sent = alice.say(room, "launch code tangerine-417").await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.text);
    let seq = sent.body["message"]["seq"].as_i64().unwrap();
    assert!(
        sent.body["message"]["expires_at"].is_string(),
        "{}",
        sent.text
    );
    let edited = alice.edit(room, seq, "launch code mandarin-932").await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);

    let expired = until_event(&mut ws, "messages.expired").await;
    assert_eq!(expired["message_seqs"], json!([seq]));
    assert_eq!(expired["message_ids"], json!([sent.body["message"]["id"]]));
    assert!(expired["seq"].as_i64().unwrap() > seq + 1, "its own seq");

    let history = alice.all_messages(room).await;
    let m = history.iter().find(|m| m["seq"] == seq).unwrap();
    assert_eq!(m["body"], "");
    assert_eq!(m["expired"], true);

    let found = alice.get("/api/v1/search?q=mandarin").await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    assert!(
        !found.text.contains("mandarin"),
        "search still finds it: {}",
        found.text
    );

    let bytes = database_bytes(&app.data_dir());
    assert!(
        !contains(&bytes, "tangerine-417"),
        "the text is in the file"
    );
    assert!(!contains(&bytes, "mandarin-932"), "an edit is in the file");
}

#[tokio::test]
async fn a_client_resuming_after_expiry_never_receives_the_text() {
    let app = spawn_app().await;
    let (alice, alice_token) = app.user_with_token("alice").await;
    let (bob, bob_token) = app.user_with_token("bob").await;
    let room = room_of_two(&alice, &bob).await;
    let mut watcher = connect(&app.base, &alice_token).await;
    watcher.subscribe(room, 0).await;
    assert_eq!(set_timer(&alice, room, 1).await.status, StatusCode::OK);
    let sent = alice.say(room, "gone soon papaya-55").await;
    let seq = sent.body["message"]["seq"].as_i64().unwrap();
    alice.edit(room, seq, "gone soon guava-66").await;
    until_event(&mut watcher, "messages.expired").await;

    // Bob was away since before the message: his resume replays it all.
    let mut ws = connect(&app.base, &bob_token).await;
    let replayed = ws.subscribe(room, 0).await;
    let text = serde_json::to_string(&replayed).unwrap();
    assert!(!text.contains("papaya-55"), "{text}");
    assert!(!text.contains("guava-66"), "{text}");
    let kinds: Vec<&str> = replayed
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    // The removal is replayed: the expiry's own event, and the edit's
    // event turned into one (same seq), both naming the message.
    let removals: Vec<&Value> = replayed
        .iter()
        .filter(|e| e["type"] == "messages.expired")
        .collect();
    assert_eq!(removals.len(), 2, "{kinds:?}");
    assert!(
        removals.iter().all(|e| e["message_seqs"] == json!([seq])),
        "{removals:?}"
    );
    assert!(!kinds.contains(&"message.edited"), "{kinds:?}");
    let seqs: Vec<i64> = replayed
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    let mut sorted = seqs.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(seqs, sorted, "in seq order, once each");
}

#[tokio::test]
async fn the_timer_is_the_owners_applies_to_new_messages_only_and_is_a_room_event() {
    let app = spawn_app().await;
    let (alice, _) = app.user_with_token("alice").await;
    let (bob, _) = app.user_with_token("bob").await;
    let room = room_of_two(&alice, &bob).await;
    let before = alice.say(room, "stays").await.body["message"].clone();
    assert!(before.get("expires_at").is_none());

    assert_eq!(
        set_timer(&bob, room, 300).await.status,
        StatusCode::FORBIDDEN
    );
    let too_long = set_timer(&alice, room, 400 * 86_400).await;
    assert_eq!(too_long.status, StatusCode::BAD_REQUEST);
    assert_eq!(too_long.error_code(), "disappearing_invalid");
    let outsider = app.user("carol").await;
    assert_eq!(
        set_timer(&outsider, room, 300).await.status,
        StatusCode::FORBIDDEN,
        "a public room carol has not joined"
    );

    let set = set_timer(&alice, room, 3600).await;
    assert_eq!(set.status, StatusCode::OK);
    let after = alice.say(room, "goes in an hour").await.body["message"].clone();
    assert!(after["expires_at"].is_string());
    assert!(after["seq"].as_i64().unwrap() > set.body["room"]["last_seq"].as_i64().unwrap());

    let off = set_timer(&alice, room, 0).await;
    assert_eq!(off.body["room"]["disappear_after_secs"], 0);
    let rooms = bob.get("/api/v1/rooms").await;
    let listed = rooms.body["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == room)
        .unwrap()
        .clone();
    assert_eq!(listed["disappear_after_secs"], 0);
    // The earlier messages keep what they were posted with.
    let history = bob.all_messages(room).await;
    assert!(history[0].get("expires_at").is_none());
    assert!(history[1]["expires_at"].is_string());
}

#[tokio::test]
async fn messages_that_expired_while_the_server_was_down_are_gone_before_anything_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &[]).unwrap();
    let alice = Client::new(&server.base);
    let signed = alice
        .post("/api/v1/users", json!({"username": "alice"}))
        .await;
    let token = session_token(&signed);
    let bob = Client::new(&server.base);
    bob.post("/api/v1/users", json!({"username": "bob"})).await;
    let room = room_of_two(&alice, &bob).await;
    assert_eq!(set_timer(&alice, room, 1).await.status, StatusCode::OK);
    let sent = alice.say(room, "before the outage kiwi-808").await;
    let expires_at = sent.body["message"]["expires_at"]
        .as_str()
        .unwrap()
        .to_owned();
    tokio::task::spawn_blocking(move || server.kill())
        .await
        .unwrap();
    // Wait (while down) until the message is due.
    let due =
        time::OffsetDateTime::parse(&expires_at, &time::format_description::well_known::Rfc3339)
            .unwrap();
    while time::OffsetDateTime::now_utc() <= due {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let server = ServerProcess::start(dir.path(), &[]).unwrap();
    let alice = alice.with_base(&server.base);
    let history = alice.all_messages(room).await;
    assert_eq!(history[0]["body"], "", "{history:?}");
    assert_eq!(history[0]["expired"], true);
    let mut ws = connect(&server.base, &token).await;
    let replayed = ws.subscribe(room, 0).await;
    assert!(!serde_json::to_string(&replayed)
        .unwrap()
        .contains("kiwi-808"));
    let data = dir.path().to_owned();
    let bytes = tokio::task::spawn_blocking(move || database_bytes(&data))
        .await
        .unwrap();
    assert!(!contains(&bytes, "kiwi-808"));
}

#[tokio::test]
async fn the_server_wide_retention_removes_old_messages_even_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &[]).unwrap();
    let admin = Client::new(&server.base);
    admin
        .post("/api/v1/users", json!({"username": "admin"}))
        .await;
    let member = Client::new(&server.base);
    member
        .post("/api/v1/users", json!({"username": "member"}))
        .await;
    assert_eq!(
        member
            .put("/api/v1/admin/retention", json!({"retention_days": 1}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let old = admin.say(1, "ancient history fig-31").await.body["message"]["seq"]
        .as_i64()
        .unwrap();
    admin.say(1, "fresh news").await;
    let r = admin
        .put("/api/v1/admin/retention", json!({"retention_days": 30}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    tokio::task::spawn_blocking(move || server.kill())
        .await
        .unwrap();
    // The first message was posted 31 days ago, as far as the file knows.
    let db = rusqlite::Connection::open(dir.path().join("natter.db")).unwrap();
    db.execute(
        "UPDATE messages SET created_at = created_at - 31 * 86400000 WHERE seq = ?1 AND room_id = 1",
        [old],
    )
    .unwrap();
    drop(db);

    let server = ServerProcess::start(dir.path(), &[]).unwrap();
    let admin = admin.with_base(&server.base);
    let history = admin.all_messages(1).await;
    let bodies: Vec<&str> = history
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["", "fresh news"]);
    assert_eq!(history[0]["expired"], true);
    let data = dir.path().to_owned();
    let bytes = tokio::task::spawn_blocking(move || database_bytes(&data))
        .await
        .unwrap();
    assert!(!contains(&bytes, "fig-31"));
    assert_eq!(
        admin.get("/api/v1/admin/retention").await.body["retention_days"],
        30
    );
}
