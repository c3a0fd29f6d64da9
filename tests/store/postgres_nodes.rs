//! What only the PostgreSQL backend has to show: several nodes opening one
//! database at once.

use std::sync::Arc;

use natter::ops::metrics::CommitMetrics;
use natter::storage::postgres::{latest_version, PgStore};
use natter::storage::{Accounts, Listeners};

use crate::scratch_postgres::{server_url, ScratchSchema};
use crate::Heard;

#[test]
fn nodes_starting_together_on_an_empty_database_migrate_it_once() {
    let Some(server) = server_url() else {
        eprintln!("NATTER_TEST_POSTGRES_URL is not set: skipped");
        return;
    };
    let schema = ScratchSchema::new(&server);
    let nodes: Vec<_> = (0..3)
        .map(|_| {
            let url = schema.url.clone();
            std::thread::spawn(move || {
                let heard: Arc<Heard> = Arc::default();
                PgStore::open(&url, Listeners::fanout(heard), CommitMetrics::default())
            })
        })
        .collect();
    let stores: Vec<PgStore> = nodes
        .into_iter()
        .map(|n| n.join().unwrap().expect("every node starts"))
        .collect();
    assert_eq!(stores.len(), 3);
    let url = schema.url.clone();
    let applied: Vec<i64> = std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        c.query(
            "SELECT version FROM schema_migrations ORDER BY version",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
    })
    .join()
    .unwrap();
    assert_eq!(applied, (1..=latest_version()).collect::<Vec<_>>());
}

/// A node that has just started (or lost its read connections) and is
/// handed a crowd at once, as when another node fails and its clients
/// come over: every one of them is looked up, and each gets an answer
/// instead of the lookups each opening a connection until PostgreSQL
/// refuses more.
#[tokio::test]
async fn a_thousand_lookups_at_once_on_a_fresh_node_all_answer() {
    let Some(server) = server_url() else {
        eprintln!("NATTER_TEST_POSTGRES_URL is not set: skipped");
        return;
    };
    let schema = ScratchSchema::new(&server);
    let heard: Arc<Heard> = Arc::default();
    let store = Arc::new(
        PgStore::open(
            &schema.url,
            Listeners::fanout(heard),
            CommitMetrics::default(),
        )
        .unwrap(),
    );
    let lookups: Vec<_> = (0..1000u32)
        .map(|i| {
            let store = Arc::clone(&store);
            let mut token = [0u8; 32];
            token[..4].copy_from_slice(&i.to_be_bytes());
            tokio::spawn(async move { store.user_for_session(token).await })
        })
        .collect();
    for lookup in lookups {
        let answer = lookup.await.unwrap();
        assert!(matches!(answer, Ok(None)), "{answer:?}");
    }
}
