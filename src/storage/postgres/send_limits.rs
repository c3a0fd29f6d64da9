//! Send limits on PostgreSQL, decided in the send's own transaction so that
//! they hold across every node writing to this database (`SendLimits`).
//!
//! Slow mode is one statement: an upsert of the member's last send in the
//! room that only moves the time forward when the interval has passed.
//! Two nodes sending for the same member at once both reach the row; the
//! second waits for the first (on the room's row, which every send takes
//! first), then sees its new time (READ COMMITTED re-checks the row it
//! waited for) and is refused. Times are
//! the database's clock, so the nodes' clocks need not agree. A room not
//! in slow mode (nearly all sends) runs nothing here.

use std::time::Duration;

use postgres::types::Type;
use postgres::GenericClient;

use crate::storage::{NewMessage, StoreError, StoreResult};

/// Refuses the send (`StoreError::Limited`) when a limit says no; writes
/// the member's new slow-mode time when it passes. Runs once the send holds
/// the room's row (`messages::post_message`), and writes nothing when it
/// refuses.
pub fn check(c: &mut impl GenericClient, new: &NewMessage) -> StoreResult<()> {
    let Some(interval) = new.limits.slow_mode else {
        return Ok(());
    };
    let interval_ms = i64::try_from(interval.as_millis()).unwrap_or(i64::MAX);
    // `prev` reads the row as this statement's snapshot found it, only to
    // say how long to wait; `taken` is what decides.
    let row = c.query_typed_one(
        "WITH now AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::int8 AS ms),
              prev AS (SELECT last_sent_at FROM room_slow_mode_last
                       WHERE room_id = $1 AND user_id = $2),
              taken AS (
                INSERT INTO room_slow_mode_last AS s (room_id, user_id, last_sent_at)
                SELECT $1, $2, ms FROM now
                ON CONFLICT (room_id, user_id) DO UPDATE SET last_sent_at = EXCLUDED.last_sent_at
                WHERE s.last_sent_at <= EXCLUDED.last_sent_at - $3
                RETURNING 1)
         SELECT EXISTS (SELECT 1 FROM taken),
                (SELECT last_sent_at + $3 - (SELECT ms FROM now) FROM prev)",
        &[
            (&new.room.0, Type::INT8),
            (&new.author.0, Type::INT8),
            (&interval_ms, Type::INT8),
        ],
    )?;
    if row.get::<_, bool>(0) {
        return Ok(());
    }
    // No wait left in what this snapshot saw: another node's send, just
    // committed, took the slot; the whole interval is ahead.
    let wait_ms = row
        .get::<_, Option<i64>>(1)
        .filter(|ms| *ms > 0)
        .unwrap_or(interval_ms);
    Err(StoreError::Limited {
        limit: "slow_mode",
        retry_after: Duration::from_millis(u64::try_from(wait_ms).unwrap_or(0)),
    })
}
