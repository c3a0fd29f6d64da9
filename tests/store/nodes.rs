//! Seqs under concurrent writers: every task sending into one room at once
//! gets strictly increasing, gap-free seqs; on PostgreSQL also when the
//! writers are two stores on one schema (two nodes), which only the room's
//! counter row keeps in turn, and a send retried on both nodes at once is
//! stored once.

use std::sync::Arc;

use natter::domain::{Seq, User};
use natter::ops::metrics::CommitMetrics;
use natter::storage::postgres::PgStore;
use natter::storage::{HistoryPage, Listeners, Store};

use crate::scratch_postgres::{server_url, ScratchSchema};
use crate::{each_backend, message, user, Heard, GENERAL};

const SENDERS: usize = 8;
const EACH: usize = 25;

/// Two nodes' stores on one fresh schema (the first migrates it).
fn two_nodes(server: &str) -> (ScratchSchema, [Arc<dyn Store>; 2]) {
    let schema = ScratchSchema::new(server);
    let open = || -> Arc<dyn Store> {
        let listeners = Listeners::fanout(Arc::new(Heard::default()));
        Arc::new(PgStore::open(&schema.url, listeners, CommitMetrics::default()).unwrap())
    };
    let nodes = [open(), open()];
    (schema, nodes)
}

/// Each sender posts `EACH` messages through the store it is given, all at
/// once; returns every sender's seqs in the order it got them.
async fn send_at_once(
    senders: Vec<(User, Arc<dyn Store>)>,
    retry_on: Option<Arc<dyn Store>>,
) -> Vec<Vec<i64>> {
    let tasks: Vec<_> = senders
        .into_iter()
        .map(|(who, store)| {
            let retry_on = retry_on.clone();
            tokio::spawn(async move {
                let mut seqs = Vec::new();
                for n in 0..EACH {
                    let new = message(GENERAL, &who, &format!("c{n}"), "x");
                    let posted = match &retry_on {
                        // The same send through both nodes at the same time.
                        Some(other) => {
                            let (a, b) = tokio::join!(
                                store.post_message(new.clone()),
                                other.post_message(new)
                            );
                            let (a, b) = (a.unwrap(), b.unwrap());
                            assert_eq!(a.message.id, b.message.id, "one message for both");
                            assert_eq!(a.message.seq, b.message.seq);
                            assert!(a.created != b.created, "stored once, the retry got it back");
                            a
                        }
                        None => store.post_message(new).await.unwrap(),
                    };
                    seqs.push(posted.message.seq.0);
                }
                seqs
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.push(task.await.unwrap());
    }
    all
}

/// Every sender's seqs rise, and together they are 1..=n, each once.
fn assert_gap_free(per_sender: &[Vec<i64>], name: &str) {
    let mut all = Vec::new();
    for seqs in per_sender {
        assert!(
            seqs.windows(2).all(|w| w[0] < w[1]),
            "{name}: one sender's seqs rise"
        );
        all.extend_from_slice(seqs);
    }
    all.sort_unstable();
    let expected: Vec<i64> = (1..=i64::try_from(all.len()).unwrap()).collect();
    assert_eq!(all, expected, "{name}: every seq once, none skipped");
}

async fn people(s: &dyn Store) -> Vec<User> {
    let mut people = Vec::new();
    for i in 0..SENDERS {
        people.push(user(s, &format!("sender{i}")).await);
    }
    people
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn senders_on_one_store_get_rising_gap_free_seqs() {
    each_backend(|b| async move {
        let people = people(&*b.store).await;
        let senders = people
            .into_iter()
            .map(|p| (p, Arc::clone(&b.store)))
            .collect();
        let seqs = send_at_once(senders, None).await;
        assert_gap_free(&seqs, b.name);
        let replay = b.store.events_after(GENERAL, Seq(0), 1000).await.unwrap();
        assert_eq!(replay.last_seq.0, i64::try_from(SENDERS * EACH).unwrap());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_sending_into_one_room_take_turns_on_its_seqs() {
    let Some(server) = server_url() else {
        eprintln!("NATTER_TEST_POSTGRES_URL is not set: the two-node test is skipped");
        return;
    };
    let (_schema, nodes) = two_nodes(&server);
    let people = people(&*nodes[0]).await;
    // Half the senders on each node.
    let senders = people
        .into_iter()
        .enumerate()
        .map(|(i, p)| (p, Arc::clone(&nodes[i % 2])))
        .collect();
    let seqs = send_at_once(senders, None).await;
    assert_gap_free(&seqs, "postgres, two nodes");
    // Both nodes read the same history, in seq order.
    let total = u32::try_from(SENDERS * EACH).unwrap();
    for node in &nodes {
        let page = node
            .messages(GENERAL, HistoryPage::Newest { limit: total })
            .await;
        let read: Vec<i64> = page.unwrap().iter().map(|m| m.seq.0).collect();
        assert_eq!(read, (1..=i64::from(total)).collect::<Vec<_>>());
    }
    drop_on_a_thread(nodes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_send_retried_on_two_nodes_at_once_is_stored_once_without_a_gap() {
    let Some(server) = server_url() else {
        eprintln!("NATTER_TEST_POSTGRES_URL is not set: the two-node test is skipped");
        return;
    };
    let (_schema, nodes) = two_nodes(&server);
    let people = people(&*nodes[0]).await;
    let senders = people
        .into_iter()
        .map(|p| (p, Arc::clone(&nodes[0])))
        .collect();
    let seqs = send_at_once(senders, Some(Arc::clone(&nodes[1]))).await;
    assert_gap_free(&seqs, "postgres, retried on two nodes");
    let replay = nodes[1].events_after(GENERAL, Seq(0), 1000).await.unwrap();
    assert_eq!(replay.last_seq.0, i64::try_from(SENDERS * EACH).unwrap());
    drop_on_a_thread(nodes);
}

/// The blocking client closes its connections when dropped, which must
/// not happen on a thread driving async tasks.
fn drop_on_a_thread(nodes: [Arc<dyn Store>; 2]) {
    std::thread::spawn(move || drop(nodes)).join().unwrap();
}
