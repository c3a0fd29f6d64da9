//! `--database-url`: the URL's scheme picks the backend, with the real binary.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Client, ServerProcess};
use crate::scratch_postgres;

#[tokio::test]
async fn a_sqlite_database_url_keeps_the_messages_in_that_file_across_restarts() {
    let data = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let file = elsewhere.path().join("chat.db");
    let url = format!("sqlite://{}", file.display());

    let server = ServerProcess::start(data.path(), &["--database-url", &url]).unwrap();
    let c = Client::new(&server.base);
    let r = c.post("/api/v1/users", json!({"username": "ann"})).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = c
        .post(
            "/api/v1/rooms/1/messages",
            json!({"client_id": "c-1", "body": "kept in chat.db"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    drop(server);

    assert!(file.exists(), "the database is the file the URL names");
    assert!(
        !data.path().join("natter.db").exists(),
        "no second database in the data directory"
    );
    let again = ServerProcess::start(data.path(), &["--database-url", &url]).unwrap();
    let bodies: Vec<String> = c
        .with_base(&again.base)
        .all_messages(1)
        .await
        .iter()
        .map(|m| m["body"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(bodies, ["kept in chat.db"]);
}

#[test]
fn a_postgres_database_url_without_single_node_is_refused_at_start_up_with_one_sentence() {
    let data = tempfile::tempdir().unwrap();
    let err = ServerProcess::start(
        data.path(),
        &[
            "--database-url",
            "postgres://natter:hunter2@127.0.0.1:5432/test",
        ],
    )
    .err()
    .expect("several nodes on one database need a bus");
    assert!(err.contains("give --single-node"), "{err}");
    assert!(
        !err.contains("hunter2"),
        "the password is never shown: {err}"
    );
    assert!(
        !data.path().join("natter.db").exists(),
        "no SQLite database is made instead"
    );
}

#[tokio::test]
async fn a_single_node_on_postgres_keeps_the_messages_across_restarts() {
    let Some(server) = scratch_postgres::server_url() else {
        eprintln!("NATTER_TEST_POSTGRES_URL is not set: skipped");
        return;
    };
    let schema = scratch_postgres::ScratchSchema::new(&server);
    let data = tempfile::tempdir().unwrap();
    let args = ["--database-url", schema.url.as_str(), "--single-node"];
    let node = ServerProcess::start(data.path(), &args).unwrap();
    let c = Client::new(&node.base);
    let r = c.post("/api/v1/users", json!({"username": "ann"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = c
        .post(
            "/api/v1/rooms/1/messages",
            json!({"client_id": "c-1", "body": "kept in PostgreSQL"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    node.kill();

    assert!(
        !data.path().join("natter.db").exists(),
        "no SQLite database beside it"
    );
    let again = ServerProcess::start(data.path(), &args).unwrap();
    let bodies: Vec<String> = c
        .with_base(&again.base)
        .all_messages(1)
        .await
        .iter()
        .map(|m| m["body"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(bodies, ["kept in PostgreSQL"]);
}

#[test]
fn an_unknown_database_scheme_is_a_bad_option() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_natter"))
        .env("NATTER_DATABASE_URL", "mysql://natter@db/natter")
        .arg("--print-config")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("sqlite://PATH or postgres://USER@HOST/DB"),
        "{err}"
    );
}
