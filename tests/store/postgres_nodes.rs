//! What only the PostgreSQL backend has to show: several nodes opening one
//! database at once.

use std::sync::Arc;

use natter::ops::metrics::CommitMetrics;
use natter::storage::postgres::{latest_version, PgStore};
use natter::storage::Listeners;

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
