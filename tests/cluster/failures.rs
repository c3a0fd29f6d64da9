//! Parts failing under the cluster: a node killed, a node that dies
//! between commit and publish, NATS stopped and started again.

use std::time::Duration;

use crate::node::{assert_gap_free, servers, Cluster, Person};

const PATIENCE: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_killed_while_everyone_sends_loses_no_acknowledged_message() {
    let Some((postgres, nats)) = servers() else {
        return;
    };
    let mut cluster = Cluster::start(&postgres, &nats, 3);
    let mut people = Vec::new();
    for (i, name) in ["ann", "bob", "cat"].iter().enumerate() {
        people.push(Person::sign_up(&cluster.base(i), name).await);
    }
    let bases: Vec<String> = (0..3).map(|i| cluster.base(i)).collect();
    let mut sends = Vec::new();
    for (p, person) in people.iter().enumerate() {
        let (person, bases) = (person.clone(), bases.clone());
        sends.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for k in 0..30 {
                let id = format!("{p}-{k}");
                // Through this person's node while it lives, then the next
                // one, retrying with the same client id.
                let mut node = p;
                loop {
                    if let Some(_seq) = person.say(&bases[node], 1, &id, &id).await {
                        acknowledged.push(id.clone());
                        break;
                    }
                    node = (node + 1) % 3;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
            acknowledged
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    cluster.nodes[2].take().unwrap().kill();
    let mut acknowledged = Vec::new();
    for send in sends {
        acknowledged.extend(send.await.unwrap());
    }
    let ann = &people[0];
    let last = ann.say(&bases[0], 1, "last", "last").await.unwrap();
    let mut l = ann.listen(&bases[1], 1, 0).await;
    assert!(l.until_seq(last, PATIENCE).await);
    assert_gap_free(&l.seqs, 1, last);
    for id in &acknowledged {
        let times = l.bodies.iter().filter(|b| *b == id).count();
        assert_eq!(times, 1, "acknowledged message {id} is there exactly once");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_event_committed_by_a_node_that_died_before_publishing_still_reaches_the_others() {
    let Some((postgres, nats)) = servers() else {
        return;
    };
    let cluster = Cluster::start(&postgres, &nats, 2);
    let doomed = cluster.spawn(&[], &[("NATTER_TEST_CRASH_BEFORE_PUBLISH", "1")]);
    let ann = Person::sign_up(&cluster.base(0), "ann").await;
    let bob = Person::sign_up(&cluster.base(1), "bob").await;
    let mut on_0 = ann.listen(&cluster.base(0), 1, 0).await;
    let mut on_1 = bob.listen(&cluster.base(1), 1, 0).await;
    let before = ann.say(&cluster.base(0), 1, "a-1", "before").await.unwrap();
    assert!(on_0.until_seq(before, PATIENCE).await);
    assert!(on_1.until_seq(before, PATIENCE).await);
    // Committed, then the node aborts before publishing (its answer may
    // or may not have gone out).
    let _ = ann.say(&doomed.base, 1, "a-2", "from the dead").await;
    doomed.wait_for_exit();
    for l in [&mut on_0, &mut on_1] {
        assert!(
            l.until_seq(before + 1, Duration::from_secs(2)).await,
            "the event arrived within 2 s"
        );
        assert_eq!(l.bodies.last().map(String::as_str), Some("from the dead"));
    }
}

/// A nats-server of the test's own, on a port it keeps across restarts.
struct OwnNats {
    port: u16,
    child: Option<std::process::Child>,
}

impl OwnNats {
    fn start() -> Option<Self> {
        if !std::path::Path::new("/usr/sbin/nats-server").exists() {
            eprintln!("/usr/sbin/nats-server is missing: skipping");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut nats = Self { port, child: None };
        nats.resume();
        Some(nats)
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn resume(&mut self) {
        let child = std::process::Command::new("/usr/sbin/nats-server")
            .args(["-a", "127.0.0.1", "-p", &self.port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("nats-server starts");
        self.child = Some(child);
        // Listening within moments; the nodes retry anyway.
        std::thread::sleep(Duration::from_millis(200));
    }
}

impl Drop for OwnNats {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_nats_stopped_and_started_again_no_acknowledged_message_is_lost() {
    let Some((postgres, _)) = servers() else {
        return;
    };
    let Some(mut nats) = OwnNats::start() else {
        return;
    };
    let cluster = Cluster::start(&postgres, &nats.url(), 2);
    let ann = Person::sign_up(&cluster.base(0), "ann").await;
    let bob = Person::sign_up(&cluster.base(1), "bob").await;
    let mut on_0 = ann.listen(&cluster.base(0), 1, 0).await;
    let first = bob.say(&cluster.base(1), 1, "b-0", "b-0").await.unwrap();
    assert!(on_0.until_seq(first, PATIENCE).await);

    nats.stop();
    let mut last = first;
    for k in 1..=5 {
        let id = format!("b-{k}");
        last = bob
            .say(&cluster.base(1), 1, &id, &id)
            .await
            .expect("sends are still taken");
    }
    // Delivered from the store while the bus is away.
    assert!(on_0.until_seq(last, PATIENCE).await);

    nats.resume();
    for k in 6..=10 {
        let id = format!("b-{k}");
        last = bob.say(&cluster.base(1), 1, &id, &id).await.unwrap();
    }
    assert!(on_0.until_seq(last, PATIENCE).await);
    assert_gap_free(&on_0.seqs, 1, last);
    let mut on_1 = ann.listen(&cluster.base(1), 1, 0).await;
    assert!(on_1.until_seq(last, PATIENCE).await);
    assert_eq!(on_1.bodies.len(), 11, "every acknowledged message, once");
}
