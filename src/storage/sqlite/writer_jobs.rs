//! What the writer runs: a job is run inside its group's transaction and
//! told afterwards what became of the group; a `Task` is one caller's
//! write (see `writer_parts.rs` for a write done in parts).

use std::panic::{catch_unwind, AssertUnwindSafe};

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::classify;
use crate::domain::Event;
use crate::storage::{StoreError, StoreResult};

/// A unit of work for the writer: runs inside the group's transaction, and
/// is told afterwards whether the group committed. It may be run twice (see
/// `commit_group`): each run must only touch the connection and `events`.
pub(super) trait Job: Send {
    /// Runs the work, adding what it changed to `events`; returns whether it
    /// succeeded (its writes and events are kept).
    fn run(&mut self, conn: &Connection, events: &mut Vec<Event>) -> bool;
    /// Hands the result to the waiting caller once the fate of the group is known.
    fn finish(self: Box<Self>, fate: Fate<'_>);
    /// Called once its group has committed, before the flush: a job done
    /// in parts hands back its next part here, to be queued behind what
    /// waits (`writer_parts.rs`).
    fn next_part(&mut self) -> Option<Box<dyn Job>> {
        None
    }
}

/// What became of a group.
#[derive(Clone, Copy)]
pub(super) enum Fate<'a> {
    /// Committed and on disk.
    Durable,
    /// The transaction failed; nothing of it is stored.
    Failed(&'a rusqlite::Error),
    /// Committed, but the flush to disk failed: it may not survive a crash.
    NotFlushed(&'a std::io::Error),
}

pub(super) struct Task<T, F> {
    work: F,
    result: Option<StoreResult<T>>,
    reply: oneshot::Sender<StoreResult<T>>,
}

impl<T, F> Task<T, F> {
    /// The job and where its result will arrive.
    pub(super) fn new(work: F) -> (Self, oneshot::Receiver<StoreResult<T>>) {
        let (reply, answer) = oneshot::channel();
        let task = Self {
            work,
            result: None,
            reply,
        };
        (task, answer)
    }
}

impl<T, F> Job for Task<T, F>
where
    T: Send,
    F: FnMut(&Connection, &mut Vec<Event>) -> StoreResult<T> + Send,
{
    fn run(&mut self, conn: &Connection, events: &mut Vec<Event>) -> bool {
        let work = &mut self.work;
        let result = catch_unwind(AssertUnwindSafe(|| work(conn, events)))
            .unwrap_or_else(|_| Err(StoreError::Other(anyhow::anyhow!("a storage job panicked"))));
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn finish(self: Box<Self>, fate: Fate<'_>) {
        // The caller may have gone away (request cancelled); the write stands.
        let _ = self.reply.send(outcome(self.result, fate));
    }
}

/// What a job's caller hears: its result, once its group is on disk.
pub(super) fn outcome<T>(result: Option<StoreResult<T>>, fate: Fate<'_>) -> StoreResult<T> {
    match (result, fate) {
        (Some(Err(e)), _) => Err(e),
        (Some(Ok(value)), Fate::Durable) => Ok(value),
        (_, Fate::Failed(e)) => Err(classify(e)),
        (_, Fate::NotFlushed(e)) => Err(StoreError::Unavailable(format!(
            "the database could not be flushed to disk: {e}"
        ))),
        (None, Fate::Durable) => Err(StoreError::Other(anyhow::anyhow!(
            "a storage job did not run"
        ))),
    }
}
