//! `natter admin import-slack` with the real binary, on a Slack export the
//! test builds in Slack's documented format: rooms, users with claim
//! links, messages with their original times and order, threads and
//! reactions, and nothing twice when it runs twice.

use std::io::{Cursor, Write};

use reqwest::StatusCode;
use serde_json::{json, Value};
use zip::write::SimpleFileOptions;
use zip::ZipWriter;

use crate::admin_cli::natter;
use crate::helpers::{Client, ServerProcess};

fn msg(user: &str, ts: &str, text: &str) -> Value {
    json!({"type": "message", "user": user, "text": text, "ts": ts})
}

/// Two people, two public channels; #engineering has a thread with a
/// reply, a reaction by both, and a later message with a file (listed).
fn export_zip() -> Vec<u8> {
    let users = json!([
        {"id": "U01", "name": "alice", "deleted": false, "profile": {"real_name": "Alice"}},
        {"id": "U02", "name": "bob", "deleted": false, "profile": {"display_name": "Bob"}},
    ]);
    let channels = json!([
        {"id": "C01", "name": "engineering", "created": 1_511_000_000, "creator": "U01",
         "members": ["U01", "U02"], "topic": {"value": "Builds"}, "purpose": {"value": ""}},
        {"id": "C02", "name": "random", "created": 1_511_000_100, "creator": "U02",
         "members": ["U01", "U02"], "topic": {"value": ""}, "purpose": {"value": ""}},
    ]);
    let mut first = msg("U01", "1511000001.000100", "the build is *red*");
    first["thread_ts"] = json!("1511000001.000100");
    first["reactions"] = json!([{"name": "thumbsup", "users": ["U01", "U02"], "count": 2}]);
    let mut reply = msg("U02", "1511000002.000200", "fixed it");
    reply["thread_ts"] = json!("1511000001.000100");
    let mut later = msg("U01", "1511086400.000300", "green again, thanks <@U02>");
    later["files"] = json!([{"id": "F01", "name": "build.log", "title": "Build log",
                             "mimetype": "text/plain", "size": 1234}]);
    let entries: Vec<(&str, Value)> = vec![
        ("users.json", users),
        ("channels.json", channels),
        // Day files out of order: the import sorts by time.
        ("engineering/2017-11-19.json", json!([later])),
        ("engineering/2017-11-18.json", json!([first, reply])),
        (
            "random/2017-11-18.json",
            json!([msg("U02", "1511000100.000001", "lunch?")]),
        ),
    ];
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, value) in entries {
        zip.start_file(name, SimpleFileOptions::default()).unwrap();
        zip.write_all(&serde_json::to_vec(&value).unwrap()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

async fn public_room(c: &Client, name: &str) -> i64 {
    let rooms = c.get("/api/v1/public-rooms").await.body;
    let found = rooms["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["name"] == name)
        .collect::<Vec<_>>();
    assert_eq!(found.len(), 1, "one room named {name}: {rooms}");
    found[0]["id"].as_i64().unwrap()
}

#[tokio::test]
async fn importing_a_slack_export_twice_gives_each_room_message_thread_and_reaction_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &[]).unwrap();
    let admin = Client::new(&server.base);
    admin
        .post("/api/v1/users", json!({"username": "admin"}))
        .await;
    let zip = dir.path().join("slack.zip");
    std::fs::write(&zip, export_zip()).unwrap();
    let zip = zip.to_str().unwrap();

    let first = natter(dir.path(), &["admin", "import-slack", zip], "").await;
    let said = String::from_utf8_lossy(&first.stdout).into_owned();
    assert!(
        first.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(
        said.contains("imported 2 users, 2 rooms, 4 messages, 2 reactions"),
        "{said}"
    );
    let second = natter(dir.path(), &["admin", "import-slack", zip], "").await;
    let again = String::from_utf8_lossy(&second.stdout).into_owned();
    assert!(second.status.success(), "{again}");
    assert!(
        again.contains("imported 0 users, 0 rooms, 0 messages, 0 reactions"),
        "{again}"
    );

    let engineering = public_room(&admin, "engineering").await;
    public_room(&admin, "random").await;
    let joined = admin
        .post(&format!("/api/v1/rooms/{engineering}/join"), json!({}))
        .await;
    assert!(joined.status.is_success(), "{}", joined.body);
    let timeline = admin.all_messages(engineering).await;
    let bodies: Vec<&str> = timeline
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        bodies,
        [
            "the build is **red**",
            "green again, thanks @bob\n\n📎 build.log"
        ],
        "in order, each once"
    );
    assert_eq!(timeline[0]["author"], "alice");
    assert_eq!(timeline[0]["created_at"], "2017-11-18T10:13:21Z");
    assert_eq!(timeline[1]["created_at"], "2017-11-19T10:13:20Z");

    let root = timeline[0]["seq"].as_i64().unwrap();
    let thread = admin
        .get(&format!(
            "/api/v1/rooms/{engineering}/messages/{root}/thread"
        ))
        .await;
    assert_eq!(thread.status, StatusCode::OK, "{}", thread.body);
    let replies = thread.body["replies"].as_array().unwrap();
    assert_eq!(replies.len(), 1, "{}", thread.body);
    assert_eq!(replies[0]["body"], "fixed it");
    assert_eq!(replies[0]["author"], "bob");

    let reactions = admin
        .get(&format!(
            "/api/v1/rooms/{engineering}/messages/{root}/reactions"
        ))
        .await;
    let text = reactions.body.to_string();
    assert!(text.contains("alice") && text.contains("bob"), "{text}");
    assert_eq!(text.matches("\"alice\"").count(), 1, "{text}");

    // Alice claims her account with her link and signs in.
    let link = said
        .lines()
        .find(|l| l.starts_with("alice\t"))
        .expect("a claim link for alice");
    let code = link.split("?reset=").nth(1).unwrap().trim();
    let alice = Client::new(&server.base);
    let claimed = alice
        .post(
            "/api/v1/password-reset",
            json!({"code": code, "new_password": "alice's new password"}),
        )
        .await;
    assert!(claimed.status.is_success(), "{}", claimed.body);
    assert_eq!(
        alice.get("/api/v1/me").await.body["user"]["username"],
        "alice"
    );
}

/// Searches until `word` is found (the running server applies an import's
/// changes a few times a second), at most 10 s.
async fn found_after_a_while(c: &Client, word: &str) -> Value {
    for _ in 0..100 {
        let r = c.get(&format!("/api/v1/search?q={word}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        if r.body["results"].as_array().is_some_and(|a| !a.is_empty()) {
            return r.body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no search found {word}");
}

#[tokio::test]
async fn messages_imported_into_a_running_server_that_has_searched_before_can_be_found() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &[]).unwrap();
    let admin = Client::new(&server.base);
    admin
        .post("/api/v1/users", json!({"username": "admin"}))
        .await;
    // A search before the import: the server has caught its index up.
    let before = admin.get("/api/v1/search?q=lunch").await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.text);
    let zip = dir.path().join("slack.zip");
    std::fs::write(&zip, export_zip()).unwrap();
    let imported = natter(
        dir.path(),
        &["admin", "import-slack", zip.to_str().unwrap()],
        "",
    )
    .await;
    assert!(imported.status.success(), "{imported:?}");
    let random = public_room(&admin, "random").await;
    admin
        .post(&format!("/api/v1/rooms/{random}/join"), json!({}))
        .await;

    let found = found_after_a_while(&admin, "lunch").await;
    assert_eq!(found["results"][0]["message"]["body"], "lunch?", "{found}");
}
