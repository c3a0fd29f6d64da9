//! The upload quota's check and reservation as one step of the writer.
//!
//! Checking the quota with a read and recording the upload after its bytes
//! arrived let two concurrent uploads both pass the check. Now an upload
//! first reserves its bytes in the writer (which runs one job at a time):
//! what the user keeps plus what their other uploads in flight reserved
//! must leave room for it. The reservation is given back in the
//! transaction that records the upload, so the bytes are never counted
//! twice or not at all. Reservations live in a TEMP table of the writer's
//! connection: uploads in flight end with the process, and so do they.

use rusqlite::{params, Connection};

use super::files::upload_bytes_of;
use crate::domain::UserId;
use crate::storage::{StoreResult, UploadReservation};

fn ensure_table(c: &Connection) -> StoreResult<()> {
    c.prepare_cached(
        "CREATE TEMP TABLE IF NOT EXISTS upload_reservations (
             id      INTEGER PRIMARY KEY,
             user_id INTEGER NOT NULL,
             bytes   INTEGER NOT NULL
         )",
    )?
    .execute([])?;
    Ok(())
}

/// Reserves `wanted` bytes, or what is left when `wanted` is `None` (an
/// upload of unknown size); `Err` carries what is left when it does not fit.
pub fn reserve(
    c: &Connection,
    user: UserId,
    wanted: Option<u64>,
    most: u64,
    quota: u64,
) -> StoreResult<Result<UploadReservation, u64>> {
    ensure_table(c)?;
    let reserved: i64 = c
        .prepare_cached(
            "SELECT coalesce(sum(bytes), 0) FROM temp.upload_reservations WHERE user_id = ?1",
        )?
        .query_row([user.0], |r| r.get(0))?;
    let taken = upload_bytes_of(c, user)?.saturating_add(u64::try_from(reserved).unwrap_or(0));
    let left = quota.saturating_sub(taken);
    let bytes = match wanted {
        Some(n) if n <= left => n,
        None if left > 0 => left.min(most),
        _ => return Ok(Err(left)),
    };
    c.prepare_cached("INSERT INTO temp.upload_reservations (user_id, bytes) VALUES (?1, ?2)")?
        .execute(params![user.0, i64::try_from(bytes).unwrap_or(i64::MAX)])?;
    Ok(Ok(UploadReservation {
        id: c.last_insert_rowid(),
        bytes,
    }))
}

/// Gives a reservation back (its upload was recorded, refused or broke off).
pub fn release(c: &Connection, id: i64) -> StoreResult<()> {
    ensure_table(c)?;
    c.prepare_cached("DELETE FROM temp.upload_reservations WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

impl super::SqliteStore {
    pub(super) async fn reserve_quota(
        &self,
        user: UserId,
        wanted: Option<u64>,
        most: u64,
        quota: u64,
    ) -> StoreResult<Result<UploadReservation, u64>> {
        self.writer
            .write(move |c, _| reserve(c, user, wanted, most, quota))
            .await
    }

    pub(super) async fn release_quota(&self, reservation: i64) -> StoreResult<()> {
        self.writer.write(move |c, _| release(c, reservation)).await
    }
}
