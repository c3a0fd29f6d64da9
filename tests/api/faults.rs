//! The fault suite (short form; `NATTER_FAULT_ROUNDS=20 cargo test --test api
//! faults` for a longer one): the real binary killed at random moments, a
//! full disk, a database locked by someone else. After each, an audit:
//! every acknowledged message is stored exactly once, unchanged, and each
//! room's seqs run without gaps.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{Client, ServerProcess};

/// What a writer was told: (client id) -> (room, author, body, seq).
type Acked = Arc<Mutex<HashMap<String, (i64, String, String, i64)>>>;

fn rounds() -> usize {
    std::env::var("NATTER_FAULT_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
}

/// A pseudo-random number from the clock: kill moments differ run to run.
fn jitter(max_ms: u64) -> u64 {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    u64::from(nanos) % max_ms
}

async fn post(c: &Client, room: i64, client_id: &str, body: &str) -> crate::helpers::Answer {
    c.send(
        Method::POST,
        &format!("/api/v1/rooms/{room}/messages"),
        Some(json!({"body": body, "client_id": client_id})),
        &[],
    )
    .await
}

/// Sends steadily until the server stops answering; records every 2xx.
/// Returns the send that was in flight when it failed.
async fn write_until_failure(
    c: Client,
    name: String,
    rooms: Vec<i64>,
    acked: Acked,
    round: usize,
) -> Option<(i64, String, String)> {
    for n in 0.. {
        let room = rooms[n % rooms.len()];
        let client_id = format!("{name}-{round}-{n}");
        let body = format!("{name} round {round} message {n}");
        let path = format!("/api/v1/rooms/{room}/messages");
        let request = c.http_try(
            Method::POST,
            &path,
            json!({"body": body, "client_id": client_id}),
        );
        let answer = tokio::time::timeout(Duration::from_secs(10), request).await;
        match answer {
            Ok(Some((status, v))) if status.is_success() => {
                let seq = v["message"]["seq"].as_i64().unwrap();
                acked
                    .lock()
                    .unwrap()
                    .insert(client_id, (room, name.clone(), body, seq));
            }
            _ => return Some((room, client_id, body)),
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    None
}

/// Every acknowledged message stored once, unchanged; seqs without gaps.
async fn audit(reader: &Client, rooms: &[i64], acked: &Acked) {
    let mut stored: HashMap<String, Value> = HashMap::new();
    for &room in rooms {
        let messages = reader.all_messages(room).await;
        let seqs: Vec<i64> = messages
            .iter()
            .map(|m| m["seq"].as_i64().unwrap())
            .collect();
        assert!(
            seqs.windows(2).all(|w| w[0] < w[1]),
            "room {room}: message seqs out of order or repeated"
        );
        // The room's whole log (messages and the setup's joins): every seq
        // once, from 1, without a gap.
        let logged = log_seqs(reader, room).await;
        let expected: Vec<i64> = (1..=i64::try_from(logged.len()).unwrap()).collect();
        assert_eq!(logged, expected, "room {room}: seqs have a gap or a repeat");
        for m in messages {
            let id = m["client_id"].as_str().unwrap().to_owned();
            assert!(
                stored.insert(id.clone(), m).is_none(),
                "client id {id} stored twice"
            );
        }
    }
    for (client_id, (room, author, body, seq)) in acked.lock().unwrap().iter() {
        let m = stored
            .get(client_id)
            .unwrap_or_else(|| panic!("acknowledged {client_id} was lost"));
        assert_eq!(
            (
                m["room_id"].as_i64().unwrap(),
                m["author"].as_str().unwrap(),
                m["body"].as_str().unwrap(),
                m["seq"].as_i64().unwrap()
            ),
            (*room, author.as_str(), body.as_str(), *seq),
            "{client_id} changed"
        );
    }
}

/// The seqs of every event in the room's log, read page by page.
async fn log_seqs(reader: &Client, room: i64) -> Vec<i64> {
    let mut logged: Vec<i64> = Vec::new();
    loop {
        let after = logged.last().copied().unwrap_or(0);
        let r = reader
            .get(&format!("/api/v1/rooms/{room}/events?after={after}"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let page: Vec<i64> = r.body["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["seq"].as_i64().unwrap())
            .collect();
        if page.is_empty() {
            return logged;
        }
        logged.extend(page);
    }
}

/// Three users in `general` and a second room, signed in on `base`.
async fn setup(base: &str) -> (Vec<(String, Client)>, Vec<i64>) {
    let mut users = Vec::new();
    for name in ["ann", "ben", "cy"] {
        let c = Client::new(base);
        assert_eq!(
            c.post("/api/v1/users", json!({"username": name}))
                .await
                .status,
            StatusCode::CREATED
        );
        users.push((name.to_owned(), c));
    }
    let r = users[0]
        .1
        .post("/api/v1/rooms", json!({"name": "ops", "kind": "public"}))
        .await;
    let ops = r.body["room"]["id"].as_i64().unwrap();
    for (_, c) in &users[1..] {
        c.post(&format!("/api/v1/rooms/{ops}/join"), json!({}))
            .await;
    }
    (users, vec![1, ops])
}

#[tokio::test]
async fn sigkill_at_random_moments_loses_no_acknowledged_message() {
    let dir = tempfile::tempdir().unwrap();
    let first = ServerProcess::start(dir.path(), &[]).unwrap();
    let (users, rooms) = setup(&first.base).await;
    drop(first);
    let acked: Acked = Arc::default();

    for round in 0..rounds() {
        let server = ServerProcess::start(dir.path(), &[]).unwrap();
        let mut writers = Vec::new();
        for (name, c) in &users {
            let c = c.with_base(&server.base);
            writers.push(tokio::spawn(write_until_failure(
                c,
                name.clone(),
                rooms.clone(),
                Arc::clone(&acked),
                round,
            )));
        }
        tokio::time::sleep(Duration::from_millis(150 + jitter(400))).await;
        tokio::task::spawn_blocking(move || server.kill())
            .await
            .unwrap();
        let in_flight: Vec<_> = futures_util::future::join_all(writers)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();

        // After the restart, a retry of what was in flight is stored once.
        let server = ServerProcess::start(dir.path(), &[]).unwrap();
        for ((name, c), pending) in users.iter().zip(in_flight) {
            let Some((room, client_id, body)) = pending else {
                continue;
            };
            let c = c.with_base(&server.base);
            let r = post(&c, room, &client_id, &body).await;
            assert!(
                r.status == StatusCode::OK || r.status == StatusCode::CREATED,
                "retry: {}",
                r.text
            );
            let seq = r.body["message"]["seq"].as_i64().unwrap();
            acked
                .lock()
                .unwrap()
                .insert(client_id, (room, name.clone(), body, seq));
        }
        audit(&users[0].1.with_base(&server.base), &rooms, &acked).await;
    }
    assert!(
        acked.lock().unwrap().len() > 10 * rounds(),
        "the writers got going"
    );
}

#[tokio::test]
async fn a_full_disk_answers_503_for_writes_keeps_serving_reads_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let server =
        ServerProcess::start_under(&["prlimit", "--fsize=unlimited:unlimited"], dir.path(), &[])
            .unwrap();
    let (users, rooms) = setup(&server.base).await;
    let c = &users[0].1;
    let acked: Acked = Arc::default();

    // The disk "fills": no file of the server may grow past its size now.
    let limit = ["natter.db", "natter.db-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.path().join(f)).ok())
        .map(|m| m.len())
        .max()
        .unwrap();
    let set = |limit: &str| {
        let status = std::process::Command::new("prlimit")
            .args([
                "--pid",
                &server.pid().to_string(),
                &format!("--fsize={limit}:unlimited"),
            ])
            .status()
            .unwrap();
        assert!(status.success(), "prlimit failed");
    };
    set(&limit.to_string());

    let big = "z".repeat(4000);
    let mut refused = None;
    for n in 0..2000 {
        let client_id = format!("full-{n}");
        let r = post(c, 1, &client_id, &big).await;
        match r.status {
            StatusCode::CREATED => {
                let seq = r.body["message"]["seq"].as_i64().unwrap();
                acked
                    .lock()
                    .unwrap()
                    .insert(client_id, (1, "ann".into(), big.clone(), seq));
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                refused = Some(r);
                break;
            }
            other => panic!("unexpected {other}: {}", r.text),
        }
    }
    let refused = refused.expect("writes were refused once the disk was full");
    assert_eq!(refused.error_code(), "unavailable");
    assert!(!refused.error_message().is_empty());

    // Reads still work.
    assert_eq!(
        c.get("/api/v1/rooms/1/messages").await.status,
        StatusCode::OK
    );
    assert_eq!(c.get("/messages?current=0").await.status, StatusCode::OK);

    // Space returns: writes work again, and nothing acknowledged was lost.
    set("unlimited");
    let mut recovered = false;
    for n in 0..50 {
        let r = post(c, 1, &format!("after-{n}"), "back").await;
        if r.status == StatusCode::CREATED {
            let seq = r.body["message"]["seq"].as_i64().unwrap();
            acked
                .lock()
                .unwrap()
                .insert(format!("after-{n}"), (1, "ann".into(), "back".into(), seq));
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered, "writes did not come back");
    audit(c, &rooms, &acked).await;
    drop(server);
    // And across a restart too.
    let server = ServerProcess::start(dir.path(), &[]).unwrap();
    audit(&c.with_base(&server.base), &rooms, &acked).await;
}

#[tokio::test]
async fn a_database_locked_by_another_process_answers_503_then_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &[]).unwrap();
    let (users, _) = setup(&server.base).await;
    let c = &users[0].1;
    assert_eq!(
        post(c, 1, "before", "before the lock").await.status,
        StatusCode::CREATED
    );

    let other = rusqlite::Connection::open(dir.path().join("natter.db")).unwrap();
    other.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let r = post(c, 1, "during", "while locked").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
    assert_eq!(
        c.get("/api/v1/rooms/1/messages").await.status,
        StatusCode::OK,
        "reads go on"
    );
    other.execute_batch("ROLLBACK").unwrap();
    drop(other);

    let r = post(c, 1, "during", "while locked").await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "the same send, retried, now works"
    );
    let bodies: Vec<String> = c
        .all_messages(1)
        .await
        .iter()
        .map(|m| m["body"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(bodies, ["before the lock", "while locked"]);
}

#[test]
fn a_second_natter_on_the_same_data_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let _first = ServerProcess::start(dir.path(), &[]).unwrap();
    let err = ServerProcess::start(dir.path(), &[])
        .err()
        .expect("the second one refuses");
    assert!(
        err.contains("another natter is already using the data directory"),
        "{err}"
    );
}
