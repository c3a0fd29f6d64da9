//! What the real binary writes to its log: never a message body, a token
//! or a password, even at `NATTER_LOG=trace`; and at start-up, what an
//! operator must know (plain-HTTP cookies, how commits are made durable).

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{session_token, Client};
use crate::ws::connect;

/// The real `natter` with its whole output (stdout and stderr) kept.
struct Logged {
    child: Child,
    base: String,
    output: Arc<Mutex<String>>,
    _dir: tempfile::TempDir,
}

impl Logged {
    fn start(log: &str, extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_natter"))
            .args([
                "--listen",
                "127.0.0.1:0",
                "--rate-limits",
                "false",
                "--data-dir",
            ])
            .arg(dir.path().join("data"))
            .args(extra)
            .env("NATTER_LOG", log)
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("natter starts");
        let output = Arc::new(Mutex::new(String::new()));
        let keep = |pipe: Box<dyn Read + Send>| {
            let output = Arc::clone(&output);
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines() {
                    let mut out = output.lock().unwrap();
                    out.push_str(&line.unwrap_or_default());
                    out.push('\n');
                }
            });
        };
        keep(Box::new(child.stdout.take().unwrap()));
        keep(Box::new(child.stderr.take().unwrap()));
        let started = Instant::now();
        let base = loop {
            let text = output.lock().unwrap().clone();
            if let Some(at) = text.find("listening on http://") {
                let rest = &text[at + "listening on ".len()..];
                break rest.split_whitespace().next().unwrap().to_owned();
            }
            assert!(
                started.elapsed() < Duration::from_mins(1) && child.try_wait().unwrap().is_none(),
                "natter did not start: {text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        Self {
            child,
            base,
            output,
            _dir: dir,
        }
    }

    fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }
}

impl Drop for Logged {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn no_message_body_token_or_password_reaches_the_log_even_at_trace() {
    let server = Logged::start("trace", &[]);
    let marker = format!("private-marker-{}", uuid::Uuid::new_v4().simple());
    let password = format!("pw-{}", uuid::Uuid::new_v4().simple());

    let alice = Client::new(&server.base);
    let r = alice
        .post(
            "/api/v1/users",
            json!({"username": "alice", "password": password}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let token = session_token(&r);
    let bob = Client::new(&server.base);
    bob.post("/api/v1/users", json!({"username": "bob"})).await;
    let room = alice
        .post(
            "/api/v1/rooms",
            json!({"name": "secrets", "kind": "private", "members": ["bob"]}),
        )
        .await
        .body["room"]["id"]
        .as_i64()
        .unwrap();
    let dm = alice
        .post("/api/v1/dms", json!({"username": "bob"}))
        .await
        .body["room"]["id"]
        .as_i64()
        .unwrap();

    // Over the stream (with the token as bearer), and over HTTP.
    let mut ws = connect(&server.base, &token).await;
    ws.subscribe(room, 0).await;
    ws.send(json!({"type": "send", "room_id": room, "client_id": "m-1", "body": format!("{marker} ws")}))
        .await;
    ws.until("ack").await;
    assert_eq!(
        alice.say(dm, &format!("{marker} http")).await.status,
        StatusCode::CREATED
    );
    assert_eq!(bob.all_messages(room).await.len(), 1);
    let signed_in = Client::new(&server.base)
        .post(
            "/api/v1/session",
            json!({"username": "alice", "password": password}),
        )
        .await;
    assert_eq!(signed_in.status, StatusCode::OK);
    ws.close().await;

    // The log was written at the verbose levels (so the check means
    // something): the server's own debug line about the stream is there...
    let started = Instant::now();
    let log = loop {
        let log = server.output();
        if log.contains("stream closed by the client")
            || started.elapsed() > Duration::from_secs(10)
        {
            break log;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        log.contains("DEBUG"),
        "nothing was logged below info:\n{log}"
    );
    // ...and holds none of the secrets.
    for (what, secret) in [
        ("a message body", marker.as_str()),
        ("the password", password.as_str()),
        ("the session token", token.as_str()),
        ("the other session token", &session_token(&signed_in)),
    ] {
        assert!(!log.contains(secret), "the log holds {what}");
    }
}

#[tokio::test]
async fn the_start_up_log_says_how_commits_are_made_durable_and_warns_about_plain_http() {
    let plain = Logged::start("info", &[]);
    let log = plain.output();
    assert!(log.contains("journal_mode=wal"), "{log}");
    assert!(log.contains("fdatasync"), "{log}");
    assert!(log.contains("cookies are not marked Secure"), "{log}");
    // The server info says the same to clients and operators' tools.
    let info = Client::new(&plain.base).get("/api/v1/server").await.body;
    let durability = &info["durability"];
    assert_eq!(
        (
            &durability["storage"],
            &durability["journal_mode"],
            &durability["commits"]
        ),
        (&json!("sqlite"), &json!("wal"), &json!("group commit")),
        "{info}"
    );
    assert_eq!(durability["flush"], "fdatasync before acknowledgement");

    let https = Logged::start("info", &["--public-url", "https://chat.test"]);
    assert!(
        !https.output().contains("not marked Secure"),
        "{}",
        https.output()
    );
}
