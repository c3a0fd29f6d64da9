//! The search index written behind the messages, in batches.
//!
//! Indexing each message in its send's transaction made every group commit
//! write an FTS5 segment and do merge work: 28-30% of durable socket sends
//! (BENCHMARKS.md, "Search index in the send path"). Now a send only
//! stores its message; once `BATCH` messages wait, one writer job indexes
//! them all (`index_pending`), and `search_progress.indexed_through` moves
//! past them in the same transaction, so nothing is skipped or indexed
//! twice, also across a crash. Before a search reads the index it has the
//! writer index whatever is still waiting, so a search sees every message
//! whose send was acknowledged before it began: what a user sees is the
//! same as with indexing in the send's transaction. Edits and deletions of
//! indexed messages change the index in their own transaction (search.rs);
//! of not yet indexed ones they leave it to the batch, which reads the
//! message as it is then.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use rusqlite::Connection;

use super::search_slices;
use super::writer::Writer;
use crate::domain::MessageId;
use crate::storage::StoreResult;

/// How many waiting messages start a batch. Larger batches pay FTS5's
/// per-commit work less often; a search indexes at most this many (plus
/// what arrived meanwhile) before it reads.
pub const BATCH: u64 = 512;

/// The most messages one writer job indexes, so the writer's other jobs
/// (sends) never wait behind a long one, e.g. after an upgrade.
const MOST_PER_JOB: i64 = 4096;

/// The newest message id the index has taken.
pub fn indexed_through(c: &Connection) -> StoreResult<i64> {
    Ok(
        c.prepare_cached("SELECT indexed_through FROM search_progress")?
            .query_row([], |r| r.get(0))?,
    )
}

/// Whether the message is in the index already (else the batch will take
/// it as it is when the batch runs).
pub fn is_indexed(c: &Connection, id: MessageId) -> StoreResult<bool> {
    Ok(id.0 <= indexed_through(c)?)
}

/// Indexes up to `MOST_PER_JOB` messages past `indexed_through`, oldest
/// first, skipping deleted and expired ones; returns whether that was all
/// of them.
pub fn index_pending(c: &Connection) -> StoreResult<bool> {
    let through = indexed_through(c)?;
    // Read first: a new slice's table is made on the way, and no
    // statement may be reading while the schema changes.
    let rows = c
        .prepare_cached(
            "SELECT id, body, deleted_at IS NULL FROM messages WHERE id > ?1 ORDER BY id LIMIT ?2",
        )?
        .query_map(rusqlite::params![through, MOST_PER_JOB], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, bool>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let seen = rows.len();
    let last = rows.last().map_or(through, |r| r.0);
    let live: Vec<(i64, String)> = rows
        .into_iter()
        .filter(|r| r.2)
        .map(|(id, body, _)| (id, body))
        .collect();
    search_slices::index(c, &live)?;
    if last > through {
        c.prepare_cached("UPDATE search_progress SET indexed_through = ?1")?
            .execute([last])?;
    }
    Ok(seen < usize::try_from(MOST_PER_JOB).unwrap_or(usize::MAX))
}

/// Before a room's messages go with it: their entries leave the index,
/// and `indexed_through` comes back to the newest message that stays, as
/// ids past it are given out again (`max(id) + 1`) and must be indexed.
pub fn forget_room(c: &Connection, room: crate::domain::RoomId) -> StoreResult<()> {
    search_slices::forget_room(c, room.0, indexed_through(c)?)?;
    c.prepare_cached(
        "UPDATE search_progress SET indexed_through = min(indexed_through,
             (SELECT coalesce(max(id), 0) FROM messages WHERE room_id != ?1))",
    )?
    .execute([room.0])?;
    Ok(())
}

/// What the store knows of the index without asking the database: counts
/// of messages stored and of those a finished batch covered.
#[derive(Default)]
pub struct SearchQueue {
    /// Messages stored since the process started (each send that made one).
    stored: AtomicU64,
    /// How many of those the last complete batch had taken.
    covered: AtomicU64,
    /// A batch is queued or running (sends start at most one at a time).
    running: AtomicBool,
    /// Messages stored before the process started may wait (a crash
    /// before their batch): the first search indexes them.
    checked_at_start: AtomicBool,
}

impl SearchQueue {
    /// A send stored a message: once `BATCH` wait, index them in the
    /// background (the send's answer does not wait for it).
    pub fn stored(self: &Arc<Self>, writer: &Writer) {
        self.stored_many(1, writer);
    }

    /// `count` messages were stored at once (by `natter admin`'s import,
    /// in the file the server runs on).
    pub fn stored_many(self: &Arc<Self>, count: u64, writer: &Writer) {
        if count == 0 {
            return;
        }
        let stored = self.stored.fetch_add(count, Ordering::AcqRel) + count;
        let waiting = stored - self.covered.load(Ordering::Acquire);
        if waiting < BATCH || self.running.swap(true, Ordering::AcqRel) {
            return;
        }
        // Outside a runtime (a tool driving the store), searches catch up.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.running.store(false, Ordering::Release);
            return;
        };
        let (queue, writer) = (Arc::clone(self), writer.clone());
        runtime.spawn(async move {
            if let Err(e) = queue.index_all(&writer).await {
                // The messages stay pending: the next batch or search retries.
                tracing::warn!(error = %e, "indexing messages for search failed");
            }
            queue.running.store(false, Ordering::Release);
        });
    }

    /// Before a search: indexes everything stored so far.
    pub async fn catch_up(&self, writer: &Writer) -> StoreResult<()> {
        let pending = self.covered.load(Ordering::Acquire) < self.stored.load(Ordering::Acquire);
        if pending || !self.checked_at_start.load(Ordering::Acquire) {
            self.index_all(writer).await?;
            self.checked_at_start.store(true, Ordering::Release);
        }
        Ok(())
    }

    /// Indexes every message stored when it begins, a job at a time.
    async fn index_all(&self, writer: &Writer) -> StoreResult<()> {
        let target = self.stored.load(Ordering::Acquire);
        while !writer.write(|c, _| index_pending(c)).await? {}
        self.covered.fetch_max(target, Ordering::AcqRel);
        Ok(())
    }
}

impl super::SqliteStore {
    /// A send, then its message queued for the index.
    pub(super) async fn post_then_index(
        &self,
        message: crate::storage::NewMessage,
    ) -> StoreResult<crate::domain::Posted> {
        let posted = self
            .writer
            .write(move |c, ev| {
                super::messages::refusal_apart(super::messages::post_message(c, ev, &message))
            })
            .await??;
        if posted.created {
            self.search_queue.stored(&self.writer);
        }
        Ok(posted)
    }

    /// A search, once everything stored before it is indexed.
    pub(super) async fn search_indexed(
        &self,
        reader: crate::domain::UserId,
        search: crate::storage::MessageSearch,
    ) -> StoreResult<Vec<crate::domain::Message>> {
        self.search_queue.catch_up(&self.writer).await?;
        self.readers
            .read(move |c| super::search::search_messages(c, reader, &search))
            .await
    }
}
