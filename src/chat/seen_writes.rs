//! Sessions' "last seen" writes, gathered and written together off the
//! request path. A request notes its session's use and goes on; one task
//! at a time writes what was noted, and what is noted meanwhile goes in the
//! next write, as the writer's group commit does with sends. So a node
//! handed thousands of sessions at once (another node failed and its
//! clients came over) writes a few batches instead of one update per
//! session, and no request waits for a commit to learn who its user is.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::storage::{SessionSeen, Store};

/// Uses noted and not yet written. Past this many (a database that has
/// stopped answering) further uses are dropped: "last seen" is a hint for
/// the devices list, and a session used again is noted again later.
const MAX_PENDING: usize = 100_000;

#[derive(Debug, Default)]
pub struct SeenWrites {
    pending: Mutex<HashMap<[u8; 32], SessionSeen>>,
    /// Held while a batch is taken and written, so batches are written in
    /// the order they were taken (a later use is never overwritten by an
    /// earlier one).
    writing: tokio::sync::Mutex<()>,
    /// A write task has been started and has not yet taken its batch.
    started: AtomicBool,
}

impl SeenWrites {
    /// Notes a use, to be written soon by a task started here if none is
    /// about to write.
    pub fn note(self: &Arc<Self>, store: &Arc<dyn Store>, hash: [u8; 32], seen: SessionSeen) {
        {
            let mut pending = self.pending.lock().expect("seen writes");
            if pending.len() >= MAX_PENDING && !pending.contains_key(&hash) {
                return;
            }
            pending.insert(hash, seen);
        }
        if self.started.swap(true, Ordering::AcqRel) {
            return; // that task takes this use with its batch
        }
        let (writes, store) = (Arc::clone(self), Arc::clone(store));
        tokio::spawn(async move { writes.write(&*store).await });
    }

    /// Writes everything noted so far; returns once it is stored (or the
    /// store refused it, which is logged).
    pub async fn write(&self, store: &dyn Store) {
        let _turn = self.writing.lock().await;
        // Cleared before the batch is taken: a use noted after this starts
        // a task of its own, which waits for this one's turn to end.
        self.started.store(false, Ordering::Release);
        let batch: Vec<_> = self.pending.lock().expect("seen writes").drain().collect();
        if batch.is_empty() {
            return;
        }
        if let Err(e) = store.sessions_seen(batch).await {
            tracing::warn!(error = %e, "cannot record when sessions were last seen");
        }
    }
}
