//! Read connections: a small bounded pool used from blocking threads (the
//! `postgres` client blocks), so reads never wait behind the writer. A
//! connection found closed (the database restarted) is dropped and a new
//! one made on the next read.

use std::sync::{Arc, Mutex};

use postgres::Client;
use tokio::sync::Semaphore;

use super::connect;
use crate::storage::{StoreError, StoreResult};

#[derive(Clone)]
pub struct Readers {
    inner: Arc<Inner>,
}

struct Inner {
    url: String,
    idle: Mutex<Vec<Client>>,
    /// Bounds the connections (and blocking threads) reads may use at once.
    permits: Semaphore,
}

/// The blocking client closes its connection when dropped, which must not
/// happen on a thread driving async tasks (the store may be dropped there):
/// the idle connections are closed on a thread of their own.
impl Drop for Inner {
    fn drop(&mut self) {
        let idle = std::mem::take(self.idle.get_mut().unwrap_or_else(|e| e.into_inner()));
        if !idle.is_empty() {
            let _ = std::thread::Builder::new()
                .name("natter-readers-close".into())
                .spawn(move || drop(idle));
        }
    }
}

impl Readers {
    pub fn new(url: String, max: usize) -> Self {
        Self {
            inner: Arc::new(Inner {
                url,
                idle: Mutex::new(Vec::with_capacity(max)),
                permits: Semaphore::new(max),
            }),
        }
    }

    /// Runs `work` with a read connection on a blocking thread.
    pub async fn read<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Client) -> StoreResult<T> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        let _permit = inner
            .permits
            .acquire()
            .await
            .map_err(|_| StoreError::Other(anyhow::anyhow!("read pool closed")))?;
        let pool = Arc::clone(&inner);
        tokio::task::spawn_blocking(move || {
            let idle = pool.idle.lock().expect("reader pool lock").pop();
            let mut client = match idle {
                Some(c) if !c.is_closed() => c,
                _ => connect(&pool.url).map_err(|e| {
                    tracing::error!(error = %format!("{e:#}"), "cannot reach the database");
                    StoreError::Unavailable("the database cannot be reached".into())
                })?,
            };
            let result = work(&mut client);
            if !client.is_closed() {
                pool.idle.lock().expect("reader pool lock").push(client);
            }
            result
        })
        .await
        .map_err(|e| StoreError::Other(anyhow::anyhow!("read task failed: {e}")))?
    }
}
