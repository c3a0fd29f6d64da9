//! Operations: metrics, readiness and logs, against the real server.
// The series compared exactly are counts: whole numbers, exact in an f64.
#![allow(clippy::float_cmp)]

use std::io::BufRead;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{session_token, spawn_app, spawn_app_with, Client};
use crate::ws::connect;

pub(crate) async fn scrape(url: &str, token: Option<&str>) -> (StatusCode, String) {
    let mut request = reqwest::Client::new().get(format!("{url}/metrics"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let r = request.send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

/// The value of the first series whose line starts with `prefix`.
pub(crate) fn value(text: &str, prefix: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no series {prefix} in:\n{text}"))
}

#[tokio::test]
async fn metrics_are_there_and_move_under_a_short_load() {
    let app = spawn_app_with(|c| c.metrics_listen = Some("127.0.0.1:0".parse().unwrap())).await;
    let metrics = app.metrics_base.clone().unwrap();
    let (alice, _) = app.user_with_token("alice").await;
    let (_, bob_token) = app.user_with_token("bob").await;
    let mut bob = connect(&app.base, &bob_token).await;
    bob.subscribe(1, 0).await;
    for i in 0..20 {
        assert_eq!(
            alice.say(1, &format!("hello {i}")).await.status,
            StatusCode::CREATED
        );
    }
    // Delivered (counted) once bob has them.
    while bob.next_frame().await["seq"] != 20 {}
    let (status, text) = scrape(&metrics, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(value(&text, "natter_deliveries_total") >= 20.0, "{text}");
    assert!(
        value(&text, "natter_send_ack_seconds_count") >= 20.0,
        "{text}"
    );
    assert!(
        value(&text, "natter_commit_batch_size_count") >= 20.0 / 64.0,
        "{text}"
    );
    assert!(
        value(&text, "natter_commit_flush_seconds_count") >= 1.0,
        "{text}"
    );
    assert_eq!(value(&text, "natter_connections{kind=\"websocket\"}"), 1.0);
    assert_eq!(value(&text, "natter_stream_listeners"), 1.0);
    assert_eq!(value(&text, "natter_rooms_with_listeners"), 1.0);
    let sends = "natter_http_requests_total{method=\"POST\",route=\"/api/v1/rooms/{id}/messages\",status=\"201\"}";
    assert!(value(&text, sends) >= 20.0, "{text}");
    // The size of the SQLite file; PostgreSQL's is PostgreSQL's to report.
    if !crate::helpers::on_postgres_backend() {
        assert!(value(&text, "natter_database_bytes") > 0.0);
    }
    assert!(value(&text, "process_resident_memory_bytes") > 0.0);
    assert!(value(&text, "process_open_fds") > 0.0);
    // And they keep moving.
    alice.say(1, "one more").await;
    while bob.next_frame().await["seq"] != 21 {}
    let (_, later) = scrape(&metrics, None).await;
    assert!(value(&later, "natter_deliveries_total") > value(&text, "natter_deliveries_total"));
}

#[tokio::test]
async fn rate_limit_refusals_are_counted_by_limit() {
    let app = spawn_app_with(|c| {
        c.limits.enabled = true;
        c.limits.sign_ups_per_hour = 1;
        c.metrics_listen = Some("127.0.0.1:0".parse().unwrap());
    })
    .await;
    app.user("first").await;
    let r = app
        .client()
        .post("/api/v1/users", json!({ "username": "second" }))
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let (_, text) = scrape(app.metrics_base.as_deref().unwrap(), None).await;
    assert_eq!(
        value(
            &text,
            "natter_rate_limited_total{limit=\"sign_ups_per_ip\"}"
        ),
        1.0
    );
}

#[tokio::test]
async fn metrics_on_the_main_address_need_the_token_and_are_absent_without_one() {
    let app = spawn_app().await;
    assert_eq!(scrape(&app.base, None).await.0, StatusCode::NOT_FOUND);
    let token = "a-long-metrics-token-0123456789";
    let app = spawn_app_with(|c| {
        c.metrics_token = Some(natter::config::value::Secret::new(token));
    })
    .await;
    assert_eq!(scrape(&app.base, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        scrape(&app.base, Some("wrong-token-wrong-token")).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, text) = scrape(&app.base, Some(token)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(text.contains("natter_http_requests_total"), "{text}");
}

#[tokio::test]
async fn two_apps_in_one_process_count_apart() {
    let one = spawn_app_with(|c| c.metrics_listen = Some("127.0.0.1:0".parse().unwrap())).await;
    let two = spawn_app_with(|c| c.metrics_listen = Some("127.0.0.1:0".parse().unwrap())).await;
    let (alice, _) = one.user_with_token("alice").await;
    alice.say(1, "only in one").await;
    let (_, a) = scrape(one.metrics_base.as_deref().unwrap(), None).await;
    let (_, b) = scrape(two.metrics_base.as_deref().unwrap(), None).await;
    assert!(value(&a, "natter_send_ack_seconds_count") >= 1.0);
    assert!(!b.contains("natter_send_ack_seconds_count 1"), "{b}");
}

#[tokio::test]
async fn readiness_is_503_with_the_reason_while_the_database_is_locked() {
    crate::sqlite_only!("it locks the SQLite file's write-ahead log index");
    let app = spawn_app().await;
    let ok = reqwest::get(format!("{}/api/v1/ready", app.base))
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    // Another process holds every lock of the database's shared-memory
    // index (as a stuck recovery or checkpoint of another tool would): no
    // connection can start reading.
    let mut lock = hold_wal_index_locks(&app.data_dir().join("natter.db-shm"));
    let r = reqwest::get(format!("{}/api/v1/ready", app.base))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_ready");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("database"),
        "{body}"
    );
    let _ = lock.kill();
    let _ = lock.wait();
    let again = reqwest::get(format!("{}/api/v1/ready", app.base))
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    // Liveness is unaffected throughout.
    let health = reqwest::get(format!("{}/api/v1/health", app.base))
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}

/// A process holding POSIX locks on the eight lock bytes of SQLite's WAL
/// index (offset 120 of the `-shm` file: write, checkpoint, recovery and
/// the five read marks), until killed.
fn hold_wal_index_locks(shm: &std::path::Path) -> std::process::Child {
    let script = [
        "import fcntl, sys, time",
        "f = open(sys.argv[1], 'r+b')",
        "while True:",
        "    try:",
        "        fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB, 8, 120)",
        "        break",
        "    except OSError:",
        "        time.sleep(0.01)",
        "print('locked', flush=True)",
        "sys.stdin.read()",
    ]
    .join("\n");
    let mut child = Command::new("python3")
        .args(["-c", &script])
        .arg(shm)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "locked");
    child
}

/// The real binary with JSON logs; its log lines are collected.
struct Logged {
    child: std::process::Child,
    base: String,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Drop for Logged {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_with_json_logs(dir: &std::path::Path) -> Logged {
    let mut child = Command::new(env!("CARGO_BIN_EXE_natter"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--log",
            "debug",
        ])
        .arg("--data-dir")
        .arg(dir)
        .env("NATTER_RATE_LIMITS", "false")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let (found, address) = std::sync::mpsc::channel();
    let reader = std::io::BufReader::new(child.stdout.take().unwrap());
    let kept = Arc::clone(&lines);
    std::thread::spawn(move || {
        for line in reader.lines() {
            let Ok(line) = line else { return };
            if line.contains("is listening on") {
                let v: Value = serde_json::from_str(&line).unwrap();
                let _ = found.send(v["address"].as_str().unwrap().to_owned());
            }
            kept.lock().unwrap().push(line);
        }
    });
    let address = address.recv_timeout(Duration::from_secs(30)).unwrap();
    Logged {
        child,
        base: format!("http://{address}"),
        lines,
    }
}

#[tokio::test]
async fn json_logs_parse_line_by_line_and_hold_no_body_token_or_password() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_with_json_logs(dir.path());
    let client = Client::new(&server.base);
    let password = "pw-never-logged-8d1f";
    let body = "body-never-logged-5a2c";
    let r = client
        .post(
            "/api/v1/users",
            json!({ "username": "carol", "password": password }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let token = session_token(&r);
    let other = Client::new(&server.base);
    let r = other
        .post(
            "/api/v1/session",
            json!({ "username": "carol", "password": password }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let second_token = session_token(&r);
    assert_eq!(client.say(1, body).await.status, StatusCode::CREATED);
    let bot = reqwest::Client::new()
        .get(format!("{}/api/v1/rooms/1/messages", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(bot.status(), StatusCode::OK);
    // A failing sign-in and a bad token are logged too, without their secrets.
    other
        .post(
            "/api/v1/session",
            json!({ "username": "carol", "password": "wrong-pw-never-logged" }),
        )
        .await;
    let _ = reqwest::Client::new()
        .get(format!("{}/api/v1/me", server.base))
        .bearer_auth("bad-token-never-logged")
        .send()
        .await
        .unwrap();
    // Every request's line is written once it is answered.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let lines = server.lines.lock().unwrap().clone();
    let mut access_lines = 0;
    let mut with_user = 0;
    for line in &lines {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        for secret in [
            password,
            body,
            &token,
            &second_token,
            "wrong-pw-never-logged",
            "bad-token-never-logged",
        ] {
            assert!(!line.contains(secret), "a log line holds a secret: {line}");
        }
        if v["target"] == "natter::access" {
            access_lines += 1;
            assert!(
                v["span"]["request_id"]
                    .as_str()
                    .is_some_and(|id| !id.is_empty()),
                "{line}"
            );
            assert!(
                v["status"].is_u64() && v["latency_ms"].is_number(),
                "{line}"
            );
            if v["span"]["user_id"].is_number() {
                with_user += 1;
            }
        }
    }
    assert!(access_lines >= 6, "one line per request: {lines:#?}");
    assert!(
        with_user >= 2,
        "signed-in requests name their user: {lines:#?}"
    );
}
