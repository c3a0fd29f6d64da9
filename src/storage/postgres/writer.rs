//! The PostgreSQL writer: one thread owns a write connection and commits
//! jobs in groups, as the SQLite writer does. Concurrent writes queue up
//! while a group commits, then go into the next transaction together, so
//! one commit (and one WAL flush: `synchronous_commit = on`) covers them
//! all. Once the commit has returned the group is durable: the caches are
//! told what changed, the callers answered, and the events handed to a
//! publish thread in commit order (persist, then publish).
//!
//! Seqs are not handed out here but by the database (a per-room counter row
//! updated with `RETURNING` inside the transaction), so writers on other
//! nodes interleave safely; this thread only batches this node's writes.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::time::{Duration, Instant};

use postgres::{Client, Transaction};
use tokio::sync::{mpsc, oneshot};

use super::connect;
use super::group::{commit_group, ATTEMPTS};
use super::rolled_back;
use super::send_batch::SendJob;
use crate::domain::{Event, Posted};
use crate::ops::metrics::CommitMetrics;
use crate::storage::{
    publish_in_commit_order, Listeners, NewMessage, Publisher, StoreError, StoreResult,
};

/// A unit of work for the writer: runs inside the group's transaction, and
/// is told afterwards whether the group committed. It may be run several
/// times (see `group::commit_group`): each run must only touch the
/// transaction and `events`.
pub(super) trait Job: Send {
    /// Runs the work, adding what it changed to `events`; returns whether it
    /// succeeded (its writes and events are kept).
    fn run(&mut self, tx: &mut Transaction<'_>, events: &mut Vec<Event>) -> bool;
    /// Hands the result to the waiting caller once the fate of the group is known.
    fn finish(self: Box<Self>, fate: Fate<'_>);
    /// A send, which may run in a batch with the sends next to it
    /// (`send_batch`) instead of through `run`.
    fn as_send(&mut self) -> Option<&mut SendJob> {
        None
    }
}

/// What became of a group.
#[derive(Clone, Copy)]
pub(super) enum Fate<'a> {
    /// Committed (and so on disk).
    Durable,
    /// The transaction failed or its fate is unknown; the caller hears why.
    Failed(&'a StoreError),
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
    F: FnMut(&mut Transaction<'_>, &mut Vec<Event>) -> StoreResult<T> + Send,
{
    fn run(&mut self, tx: &mut Transaction<'_>, events: &mut Vec<Event>) -> bool {
        let work = &mut self.work;
        let result = catch_unwind(AssertUnwindSafe(|| work(tx, events)))
            .unwrap_or_else(|_| Err(StoreError::Other(anyhow::anyhow!("a storage job panicked"))));
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn finish(self: Box<Self>, fate: Fate<'_>) {
        finish_with(self.result, fate, self.reply);
    }
}

/// Answers a job's caller from its result and its group's fate.
pub(super) fn finish_with<T>(
    result: Option<StoreResult<T>>,
    fate: Fate<'_>,
    reply: oneshot::Sender<StoreResult<T>>,
) {
    let outcome = match (result, fate) {
        (Some(Err(e)), _) => Err(e),
        (Some(Ok(value)), Fate::Durable) => Ok(value),
        (_, Fate::Failed(e)) => Err(copy_error(e)),
        (None, Fate::Durable) => Err(StoreError::Other(anyhow::anyhow!(
            "a storage job did not run"
        ))),
    };
    // The caller may have gone away (request cancelled); the write stands.
    let _ = reply.send(outcome);
}

/// The same error for each job of a failed group.
fn copy_error(e: &StoreError) -> StoreError {
    match e {
        StoreError::NotFound => StoreError::NotFound,
        StoreError::Conflict => StoreError::Conflict,
        StoreError::Unavailable(why) => StoreError::Unavailable(why.clone()),
        StoreError::Limited { limit, retry_after } => StoreError::Limited {
            limit,
            retry_after: *retry_after,
        },
        StoreError::Other(e) => StoreError::Other(anyhow::anyhow!("{e:#}")),
    }
}

#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Box<dyn Job>>,
}

/// How many groups' events may wait for the fan-out before the writer waits.
const UNPUBLISHED_GROUPS: usize = 64;

/// How long the writer waits between attempts to reach a database that
/// went away; meanwhile each write is answered "unavailable" at once.
const RECONNECT_EVERY: Duration = Duration::from_millis(250);

impl Writer {
    /// Starts the writer and publish threads on `client`; `url` reconnects
    /// it when the database comes back after going away. `queue` bounds how
    /// many writes may wait; `max_group` bounds how many go into one
    /// transaction.
    pub fn start(
        client: Client,
        url: String,
        queue: usize,
        max_group: usize,
        listeners: Listeners,
        commits: CommitMetrics,
    ) -> std::io::Result<Self> {
        let (jobs, rx) = mpsc::channel(queue);
        let (unpublished, to_publish) = sync_channel(UNPUBLISHED_GROUPS);
        let fanout = listeners.fanout.clone();
        std::thread::Builder::new()
            .name("natter-publish".into())
            .spawn(move || publish_in_commit_order(&to_publish, &*fanout))?;
        let mut link = Link {
            client: Some(client),
            url,
            last_try: Instant::now(),
        };
        std::thread::Builder::new()
            .name("natter-writer".into())
            .spawn(move || {
                run(
                    &mut link,
                    rx,
                    max_group,
                    &*listeners.invalidate,
                    &unpublished,
                    &commits,
                );
            })?;
        Ok(Self { jobs })
    }

    /// Runs `work` in the next group transaction and returns its result once
    /// that transaction has committed (or failed).
    pub async fn write<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnMut(&mut Transaction<'_>, &mut Vec<Event>) -> StoreResult<T> + Send + 'static,
    {
        let (task, answer) = Task::new(work);
        self.submit(Box::new(task), answer).await
    }

    /// Stores a new message in the next group transaction (batched with the
    /// group's other sends) and returns it once that has committed; a
    /// refusal by a send limit is `StoreError::Limited`.
    pub async fn post(&self, new: NewMessage) -> StoreResult<Posted> {
        let (job, answer) = SendJob::new(new);
        self.submit(Box::new(job), answer).await
    }

    async fn submit<T>(
        &self,
        job: Box<dyn Job>,
        answer: oneshot::Receiver<StoreResult<T>>,
    ) -> StoreResult<T> {
        let stopped = || StoreError::Other(anyhow::anyhow!("the database writer has stopped"));
        self.jobs.send(job).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// The writer's connection, made again when the database comes back.
struct Link {
    client: Option<Client>,
    url: String,
    last_try: Instant,
}

impl Link {
    /// The connection, reconnecting (at most every `RECONNECT_EVERY`) when
    /// it was lost.
    fn client(&mut self) -> Result<&mut Client, StoreError> {
        if self.client.as_ref().is_some_and(Client::is_closed) {
            tracing::warn!("lost the database connection; reconnecting");
            self.client = None;
        }
        if self.client.is_none() {
            if self.last_try.elapsed() < RECONNECT_EVERY {
                return Err(unreachable_database());
            }
            self.last_try = Instant::now();
            match connect(&self.url) {
                Ok(client) => {
                    tracing::info!("reconnected to the database");
                    self.client = Some(client);
                }
                Err(e) => {
                    tracing::error!(error = %format!("{e:#}"), "cannot reach the database");
                    return Err(unreachable_database());
                }
            }
        }
        self.client.as_mut().ok_or_else(unreachable_database)
    }
}

fn unreachable_database() -> StoreError {
    StoreError::Unavailable("the database cannot be reached".into())
}

fn run(
    link: &mut Link,
    mut rx: mpsc::Receiver<Box<dyn Job>>,
    max_group: usize,
    invalidate: &dyn Publisher,
    to_publish: &SyncSender<Vec<Event>>,
    commits: &CommitMetrics,
) {
    while let Some(first) = rx.blocking_recv() {
        let mut group: Vec<Box<dyn Job>> = Vec::with_capacity(max_group.min(64));
        group.push(first);
        while group.len() < max_group {
            match rx.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        commits.group(group.len(), rx.len());
        let started = Instant::now();
        let mut events = Vec::new();
        let outcome = attempt(link, &mut group, &mut events);
        if outcome.is_err() && rolled_back() {
            // PostgreSQL rolled it all back for a deadlock with another
            // node's transaction: nothing of it is stored. Its parts run
            // again, each in a transaction of its own (the sends in one
            // batch, which takes their rooms in id order; each other write
            // alone), so no transaction of this node holds rooms out of
            // order again; each part is tried `ATTEMPTS` times.
            tracing::info!(
                "a write transaction deadlocked with another node's; running its parts again"
            );
            for mut part in split(group) {
                let mut events = Vec::new();
                let mut outcome = attempt(link, &mut part, &mut events);
                for _ in 1..ATTEMPTS {
                    if outcome.is_ok() || !rolled_back() {
                        break;
                    }
                    outcome = attempt(link, &mut part, &mut events);
                }
                settle(part, outcome, events, invalidate, to_publish);
            }
            commits.flushed(started.elapsed());
            continue;
        }
        commits.flushed(started.elapsed());
        settle(group, outcome, events, invalidate, to_publish);
    }
    tracing::debug!("database writer stopped");
}

/// One try at committing `group`; `rolled_back` then says whether
/// PostgreSQL rolled it back for a deadlock.
fn attempt(
    link: &mut Link,
    group: &mut [Box<dyn Job>],
    events: &mut Vec<Event>,
) -> StoreResult<()> {
    events.clear();
    super::forget_rolled_back();
    link.client()
        .and_then(|client| commit_group(client, group, events))
}

/// A group's parts, each to commit alone: its batchable sends together,
/// then every other job on its own.
fn split(group: Vec<Box<dyn Job>>) -> Vec<Vec<Box<dyn Job>>> {
    let mut parts = vec![Vec::new()];
    for mut job in group {
        if job.as_send().is_some_and(|s| s.batchable()) {
            parts[0].push(job);
        } else {
            parts.push(vec![job]);
        }
    }
    parts.retain(|part| !part.is_empty());
    parts
}

/// Answers the jobs of a committed (or failed) group and hands its events
/// on: the caches first, before any answer (a writer's next request must
/// not meet an answer cached from before its own write, a session it
/// ended), then the publish thread.
fn settle(
    group: Vec<Box<dyn Job>>,
    outcome: StoreResult<()>,
    events: Vec<Event>,
    invalidate: &dyn Publisher,
    to_publish: &SyncSender<Vec<Event>>,
) {
    if let Err(e) = outcome {
        tracing::error!(error = %e, "a write transaction failed");
        for job in group {
            job.finish(Fate::Failed(&e));
        }
        return;
    }
    invalidate.publish(&events);
    for job in group {
        job.finish(Fate::Durable);
    }
    if !events.is_empty() && to_publish.send(events).is_err() {
        tracing::error!("the publish thread has stopped");
    }
}
