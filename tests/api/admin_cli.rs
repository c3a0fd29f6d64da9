//! `natter admin` on a running server (the real binary, as a person runs
//! it): create-user, deactivate and export, and what the running server
//! makes of each.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{session_token, Client, ServerProcess};
use crate::ws::connect;

/// Runs `natter --data-dir DIR ARGS…` with `stdin`, off the test's thread
/// (the command waits for the running server).
pub async fn natter(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let (dir, stdin): (PathBuf, String) = (dir.to_owned(), stdin.to_owned());
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_natter"))
            .arg("--data-dir")
            .arg(&dir)
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

async fn sign_up(base: &str, name: &str) -> (Client, String) {
    let c = Client::new(base);
    let r = c.post("/api/v1/users", json!({"username": name})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let token = session_token(&r);
    (c, token)
}

#[tokio::test]
async fn create_user_on_a_running_server_then_that_user_signs_in() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &[]).unwrap();
    let (_admin, _) = sign_up(&server.base, "admin").await;

    let out = natter(
        dir.path(),
        &["admin", "create-user", "carol", "--password-stdin"],
        "correct horse battery\n",
    )
    .await;
    let said = ok(&out);
    assert!(said.contains("created carol"), "{said}");
    assert!(said.contains("running server has applied it"), "{said}");

    let carol = Client::new(&server.base);
    let r = carol
        .post(
            "/api/v1/session",
            json!({"username": "carol", "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        carol.get("/api/v1/me").await.body["user"]["username"],
        "carol"
    );

    // Without a password: a one-time link to choose one.
    let said = ok(&natter(dir.path(), &["admin", "create-user", "dave"], "").await);
    assert!(said.contains("?reset="), "{said}");
    // A taken name is refused with a sentence.
    let out = natter(dir.path(), &["admin", "create-user", "Carol"], "").await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("taken"));
}

#[tokio::test]
async fn deactivate_on_a_running_server_closes_the_users_socket_and_refuses_their_next_request() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &[]).unwrap();
    let (admin, _) = sign_up(&server.base, "admin").await;
    let (bob, token) = sign_up(&server.base, "bob").await;
    // Cached by the server: the session answers from memory from here on.
    assert_eq!(bob.get("/api/v1/me").await.status, StatusCode::OK);
    let mut ws = connect(&server.base, &token).await;
    ws.subscribe(1, 0).await;

    let said = ok(&natter(dir.path(), &["admin", "deactivate", "bob"], "").await);
    assert!(said.contains("applied"), "{said}");

    // The socket is closed by the server, not left open.
    ws.end().await;
    let refused = bob.get("/api/v1/me").await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
    let again = Client::new(&server.base)
        .post("/api/v1/session", json!({"username": "bob"}))
        .await;
    assert_ne!(again.status, StatusCode::OK, "{}", again.body);
    // The admin sees it in the audit log, done from the command line.
    let log = admin.get("/api/v1/admin/audit").await;
    let first = &log.body["entries"][0];
    assert_eq!(first["action"], "deactivate");
    assert_eq!(first["target"], "bob");
    assert_eq!(first["actor"], "natter admin");
}

fn lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn export_leaves_private_rooms_out_unless_asked_and_writes_an_audit_record() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &[]).unwrap();
    let (admin, _) = sign_up(&server.base, "admin").await;
    let (alice, _) = sign_up(&server.base, "alice").await;
    alice.say(1, "hello everyone").await;
    let secret = alice
        .post(
            "/api/v1/rooms",
            json!({"name": "secret", "kind": "private"}),
        )
        .await
        .body["room"]["id"]
        .as_i64()
        .unwrap();
    alice.say(secret, "the hidden plan").await;
    let seq = alice.say(1, "react to me").await.body["message"]["seq"]
        .as_i64()
        .unwrap();
    let reacted = admin
        .put(
            &format!("/api/v1/rooms/1/messages/{seq}/reactions/%F0%9F%91%8D"),
            json!({}),
        )
        .await;
    assert!(reacted.status.is_success(), "{}", reacted.body);

    let public = ok(&natter(dir.path(), &["admin", "export", "--all"], "").await);
    assert!(!public.contains("hidden plan"), "{public}");
    let exported = lines(&public);
    assert!(exported
        .iter()
        .any(|l| l["type"] == "message" && l["message"]["body"] == "hello everyone"));
    assert!(exported
        .iter()
        .any(|l| l["type"] == "reaction" && l["emoji"] == "👍" && l["user"] == "admin"));
    assert!(!exported
        .iter()
        .any(|l| l["type"] == "room" && l["id"] == secret));

    // Asking for the private room by name without the flag is refused.
    let out = natter(dir.path(), &["admin", "export", "--room", "secret"], "").await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--include-private"));

    let all = ok(&natter(
        dir.path(),
        &["admin", "export", "--all", "--include-private"],
        "",
    )
    .await);
    assert!(all.contains("the hidden plan"));

    let log = admin.get("/api/v1/admin/audit").await;
    let actions: Vec<(&str, &str)> = log.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["target"].as_str().unwrap()))
        .collect();
    assert!(
        actions.contains(&("export", "all public rooms")),
        "{actions:?}"
    );
    assert!(
        actions.contains(&("export", "all rooms, private ones too")),
        "{actions:?}"
    );
}

#[tokio::test]
async fn deactivate_on_a_stopped_server_is_in_force_when_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &[]).unwrap();
    let (admin, _) = sign_up(&server.base, "admin").await;
    let (bob, _) = sign_up(&server.base, "bob").await;
    drop(server);

    let said = ok(&natter(dir.path(), &["admin", "deactivate", "bob"], "").await);
    assert!(said.contains("bob is deactivated"), "{said}");
    assert!(!said.contains("running server"), "{said}");

    let server = ServerProcess::start(dir.path(), &[]).unwrap();
    // The admin's session carried over the restart; Bob's did not.
    let admin = admin.with_base(&server.base);
    assert_eq!(admin.get("/api/v1/me").await.status, StatusCode::OK);
    let bob = bob.with_base(&server.base);
    assert_eq!(bob.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn admin_on_a_postgres_database_url_is_refused_with_one_sentence_and_touches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = natter(
        dir.path(),
        &[
            "--database-url",
            "postgres://natter:hunter2@127.0.0.1:5432/natter",
            "admin",
            "create-user",
            "carol",
        ],
        "",
    )
    .await;
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("natter admin works on a SQLite database file only, not on PostgreSQL"),
        "{said}"
    );
    assert_eq!(said.trim().lines().count(), 1, "one sentence: {said}");
    assert!(!said.contains("hunter2"), "{said}");
    assert!(
        !dir.path().join("natter.db").exists(),
        "no SQLite file is made instead"
    );
}
