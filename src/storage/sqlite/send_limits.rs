//! Send limits on SQLite, decided in the send's own transaction as on
//! PostgreSQL (`SendLimits`): one node and one writer, so reading the
//! member's last send and writing the new one cannot interleave with
//! another send. A room not in slow mode (nearly all sends) runs nothing
//! here.

use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension};

use crate::domain::Timestamp;
use crate::storage::{NewMessage, StoreError, StoreResult};

/// Refuses the send (`StoreError::Limited`) when a limit says no; writes
/// the member's new slow-mode time when it passes. Runs before the send
/// writes anything, so a refusal leaves the transaction as it found it.
pub fn check(c: &Connection, new: &NewMessage) -> StoreResult<()> {
    let Some(interval) = new.limits.slow_mode else {
        return Ok(());
    };
    let interval_ms = i64::try_from(interval.as_millis()).unwrap_or(i64::MAX);
    let now = Timestamp::now().millis();
    let last: Option<i64> = c
        .prepare_cached(
            "SELECT last_sent_at FROM room_slow_mode_last WHERE room_id = ?1 AND user_id = ?2",
        )?
        .query_row(params![new.room.0, new.author.0], |r| r.get(0))
        .optional()?;
    if let Some(last) = last {
        let wait_ms = last.saturating_add(interval_ms).saturating_sub(now);
        if wait_ms > 0 {
            return Err(StoreError::Limited {
                limit: "slow_mode",
                retry_after: Duration::from_millis(u64::try_from(wait_ms).unwrap_or(0)),
            });
        }
    }
    c.prepare_cached(
        "INSERT INTO room_slow_mode_last (room_id, user_id, last_sent_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (room_id, user_id) DO UPDATE SET last_sent_at = excluded.last_sent_at",
    )?
    .execute(params![new.room.0, new.author.0, now])?;
    Ok(())
}
