//! Search with the index written in batches behind the sends: a search
//! still sees every message acknowledged before it, as the message is now,
//! also across a crash.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{spawn_app, Client, ServerProcess};

const GENERAL: i64 = 1;

async fn found(c: &Client, query: &str) -> Vec<String> {
    let q: String = url::form_urlencoded::byte_serialize(query.as_bytes()).collect();
    let r = c.get(&format!("/api/v1/search?q={q}")).await;
    assert_eq!(r.status, StatusCode::OK, "{query:?}: {}", r.text);
    r.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["message"]["body"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_edit_or_deletion_made_before_the_message_was_indexed_is_what_search_sees() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    alice.say(GENERAL, "the old plan was alpha").await;
    assert_eq!(
        alice.edit(GENERAL, 1, "the new plan is beta").await.status,
        StatusCode::OK
    );
    let gamma = alice.say(GENERAL, "gamma goes away").await;
    let seq = gamma.body["message"]["seq"].as_i64().unwrap();
    let gone = alice
        .delete(&format!("/api/v1/rooms/{GENERAL}/messages/{seq}"))
        .await;
    assert!(gone.status.is_success(), "{}", gone.text);
    assert!(found(&alice, "alpha").await.is_empty());
    assert_eq!(found(&alice, "beta").await, ["the new plan is beta"]);
    assert!(found(&alice, "gamma").await.is_empty());
    // Once indexed, edits change the index in their own transaction.
    assert_eq!(
        alice
            .edit(GENERAL, 1, "the final plan is delta")
            .await
            .status,
        StatusCode::OK
    );
    assert!(found(&alice, "beta").await.is_empty());
    assert_eq!(found(&alice, "delta").await, ["the final plan is delta"]);
}

#[tokio::test]
async fn more_messages_than_one_batch_are_all_found() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    for n in 0..700 {
        alice.say(GENERAL, &format!("note number{n} of many")).await;
    }
    assert_eq!(found(&alice, "number0").await, ["note number0 of many"]);
    assert_eq!(found(&alice, "number511").await, ["note number511 of many"]);
    assert_eq!(found(&alice, "number699").await, ["note number699 of many"]);
}

#[tokio::test]
async fn messages_acknowledged_before_a_crash_are_found_after_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &[]).unwrap();
    let alice = Client::new(&server.base);
    let r = alice
        .post("/api/v1/users", json!({"username": "alice"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    alice.say(GENERAL, "written just before the crash").await;
    alice.say(GENERAL, "and another crash survivor").await;
    server.kill();

    let server = ServerProcess::start(dir.path(), &[]).unwrap();
    let alice = alice.with_base(&server.base);
    assert_eq!(
        found(&alice, "crash").await,
        [
            "and another crash survivor",
            "written just before the crash"
        ]
    );
}

#[tokio::test]
async fn a_deleted_room_leaves_search_and_messages_sent_after_it_are_found() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let r = alice
        .post(
            "/api/v1/rooms",
            json!({"name": "scratch", "kind": "private", "members": []}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let scratch = r.body["room"]["id"].as_i64().unwrap();
    alice.say(scratch, "zebra crossing notes").await;
    assert_eq!(found(&alice, "zebra").await, ["zebra crossing notes"]);
    let gone = alice.delete(&format!("/api/v1/rooms/{scratch}")).await;
    assert!(gone.status.is_success(), "{}", gone.text);
    // The deleted room held the newest message: its id is given out again.
    alice.say(GENERAL, "yak shaving notes").await;
    assert!(found(&alice, "zebra").await.is_empty());
    assert_eq!(found(&alice, "notes").await, ["yak shaving notes"]);
}

#[tokio::test]
async fn after_the_upgrade_that_remade_the_index_old_messages_are_found_and_edits_and_deletions_still_apply(
) {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &[]).unwrap();
    let alice = Client::new(&server.base);
    let r = alice
        .post("/api/v1/users", json!({"username": "alice"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    alice.say(GENERAL, "an old harbour note").await;
    let draft = alice.say(GENERAL, "an old harbour draft").await.body["message"]["seq"]
        .as_i64()
        .unwrap();
    let mistake = alice.say(GENERAL, "an old harbour mistake").await.body["message"]["seq"]
        .as_i64()
        .unwrap();
    assert_eq!(found(&alice, "harbour").await.len(), 3);
    drop(server);

    // Back to version 22: the index as it was then (tombstones), holding
    // every message; without what later versions added.
    let db = rusqlite::Connection::open(dir.path().join("natter.db")).unwrap();
    super::durability::drop_search_slices(&db);
    db.execute_batch(
        "DROP INDEX push_queue_by_message; DROP TABLE expiry_held;
         CREATE VIRTUAL TABLE message_search USING fts5(body, content = '',
             contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2');
         INSERT INTO message_search (rowid, body) SELECT id, body FROM messages;
         PRAGMA user_version = 22;",
    )
    .unwrap();
    drop(db);

    let server = ServerProcess::start(dir.path(), &[]).unwrap();
    let alice = alice.with_base(&server.base);
    assert_eq!(found(&alice, "harbour").await.len(), 3);
    assert_eq!(
        alice
            .edit(GENERAL, draft, "a finished harbour plan")
            .await
            .status,
        StatusCode::OK
    );
    let r = alice
        .delete(&format!("/api/v1/rooms/{GENERAL}/messages/{mistake}"))
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    assert_eq!(found(&alice, "draft").await, Vec::<String>::new());
    assert_eq!(found(&alice, "mistake").await, Vec::<String>::new());
    assert_eq!(
        found(&alice, "harbour").await,
        ["a finished harbour plan", "an old harbour note"]
    );
}
