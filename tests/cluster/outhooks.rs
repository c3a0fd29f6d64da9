//! Outgoing webhooks on a cluster: each hook is delivered by one node at a
//! time (its receiver does not get every event once per node), and when
//! that node dies another takes the hook over from its stored cursor.

use std::collections::HashMap;

use reqwest::StatusCode;
use serde_json::json;

use crate::node::{servers, Cluster, Person};
use crate::outhooks_support::Receiver;

/// Nodes that may deliver to the receiver on 127.0.0.1.
const ARGS: [&str; 4] = [
    "--outbound-allow",
    "127.0.0.1/32",
    "--outhook-retry-ms",
    "10",
];

/// Sends `count` messages named `{tag} {i}` through `base`; their seqs.
async fn say_all(ann: &Person, base: &str, room: i64, tag: &str, count: usize) -> Vec<i64> {
    let mut seqs = Vec::new();
    for i in 0..count {
        let text = format!("{tag} {i}");
        let r = ann
            .post(
                base,
                &format!("/api/v1/rooms/{room}/messages"),
                json!({ "client_id": text.replace(' ', "-"), "body": text }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{text}: {:?}", r.body);
        seqs.push(r.body["message"]["seq"].as_i64().unwrap());
    }
    seqs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hooks_events_arrive_once_each_in_order_while_its_node_is_killed() {
    let Some((postgres, nats)) = servers() else {
        return;
    };
    let receiver = Receiver::start().await;
    // The hook is made while node 0 is alone, so node 0 holds it; nodes 1
    // and 2 join afterwards and find it held.
    let mut cluster = Cluster::start(&postgres, &nats, 0);
    cluster.nodes.push(Some(cluster.spawn(&ARGS, &[])));
    let first = cluster.base(0);
    let ann = Person::sign_up(&first, "ann").await;
    let r = ann
        .post(
            &first,
            "/api/v1/rooms",
            json!({ "name": "ops", "kind": "private" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let room = r.body["room"]["id"].as_i64().unwrap();
    let r = ann
        .post(
            &first,
            &format!("/api/v1/rooms/{room}/outhooks"),
            json!({ "name": "relay", "url": receiver.url() }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    for _ in 0..2 {
        cluster.nodes.push(Some(cluster.spawn(&ARGS, &[])));
    }

    // Sent through every node, delivered by one: each event once.
    let mut sent = Vec::new();
    for node in 0..3 {
        let base = cluster.base(node);
        sent.extend(say_all(&ann, &base, room, &format!("node {node}"), 10).await);
    }
    let last = *sent.last().unwrap();
    receiver
        .until("the messages sent through every node", |h| {
            h.iter().any(|h| h.taken && h.seq == last)
        })
        .await;
    let mut times: HashMap<i64, usize> = HashMap::new();
    for hit in receiver.hits() {
        *times.entry(hit.seq).or_default() += 1;
    }
    assert!(
        times.values().all(|n| *n == 1),
        "one node delivers, each event once: {times:?}"
    );
    assert_eq!(receiver.kept_message_seqs(), sent);

    // Its node dies; sends go on through the others, and one of them takes
    // the hook over where its stored cursor stands.
    cluster.nodes[0].take().unwrap().kill();
    let base = cluster.base(1);
    sent.extend(say_all(&ann, &base, room, "after", 20).await);
    let last = *sent.last().unwrap();
    receiver
        .until("the messages sent after the kill", |h| {
            h.iter().any(|h| h.taken && h.seq == last)
        })
        .await;
    // At least once: de-duplicated by seq, every acknowledged message is
    // there once, in order.
    assert_eq!(receiver.kept_message_seqs(), sent);
    // Once the new holder caught up, it is the only one delivering.
    let more = say_all(&ann, &cluster.base(2), room, "later", 5).await;
    let newest = *more.last().unwrap();
    let hits = receiver
        .until("the last messages", |h| {
            h.iter().any(|h| h.taken && h.seq == newest)
        })
        .await;
    for seq in more {
        let n = hits.iter().filter(|h| h.seq == seq).count();
        assert_eq!(n, 1, "event {seq} arrives once");
    }
}
