//! Limits hold across nodes: the store all nodes share decides them, so a
//! member cannot get round slow mode by sending through another node.

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
