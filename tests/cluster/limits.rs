//! Limits hold across nodes: the store all nodes share decides them, so a
//! member cannot get round slow mode or the send rate by sending through
//! another node.

use std::time::Instant;

use reqwest::StatusCode;
use serde_json::json;

use crate::node::{servers, Cluster, Person};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_member_who_sent_on_one_node_is_held_back_by_slow_mode_on_another() {
    let Some((postgres, nats)) = servers() else {
        return;
    };
    let cluster = Cluster::start(&postgres, &nats, 2);
    let ann = Person::sign_up(&cluster.base(0), "ann").await;
    let bob = Person::sign_up(&cluster.base(1), "bob").await;
    let r = ann
        .post(
            &cluster.base(0),
            "/api/v1/rooms",
            json!({"name": "calm", "kind": "private", "members": ["bob"]}),
        )
        .await;
    assert!(r.status.is_success(), "{r:?}");
    let room = r.body["id"]
        .as_i64()
        .or_else(|| r.body["room"]["id"].as_i64())
        .expect("the room's id");
    let r = ann
        .call(
            reqwest::Method::PUT,
            format!("{}/api/v1/rooms/{room}/slow-mode", cluster.base(0)),
            Some(json!({"seconds": 60})),
        )
        .await
        .unwrap();
    assert!(r.status.is_success(), "{r:?}");

    assert!(bob
        .say(&cluster.base(0), room, "b-1", "first")
        .await
        .is_some());
    let r = bob
        .post(
            &cluster.base(1),
            &format!("/api/v1/rooms/{room}/messages"),
            json!({"client_id": "b-2", "body": "second, through the other node"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{r:?}");
    assert_eq!(r.body["error"]["code"], "rate_limited", "{r:?}");
    // Nothing of the refused send was stored.
    let r = bob
        .call(
            reqwest::Method::GET,
            format!("{}/api/v1/rooms/{room}/messages", cluster.base(0)),
            None,
        )
        .await
        .unwrap();
    let bodies: Vec<&str> = r.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["body"].as_str())
        .collect();
    assert_eq!(bodies, ["first"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_user_sending_fast_on_two_nodes_in_turn_gets_the_send_rate_once_not_per_node() {
    let Some((postgres, nats)) = servers() else {
        return;
    };
    // 2 sends a second in bursts of 6 (three seconds' worth).
    let cluster = Cluster::start_with(&postgres, &nats, 2, &["--sends-per-second", "2"]);
    let ann = Person::sign_up(&cluster.base(0), "ann").await;
    let http = reqwest::Client::new();
    let started = Instant::now();
    let (mut created, mut refused) = (0_u32, None);
    for i in 0..24 {
        let r = http
            .post(format!("{}/api/v1/rooms/1/messages", cluster.base(i % 2)))
            .bearer_auth(&ann.token)
            .json(&json!({"client_id": format!("a-{i}"), "body": "fast"}))
            .send()
            .await
            .unwrap();
        match r.status() {
            StatusCode::CREATED => created += 1,
            StatusCode::TOO_MANY_REQUESTS => refused = Some(r),
            other => panic!("send {i}: {other}"),
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    // One bucket: the burst and what refilled meanwhile. A bucket per node
    // would have let through twice the burst and twice the refill.
    let allowed = 6.0 + (2.0 * elapsed).ceil();
    assert!(
        created >= 6 && f64::from(created) <= allowed,
        "{created} sends in {elapsed:.2} s went through, at most {allowed} allowed"
    );
    // The refusal is the same as on one node: 429, Retry-After, JSON error.
    let r = refused.expect("some sends were refused");
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(wait, 1, "half a second to the next token, rounded up");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");
}
