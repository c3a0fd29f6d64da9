//! Index slices the expiry drops whole (migration 27 says why).
//!
//! When every live message of a slice is due, the expiry marks the slice
//! doomed (`mark`), erases its messages without forgetting their words,
//! and drops the slice's table once they are all erased (`count_down`), or
//! once nothing is due at all (`drop_all`); the dropped table is emptied
//! in small steps (`purge`). Until then their words stay in
//! the table, as a forgotten message's do until FTS5 merges it away; no
//! search ever shows them, as searches read only rows whose message is not
//! gone. Anything indexed in a doomed slice after it was marked makes the
//! slice be made again from its live messages when it is dropped.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension};

use super::search_slices::{first_id, slice_of, table};
use crate::domain::Timestamp;
use crate::storage::StoreResult;

/// A slice whose every live message is due, as a reader found it.
#[derive(Clone, Copy, Debug)]
pub struct Doom {
    slice: i64,
    /// Its live messages then.
    live: i64,
    /// The newest message id then: ids are given out past it, never into
    /// this slice (unless a room's deletion frees the ids above it, which
    /// `mark` sees as a smaller newest id).
    newest: i64,
}

/// Slices a reader found not doomable lately: a slice holding a message
/// that is not due is not read again for a while, however many parts of
/// the expiry come by.
#[derive(Default)]
pub struct Checks {
    refused: Mutex<Vec<(i64, Instant)>>,
}

/// How long a slice found not doomable is left alone.
const RECHECK_AFTER: Duration = Duration::from_mins(1);

impl Checks {
    /// On a reader: whether the slice of the soonest due message can be
    /// doomed at `now`. Reads the slice's rows once (tens of milliseconds
    /// for a full slice, off the writer), at most once a minute per slice.
    pub fn check(&self, c: &Connection, now: Timestamp) -> StoreResult<Option<Doom>> {
        let soonest: Option<i64> = c
            .prepare_cached(
                "SELECT id FROM messages
                 WHERE expires_at IS NOT NULL AND deleted_at IS NULL AND expires_at <= ?1
                 ORDER BY expires_at LIMIT 1",
            )?
            .query_row([now.millis()], |r| r.get(0))
            .optional()?;
        let Some(slice) = soonest.map(slice_of) else {
            return Ok(None);
        };
        let kept = c
            .prepare_cached("SELECT 1 FROM search_slices WHERE slice = ?1 AND doomed_left IS NULL")?
            .exists([slice])?;
        let newest = newest_id(c)?;
        // New messages go into the newest slice: it is never doomed.
        if !kept || slice_of(newest) <= slice || self.refused_lately(slice) {
            return Ok(None);
        }
        let (live, not_due): (i64, i64) = c
            .prepare_cached(
                "SELECT count(*), count(*) FILTER (WHERE expires_at IS NULL OR expires_at > ?3)
                 FROM messages WHERE id >= ?1 AND id < ?2 AND deleted_at IS NULL",
            )?
            .query_row(
                rusqlite::params![first_id(slice), first_id(slice + 1), now.millis()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
        if not_due > 0 || live == 0 {
            self.refuse(slice);
            return Ok(None);
        }
        Ok(Some(Doom {
            slice,
            live,
            newest,
        }))
    }

    fn refused_lately(&self, slice: i64) -> bool {
        let refused = self.refused.lock().expect("doom checks lock");
        refused
            .iter()
            .any(|(s, at)| *s == slice && at.elapsed() < RECHECK_AFTER)
    }

    /// Remembers a refusal; the list keeps only the last minute's.
    fn refuse(&self, slice: i64) {
        let mut refused = self.refused.lock().expect("doom checks lock");
        refused.retain(|(s, at)| *s != slice && at.elapsed() < RECHECK_AFTER);
        refused.push((slice, Instant::now()));
    }
}

/// In the writer: marks the slice doomed, unless ids were freed below the
/// newest one the reader saw (a room's deletion) since.
pub fn mark(c: &Connection, doom: Doom) -> StoreResult<()> {
    if newest_id(c)? >= doom.newest {
        c.prepare_cached(
            "UPDATE search_slices SET doomed_left = ?2, written_since_doomed = 0
             WHERE slice = ?1 AND doomed_left IS NULL",
        )?
        .execute(rusqlite::params![doom.slice, doom.live])?;
    }
    Ok(())
}

/// The newest message's id (0 with none): new ones are given the next.
fn newest_id(c: &Connection) -> StoreResult<i64> {
    Ok(
        c.prepare_cached("SELECT coalesce(max(id), 0) FROM messages")?
            .query_row([], |r| r.get(0))?,
    )
}

/// The slices whose erased messages' words are forgotten one by one: the
/// ones there are, but for the doomed.
pub fn kept(c: &Connection) -> StoreResult<Vec<i64>> {
    Ok(
        c.prepare_cached("SELECT slice FROM search_slices WHERE doomed_left IS NULL")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<i64>>>()?,
    )
}

/// Counts the messages erased in doomed slices (slice → how many) off
/// their marks, and drops each slice that has none left.
pub fn count_down(c: &Connection, erased: &BTreeMap<i64, i64>) -> StoreResult<()> {
    for (slice, n) in erased {
        let left: Option<i64> = c
            .prepare_cached(
                "UPDATE search_slices SET doomed_left = doomed_left - ?2
                 WHERE slice = ?1 AND doomed_left IS NOT NULL RETURNING doomed_left",
            )?
            .query_row(rusqlite::params![slice, n], |r| r.get(0))
            .optional()?;
        if left.is_some_and(|left| left <= 0) {
            drop_slice(c, *slice)?;
        }
    }
    Ok(())
}

/// With nothing due any more: every doomed slice's messages are gone (a
/// message deleted meanwhile left its mark counting one too many).
pub fn drop_all(c: &Connection) -> StoreResult<()> {
    let doomed = c
        .prepare_cached("SELECT slice FROM search_slices WHERE doomed_left IS NOT NULL")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    for slice in doomed {
        drop_slice(c, slice)?;
    }
    Ok(())
}

/// Drops a doomed slice: its table leaves the search (renamed, for
/// `purge` to empty bit by bit), and whatever live message was indexed in
/// it after it was marked is indexed again, in a new table.
fn drop_slice(c: &Connection, slice: i64) -> StoreResult<()> {
    let written: bool = c
        .prepare_cached(
            "DELETE FROM search_slices WHERE slice = ?1 RETURNING written_since_doomed",
        )?
        .query_row([slice], |r| r.get(0))?;
    let gone = format!("{GONE}{slice}_{}", Timestamp::now().millis());
    c.execute_batch(&format!("ALTER TABLE {} RENAME TO {gone};", table(slice)))?;
    if written {
        let through = super::search_queue::indexed_through(c)?;
        let live = c
            .prepare_cached(
                "SELECT id, body FROM messages
                 WHERE id >= ?1 AND id < ?2 AND id <= ?3 AND deleted_at IS NULL",
            )?
            .query_map(
                rusqlite::params![first_id(slice), first_id(slice + 1), through],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?
            .collect::<rusqlite::Result<Vec<(i64, String)>>>()?;
        super::search_slices::index(c, &live)?;
    }
    Ok(())
}

/// What a dropped slice's table is renamed to, before its slice and a time.
const GONE: &str = "gone_search_";

/// Empties dropped slices' tables a few rows a statement until `deadline`
/// (one statement at least), then drops each emptied table; returns
/// whether any is left. Dropping a full slice's table at once zeroes its
/// ten megabytes (`secure_delete`) in one write: 20 ms on the writer, and
/// a flush as long, which every send queued behind it waited for.
pub fn purge(c: &Connection, deadline: Instant) -> StoreResult<bool> {
    let tables = c
        .prepare_cached(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name GLOB 'gone_search_*'
             AND sql LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    for gone in &tables {
        if Instant::now() >= deadline && gone != &tables[0] {
            return Ok(true);
        }
        while empty_a_step(c, gone)? > 0 {
            if Instant::now() >= deadline {
                return Ok(true);
            }
        }
        c.execute_batch(&format!("DROP TABLE {gone};"))?;
    }
    Ok(false)
}

/// Deletes a step of a dropped slice's rows; returns how many. The index's
/// pages first (the words), then its term index and row sizes; rows 1 and
/// 10 (FTS5's averages and structure) stay for the table to be dropped.
fn empty_a_step(c: &Connection, gone: &str) -> StoreResult<usize> {
    Ok(c.execute(
        &format!(
            "DELETE FROM {gone}_data WHERE id IN
                 (SELECT id FROM {gone}_data WHERE id > 10 LIMIT 32)"
        ),
        [],
    )? + c.execute(
        &format!(
            "DELETE FROM {gone}_idx WHERE (segid, term) IN
                 (SELECT segid, term FROM {gone}_idx LIMIT 2000)"
        ),
        [],
    )? + c.execute(
        &format!(
            "DELETE FROM {gone}_docsize WHERE id IN
                 (SELECT id FROM {gone}_docsize LIMIT 4000)"
        ),
        [],
    )?)
}
