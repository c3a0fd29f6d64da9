//! The single writer: one thread owns the write connection and commits jobs
//! in groups. Concurrent sends queue up while a group commits, then go into
//! the next transaction together.
//!
//! Durability is a second thread's job. SQLite commits without waiting for
//! the disk (`synchronous=NORMAL`); the sync thread then `fdatasync`s the
//! WAL, tells the caches in front of the store what changed, and only then
//! answers the group's callers and hands its events to a third thread that
//! publishes them. So an acknowledged write
//! is on disk exactly as with `synchronous=FULL`, while the writer already
//! runs the next group during the flush, and one flush covers every group
//! committed before it began.

use std::collections::VecDeque;
use std::fs::File;
use std::path::PathBuf;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::time::{Duration, Instant};

use rusqlite::Connection;
use tokio::sync::mpsc;

use super::checkpoint::Checkpoints;
use super::writer_jobs::{Fate, Job, Task};
use super::writer_parts::{Chain, Part};
use crate::domain::Event;
use crate::ops::metrics::CommitMetrics;
use crate::storage::{publish_in_commit_order, Listeners, Publisher, StoreError, StoreResult};

#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Box<dyn Job>>,
}

/// A committed group on its way to the disk.
struct Committed {
    jobs: Vec<Box<dyn Job>>,
    events: Vec<Event>,
    /// No one waits for this group's flush: it is a part of a longer
    /// write that handed on to its next part.
    unawaited: bool,
}

/// How long the flush of a group no one waits for may wait for the next
/// commit to share it. A part of an expiry backlog writes hundreds of
/// pages; flushed alone, the sends committed just after it waited for that
/// flush and then for their own. Sharing it, they wait for one. The next
/// commit (the sends that queued during the part, or the next part) comes
/// within about one part's time.
const UNAWAITED_LINGER: Duration = Duration::from_millis(25);

/// How many committed groups may wait for a flush before the writer waits.
const UNFLUSHED_GROUPS: usize = 64;

/// How many flushes' events may wait for the fan-out before the sync
/// thread waits.
const UNPUBLISHED_FLUSHES: usize = 64;

impl Writer {
    /// Starts the writer, sync and publish threads. `conn` must use WAL
    /// with `synchronous=NORMAL`, `wal` is its WAL file. `queue` bounds how
    /// many writes may wait; `max_group` bounds how many go into one
    /// transaction. `listeners.fanout` hears the events of each group once
    /// it is on disk, in commit order (persist, then publish), on a thread of
    /// its own: a big room's fan-out never holds up the next flush or its
    /// answers. `listeners.invalidate` hears them on the sync thread before
    /// the answers.
    pub fn start(
        conn: Connection,
        wal: PathBuf,
        queue: usize,
        max_group: usize,
        listeners: Listeners,
        commits: CommitMetrics,
        checkpoints: Checkpoints,
    ) -> std::io::Result<Self> {
        let Listeners {
            invalidate,
            fanout: publisher,
        } = listeners;
        let (jobs, rx) = mpsc::channel(queue);
        let (committed, to_flush) = sync_channel(UNFLUSHED_GROUPS);
        let (unpublished, to_publish) = sync_channel(UNPUBLISHED_FLUSHES);
        std::thread::Builder::new()
            .name("natter-publish".into())
            .spawn(move || publish_in_commit_order(&to_publish, &*publisher))?;
        std::thread::Builder::new()
            .name("natter-sync".into())
            .spawn({
                let commits = commits.clone();
                move || flush(&wal, &to_flush, &*invalidate, &unpublished, &commits)
            })?;
        std::thread::Builder::new()
            .name("natter-writer".into())
            .spawn(move || run(&conn, rx, max_group, &committed, &commits, &checkpoints))?;
        Ok(Self { jobs })
    }

    /// Runs `work` in the next group transaction and returns its result once
    /// that transaction has committed (or failed).
    pub async fn write<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnMut(&Connection, &mut Vec<Event>) -> StoreResult<T> + Send + 'static,
    {
        let (task, answer) = Task::new(work);
        self.jobs
            .send(Box::new(task))
            .await
            .map_err(|_| StoreError::Other(anyhow::anyhow!("the database writer has stopped")))?;
        answer
            .await
            .map_err(|_| StoreError::Other(anyhow::anyhow!("the database writer has stopped")))?
    }

    /// Runs a long write as a chain of short transactions (see
    /// `writer_parts.rs`) and returns the parts' folded results once every
    /// part is on disk.
    pub async fn write_in_parts<T, F, G, M>(&self, chain: Chain<F, G, M>) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnMut(&Connection, &mut Vec<Event>, Option<&T>) -> StoreResult<T> + Send + 'static,
        G: Fn(T, T) -> T + Send + 'static,
        M: Fn(&T) -> bool + Send + 'static,
    {
        let (part, answer) = Part::first(chain);
        self.jobs
            .send(Box::new(part))
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
    committed: &SyncSender<Committed>,
    commits: &CommitMetrics,
    checkpoints: &Checkpoints,
) {
    // Next parts of writes done in parts, each queued once the part
    // before it committed. One runs, alone, after each group of the other
    // writes (or whenever nothing else waits): those never wait for more
    // than one part, and the parts are never starved.
    let mut parts: VecDeque<Box<dyn Job>> = VecDeque::new();
    let mut parts_turn = false;
    loop {
        let mut group: Vec<Box<dyn Job>> = Vec::with_capacity(max_group.min(64));
        let waiting = if parts.is_empty() {
            rx.blocking_recv()
        } else if parts_turn {
            None
        } else {
            rx.try_recv().ok()
        };
        match waiting {
            Some(first) => {
                group.push(first);
                while group.len() < max_group {
                    match rx.try_recv() {
                        Ok(job) => group.push(job),
                        Err(_) => break,
                    }
                }
                parts_turn = true;
            }
            None => match parts.pop_front() {
                Some(part) => {
                    group.push(part);
                    parts_turn = false;
                }
                None => break,
            },
        }
        commits.group(group.len(), rx.len());
        let mut events = Vec::new();
        if commit_group(conn, &mut group, &mut events) {
            checkpoints.committed();
            let before = parts.len();
            parts.extend(group.iter_mut().filter_map(|job| job.next_part()));
            let handed_on = parts.len() - before;
            // A next part waits for the writes that queued meanwhile.
            if handed_on > 0 {
                parts_turn = false;
            }
            let flushing = Committed {
                unawaited: handed_on == group.len(),
                jobs: group,
                events,
            };
            if let Err(unsent) = committed.send(flushing) {
                // The sync thread is gone (it only stops when this one does).
                for job in unsent.0.jobs {
                    job.finish(Fate::NotFlushed(&std::io::Error::other(
                        "the sync thread has stopped",
                    )));
                }
            }
        }
    }
    tracing::debug!("database writer stopped");
}

/// The sync thread: flushes the WAL once for everything committed so far,
/// then tells `invalidate` (the caches) what changed, answers those writes
/// and hands their events, in commit order, to the publish thread.
fn flush(
    wal: &std::path::Path,
    to_flush: &Receiver<Committed>,
    invalidate: &dyn Publisher,
    to_publish: &SyncSender<Vec<Event>>,
    commits: &CommitMetrics,
) {
    let mut file: Option<File> = None;
    let mut ready = Vec::new();
    while let Ok(first) = to_flush.recv() {
        ready.push(first);
        ready.extend(to_flush.try_iter());
        if ready.iter().all(|group| group.unawaited) {
            if let Ok(next) = to_flush.recv_timeout(UNAWAITED_LINGER) {
                ready.push(next);
                ready.extend(to_flush.try_iter());
            }
        }
        // Opened on first use: the WAL exists once the store has written.
        let started = std::time::Instant::now();
        let flushed = match &file {
            Some(f) => f.sync_data(),
            None => File::options().write(true).open(wal).and_then(|f| {
                f.sync_data()?;
                file = Some(f);
                Ok(())
            }),
        };
        commits.flushed(started.elapsed());
        if let Err(e) = &flushed {
            tracing::error!(error = %e, "cannot flush the database's WAL to disk");
        }
        let fate = match &flushed {
            Ok(()) => Fate::Durable,
            Err(e) => Fate::NotFlushed(e),
        };
        let mut events = Vec::new();
        for group in &mut ready {
            events.append(&mut group.events);
        }
        // Before any answer: a writer's next request must not meet an
        // answer cached from before its own write (a session it ended).
        invalidate.publish(&events);
        for group in ready.drain(..) {
            for job in group.jobs {
                job.finish(fate);
            }
        }
        // Published even if the flush failed: readers already see the
        // commit, and live clients must not get a gap. Its callers hear of
        // the failure; a retry finds the stored original.
        if !events.is_empty() && to_publish.send(events).is_err() {
            tracing::error!("the publish thread has stopped");
        }
    }
}

/// Runs one of the writer's fixed statements, prepared once: parsing
/// `SAVEPOINT`/`RELEASE` for every job showed in the send profile.
fn exec(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(drop)
}

/// Runs the group in one transaction. Returns true when it committed (the
/// caller then flushes, publishes and answers); on failure it answers every
/// job with the error itself and returns false.
///
/// Jobs almost never fail, so the group first runs without savepoints (a
/// savepoint per job cost two statements and a copy of every page the job
/// touched). If a job does fail, that attempt is rolled back and the group
/// runs again with a savepoint per job, so one failing job leaves the
/// others' writes intact.
fn commit_group(conn: &Connection, group: &mut Vec<Box<dyn Job>>, events: &mut Vec<Event>) -> bool {
    let fail = |group: &mut Vec<Box<dyn Job>>, e: &rusqlite::Error| {
        for job in group.drain(..) {
            job.finish(Fate::Failed(e));
        }
    };
    let started = Instant::now();
    let mut ran = started;
    let attempt = run_group(conn, group, events, false).and_then(|all_ran| {
        if all_ran {
            return Ok(());
        }
        events.clear();
        // Some errors (a full disk) end the transaction by themselves.
        if !conn.is_autocommit() {
            exec(conn, "ROLLBACK")?;
        }
        run_group(conn, group, events, true).map(drop)
    });
    let committed = attempt.and_then(|()| {
        ran = Instant::now();
        exec(conn, "COMMIT")
    });
    note_slow_group(group.len(), started, ran);
    if let Err(e) = committed {
        tracing::error!(error = %e, "a write transaction failed");
        if !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        fail(group, &e);
        return false;
    }
    true
}

/// A group that held the writer this long held every send queued behind
/// it as long: worth a line in the log, with where the time went.
const SLOW_GROUP: Duration = Duration::from_millis(100);

fn note_slow_group(writes: usize, started: Instant, ran: Instant) {
    let took = started.elapsed();
    if took >= SLOW_GROUP {
        tracing::warn!(
            writes,
            took_ms = took.as_millis(),
            running_ms = ran.saturating_duration_since(started).as_millis(),
            committing_ms = ran.elapsed().as_millis(),
            "a write transaction held the database writer for long"
        );
    }
}

/// Begins a transaction and runs every job in it. Without savepoints it
/// stops at the first job that fails and returns false; with them, a failed
/// job's writes and events are undone and the rest go on.
fn run_group(
    conn: &Connection,
    group: &mut [Box<dyn Job>],
    events: &mut Vec<Event>,
    savepoints: bool,
) -> rusqlite::Result<bool> {
    exec(conn, "BEGIN IMMEDIATE")?;
    for job in group.iter_mut() {
        if !savepoints {
            if !job.run(conn, events) {
                return Ok(false);
            }
            continue;
        }
        let before = events.len();
        exec(conn, "SAVEPOINT job")?;
        if job.run(conn, events) {
            exec(conn, "RELEASE job")?;
        } else {
            events.truncate(before);
            exec(conn, "ROLLBACK TO job")?;
            exec(conn, "RELEASE job")?;
        }
    }
    Ok(true)
}

#[cfg(test)]
#[path = "writer_tests.rs"]
mod tests;
