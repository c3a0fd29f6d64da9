//! The search index in slices of `SLICE` messages by id, one FTS5 table
//! each (`message_search_<n>` holds ids `n * SLICE` to `(n + 1) * SLICE - 1`,
//! listed in `search_slices`).
//!
//! FTS5 merges a table's segments inside whichever write comes next, and a
//! merge copies each word's whole list of rows at once: in one table of a
//! million messages a common word's list spans hundreds of pages, and one
//! write in a few held the writer, and every send behind it, for 20-90 ms.
//! Sends' ack p99 was 27 ms with a million messages kept and 7.5 ms with a
//! hundred thousand (BENCHMARKS.md, issue 18). New messages always go into
//! the newest slice, and deletions and expiry of old ones into theirs, so
//! no merge handles a list longer than one slice's, however large the
//! history. A search reads the slices newest first until it has its page.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension};

use crate::search::schema::{SQLITE_INDEX, SQLITE_INDEX_MESSAGE, SQLITE_UNINDEX_MESSAGE};
use crate::storage::StoreResult;

/// Messages per slice: a slice of this size cost sends nothing measurable
/// (the ack p99 of a database of 100,000 messages was that of an empty
/// one), and a search of a million messages reads ten tables.
pub const SLICE: i64 = 100_000;

/// The slice that holds message `id`.
pub fn slice_of(id: i64) -> i64 {
    id.div_euclid(SLICE)
}

/// The name of a slice's table.
pub fn table(slice: i64) -> String {
    format!("message_search_{slice}")
}

/// A statement of `search::schema` (written for one table named
/// `message_search`) for a slice's table.
pub fn for_slice(sql: &str, slice: i64) -> String {
    sql.replace("message_search", &table(slice))
}

/// The slices there are, newest first.
pub fn slices_newest_first(c: &Connection) -> StoreResult<Vec<i64>> {
    Ok(
        c.prepare_cached("SELECT slice FROM search_slices ORDER BY slice DESC")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<i64>>>()?,
    )
}

/// The least id a slice can hold.
pub fn first_id(slice: i64) -> i64 {
    slice * SLICE
}

/// Makes the slice's table if it is not there yet. A deleted row leaves the
/// table's segment once half of the segment is deleted (version 22 of the
/// migrations says why). A doomed slice written to is made again when it
/// is dropped (`doomed_slices.rs`).
fn ensure(c: &Connection, slice: i64) -> StoreResult<()> {
    let doomed: Option<bool> = c
        .prepare_cached("SELECT doomed_left IS NOT NULL FROM search_slices WHERE slice = ?1")?
        .query_row([slice], |r| r.get(0))
        .optional()?;
    if doomed == Some(true) {
        c.prepare_cached("UPDATE search_slices SET written_since_doomed = 1 WHERE slice = ?1")?
            .execute([slice])?;
    }
    if doomed.is_none() {
        let t = table(slice);
        c.execute_batch(&format!(
            "{};
             INSERT INTO {t} ({t}, rank) VALUES ('deletemerge', 50);",
            for_slice(SQLITE_INDEX, slice).trim().trim_end_matches(';')
        ))?;
        c.prepare_cached("INSERT INTO search_slices (slice) VALUES (?1)")?
            .execute([slice])?;
    }
    Ok(())
}

/// Indexes messages (id, body), each in its slice.
pub fn index(c: &Connection, messages: &[(i64, String)]) -> StoreResult<()> {
    let mut slice = None;
    for (id, body) in messages {
        let s = slice_of(*id);
        if slice != Some(s) {
            ensure(c, s)?;
            slice = Some(s);
        }
        c.prepare_cached(&for_slice(SQLITE_INDEX_MESSAGE, s))?
            .execute(rusqlite::params![id, body])?;
    }
    Ok(())
}

/// Takes an indexed message out by the words `messages.body` holds now
/// (before it changes). A dropped slice held none of its live messages.
pub fn unindex(c: &Connection, id: i64) -> StoreResult<()> {
    let slice = slice_of(id);
    let there = c
        .prepare_cached("SELECT 1 FROM search_slices WHERE slice = ?1")?
        .exists([slice])?;
    if there {
        c.prepare_cached(&for_slice(SQLITE_UNINDEX_MESSAGE, slice))?
            .execute([id])?;
    }
    Ok(())
}

/// Takes indexed messages out by the words they were indexed with: one
/// statement per slice they are in (`erase.rs` says why one).
pub fn forget_words(c: &Connection, messages: &[(i64, String)]) -> StoreResult<()> {
    let mut by_slice: BTreeMap<i64, Vec<&(i64, String)>> = BTreeMap::new();
    for m in messages {
        by_slice.entry(slice_of(m.0)).or_default().push(m);
    }
    for (slice, words) in by_slice {
        let t = table(slice);
        c.prepare_cached(&format!(
            "INSERT INTO {t} ({t}, rowid, body)
             SELECT 'delete', j.value ->> 0, j.value ->> 1 FROM json_each(?1) AS j"
        ))?
        .execute([serde_json::to_string(&words).expect("ids and text always encode")])?;
    }
    Ok(())
}

/// Takes every indexed message of a room out, slice by slice.
pub fn forget_room(c: &Connection, room: i64, indexed_through: i64) -> StoreResult<()> {
    for slice in slices_newest_first(c)? {
        let t = table(slice);
        c.prepare_cached(&format!(
            "INSERT INTO {t} ({t}, rowid, body)
             SELECT 'delete', id, body FROM messages
             WHERE room_id = ?1 AND deleted_at IS NULL AND id >= ?2 AND id < ?3 AND id <= ?4"
        ))?
        .execute(rusqlite::params![
            room,
            first_id(slice),
            first_id(slice + 1),
            indexed_through
        ])?;
    }
    Ok(())
}
