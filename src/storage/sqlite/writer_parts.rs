//! Work in parts: a long write (a backlog of expiries) done as a chain of
//! short transactions. Each part commits alone; the next is queued by the
//! writer thread the moment it commits (not once it is on disk), and the
//! writer takes it only after a group of the other writes that queued
//! meanwhile (`writer::run`). So sends never wait for more than one part,
//! and the writer is never idle between parts, waiting for a flush or for
//! the caller to ask again.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::writer_jobs::{outcome, Fate, Job};
use crate::domain::Event;
use crate::storage::{StoreError, StoreResult};

/// How a chain of parts goes on: `work` runs one part, given what the
/// parts before it did; `fold` adds a part's result to that; `more` says,
/// from the total, whether another part should follow.
pub struct Chain<F, G, M> {
    pub work: F,
    pub fold: G,
    pub more: M,
}

/// One part of a chain, as the writer runs it.
pub struct Part<T, F, G, M> {
    /// `None` once handed on to the next part.
    chain: Option<Chain<F, G, M>>,
    /// What the committed parts before this one did.
    total: Option<T>,
    result: Option<StoreResult<T>>,
    /// Only the last part answers: the caller hears once every part is on disk.
    reply: Option<oneshot::Sender<StoreResult<T>>>,
    /// An earlier part's flush failed: the answer must say so.
    lost: Arc<AtomicBool>,
}

impl<T, F, G, M> Part<T, F, G, M> {
    /// The first part and where the chain's answer will arrive.
    pub fn first(chain: Chain<F, G, M>) -> (Self, oneshot::Receiver<StoreResult<T>>) {
        let (reply, answer) = oneshot::channel();
        let part = Self {
            chain: Some(chain),
            total: None,
            result: None,
            reply: Some(reply),
            lost: Arc::new(AtomicBool::new(false)),
        };
        (part, answer)
    }
}

impl<T, F, G, M> Job for Part<T, F, G, M>
where
    T: Send + 'static,
    F: FnMut(&Connection, &mut Vec<Event>, Option<&T>) -> StoreResult<T> + Send + 'static,
    G: Fn(T, T) -> T + Send + 'static,
    M: Fn(&T) -> bool + Send + 'static,
{
    fn run(&mut self, conn: &Connection, events: &mut Vec<Event>) -> bool {
        let Some(chain) = self.chain.as_mut() else {
            return false;
        };
        let total = self.total.as_ref();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            (chain.work)(conn, events, total)
        }))
        .unwrap_or_else(|_| Err(StoreError::Other(anyhow::anyhow!("a storage job panicked"))));
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn next_part(&mut self) -> Option<Box<dyn Job>> {
        let chain = self.chain.as_ref()?;
        let done = match self.result.take() {
            Some(Ok(done)) => done,
            failed => {
                self.result = failed;
                return None;
            }
        };
        let total = match self.total.take() {
            Some(before) => (chain.fold)(before, done),
            None => done,
        };
        if !(chain.more)(&total) {
            self.result = Some(Ok(total));
            return None;
        }
        Some(Box::new(Part {
            chain: self.chain.take(),
            total: Some(total),
            result: None,
            reply: self.reply.take(),
            lost: Arc::clone(&self.lost),
        }))
    }

    fn finish(self: Box<Self>, fate: Fate<'_>) {
        let Some(reply) = self.reply else {
            // A part that handed on: the last one answers for it.
            if !matches!(fate, Fate::Durable) {
                self.lost.store(true, Ordering::Release);
            }
            return;
        };
        let outcome = match (self.result, fate) {
            (Some(Ok(_)), Fate::Durable) if self.lost.load(Ordering::Acquire) => Err(
                StoreError::Unavailable("the database could not be flushed to disk".into()),
            ),
            (result, fate) => outcome(result, fate),
        };
        let _ = reply.send(outcome);
    }
}
