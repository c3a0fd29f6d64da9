//! Outgoing webhooks on PostgreSQL (as `storage/sqlite/outhooks.rs`): the
//! hooks, their cursors per room and the newest few delivery attempts of
//! each.

use async_trait::async_trait;
use postgres::{GenericClient, Row};

use super::PgStore;
use crate::domain::{DeliveryAttempt, OutHookInfo, RoomId, Seq, Timestamp, UserId};
use crate::storage::{
    DeliveryProgress, LoggedEvent, NewOutHook, OutHook, OutHooks, StoreError, StoreResult,
};

const SELECT: &str = "SELECT h.id, h.room_id, h.name, h.url, b.id, b.username, m.username, m.id,
            h.created_at, h.paused_at, h.pause_reason, h.secret, h.batch
     FROM out_hooks h JOIN users b ON b.id = h.bot_id JOIN users m ON m.id = h.made_by";

#[async_trait]
impl OutHooks for PgStore {
    async fn create_out_hook(&self, hook: NewOutHook, max: u32) -> StoreResult<OutHook> {
        self.writer.write(move |tx, _| create(tx, &hook, max)).await
    }

    async fn out_hooks_of_bot(&self, bot: UserId) -> StoreResult<Vec<OutHook>> {
        self.readers
            .read(move |c| {
                c.query(
                    &format!("{SELECT} WHERE h.bot_id = $1 AND h.room_id IS NULL ORDER BY h.id"),
                    &[&bot.0],
                )?
                .iter()
                .map(row)
                .collect()
            })
            .await
    }

    async fn out_hooks_of_room(&self, room: RoomId) -> StoreResult<Vec<OutHook>> {
        self.readers
            .read(move |c| {
                c.query(
                    &format!("{SELECT} WHERE h.room_id = $1 ORDER BY h.id"),
                    &[&room.0],
                )?
                .iter()
                .map(row)
                .collect()
            })
            .await
    }

    async fn out_hook(&self, id: i64) -> StoreResult<Option<OutHook>> {
        self.readers.read(move |c| one(c, id)).await
    }

    async fn active_out_hooks(&self) -> StoreResult<Vec<OutHook>> {
        self.readers
            .read(move |c| {
                c.query(
                    &format!("{SELECT} WHERE h.paused_at IS NULL ORDER BY h.id"),
                    &[],
                )?
                .iter()
                .map(row)
                .collect()
            })
            .await
    }

    async fn claim_out_hooks(&self, node: &str, lease_ms: u32) -> StoreResult<Vec<i64>> {
        let node = node.to_owned();
        self.writer
            .write(move |tx, _| {
                // The database's clock for both ends of a lease: the nodes'
                // clocks may disagree. Two nodes claiming at once take the
                // row lock in turn; the second sees the first's lease.
                let mut ids: Vec<i64> = tx
                    .query(
                        "WITH now AS (
                             SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS ms)
                         UPDATE out_hooks SET owner_node = $1, lease_until = now.ms + $2
                         FROM now
                         WHERE paused_at IS NULL
                           AND (owner_node = $1 OR lease_until IS NULL OR lease_until < now.ms)
                         RETURNING id",
                        &[&node, &i64::from(lease_ms)],
                    )?
                    .iter()
                    .map(|r| r.try_get(0))
                    .collect::<Result<_, _>>()?;
                ids.sort_unstable();
                Ok(ids)
            })
            .await
    }

    async fn delete_out_hook(&self, id: i64) -> StoreResult<bool> {
        self.writer
            .write(move |tx, _| Ok(tx.execute("DELETE FROM out_hooks WHERE id = $1", &[&id])? > 0))
            .await
    }

    async fn set_out_hook_paused(
        &self,
        id: i64,
        paused: Option<(Timestamp, String)>,
    ) -> StoreResult<bool> {
        self.writer
            .write(move |tx, _| {
                let (at, why) = match &paused {
                    Some((at, why)) => (Some(at.millis()), Some(why.as_str())),
                    None => (None, None),
                };
                Ok(tx.execute(
                    "UPDATE out_hooks SET paused_at = $2, pause_reason = $3 WHERE id = $1",
                    &[&id, &at, &why],
                )? > 0)
            })
            .await
    }

    async fn out_hook_cursors(&self, id: i64) -> StoreResult<Vec<(RoomId, Seq)>> {
        self.readers
            .read(move |c| {
                c.query(
                    "SELECT room_id, seq FROM out_hook_cursors WHERE hook_id = $1",
                    &[&id],
                )?
                .iter()
                .map(|r| Ok((RoomId(r.try_get(0)?), Seq(r.try_get(1)?))))
                .collect()
            })
            .await
    }

    async fn save_delivery_progress(
        &self,
        id: i64,
        progress: DeliveryProgress,
        keep: u32,
    ) -> StoreResult<()> {
        self.writer
            .write(move |tx, _| save_progress(tx, id, &progress, keep))
            .await
    }

    async fn logged_events_after(
        &self,
        room: RoomId,
        after: Seq,
        limit: u32,
    ) -> StoreResult<Vec<LoggedEvent>> {
        self.readers
            .read(move |c| super::history::logged_after(c, room, after, limit))
            .await
    }

    async fn delivery_log(&self, id: i64, limit: u32) -> StoreResult<Vec<DeliveryAttempt>> {
        self.readers
            .read(move |c| {
                c.query(
                    "SELECT at, room_id, seq, attempt, status, latency_ms, error
                     FROM out_hook_log WHERE hook_id = $1 ORDER BY id DESC LIMIT $2",
                    &[&id, &i64::from(limit)],
                )?
                .iter()
                .map(attempt_row)
                .collect()
            })
            .await
    }
}

fn create(c: &mut impl GenericClient, h: &NewOutHook, max: u32) -> StoreResult<OutHook> {
    let Some(room) = h.room else {
        return create_for_bot(c, h, max);
    };
    // The room's row locked: hooks made at once on several nodes count in
    // turn, and the seq read is the newest committed one, so the first event
    // delivered is the first one committed after the hook.
    let last_seq: i64 = c
        .query_opt(
            "SELECT last_seq FROM rooms WHERE id = $1 FOR UPDATE",
            &[&room.0],
        )?
        .ok_or(StoreError::NotFound)?
        .try_get(0)?;
    let count: i64 = c
        .query_one(
            "SELECT count(*) FROM out_hooks WHERE room_id = $1",
            &[&room.0],
        )?
        .try_get(0)?;
    if count >= i64::from(max) {
        return Err(StoreError::Conflict);
    }
    let id = insert(c, h)?;
    c.execute(
        "INSERT INTO out_hook_cursors (hook_id, room_id, seq) VALUES ($1, $2, $3)",
        &[&id, &room.0, &last_seq],
    )?;
    one(c, id)?.ok_or(StoreError::NotFound)
}

/// A bot's hook: a cursor at the newest seq of each room its bot is in
/// (rooms it joins later start at the join); the bot's row locked so hooks
/// made at once count in turn.
fn create_for_bot(c: &mut impl GenericClient, h: &NewOutHook, max: u32) -> StoreResult<OutHook> {
    c.query_opt("SELECT id FROM users WHERE id = $1 FOR UPDATE", &[&h.bot.0])?
        .ok_or(StoreError::NotFound)?;
    let count: i64 = c
        .query_one(
            "SELECT count(*) FROM out_hooks WHERE bot_id = $1 AND room_id IS NULL",
            &[&h.bot.0],
        )?
        .try_get(0)?;
    if count >= i64::from(max) {
        return Err(StoreError::Conflict);
    }
    let id = insert(c, h)?;
    c.execute(
        "INSERT INTO out_hook_cursors (hook_id, room_id, seq)
         SELECT $1, r.id, r.last_seq
         FROM memberships m JOIN rooms r ON r.id = m.room_id WHERE m.user_id = $2",
        &[&id, &h.bot.0],
    )?;
    one(c, id)?.ok_or(StoreError::NotFound)
}

fn insert(c: &mut impl GenericClient, h: &NewOutHook) -> StoreResult<i64> {
    Ok(c.query_one(
        "INSERT INTO out_hooks (room_id, bot_id, made_by, name, url, secret, created_at, batch)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        &[
            &h.room.map(|r| r.0),
            &h.bot.0,
            &h.made_by.0,
            &h.name,
            &h.url,
            &h.secret,
            &h.now.millis(),
            &h.batch,
        ],
    )?
    .try_get(0)?)
}

fn one(c: &mut impl GenericClient, id: i64) -> StoreResult<Option<OutHook>> {
    c.query_opt(&format!("{SELECT} WHERE h.id = $1"), &[&id])?
        .map(|r| row(&r))
        .transpose()
}

fn save_progress(
    c: &mut impl GenericClient,
    id: i64,
    progress: &DeliveryProgress,
    keep: u32,
) -> StoreResult<()> {
    // A hook deleted meanwhile has nothing to keep (and no row to refer to);
    // the row locked so a delete on another node waits for this write.
    if c.query_opt("SELECT 1 FROM out_hooks WHERE id = $1 FOR UPDATE", &[&id])?
        .is_none()
    {
        return Ok(());
    }
    for (room, seq) in &progress.cursors {
        c.execute(
            "INSERT INTO out_hook_cursors (hook_id, room_id, seq) VALUES ($1, $2, $3)
             ON CONFLICT (hook_id, room_id)
             DO UPDATE SET seq = greatest(out_hook_cursors.seq, excluded.seq)",
            &[&id, &room.0, &seq.0],
        )?;
    }
    for a in &progress.attempts {
        c.execute(
            "INSERT INTO out_hook_log
               (hook_id, at, room_id, seq, attempt, status, latency_ms, error)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &id,
                &a.at.millis(),
                &a.room_id.0,
                &a.seq.0,
                &to_int(a.attempt),
                &a.status.map(i32::from),
                &to_int(a.latency_ms),
                &a.error,
            ],
        )?;
    }
    if !progress.attempts.is_empty() {
        c.execute(
            "DELETE FROM out_hook_log WHERE hook_id = $1 AND id <= (
                 SELECT id FROM out_hook_log WHERE hook_id = $1
                 ORDER BY id DESC LIMIT 1 OFFSET $2)",
            &[&id, &i64::from(keep)],
        )?;
    }
    Ok(())
}

/// A count or a duration as an `INTEGER` column (saturating: these are
/// attempt numbers and milliseconds, far below the limit).
fn to_int(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn from_int(n: i32) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

fn attempt_row(r: &Row) -> StoreResult<DeliveryAttempt> {
    Ok(DeliveryAttempt {
        at: Timestamp(r.try_get(0)?),
        room_id: RoomId(r.try_get(1)?),
        seq: Seq(r.try_get(2)?),
        attempt: from_int(r.try_get(3)?),
        status: r
            .try_get::<_, Option<i32>>(4)?
            .map(|s| u16::try_from(s).unwrap_or(0)),
        latency_ms: from_int(r.try_get(5)?),
        error: r.try_get(6)?,
    })
}

fn row(r: &Row) -> StoreResult<OutHook> {
    Ok(OutHook {
        info: OutHookInfo {
            id: r.try_get(0)?,
            room_id: r.try_get::<_, Option<i64>>(1)?.map(RoomId),
            name: r.try_get(2)?,
            url: r.try_get(3)?,
            bot_id: UserId(r.try_get(4)?),
            bot: r.try_get(5)?,
            made_by: r.try_get(6)?,
            made_by_id: UserId(r.try_get(7)?),
            created_at: Timestamp(r.try_get(8)?),
            paused_at: r.try_get::<_, Option<i64>>(9)?.map(Timestamp),
            pause_reason: r.try_get(10)?,
            batch: r.try_get(12)?,
        },
        secret: r.try_get(11)?,
    })
}
