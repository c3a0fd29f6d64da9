//! Read connections: a small bounded pool used from blocking threads, so reads
//! never wait behind the writer (WAL lets them see the last commit).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use tokio::sync::Semaphore;

use super::open_connection;
use crate::storage::{StoreError, StoreResult};

#[derive(Clone)]
pub struct Readers {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// Bounds the connections (and blocking threads) reads may use at once.
    permits: Semaphore,
}

impl Readers {
    pub fn new(path: PathBuf, max: usize) -> Self {
        Self {
            inner: Arc::new(Inner {
                path,
                idle: Mutex::new(Vec::with_capacity(max)),
                permits: Semaphore::new(max),
            }),
        }
    }

    /// For short reads on the hot path (session, membership, a page of
    /// history): runs on the calling thread with an idle connection, which
    /// saves the two thread hand-offs a blocking task costs (they were the
    /// largest item in the send profile). With no idle connection it falls
    /// back to `read`.
    pub async fn read_quick<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let idle = self.inner.idle.lock().expect("reader pool lock").pop();
        match idle {
            Some(conn) => {
                let result = work(&conn);
                self.inner.idle.lock().expect("reader pool lock").push(conn);
                result
            }
            None => self.read(work).await,
        }
    }

    pub async fn read<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        let _permit = inner
            .permits
            .acquire()
            .await
            .map_err(|_| StoreError::Other(anyhow::anyhow!("read pool closed")))?;
        let pool = Arc::clone(&inner);
        tokio::task::spawn_blocking(move || {
            let conn = pool.idle.lock().expect("reader pool lock").pop();
            let conn = if let Some(c) = conn {
                c
            } else {
                let c = open_connection(&pool.path).map_err(StoreError::Other)?;
                c.execute_batch("PRAGMA query_only = ON")
                    .map_err(|e| super::classify(&e))?;
                c
            };
            let result = work(&conn);
            pool.idle.lock().expect("reader pool lock").push(conn);
            result
        })
        .await
        .map_err(|e| StoreError::Other(anyhow::anyhow!("read task failed: {e}")))?
    }
}
