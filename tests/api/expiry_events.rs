//! How expiries reach clients: one `messages.expired` per room for all of
//! its messages that went together — live, on resume and over long-poll —
//! and a log written by the previous version (one `message.expired` per
//! message) replayed in that form too.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::disappearing::{room_of_two, set_timer, until_event};
use crate::helpers::{session_token, spawn_app, Client, ServerProcess};
use crate::ws::connect;

/// Seqs of what `author` says in `room`.
async fn say_all(author: &Client, room: i64, texts: &[&str]) -> Vec<i64> {
    let mut seqs = Vec::new();
    for text in texts {
        let sent = author.say(room, text).await;
        assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.text);
        seqs.push(sent.body["message"]["seq"].as_i64().unwrap());
    }
    seqs
}

#[tokio::test]
async fn messages_due_together_reach_a_listener_as_one_event_per_room_naming_them_all() {
    crate::sqlite_only!("it makes messages due together by writing to the SQLite file");
    let app = spawn_app().await;
    let (alice, _) = app.user_with_token("alice").await;
    let (bob, bob_token) = app.user_with_token("bob").await;
    let first = room_of_two(&alice, &bob).await;
    let r = alice
        .post(
            "/api/v1/rooms",
            json!({"name": "fleeting", "kind": "public"}),
        )
        .await;
    let second = r.body["room"]["id"].as_i64().unwrap();
    bob.post(&format!("/api/v1/rooms/{second}/join"), json!({}))
        .await;
    let mut ws = connect(&app.base, &bob_token).await;
    ws.subscribe(first, 0).await;
    ws.subscribe(second, 0).await;
    for room in [first, second] {
        assert_eq!(set_timer(&alice, room, 2).await.status, StatusCode::OK);
    }
    let in_first = say_all(&alice, first, &["plum-1", "plum-2", "plum-3"]).await;
    let in_second = say_all(&alice, second, &["pear-1", "pear-2"]).await;
    // Posted a few milliseconds apart, they would be due a few
    // milliseconds apart: make them all due when the last one is (the
    // expiry task, waiting for the first, then finds none due and waits
    // for that moment).
    let db = rusqlite::Connection::open(app.data_dir().join("natter.db")).unwrap();
    db.busy_timeout(Duration::from_secs(10)).unwrap();
    db.execute(
        "UPDATE messages SET expires_at = (SELECT max(expires_at) FROM messages)
         WHERE expires_at IS NOT NULL",
        [],
    )
    .unwrap();
    drop(db);

    let mut removed = Vec::new();
    while removed.len() < 2 {
        removed.push(until_event(&mut ws, "messages.expired").await);
    }
    removed.sort_by_key(|e| e["room_id"].as_i64());
    assert_eq!(removed[0]["room_id"], first);
    assert_eq!(removed[0]["message_seqs"], json!(in_first));
    assert_eq!(removed[0]["message_ids"].as_array().unwrap().len(), 3);
    assert_eq!(removed[1]["room_id"], second);
    assert_eq!(removed[1]["message_seqs"], json!(in_second));
    let later = ws.drain().await;
    assert!(
        later.iter().all(|f| f["type"] != "messages.expired"),
        "one event per room: {later:?}"
    );
    let text = serde_json::to_string(&later).unwrap();
    assert!(!text.contains("plum-") && !text.contains("pear-"), "{text}");

    // Long-poll hears of it the same way.
    let last = in_first.last().unwrap();
    let polled = bob
        .get(&format!("/api/v1/rooms/{first}/events?after={last}"))
        .await;
    assert_eq!(polled.status, StatusCode::OK, "{}", polled.text);
    let events = polled.body["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{}", polled.text);
    assert_eq!(events[0]["type"], "messages.expired");
    assert_eq!(events[0]["message_seqs"], json!(in_first));
}

#[tokio::test]
async fn an_expiry_logged_by_the_previous_version_is_replayed_as_a_batched_removal() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &[]).unwrap();
    let alice = Client::new(&server.base);
    let signed = alice
        .post("/api/v1/users", json!({"username": "alice"}))
        .await;
    let alice_token = session_token(&signed);
    let bob = Client::new(&server.base);
    bob.post("/api/v1/users", json!({"username": "bob"})).await;
    let room = room_of_two(&alice, &bob).await;
    let mut ws = connect(&server.base, &alice_token).await;
    ws.subscribe(room, 0).await;
    assert_eq!(set_timer(&alice, room, 1).await.status, StatusCode::OK);
    let sent = alice.say(room, "written long ago lime-12").await;
    let (seq, id) = (
        sent.body["message"]["seq"].clone(),
        sent.body["message"]["id"].clone(),
    );
    until_event(&mut ws, "messages.expired").await;
    tokio::task::spawn_blocking(move || server.kill())
        .await
        .unwrap();
    // The log as the previous version wrote it: one event per message.
    let db = rusqlite::Connection::open(dir.path().join("natter.db")).unwrap();
    let rewritten = db
        .execute(
            "UPDATE room_events
             SET payload = json_object('room_id', room_id, 'seq', seq, 'type', 'message.expired',
                 'message_id', json_extract(payload, '$.message_ids[0]'),
                 'message_seq', json_extract(payload, '$.message_seqs[0]'))
             WHERE json_extract(payload, '$.type') = 'messages.expired'",
            [],
        )
        .unwrap();
    assert_eq!(rewritten, 1);
    drop(db);

    let server = ServerProcess::start(dir.path(), &[]).unwrap();
    let bob = bob.with_base(&server.base);
    let polled = bob
        .get(&format!("/api/v1/rooms/{room}/events?after=0"))
        .await;
    assert_eq!(polled.status, StatusCode::OK, "{}", polled.text);
    assert!(!polled.text.contains("lime-12"), "{}", polled.text);
    let removals: Vec<&Value> = polled.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            ![
                "message.created",
                "room.disappearing_changed",
                "member.joined",
            ]
            .contains(&e["type"].as_str().unwrap_or_default())
        })
        .collect();
    assert_eq!(removals.len(), 1, "{}", polled.text);
    assert_eq!(removals[0]["type"], "messages.expired");
    assert_eq!(removals[0]["message_seqs"], json!([seq]));
    assert_eq!(removals[0]["message_ids"], json!([id]));
}
