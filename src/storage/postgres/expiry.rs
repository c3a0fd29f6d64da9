//! Disappearing messages in PostgreSQL: the room's timer, each message's
//! expiry time, and the expiry itself — the text, search entry, files and
//! every logged edit of an expired message are overwritten in the
//! database, leaving a tombstone that keeps the room's seqs gap-free.

use postgres::GenericClient;

use crate::domain::{RoomId, Seq, Timestamp};
use crate::storage::{StoreError, StoreResult};

/// Takes the room's next seq and reads its timer in the same statement:
/// the send path pays nothing extra for disappearing messages.
pub(crate) fn next_seq_and_timer(
    c: &mut impl GenericClient,
    room: RoomId,
) -> StoreResult<(Seq, u32)> {
    let row = c
        .query_opt(
            "UPDATE rooms SET last_seq = last_seq + 1 WHERE id = $1
             RETURNING last_seq, disappear_after_secs",
            &[&room.0],
        )?
        .ok_or(StoreError::NotFound)?;
    let secs: i64 = row.try_get(1)?;
    // The column's CHECK keeps it within a year.
    Ok((Seq(row.try_get(0)?), u32::try_from(secs).unwrap_or(0)))
}

/// When a message posted at `now` under a timer of `secs` disappears.
pub(crate) fn expiry_of(now: Timestamp, secs: u32) -> Option<Timestamp> {
    (secs > 0).then(|| Timestamp(now.millis() + i64::from(secs) * 1000))
}
