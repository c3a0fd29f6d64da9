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
//! beginning again (and `journal_size_limit` cuts the file back), as after
//! the automatic checkpoint.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
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
        std::thread::Builder::new()
            .name("natter-checkpoint".into())
            .spawn(move || run(&conn, &nudged))?;
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

fn run(conn: &Connection, nudged: &Receiver<()>) {
    let mut last: Option<Instant> = None;
    while nudged.recv().is_ok() {
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
}
