//! PostgreSQL stopped under a running node (`pg_ctl stop -m immediate`,
//! issue 15): sends answer 503 with a sentence and are never acknowledged
//! falsely, and once PostgreSQL is back the node serves again without a
//! restart, with every acknowledged message there exactly once.
//!
//! A test binary of its own, because stopping the server would break any
//! test running beside it, and cargo runs test binaries one at a time. It
//! needs the throwaway PostgreSQL cluster scripts/test starts
//! (`NATTER_TEST_PG_CTL`); on a server given from outside it is skipped
//! with the reason, since stopping someone else's server is not a test's
//! business.

#[path = "../cluster/node.rs"]
#[allow(dead_code)]
mod node;
#[path = "../support/scratch_postgres.rs"]
mod scratch_postgres;
#[path = "../api/ws.rs"]
#[allow(dead_code)]
mod ws;

use std::process::Command;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use node::{servers, Cluster, Person};

/// `pg_ctl` for the test's own cluster (with `-D`), from scripts/test-services.
fn pg_ctl() -> Option<Vec<String>> {
    let command = std::env::var("NATTER_TEST_PG_CTL").ok()?;
    let words: Vec<String> = command.split_whitespace().map(str::to_owned).collect();
    (!words.is_empty()).then_some(words)
}

fn run_pg_ctl(ctl: &[String], args: &[&str]) {
    let status = Command::new(&ctl[0])
        .args(&ctl[1..])
        .args(args)
        .status()
        .expect("pg_ctl runs");
    assert!(status.success(), "pg_ctl {args:?}: {status}");
}

/// Starts PostgreSQL again when dropped, so a failing test does not leave
/// the other tests without a database.
struct Stopped<'a>(&'a [String]);

impl Stopped<'_> {
    fn start(ctl: &[String]) {
        let log = std::env::var("NATTER_TEST_PG_LOG").unwrap_or_else(|_| "/dev/null".into());
        run_pg_ctl(ctl, &["start", "-w", "-t", "60", "-l", &log]);
    }
}

impl Drop for Stopped<'_> {
    fn drop(&mut self) {
        Self::start(self.0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_postgresql_stopped_sends_answer_503_and_the_node_recovers_on_its_own() {
    let Some((postgres, nats)) = servers() else {
        return;
    };
    let Some(ctl) = pg_ctl() else {
        eprintln!(
            "NATTER_TEST_PG_CTL is not set (the PostgreSQL server was given from outside, \
             and this test stops its server): skipping the PostgreSQL outage test"
        );
        return;
    };
    let cluster = Cluster::start(&postgres, &nats, 1);
    let base = cluster.base(0);
    let ann = Person::sign_up(&base, "ann").await;
    let mut acknowledged = vec!["before".to_owned()];
    assert!(ann.say(&base, 1, "before", "before").await.is_some());

    let stopped = Stopped(&ctl);
    run_pg_ctl(&ctl, &["stop", "-m", "immediate"]);
    let mut refused = Vec::new();
    for k in 0..5 {
        let id = format!("during-{k}");
        let r = ann
            .post(
                &base,
                "/api/v1/rooms/1/messages",
                json!({"client_id": id, "body": id}),
            )
            .await;
        if r.status.is_success() {
            // Only a committed send may be acknowledged: it must be there
            // later (checked below with the others).
            acknowledged.push(id);
            continue;
        }
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{r:?}");
        assert_eq!(r.body["error"]["code"], "unavailable", "{r:?}");
        assert!(
            r.body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.ends_with('.')),
            "a sentence: {r:?}"
        );
        refused.push(id);
    }
    assert!(
        !refused.is_empty(),
        "PostgreSQL was down: no send can have been committed"
    );
    drop(stopped);

    // The same node, not restarted: the sends refused during the outage,
    // retried with their client ids, go through once it has reconnected.
    let deadline = tokio::time::Instant::now() + Duration::from_mins(1);
    for id in refused {
        loop {
            if ann.say(&base, 1, &id, &id).await.is_some() {
                acknowledged.push(id);
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the node did not recover from the outage"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let r = ann
        .call(
            reqwest::Method::GET,
            format!("{base}/api/v1/rooms/1/messages?limit=100"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let bodies: Vec<&str> = r.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["body"].as_str())
        .collect();
    for id in &acknowledged {
        let times = bodies.iter().filter(|b| *b == id).count();
        assert_eq!(
            times, 1,
            "acknowledged {id} is stored exactly once: {bodies:?}"
        );
    }
}
