//! Messages between nodes: every member on every node gets each one, in
//! seq order, exactly once; a client resumes on any node without a gap.

use std::time::Duration;

use crate::node::{assert_gap_free, servers, Cluster, Person};

/// Generous for a debug build on a busy machine; only reached on failure.
const PATIENCE: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_message_sent_on_any_node_reaches_the_members_on_every_node_in_order_once() {
    let Some((postgres, nats)) = servers() else {
        return;
    };
    let cluster = Cluster::start(&postgres, &nats, 3);
    let mut people = Vec::new();
    for (i, name) in ["ann", "bob", "cat"].iter().enumerate() {
        people.push(Person::sign_up(&cluster.base(i), name).await);
    }
    let mut listening = Vec::new();
    for (i, person) in people.iter().enumerate() {
        listening.push(person.listen(&cluster.base(i), 1, 0).await);
    }
    // Everyone sends through every node at once.
    let mut sends = Vec::new();
    for (p, person) in people.iter().enumerate() {
        for n in 0..3 {
            let (person, base) = (person.clone(), cluster.base(n));
            sends.push(tokio::spawn(async move {
                let mut seqs = Vec::new();
                for k in 0..5 {
                    let id = format!("{p}-{n}-{k}");
                    seqs.push(person.say(&base, 1, &id, &id).await.expect("acknowledged"));
                }
                seqs
            }));
        }
    }
    let mut last = 0;
    for send in sends {
        last = last.max(*send.await.unwrap().iter().max().unwrap());
    }
    for (i, l) in listening.iter_mut().enumerate() {
        assert!(
            l.until_seq(last, PATIENCE).await,
            "node {i} got every event"
        );
        assert_gap_free(&l.seqs, 1, last);
        assert_eq!(l.bodies.len(), 45, "node {i}: each of the 45 messages once");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_client_resuming_on_another_node_gets_exactly_what_it_missed() {
    let Some((postgres, nats)) = servers() else {
        return;
    };
    let cluster = Cluster::start(&postgres, &nats, 3);
    let ann = Person::sign_up(&cluster.base(0), "ann").await;
    let bob = Person::sign_up(&cluster.base(1), "bob").await;
    let mut first = ann.listen(&cluster.base(0), 1, 0).await;
    let before = bob.say(&cluster.base(1), 1, "b-1", "before").await.unwrap();
    assert!(first.until_seq(before, PATIENCE).await);
    let cursor = *first.seqs.last().unwrap();
    first.ws.close().await;
    let mut missed = Vec::new();
    for k in 0..10 {
        let id = format!("while-away-{k}");
        missed.push(bob.say(&cluster.base(k % 3), 1, &id, &id).await.unwrap());
    }
    let mut again = ann.listen(&cluster.base(2), 1, cursor).await;
    let last = *missed.iter().max().unwrap();
    let after = bob
        .say(&cluster.base(1), 1, "b-after", "after")
        .await
        .unwrap();
    assert!(again.until_seq(after.max(last), PATIENCE).await);
    assert_gap_free(&again.seqs, cursor + 1, after.max(last));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_retried_send_on_another_node_gives_back_the_first_message() {
    let Some((postgres, nats)) = servers() else {
        return;
    };
    let cluster = Cluster::start(&postgres, &nats, 2);
    let ann = Person::sign_up(&cluster.base(0), "ann").await;
    let first = ann
        .say(&cluster.base(0), 1, "same-id", "once")
        .await
        .unwrap();
    let retry = ann
        .say(&cluster.base(1), 1, "same-id", "once")
        .await
        .unwrap();
    assert_eq!(retry, first, "the retry names the original message");
    let mut l = ann.listen(&cluster.base(1), 1, 0).await;
    assert!(l.until_seq(first, PATIENCE).await);
    assert_eq!(l.bodies, ["once"]);
}
