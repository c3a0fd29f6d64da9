//! Changes `natter admin` makes in the database file while a server may
//! be running on it. The command makes its change with the same functions
//! the server uses, which also name the events the server would publish
//! (a session ended, an account changed, a member added); it stores those
//! events (bus wire format) in `outside_changes` in the same transaction.
//! A running server looks for new rows a few times a second (one indexed
//! read), publishes their events through its writer, so its caches forget
//! and the sockets of ended sessions close exactly as for its own changes,
//! and stamps them applied; the command waits for that stamp. A stopped
//! server has nothing cached: it starts past every row.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use rusqlite::{params, Connection, OptionalExtension};

use crate::domain::{Event, Timestamp};
use crate::storage::StoreResult;

/// Rows are kept this long, then pruned.
const KEEP_MS: i64 = 24 * 3600 * 1000;
/// At most this many rows are applied in one write.
const BATCH: u32 = 100;

pub fn latest(c: &Connection) -> StoreResult<i64> {
    Ok(
        c.prepare_cached("SELECT coalesce(max(id), 0) FROM outside_changes")?
            .query_row([], |r| r.get(0))?,
    )
}

/// Inside the server's writer: the events of the rows after `after` join
/// this write's events (so they are published after its commit).
pub fn apply(
    c: &Connection,
    events: &mut Vec<Event>,
    after: i64,
    now: Timestamp,
) -> StoreResult<i64> {
    let rows = c
        .prepare_cached(
            "SELECT id, events FROM outside_changes WHERE id > ?1 ORDER BY id LIMIT ?2",
        )?
        .query_map(params![after, BATCH], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut last = after;
    for (id, bytes) in rows {
        match crate::bus::wire::decode(&bytes) {
            Ok(decoded) => events.extend(decoded),
            // A newer natter's command: nothing this server can publish;
            // its change is in the database all the same.
            Err(e) => tracing::warn!(id, error = %e, "skipped a change made by natter admin"),
        }
        last = id;
    }
    if last > after {
        c.prepare_cached("UPDATE outside_changes SET applied_at = ?3 WHERE id > ?1 AND id <= ?2")?
            .execute(params![after, last, now.millis()])?;
    }
    // By age, applied or not (rows from before this server started are
    // never applied: nothing was cached then).
    c.prepare_cached("DELETE FROM outside_changes WHERE at < ?1")?
        .execute([now.millis() - KEEP_MS])?;
    Ok(last)
}

/// In `natter admin`'s transaction: records the change's events.
pub fn record(c: &Connection, events: &[Event], now: Timestamp) -> anyhow::Result<Option<i64>> {
    if events.is_empty() {
        return Ok(None);
    }
    let id = c.query_row(
        "INSERT INTO outside_changes (at, events) VALUES (?1, ?2) RETURNING id",
        params![now.millis(), crate::bus::wire::encode(events)],
        |r| r.get(0),
    )?;
    Ok(Some(id))
}

/// Whether a server holds the lock beside `database` (it is running).
pub fn server_running(database: &Path) -> bool {
    let dir = match database.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => std::path::PathBuf::from("."),
    };
    let Ok(file) = std::fs::OpenOptions::new()
        .write(true)
        .open(dir.join("natter.lock"))
    else {
        return false;
    };
    // Taken at once (and let go with `file`) when no server holds it.
    matches!(file.try_lock(), Err(std::fs::TryLockError::WouldBlock))
}

/// After `natter admin` committed change `id`: when a server is running,
/// waits (at most `patience`) until it has applied it. `Ok(false)`: a
/// server runs but has not applied it yet.
pub fn wait_applied(database: &Path, id: Option<i64>, patience: Duration) -> anyhow::Result<bool> {
    let Some(id) = id else { return Ok(true) };
    if !server_running(database) {
        return Ok(true);
    }
    let conn = Connection::open(database)
        .with_context(|| format!("cannot open the database {}", database.display()))?;
    conn.busy_timeout(Duration::from_secs(5))?;
    let start = Instant::now();
    loop {
        let applied: Option<Option<i64>> = conn
            .query_row(
                "SELECT applied_at FROM outside_changes WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?;
        // A pruned row was applied long ago.
        if !matches!(applied, Some(None)) {
            return Ok(true);
        }
        if start.elapsed() >= patience {
            return Ok(false);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
