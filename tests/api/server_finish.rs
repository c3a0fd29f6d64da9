//! Finishing "running a server": an expired message's files are gone from
//! the data directory, and `natter admin backup` / `restore` on the real
//! binary lose nothing acknowledged.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::files_support::{message_with_files, stored_files, upload};
use crate::helpers::{spawn_app, Client, ServerProcess};
use crate::ws::connect;

const GENERAL: i64 = 1;

fn file_id(r: &crate::helpers::Answer) -> String {
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["file"]["id"].as_str().unwrap().to_owned()
}

/// Polls `done` every 50 ms for at most ten seconds: the bytes go just
/// after the expiry's commit, which clients may hear of first.
async fn eventually(mut done: impl FnMut() -> bool) -> bool {
    for _ in 0..200 {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    done()
}

#[tokio::test]
async fn an_expired_messages_file_answers_404_and_its_bytes_are_gone_from_the_data_directory() {
    let app = spawn_app().await;
    let (alice, _) = app.user_with_token("alice").await;
    let (bob, bob_token) = app.user_with_token("bob").await;
    let r = alice
        .post(
            "/api/v1/rooms",
            json!({"name": "vanishing", "kind": "public"}),
        )
        .await;
    let room = r.body["room"]["id"].as_i64().unwrap();
    bob.post(&format!("/api/v1/rooms/{room}/join"), json!({}))
        .await;
    let mut ws = connect(&app.base, &bob_token).await;
    ws.subscribe(room, 0).await;
    let timer = alice
        .put(
            &format!("/api/v1/rooms/{room}/disappearing"),
            json!({"seconds": 1}),
        )
        .await;
    assert_eq!(timer.status, StatusCode::OK, "{}", timer.text);

    let id = file_id(&upload(&alice, "plan.txt", b"the secret plan".to_vec()).await);
    let sent = message_with_files(&alice, room, "see the plan", &[&id]).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.text);
    let (status, _, body) = bob.bytes(&format!("/api/v1/files/{id}")).await;
    assert_eq!(
        (status, body.as_slice()),
        (StatusCode::OK, &b"the secret plan"[..])
    );
    assert_eq!(stored_files(&app.data_dir()).len(), 1);

    loop {
        let f = ws.next_frame().await;
        if f["type"] == "messages.expired" {
            break;
        }
    }
    for reader in [&alice, &bob] {
        let (status, _, _) = reader.bytes(&format!("/api/v1/files/{id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let data_dir = app.data_dir();
    assert!(
        eventually(|| stored_files(&data_dir).is_empty()).await,
        "the file's bytes are still in the data directory: {:?}",
        stored_files(&data_dir)
    );
    let history = bob.all_messages(room).await;
    let m = history.iter().find(|m| m["expired"] == true).unwrap();
    assert!(m.get("files").is_none_or(|f| f == &json!([])), "{m}");
}

fn natter(data_dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_natter"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .output()
        .unwrap()
}

fn succeeded(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn a_backup_taken_while_messages_are_sent_restores_every_message_acknowledged_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = ServerProcess::start(&data, &[]).unwrap();
    let alice = Client::new(&server.base);
    let signed = alice
        .post("/api/v1/users", json!({"username": "alice"}))
        .await;
    assert_eq!(signed.status, StatusCode::CREATED, "{}", signed.text);
    let id = file_id(&upload(&alice, "notes.txt", b"kept in the backup".to_vec()).await);
    message_with_files(&alice, GENERAL, "notes attached", &[&id]).await;

    // A sender that keeps posting until told to stop (at most 3,000).
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let sender = {
        let (alice, acked, stop) = (alice.clone(), Arc::clone(&acked), Arc::clone(&stop));
        tokio::spawn(async move {
            for i in 0..3000 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let body = format!("under load {i}");
                if alice.say(GENERAL, &body).await.status == StatusCode::CREATED {
                    acked.lock().unwrap().push(body);
                }
            }
        })
    };
    while acked.lock().unwrap().len() < 50 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let before: Vec<String> = acked.lock().unwrap().clone();
    let archive = dir.path().join("natter-backup.zip");
    let out = {
        let (data, archive) = (data.clone(), archive.clone());
        tokio::task::spawn_blocking(move || {
            natter(
                &data,
                &["admin", "backup", "--to", archive.to_str().unwrap()],
            )
        })
        .await
        .unwrap()
    };
    let said = succeeded(&out);
    assert!(said.contains("backed up"), "{said}");
    stop.store(true, Ordering::Relaxed);
    sender.await.unwrap();
    assert!(
        acked.lock().unwrap().len() > before.len(),
        "sends went on during the backup"
    );
    // A second backup to the same file is refused, not overwritten.
    let again = natter(
        &data,
        &["admin", "backup", "--to", archive.to_str().unwrap()],
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    drop(server);

    let restored = dir.path().join("restored");
    succeeded(&natter(
        &restored,
        &["admin", "restore", "--from", archive.to_str().unwrap()],
    ));
    // Restoring over a data directory in use is refused.
    let over = natter(
        &data,
        &["admin", "restore", "--from", archive.to_str().unwrap()],
    );
    assert!(!over.status.success());
    assert!(String::from_utf8_lossy(&over.stderr).contains("not empty"));

    let server = ServerProcess::start(&restored, &[]).unwrap();
    let alice = alice.with_base(&server.base);
    let history: Vec<Value> = alice.all_messages(GENERAL).await;
    let bodies: Vec<&str> = history.iter().filter_map(|m| m["body"].as_str()).collect();
    for body in &before {
        assert!(bodies.contains(&body.as_str()), "{body} was lost");
    }
    let (status, _, bytes) = alice.bytes(&format!("/api/v1/files/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, b"kept in the backup");
}
