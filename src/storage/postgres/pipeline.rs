//! Read connections that many reads share at once, for the reads every
//! history page makes (the page, its reactions, its room changes, its
//! authors). The blocking pool (`readers`) lends a whole connection and a
//! blocking thread to each read, so each read waits for a thread to wake
//! and the server parses and plans its statement again. Here the async
//! client sends each query the moment it is asked, without waiting for the
//! answers to the ones before it (tokio-postgres pipelines the queries of
//! concurrent callers on one connection), and each statement is prepared
//! once per connection, so PostgreSQL only binds and runs it.
//!
//! Every query is one statement in autocommit, as on the blocking pool:
//! the same snapshot rules. A connection found closed (the database
//! restarted) is made again by the next read that picks it.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use postgres::types::{ToSql, Type};
use postgres::{Row, Statement};
use tokio_postgres::{Client, NoTls};

use super::classify;
use crate::storage::{StoreError, StoreResult};

/// A shared handle to a few pipelined read connections.
#[derive(Clone)]
pub struct Pipeline {
    inner: Arc<Inner>,
}

struct Inner {
    url: String,
    /// Held across making a slot's connection, so the reads that find it
    /// missing wait for one connection instead of each making their own:
    /// thousands of clients connecting at once (a failover) all read first
    /// and would take every connection PostgreSQL allows.
    slots: Vec<tokio::sync::Mutex<Option<Arc<Conn>>>>,
    next: AtomicUsize,
}

/// One connection and the statements prepared on it.
struct Conn {
    client: Client,
    prepared: Mutex<HashMap<&'static str, Statement>>,
}

impl Pipeline {
    /// `connections` connections to `url`, made on first use.
    pub fn new(url: String, connections: usize) -> Self {
        Self {
            inner: Arc::new(Inner {
                url,
                slots: (0..connections.max(1))
                    .map(|_| tokio::sync::Mutex::new(None))
                    .collect(),
                next: AtomicUsize::new(0),
            }),
        }
    }

    /// Runs `sql` (prepared once per connection with `types`) with `params`.
    pub async fn query(
        &self,
        sql: &'static str,
        types: &[Type],
        params: &[&(dyn ToSql + Sync)],
    ) -> StoreResult<Vec<Row>> {
        let conn = self.conn().await?;
        let statement = conn.statement(sql, types).await?;
        conn.client
            .query(&statement, params)
            .await
            .map_err(|e| classify(&e))
    }

    /// The next connection in turn, made again when it was lost.
    async fn conn(&self) -> StoreResult<Arc<Conn>> {
        let inner = &self.inner;
        let slot = &inner.slots[inner.next.fetch_add(1, Ordering::Relaxed) % inner.slots.len()];
        let mut slot = slot.lock().await;
        if let Some(conn) = slot.as_ref().filter(|c| !c.client.is_closed()) {
            return Ok(Arc::clone(conn));
        }
        let conn = Arc::new(connect(&inner.url).await?);
        *slot = Some(Arc::clone(&conn));
        Ok(conn)
    }
}

impl Conn {
    async fn statement(&self, sql: &'static str, types: &[Type]) -> StoreResult<Statement> {
        if let Some(statement) = lock(&self.prepared).get(sql) {
            return Ok(statement.clone());
        }
        let statement = self
            .client
            .prepare_typed(sql, types)
            .await
            .map_err(|e| classify(&e))?;
        lock(&self.prepared).insert(sql, statement.clone());
        Ok(statement)
    }
}

/// A poisoned lock only means a panic elsewhere while it was held; the
/// map is still whole.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn connect(url: &str) -> StoreResult<Conn> {
    let unreachable = |e: &dyn std::fmt::Display| {
        tracing::error!(error = %e, "cannot reach the database");
        StoreError::Unavailable("the database cannot be reached".into())
    };
    let mut config = tokio_postgres::Config::from_str(url).map_err(|e| unreachable(&e))?;
    config
        .application_name("natter")
        .connect_timeout(Duration::from_secs(5));
    let (client, connection) = config.connect(NoTls).await.map_err(|e| unreachable(&e))?;
    // The connection's socket is driven by a task of its own; it ends when
    // the client is dropped or the server goes away.
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "a pipelined read connection ended");
        }
    });
    // Every statement here reads a short run along an index in its order
    // (a page of 50 by (room_id, seq), a page's reactions or room changes,
    // a page's authors by their unique key). A room's row count is often
    // far from the planner's statistics (a room filled since the last
    // ANALYZE, a table never analyzed yet), and then the planner took a
    // bitmap scan of every message in the room and sorted them for the 50
    // newest: 2.2 ms of the server's CPU per page at 5,000 messages, and
    // growing with the room, against 0.07 ms for the index scan that stops
    // after 50 rows (EXPLAIN ANALYZE, BENCHMARKS.md, issue 15).
    client
        .batch_execute("SET enable_bitmapscan = off")
        .await
        .map_err(|e| classify(&e))?;
    Ok(Conn {
        client,
        prepared: Mutex::new(HashMap::new()),
    })
}
