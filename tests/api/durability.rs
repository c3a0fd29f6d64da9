//! Durability and start-up: the real `natter` binary, killed with SIGKILL,
//! loses nothing it acknowledged; bad data directories fail with a sentence.

use std::sync::{Arc, Mutex};

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Client, ServerProcess};

#[tokio::test]
async fn sigkill_right_after_acknowledged_sends_loses_none_of_them() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &[]).unwrap();
    let base = server.base.clone();

    let mut clients = Vec::new();
    for i in 0..4 {
        let c = Client::new(&base);
        let r = c
            .post("/api/v1/users", json!({"username": format!("writer{i}")}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
        clients.push(c);
    }
    // Four writers send as fast as they can; every 2xx is recorded.
    let acked: Arc<Mutex<Vec<(String, i64, String)>>> = Arc::default();
    let mut writers = Vec::new();
    for (i, c) in clients.iter().cloned().enumerate() {
        let acked = Arc::clone(&acked);
        writers.push(tokio::spawn(async move {
            for n in 0.. {
                let client_id = format!("w{i}-{n}");
                let body = format!("writer {i} message {n}");
                let sent = c
                    .send(
                        reqwest::Method::POST,
                        "/api/v1/rooms/1/messages",
                        Some(json!({"body": body, "client_id": client_id})),
                        &[],
                    )
                    .await;
                if sent.status != StatusCode::CREATED {
                    return;
                }
                let seq = sent.body["message"]["seq"].as_i64().unwrap();
                acked.lock().unwrap().push((client_id, seq, body));
            }
        }));
    }
    // Kill while sends are in flight, once a good number are acknowledged.
    while acked.lock().unwrap().len() < 300 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    tokio::task::spawn_blocking(move || server.kill())
        .await
        .unwrap();
    for w in writers {
        // The writers stop on their first failed request (connection refused panics in
        // the helper's expect, which ends the task with an error; either is fine).
        let _ = w.await;
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 300);

    let server = ServerProcess::start(dir.path(), &[]).unwrap();
    // Sessions are stored too: the same cookie still works after the restart.
    let reader = clients[0].with_base(&server.base);
    let stored = reader.all_messages(1).await;
    let seqs: Vec<i64> = stored.iter().map(|m| m["seq"].as_i64().unwrap()).collect();
    assert_eq!(
        seqs,
        (1..=i64::try_from(seqs.len()).unwrap()).collect::<Vec<_>>(),
        "no gaps, no repeats"
    );
    for (client_id, seq, body) in &acked {
        let m = stored
            .iter()
            .find(|m| m["client_id"] == client_id.as_str())
            .unwrap_or_else(|| panic!("acknowledged message {client_id} was lost"));
        assert_eq!(
            (m["seq"].as_i64().unwrap(), m["body"].as_str().unwrap()),
            (*seq, body.as_str())
        );
    }
}

#[test]
fn a_data_directory_that_cannot_be_opened_is_one_clear_sentence_and_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "plain file").unwrap();
    let err = ServerProcess::start(&file, &[])
        .err()
        .expect("natter refuses to start");
    assert!(err.contains("exit status: 1"), "{err}");
    assert!(err.contains("cannot create the data directory"), "{err}");
    assert_eq!(err.matches("natter:").count(), 1, "one sentence: {err}");
}

#[test]
fn a_database_from_a_newer_natter_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(ServerProcess::start(dir.path(), &[]).unwrap());
    let db = rusqlite::Connection::open(dir.path().join("natter.db")).unwrap();
    db.pragma_update(None, "user_version", 999).unwrap();
    drop(db);
    let err = ServerProcess::start(dir.path(), &[])
        .err()
        .expect("natter refuses to start");
    assert!(err.contains("schema version 999"), "{err}");
    assert!(err.contains("exit status: 1"), "{err}");
}

#[tokio::test]
async fn messages_stored_before_the_json_column_read_back_the_same_after_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &[]).unwrap();
    let alice = Client::new(&server.base);
    alice
        .post("/api/v1/users", json!({"username": "alice"}))
        .await;
    for body in ["one", "two \"quoted\" <b>", "three ünïcode"] {
        alice.say(1, body).await;
    }
    assert_eq!(alice.edit(1, 1, "one, edited").await.status, StatusCode::OK);
    let retried = json!({"body": "four", "client_id": "kept-1"});
    let first = alice
        .post("/api/v1/rooms/1/messages", retried.clone())
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    let before = alice.get("/api/v1/rooms/1/messages").await.body;
    drop(server);

    // Make it a version-4 database: no stored JSON.
    let db = rusqlite::Connection::open(dir.path().join("natter.db")).unwrap();
    // Without what later versions added (conversations, version 7).
    db.execute_batch(
        "DROP TRIGGER message_deleted_clears_conversation;
         DROP TABLE reactions; DROP TABLE pins; DROP TABLE saved_messages;
         ALTER TABLE rooms DROP COLUMN pin_policy; ALTER TABLE rooms DROP COLUMN topic;
         ALTER TABLE rooms DROP COLUMN archived_at;",
    )
    .unwrap();
    db.execute_batch("ALTER TABLE messages DROP COLUMN json; PRAGMA user_version = 4;")
        .unwrap();
    // Nor what later versions added (threads and mentions, version 8).
    db.execute_batch(
        "DROP INDEX messages_by_thread; ALTER TABLE messages DROP COLUMN thread_root;
         ALTER TABLE messages DROP COLUMN also_in_room; DROP TABLE mentions;
         DROP TABLE notification_levels; ALTER TABLE rooms DROP COLUMN members_mention_room;
         ALTER TABLE users DROP COLUMN quiet_until;
         DROP TABLE uploads; ALTER TABLE messages DROP COLUMN files;",
    )
    .unwrap();
    // The search index went with version 8 too: now in slices (version 26).
    drop_search_slices(&db);
    // Nor what version 9 added (running a server).
    db.execute_batch(
        "DROP INDEX messages_by_expiry; ALTER TABLE messages DROP COLUMN expires_at;
         ALTER TABLE rooms DROP COLUMN disappear_after_secs;
         ALTER TABLE users DROP COLUMN server_role; ALTER TABLE users DROP COLUMN deactivated_at;
         DROP TABLE server_settings; DROP TABLE invites; DROP TABLE room_bans; DROP TABLE audit_log;",
    )
    .unwrap();
    // Nor what version 10 added (group conversations, statuses).
    db.execute_batch("DROP TABLE group_conversations; DROP TABLE user_statuses;")
        .unwrap();
    // Nor what version 11 added (search indexed in batches).
    db.execute_batch("DROP TABLE search_progress;").unwrap();
    // Nor what version 12 added (finishing running a server).
    db.execute_batch(
        "DROP TABLE file_deletions; DROP TABLE password_resets;
         ALTER TABLE sessions DROP COLUMN last_seen_at;
         ALTER TABLE sessions DROP COLUMN user_agent; ALTER TABLE sessions DROP COLUMN ip;",
    )
    .unwrap();
    // Nor what version 13 added (Web Push).
    db.execute_batch(
        "DROP TRIGGER message_deleted_clears_pushes;
         DROP TABLE push_cursors; DROP TABLE push_queue; DROP TABLE push_subscriptions;
         DROP TABLE push_keys;",
    )
    .unwrap();
    // Nor what version 14 added (profiles).
    db.execute_batch("DROP TABLE profiles;").unwrap();
    // Version 21 (a bot's outgoing webhooks) only copied version 17's three
    // tables with a nullable room and added an index to them: they go with
    // version 17's below.
    // Nor what version 20 added (slow mode kept by the store).
    db.execute_batch("DROP TABLE room_slow_mode_last;").unwrap();
    // Nor what version 18 added (slash commands, the bots' feed positions).
    db.execute_batch("DROP TABLE feed_positions; DROP TABLE slash_commands;")
        .unwrap();
    // Nor what version 17 added (outgoing webhooks; version 19's column of
    // out_hooks goes with it).
    db.execute_batch("DROP TABLE out_hook_log; DROP TABLE out_hook_cursors; DROP TABLE out_hooks;")
        .unwrap();
    // Nor what version 16 added (bots, API tokens, incoming webhooks).
    db.execute_batch(
        "DROP TABLE room_hooks; DROP TABLE api_token_rooms; DROP TABLE api_tokens;
         DROP INDEX users_bots_by_owner; ALTER TABLE users DROP COLUMN bot_avatar;
         ALTER TABLE users DROP COLUMN bot_owner_id; ALTER TABLE users DROP COLUMN kind;",
    )
    .unwrap();
    // Nor what version 15 added (reports, changes from the command line,
    // import keys; its copy of the audit log went with version 9's).
    db.execute_batch(
        "DROP TABLE message_reports; DROP TABLE outside_changes; DROP TABLE import_keys;",
    )
    .unwrap();
    // Nor what version 25 added (expiry announcements held between parts;
    // version 24's index went with version 13's push queue).
    db.execute_batch("DROP TABLE expiry_held;").unwrap();
    drop(db);

    let server = ServerProcess::start(dir.path(), &[]).unwrap();
    let alice = alice.with_base(&server.base);
    let after = alice.get("/api/v1/rooms/1/messages").await.body;
    assert_eq!(after, before);
    assert_eq!(after["messages"].as_array().unwrap().len(), 4);
    // The idempotency key survived the rebuild: a retry gets the original.
    let retry = alice.post("/api/v1/rooms/1/messages", retried).await;
    assert_eq!(retry.status, StatusCode::OK);
    assert_eq!(retry.body["message"], first.body["message"]);
}

#[test]
fn help_documents_every_option_with_its_environment_variable() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_natter"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for (flag, env) in [
        ("--listen", "NATTER_LISTEN"),
        ("--data-dir", "NATTER_DATA_DIR"),
        ("--require-password", "NATTER_REQUIRE_PASSWORD"),
        ("--max-message-chars", "NATTER_MAX_MESSAGE_CHARS"),
        ("--public-url", "NATTER_PUBLIC_URL"),
        ("--config", "NATTER_CONFIG"),
    ] {
        assert!(
            help.contains(flag) && help.contains(env),
            "{flag} / {env} missing from --help"
        );
    }
}

/// Drops the search index's slices and their list (version 26).
pub fn drop_search_slices(db: &rusqlite::Connection) {
    let slices: Vec<String> = db
        .prepare("SELECT name FROM sqlite_schema WHERE name GLOB 'message_search_[0-9]*' AND sql LIKE 'CREATE VIRTUAL TABLE%'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for slice in slices {
        db.execute_batch(&format!("DROP TABLE {slice};")).unwrap();
    }
    db.execute_batch("DROP TABLE search_slices;").unwrap();
}
