//! Checkpoints on a thread of their own. SQLite's automatic checkpoint
//! runs inside the COMMIT that crosses its threshold, on the committing
//! connection: on the writer, it copied the WAL into the database file and
//! synced it while every send waited (0.3–2 s every few seconds while a
//! million messages expired; BENCHMARKS.md, issue 18). So the writer's
//! connection has `wal_autocheckpoint = 0`, and this thread, with a
//! connection of its own, runs PASSIVE checkpoints when the writer has
//! grown the WAL: those never take the write lock, so commits go on beside
//! them, at most every `EVERY` while writes go on. Once a checkpoint has
//! copied everything, SQLite's next write starts the WAL from the
//! beginning again, as after the automatic checkpoint.
//!
//! The file is cut back here too, not by the writer: under a long burst of
//! writes (a million messages expiring) readers always hold some of the
//! WAL, no checkpoint copies all of it, and the file grew to 2.6 GB;
//! cutting that back inside the writer's next commit (`journal_size_limit`)
//! held every send for 0.8-2 s. So a WAL file grown past `KEEP` is cut back
//! by this thread once nothing was committed for `QUIET`.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::time::{Duration, Instant};

use rusqlite::Connection;

/// The most often a checkpoint runs: each one syncs the database file, and
/// the WAL is not read faster for being short. (SQLite's own threshold, 1000
/// pages, cannot be seen from outside the writer's connection: the WAL
/// file keeps its size when it starts over.)
const EVERY: Duration = Duration::from_millis(250);
/// A checkpoint this slow is worth a line in the log (it holds no one up,
/// but the WAL grows meanwhile).
const SLOW_CHECKPOINT: Duration = Duration::from_secs(1);
/// How long without a commit before a grown WAL file is cut back.
const QUIET: Duration = Duration::from_secs(1);
/// The WAL file size kept: past it, the file is cut back when quiet.
const KEEP: u64 = 64 * 1024 * 1024;

/// The writer's side: tells the checkpoint thread a group was committed.
#[derive(Clone)]
pub struct Checkpoints {
    nudge: SyncSender<()>,
}

impl Checkpoints {
    /// Starts the thread, with `conn` (its own connection to the
    /// database). It stops once every `Checkpoints` is dropped.
    pub fn start(conn: Connection) -> std::io::Result<Self> {
        // One pending nudge is enough: a checkpoint copies every commit
        // before it.
        let (nudge, nudged) = sync_channel(1);
        let wal = conn.path().map(|db| PathBuf::from(format!("{db}-wal")));
        // Cutting the WAL back holds writers off while it waits for
        // readers: it does not wait (it tries again when next quiet).
        conn.busy_timeout(Duration::ZERO)
            .map_err(std::io::Error::other)?;
        std::thread::Builder::new()
            .name("natter-checkpoint".into())
            .spawn(move || run(&conn, &nudged, wal.as_deref()))?;
        Ok(Self { nudge })
    }

    /// After a commit: never waits.
    pub fn committed(&self) {
        match self.nudge.try_send(()) {
            Ok(()) | Err(TrySendError::Full(())) => {}
            Err(TrySendError::Disconnected(())) => {
                tracing::error!("the checkpoint thread has stopped; the WAL will grow");
            }
        }
    }
}

fn run(conn: &Connection, nudged: &Receiver<()>, wal: Option<&Path>) {
    let mut last: Option<Instant> = None;
    loop {
        match nudged.recv_timeout(QUIET) {
            Ok(()) => {}
            Err(RecvTimeoutError::Timeout) => {
                if let Some(wal) = wal {
                    cut_back(conn, wal);
                }
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if let Some(wait) = last.map(|l| EVERY.saturating_sub(l.elapsed())) {
            std::thread::sleep(wait);
        }
        // What was committed while waiting is copied by this one too.
        let _ = nudged.try_recv();
        last = Some(Instant::now());
        let started = Instant::now();
        match checkpoint(conn) {
            Ok((log, copied)) => {
                let took = started.elapsed();
                if took >= SLOW_CHECKPOINT {
                    tracing::warn!(
                        took_ms = took.as_millis(),
                        log,
                        copied,
                        "a checkpoint of the database was slow"
                    );
                } else {
                    tracing::debug!(took_ms = took.as_millis(), log, copied, "checkpoint");
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot checkpoint the database"),
        }
    }
    tracing::debug!("checkpoint thread stopped");
}

/// With nothing written for a while: copies the rest of a WAL file grown
/// past `KEEP` and cuts it to nothing (a TRUNCATE checkpoint). Busy
/// readers make it give up at once, until the next quiet spell.
fn cut_back(conn: &Connection, wal: &Path) {
    if std::fs::metadata(wal).map_or(true, |m| m.len() <= KEEP) {
        return;
    }
    let started = Instant::now();
    match conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(0) => tracing::info!(
            took_ms = started.elapsed().as_millis(),
            "the database's WAL file was cut back after a burst of writes"
        ),
        Ok(_) => tracing::debug!("readers were busy; the WAL file is cut back later"),
        Err(e) => tracing::error!(error = %e, "cannot cut back the database's WAL file"),
    }
}

/// One PASSIVE checkpoint: copies what no reader still needs from the WAL
/// to the database file; returns the WAL's frames and how many of them are
/// copied now.
fn checkpoint(conn: &Connection) -> rusqlite::Result<(i64, i64)> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok((r.get(1)?, r.get(2)?))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn wal_of(db: &Path) -> PathBuf {
        let mut wal = db.as_os_str().to_owned();
        wal.push("-wal");
        PathBuf::from(wal)
    }

    #[test]
    fn a_grown_wal_is_copied_into_the_database_file_and_then_starts_over() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("natter.db");
        let writer = Connection::open(&db).unwrap();
        writer
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;
                 PRAGMA journal_size_limit = 0; CREATE TABLE t (x BLOB)",
            )
            .unwrap();
        let checkpoints = Checkpoints::start(Connection::open(&db).unwrap()).unwrap();
        // 8 MB in one commit, nothing of it checkpointed yet.
        writer
            .execute("INSERT INTO t SELECT zeroblob(8000000)", [])
            .unwrap();
        let before = std::fs::metadata(&db).unwrap().len();
        assert!(before < 1_000_000, "nothing is copied without a checkpoint");

        // Once everything is copied, the next write starts the WAL over
        // and cuts the file back. Each commit nudges, as the writer's do.
        let waited = Instant::now();
        loop {
            checkpoints.committed();
            writer.execute("INSERT INTO t VALUES (x'00')", []).unwrap();
            if std::fs::metadata(wal_of(&db)).unwrap().len() < 1_000_000 {
                break;
            }
            assert!(
                waited.elapsed() < Duration::from_secs(30),
                "the checkpoint thread never copied the WAL"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        let after = std::fs::metadata(&db).unwrap().len();
        assert!(
            after > 8_000_000,
            "the database file holds the 8 MB: {after}"
        );
    }

    #[test]
    fn a_wal_file_grown_by_a_burst_is_cut_back_once_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("natter.db");
        // As the store's writer: no checkpoints, no size limit of its own.
        let writer = Connection::open(&db).unwrap();
        writer
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;
                 CREATE TABLE t (x BLOB)",
            )
            .unwrap();
        let checkpoints = Checkpoints::start(Connection::open(&db).unwrap()).unwrap();
        writer
            .execute("INSERT INTO t SELECT zeroblob(?1)", [KEEP + 8_000_000])
            .unwrap();
        checkpoints.committed();
        assert!(std::fs::metadata(wal_of(&db)).unwrap().len() > KEEP);

        let waited = Instant::now();
        while std::fs::metadata(wal_of(&db)).unwrap().len() > 0 {
            assert!(
                waited.elapsed() < Duration::from_secs(30),
                "the WAL file was never cut back"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let kept = std::fs::metadata(&db).unwrap().len();
        assert!(kept > KEEP, "everything is in the database file: {kept}");
    }
}
