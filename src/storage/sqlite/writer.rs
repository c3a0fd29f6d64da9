//! The single writer: one thread owns the write connection and commits jobs
//! in groups. Concurrent sends queue up while a commit is on disk, then go
//! into the next transaction together, so `synchronous=FULL` costs one fsync
//! per group instead of one per message.

use std::panic::{catch_unwind, AssertUnwindSafe};

use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use std::sync::Arc;

use super::classify;
use crate::domain::Event;
use crate::storage::{Publisher, StoreError, StoreResult};

/// A unit of work for the writer: runs inside a savepoint of the group's
/// transaction, and is told afterwards whether the group committed.
trait Job: Send {
    /// Runs the work, adding what it changed to `events`; returns whether it
    /// succeeded (its writes and events are kept).
    fn run(&mut self, conn: &Connection, events: &mut Vec<Event>) -> bool;
    /// Hands the result to the waiting caller once the fate of the group is known.
    fn finish(self: Box<Self>, committed: Result<(), &rusqlite::Error>);
}

struct Task<T, F> {
    work: Option<F>,
    result: Option<StoreResult<T>>,
    reply: oneshot::Sender<StoreResult<T>>,
}

impl<T, F> Job for Task<T, F>
where
    T: Send,
    F: FnOnce(&Connection, &mut Vec<Event>) -> StoreResult<T> + Send,
{
    fn run(&mut self, conn: &Connection, events: &mut Vec<Event>) -> bool {
        let Some(work) = self.work.take() else {
            return false;
        };
        let result = catch_unwind(AssertUnwindSafe(|| work(conn, events)))
            .unwrap_or_else(|_| Err(StoreError::Other(anyhow::anyhow!("a storage job panicked"))));
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn finish(self: Box<Self>, committed: Result<(), &rusqlite::Error>) {
        let outcome = match (self.result, committed) {
            (Some(Err(e)), _) => Err(e),
            (Some(Ok(value)), Ok(())) => Ok(value),
            (_, Err(e)) => Err(classify(e)),
            (None, Ok(())) => Err(StoreError::Other(anyhow::anyhow!(
                "a storage job did not run"
            ))),
        };
        // The caller may have gone away (request cancelled); the write stands.
        let _ = self.reply.send(outcome);
    }
}

#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Box<dyn Job>>,
}

impl Writer {
    /// Starts the writer thread. `queue` bounds how many writes may wait;
    /// `max_group` bounds how many go into one transaction.
    /// `publisher` hears the events of each group once it has committed, in
    /// commit order (persist, then publish).
    pub fn start(
        conn: Connection,
        queue: usize,
        max_group: usize,
        publisher: Arc<dyn Publisher>,
    ) -> std::io::Result<Self> {
        let (jobs, rx) = mpsc::channel(queue);
        std::thread::Builder::new()
            .name("natter-writer".into())
            .spawn(move || run(&conn, rx, max_group, &*publisher))?;
        Ok(Self { jobs })
    }

    /// Runs `work` in the next group transaction and returns its result once
    /// that transaction has committed (or failed).
    pub async fn write<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &mut Vec<Event>) -> StoreResult<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let task = Task {
            work: Some(work),
            result: None,
            reply,
        };
        self.jobs
            .send(Box::new(task))
            .await
            .map_err(|_| StoreError::Other(anyhow::anyhow!("the database writer has stopped")))?;
        answer
            .await
            .map_err(|_| StoreError::Other(anyhow::anyhow!("the database writer has stopped")))?
    }
}

fn run(
    conn: &Connection,
    mut rx: mpsc::Receiver<Box<dyn Job>>,
    max_group: usize,
    publisher: &dyn Publisher,
) {
    let mut group: Vec<Box<dyn Job>> = Vec::with_capacity(max_group);
    let mut events: Vec<Event> = Vec::new();
    while let Some(first) = rx.blocking_recv() {
        group.push(first);
        while group.len() < max_group {
            match rx.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        if commit_group(conn, &mut group, &mut events) {
            publisher.publish(&events);
        }
        events.clear();
        for job in group.drain(..) {
            job.finish(Ok(()));
        }
    }
    tracing::debug!("database writer stopped");
}

/// Runs the group in one transaction. Returns true when it committed (the
/// caller then publishes and answers); on failure it answers every job with
/// the error itself and returns false.
fn commit_group(conn: &Connection, group: &mut Vec<Box<dyn Job>>, events: &mut Vec<Event>) -> bool {
    let fail = |group: &mut Vec<Box<dyn Job>>, e: &rusqlite::Error| {
        for job in group.drain(..) {
            job.finish(Err(e));
        }
    };
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        tracing::error!(error = %e, "cannot begin a write transaction");
        fail(group, &e);
        return false;
    }
    for job in group.iter_mut() {
        // A savepoint per job: one failing job leaves the others' writes intact.
        let before = events.len();
        let ran = conn
            .execute_batch("SAVEPOINT job")
            .map(|()| job.run(conn, events));
        let closed = match ran {
            Ok(true) => conn.execute_batch("RELEASE job"),
            Ok(false) => {
                events.truncate(before);
                conn.execute_batch("ROLLBACK TO job; RELEASE job")
            }
            Err(e) => Err(e),
        };
        if let Err(e) = closed {
            tracing::error!(error = %e, "savepoint failed; abandoning the group");
            let _ = conn.execute_batch("ROLLBACK");
            fail(group, &e);
            return false;
        }
    }
    if let Err(e) = conn.execute_batch("COMMIT") {
        tracing::error!(error = %e, "commit failed");
        let _ = conn.execute_batch("ROLLBACK");
        fail(group, &e);
        return false;
    }
    true
}
