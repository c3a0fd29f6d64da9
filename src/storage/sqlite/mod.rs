//! The embedded SQLite store: WAL, foreign keys, one writer thread with
//! group commit whose commits are flushed to disk before they are
//! acknowledged, and a pool of read connections.

/// A select over `messages m` whose rows `message_row` reads: the stored
/// JSON, which is kept current by every write (edits, deletions, thread
/// summaries), so a message read back carries all of its parts. As a
/// literal so that each query is a `&'static str` (the statement cache is
/// looked up by the SQL text on the hot paths).
macro_rules! message_select {
    ($($rest:literal),*) => {
        concat!("SELECT m.json FROM messages m", $($rest),*)
    };
}

mod accounts;
mod checkpoint;
mod commands;
mod conversation;
mod corrections;
mod directory;
mod doomed_slices;
mod erase;
mod expiry;
mod files;
mod finish;
mod group_dms;
mod history;
mod integrations;
mod memberships;
mod messages;
mod migrate;
mod moderation;
mod operations;
mod outhooks;
pub(crate) mod profiles;
mod push;
mod reactions;
mod readers;
mod room_care;
mod room_seqs;
mod rooms;
mod search;
mod search_queue;
pub mod search_slices;
mod send_limits;
mod send_rates;
mod server;
mod status;
mod upload_quota;
mod writer;
mod writer_jobs;
mod writer_parts;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;

use crate::ops::metrics::CommitMetrics;
use rusqlite::{Connection, ErrorCode};

use self::checkpoint::Checkpoints;
use self::readers::Readers;
use self::writer::Writer;
use super::{Listeners, Publisher, StoreError};

pub use migrate::latest_version;
pub use operations::{cli, export, import};
pub use server::offline as admin;

/// How many writes may wait for the writer before senders wait in turn.
const WRITE_QUEUE: usize = 8192;
/// The most jobs one transaction takes.
const MAX_GROUP: usize = 1024;
const MAX_READERS: usize = 8;

pub struct SqliteStore {
    writer: Writer,
    readers: Readers,
    path: PathBuf,
    /// As SQLite reported it when the database was opened.
    journal_mode: String,
    search_queue: Arc<search_queue::SearchQueue>,
    /// Each user's send bucket (`send_rates.rs` says why in memory).
    send_rates: crate::domain::Buckets<crate::domain::UserId>,
    /// Index slices the expiry found not doomable lately.
    doom_checks: Arc<doomed_slices::Checks>,
    /// Held for the store's life: one natter per data directory (and per
    /// database directory).
    _locks: Vec<std::fs::File>,
}

impl SqliteStore {
    /// Opens (creating if needed) `natter.db` in `data_dir` and migrates it;
    /// `publisher` hears every commit (no cache in front of this store).
    pub fn open(data_dir: &Path, publisher: Arc<dyn Publisher>) -> anyhow::Result<Self> {
        Self::open_observed(
            data_dir,
            Listeners::fanout(publisher),
            CommitMetrics::default(),
        )
    }

    /// As `open`, telling `listeners` of commits, with the writer recording
    /// its groups and flushes in `commits`.
    pub fn open_observed(
        data_dir: &Path,
        listeners: Listeners,
        commits: CommitMetrics,
    ) -> anyhow::Result<Self> {
        Self::open_file(data_dir, &data_dir.join("natter.db"), listeners, commits)
    }

    /// As `open_observed`, with the database in `file` (`--database-url`)
    /// rather than in the data directory, which keeps the other data.
    pub fn open_file(
        data_dir: &Path,
        file: &Path,
        listeners: Listeners,
        commits: CommitMetrics,
    ) -> anyhow::Result<Self> {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("cannot create the data directory {}", data_dir.display()))?;
        let mut locks = vec![lock_data_dir(data_dir)?];
        // A database elsewhere is kept from a second natter by a lock
        // beside it too (its directory must exist: a typo makes no file
        // somewhere unexpected).
        let db_dir = match file.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        if !db_dir.is_dir() {
            anyhow::bail!(
                "the directory of the database {} does not exist",
                file.display()
            );
        }
        if std::fs::canonicalize(&db_dir)? != std::fs::canonicalize(data_dir)? {
            locks.push(lock_data_dir(&db_dir)?);
        }
        let path = file.to_owned();
        let mut conn = open_connection(&path)?;
        // WAL lets readers run beside the writer; it is a property of the file.
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .with_context(|| format!("cannot use the database {}", path.display()))?;
        if !mode.eq_ignore_ascii_case("wal") {
            anyhow::bail!(
                "the database {} cannot use write-ahead logging",
                path.display()
            );
        }
        migrate::migrate(&mut conn, &path)?;
        // The writer commits without waiting for the disk; its sync thread
        // flushes the WAL before any commit is acknowledged (see writer.rs).
        // secure_delete: what a write frees (an expired message's text) is
        // zeroed, not left in free pages (see expiry.rs).
        // No automatic checkpoints on the writer: they ran inside its
        // commits; a thread of their own runs them (checkpoint.rs), and cuts
        // a grown WAL file back when nothing is being written (never the
        // writer: `journal_size_limit` stays SQLite's default, none).
        // A 32 MiB page cache (filled only as pages are used; SQLite's
        // default is 2 MiB) keeps the b-trees' upper pages and the search
        // index's structure in memory for a database of millions of
        // messages: with 2 MiB, a million messages expiring spent a tenth of
        // the writer's time reading pages back from the OS (BENCHMARKS.md).
        conn.execute_batch(
            "PRAGMA synchronous = NORMAL; PRAGMA secure_delete = ON;
             PRAGMA wal_autocheckpoint = 0; PRAGMA cache_size = -32768",
        )
        .with_context(|| format!("cannot use the database {}", path.display()))?;
        let mut wal = path.clone().into_os_string();
        wal.push("-wal");
        let wal = PathBuf::from(wal);
        let checkpoints = Checkpoints::start(open_connection(&path)?)
            .context("cannot start the checkpoint thread")?;
        let writer = Writer::start(
            conn,
            wal,
            WRITE_QUEUE,
            MAX_GROUP,
            listeners,
            commits,
            checkpoints,
        )
        .context("cannot start the database writer")?;
        Ok(Self {
            writer,
            readers: Readers::new(path.clone(), MAX_READERS),
            path,
            journal_mode: mode.to_ascii_lowercase(),
            search_queue: Arc::default(),
            send_rates: crate::domain::Buckets::default(),
            doom_checks: Arc::default(),
            _locks: locks,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Takes `natter.lock` in the data directory, so that a second natter on
/// the same data fails at once with a sentence instead of fighting over it.
fn lock_data_dir(data_dir: &Path) -> anyhow::Result<std::fs::File> {
    let path = data_dir.join("natter.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "another natter is already using the data directory {}",
            data_dir.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("cannot lock {}", path.display()))
        }
    }
}

/// Opens a connection with the settings every connection needs.
fn open_connection(path: &Path) -> anyhow::Result<Connection> {
    let conn = Connection::open(path)
        .with_context(|| format!("cannot open the database {}", path.display()))?;
    // synchronous=FULL: a commit is on disk before it is acknowledged, so a
    // crash or power cut loses nothing that was answered with 2xx. (The
    // writer's connection lowers it and flushes the WAL itself.)
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         PRAGMA synchronous = FULL;
         PRAGMA busy_timeout = 5000;",
    )
    .with_context(|| format!("cannot use the database {}", path.display()))?;
    // Every statement is prepared once per connection; the writer alone uses
    // more than rusqlite's default of 16, and a miss means parsing again.
    conn.set_prepared_statement_cache_capacity(128);
    Ok(conn)
}

/// Sorts SQLite's errors into what callers can act on.
fn classify(e: &rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::ConstraintViolation) => StoreError::Conflict,
        Some(
            ErrorCode::DiskFull
            | ErrorCode::DatabaseBusy
            | ErrorCode::DatabaseLocked
            | ErrorCode::ReadOnly
            | ErrorCode::SystemIoFailure,
        ) => StoreError::Unavailable(e.to_string()),
        _ => StoreError::Other(anyhow::anyhow!("sqlite: {e}")),
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        if matches!(e, rusqlite::Error::QueryReturnedNoRows) {
            return StoreError::NotFound;
        }
        classify(&e)
    }
}
