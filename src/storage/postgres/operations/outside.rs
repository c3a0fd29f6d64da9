//! Changes recorded in `outside_changes` for running servers to apply (see
//! `sqlite/operations/outside.rs`). `natter admin` writes them only into a
//! SQLite file, so on PostgreSQL the table stays empty and this poll finds
//! nothing; it is kept so that every backend answers `Operations` alike,
//! and a tool writing the table is heard by every node.

use postgres::GenericClient;

use crate::domain::{Event, Timestamp};
use crate::storage::StoreResult;

/// Rows are kept this long, then pruned.
const KEEP_MS: i64 = 24 * 3600 * 1000;
/// At most this many rows are applied in one write.
const BATCH: i64 = 100;

pub fn latest(c: &mut impl GenericClient) -> StoreResult<i64> {
    Ok(
        c.query_one("SELECT coalesce(max(id), 0) FROM outside_changes", &[])?
            .try_get(0)?,
    )
}

/// Inside the server's writer: the events of the rows after `after` join
/// this write's events (so they are published after its commit).
pub fn apply(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    after: i64,
    now: Timestamp,
) -> StoreResult<i64> {
    let rows = c.query(
        "SELECT id, events FROM outside_changes WHERE id > $1 ORDER BY id LIMIT $2",
        &[&after, &BATCH],
    )?;
    let mut last = after;
    for row in &rows {
        let id: i64 = row.try_get(0)?;
        let bytes: &[u8] = row.try_get(1)?;
        match crate::bus::wire::decode(bytes) {
            Ok(decoded) => events.extend(decoded),
            // A newer natter's change: nothing this server can publish;
            // the change is in the database all the same.
            Err(e) => tracing::warn!(id, error = %e, "skipped a change made outside the server"),
        }
        last = id;
    }
    if last > after {
        c.execute(
            "UPDATE outside_changes SET applied_at = $3 WHERE id > $1 AND id <= $2",
            &[&after, &last, &now.millis()],
        )?;
    }
    // By age, applied or not (rows from before this server started are
    // never applied: nothing was cached then).
    c.execute(
        "DELETE FROM outside_changes WHERE at < $1",
        &[&(now.millis() - KEEP_MS)],
    )?;
    Ok(last)
}
