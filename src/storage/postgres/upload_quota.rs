//! The upload quota's check and reservation as one step, on every node.
//!
//! As in SQLite, an upload first reserves its bytes: what the user keeps
//! plus what their other uploads in flight reserved must leave room for
//! it, and the reservation is given back in the transaction that records
//! the upload. SQLite's single writer makes check-then-reserve atomic and
//! keeps reservations in a TEMP table; here writers on several nodes run at
//! once, so reservations live in `upload_reservations` (all nodes see
//! them) and a per-user advisory lock, held to the end of the writing
//! transaction, makes one node's check and reservation wait for another's
//! to commit. The sums are read in one statement, so an upload recorded
//! meanwhile is counted once (as its reservation or as its row).
//!
//! A node that dies leaves its reservations behind; one older than any
//! upload takes no longer counts, and is deleted the next time its user
//! uploads.

use postgres::GenericClient;

use crate::domain::{Timestamp, UserId};
use crate::storage::{StoreResult, UploadReservation};

/// Longer than any upload takes (25 MiB at the slowest useful speed).
const RESERVATION_LIFETIME_MS: i64 = 3600 * 1000;

/// The advisory lock keys of users' quotas: "uq" in the top bytes, the
/// user id below (ids never reach 2^48; beyond, two users would merely
/// share a lock).
const QUOTA_LOCK: i64 = 0x7571 << 48;

/// Reserves `wanted` bytes, or what is left when `wanted` is `None` (an
/// upload of unknown size); `Err` carries what is left when it does not fit.
pub(crate) fn reserve(
    c: &mut impl GenericClient,
    user: UserId,
    wanted: Option<u64>,
    most: u64,
    quota: u64,
    now: Timestamp,
) -> StoreResult<Result<UploadReservation, u64>> {
    let lock = QUOTA_LOCK | (user.0 & ((1 << 48) - 1));
    c.execute("SELECT pg_advisory_xact_lock($1)", &[&lock])?;
    let stale = now.millis() - RESERVATION_LIFETIME_MS;
    c.execute(
        "DELETE FROM upload_reservations WHERE user_id = $1 AND made_at < $2",
        &[&user.0, &stale],
    )?;
    let taken: i64 = c
        .query_one(
            "SELECT ((SELECT coalesce(sum(size), 0) FROM uploads WHERE uploader_id = $1)
                   + (SELECT coalesce(sum(bytes), 0) FROM upload_reservations WHERE user_id = $1)
                   )::bigint",
            &[&user.0],
        )?
        .try_get(0)?;
    let left = quota.saturating_sub(u64::try_from(taken).unwrap_or(0));
    let bytes = match wanted {
        Some(n) if n <= left => n,
        None if left > 0 => left.min(most),
        _ => return Ok(Err(left)),
    };
    let id: i64 = c
        .query_one(
            "INSERT INTO upload_reservations (user_id, bytes, made_at) VALUES ($1, $2, $3)
             RETURNING id",
            &[
                &user.0,
                &i64::try_from(bytes).unwrap_or(i64::MAX),
                &now.millis(),
            ],
        )?
        .try_get(0)?;
    Ok(Ok(UploadReservation { id, bytes }))
}

/// Gives a reservation back (its upload was recorded, refused or broke off).
pub(crate) fn release(c: &mut impl GenericClient, id: i64) -> StoreResult<()> {
    c.execute("DELETE FROM upload_reservations WHERE id = $1", &[&id])?;
    Ok(())
}
