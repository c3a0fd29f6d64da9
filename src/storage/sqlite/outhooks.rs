//! Outgoing webhooks in SQLite: the hooks, their cursors per room and the
//! newest few delivery attempts of each.

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::SqliteStore;
use crate::domain::{DeliveryAttempt, OutHookInfo, RoomId, Seq, Timestamp, UserId};
use crate::storage::{
    DeliveryProgress, LoggedEvent, NewOutHook, OutHook, OutHooks, StoreError, StoreResult,
};

const SELECT: &str = "SELECT h.id, h.room_id, h.name, h.url, b.id, b.username, m.username, m.id,
            h.created_at, h.paused_at, h.pause_reason, h.secret, h.batch
     FROM out_hooks h JOIN users b ON b.id = h.bot_id JOIN users m ON m.id = h.made_by";

#[async_trait]
impl OutHooks for SqliteStore {
    async fn create_out_hook(&self, hook: NewOutHook, max: u32) -> StoreResult<OutHook> {
        self.writer.write(move |c, _| create(c, &hook, max)).await
    }

    async fn out_hooks_of_bot(&self, bot: UserId) -> StoreResult<Vec<OutHook>> {
        self.readers
            .read(move |c| {
                let mut stmt = c.prepare_cached(&format!(
                    "{SELECT} WHERE h.bot_id = ?1 AND h.room_id IS NULL ORDER BY h.id"
                ))?;
                let rows = stmt.query_map([bot.0], row)?;
                Ok(rows.collect::<Result<_, _>>()?)
            })
            .await
    }

    async fn out_hooks_of_room(&self, room: RoomId) -> StoreResult<Vec<OutHook>> {
        self.readers
            .read(move |c| {
                let mut stmt =
                    c.prepare_cached(&format!("{SELECT} WHERE h.room_id = ?1 ORDER BY h.id"))?;
                let rows = stmt.query_map([room.0], row)?;
                Ok(rows.collect::<Result<_, _>>()?)
            })
            .await
    }

    async fn out_hook(&self, id: i64) -> StoreResult<Option<OutHook>> {
        self.readers.read(move |c| one(c, id)).await
    }

    async fn active_out_hooks(&self) -> StoreResult<Vec<OutHook>> {
        self.readers
            .read(move |c| {
                let mut stmt =
                    c.prepare_cached(&format!("{SELECT} WHERE h.paused_at IS NULL ORDER BY h.id"))?;
                let rows = stmt.query_map([], row)?;
                Ok(rows.collect::<Result<_, _>>()?)
            })
            .await
    }

    async fn claim_out_hooks(&self, _node: &str, _lease_ms: u32) -> StoreResult<Vec<i64>> {
        self.readers
            .read(move |c| {
                let mut stmt = c.prepare_cached(
                    "SELECT id FROM out_hooks WHERE paused_at IS NULL ORDER BY id",
                )?;
                let rows = stmt.query_map([], |r| r.get(0))?;
                Ok(rows.collect::<Result<_, _>>()?)
            })
            .await
    }

    async fn delete_out_hook(&self, id: i64) -> StoreResult<bool> {
        self.writer
            .write(move |c, _| {
                Ok(c.prepare_cached("DELETE FROM out_hooks WHERE id = ?1")?
                    .execute([id])?
                    > 0)
            })
            .await
    }

    async fn set_out_hook_paused(
        &self,
        id: i64,
        paused: Option<(Timestamp, String)>,
    ) -> StoreResult<bool> {
        self.writer
            .write(move |c, _| {
                let (at, why) = match &paused {
                    Some((at, why)) => (Some(at.millis()), Some(why.as_str())),
                    None => (None, None),
                };
                Ok(c.prepare_cached(
                    "UPDATE out_hooks SET paused_at = ?2, pause_reason = ?3 WHERE id = ?1",
                )?
                .execute(params![id, at, why])?
                    > 0)
            })
            .await
    }

    async fn out_hook_cursors(&self, id: i64) -> StoreResult<Vec<(RoomId, Seq)>> {
        self.readers
            .read(move |c| {
                let mut stmt = c.prepare_cached(
                    "SELECT room_id, seq FROM out_hook_cursors WHERE hook_id = ?1",
                )?;
                let rows = stmt.query_map([id], |r| Ok((RoomId(r.get(0)?), Seq(r.get(1)?))))?;
                Ok(rows.collect::<Result<_, _>>()?)
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
            .write(move |c, _| save_progress(c, id, &progress, keep))
            .await
    }

    async fn logged_events_after(
        &self,
        room: RoomId,
        after: Seq,
        limit: u32,
    ) -> StoreResult<Vec<LoggedEvent>> {
        self.readers
            .read_quick(move |c| super::history::logged_after(c, room, after, limit))
            .await
    }

    async fn delivery_log(&self, id: i64, limit: u32) -> StoreResult<Vec<DeliveryAttempt>> {
        self.readers
            .read(move |c| {
                let mut stmt = c.prepare_cached(
                    "SELECT at, room_id, seq, attempt, status, latency_ms, error
                     FROM out_hook_log WHERE hook_id = ?1 ORDER BY id DESC LIMIT ?2",
                )?;
                let rows = stmt.query_map(params![id, limit], |r| {
                    Ok(DeliveryAttempt {
                        at: Timestamp(r.get(0)?),
                        room_id: RoomId(r.get(1)?),
                        seq: Seq(r.get(2)?),
                        attempt: r.get(3)?,
                        status: r.get(4)?,
                        latency_ms: r.get(5)?,
                        error: r.get(6)?,
                    })
                })?;
                Ok(rows.collect::<Result<_, _>>()?)
            })
            .await
    }
}

fn create(c: &Connection, h: &NewOutHook, max: u32) -> StoreResult<OutHook> {
    let count: i64 = match h.room {
        Some(room) => c
            .prepare_cached("SELECT count(*) FROM out_hooks WHERE room_id = ?1")?
            .query_row([room.0], |r| r.get(0))?,
        None => c
            .prepare_cached("SELECT count(*) FROM out_hooks WHERE bot_id = ?1 AND room_id IS NULL")?
            .query_row([h.bot.0], |r| r.get(0))?,
    };
    if count >= i64::from(max) {
        return Err(StoreError::Conflict);
    }
    let id: i64 = c
        .prepare_cached(
            "INSERT INTO out_hooks (room_id, bot_id, made_by, name, url, secret, created_at, batch)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
        )?
        .query_row(
            params![
                h.room.map(|r| r.0),
                h.bot.0,
                h.made_by.0,
                h.name,
                h.url,
                h.secret,
                h.now.millis(),
                h.batch
            ],
            |r| r.get(0),
        )?;
    // In the same transaction as the room's newest seq is read: the first
    // event delivered is the first one committed after the hook. A bot's
    // hook starts so in each room its bot is in (rooms it joins later
    // start at the join).
    match h.room {
        Some(room) => c
            .prepare_cached(
                "INSERT INTO out_hook_cursors (hook_id, room_id, seq)
                 SELECT ?1, id, last_seq FROM rooms WHERE id = ?2",
            )?
            .execute(params![id, room.0])?,
        None => c
            .prepare_cached(
                "INSERT INTO out_hook_cursors (hook_id, room_id, seq)
                 SELECT ?1, r.id, r.last_seq
                 FROM memberships m JOIN rooms r ON r.id = m.room_id WHERE m.user_id = ?2",
            )?
            .execute(params![id, h.bot.0])?,
    };
    one(c, id)?.ok_or(StoreError::NotFound)
}

fn one(c: &Connection, id: i64) -> StoreResult<Option<OutHook>> {
    Ok(c.prepare_cached(&format!("{SELECT} WHERE h.id = ?1"))?
        .query_row([id], row)
        .optional()?)
}

fn save_progress(
    c: &Connection,
    id: i64,
    progress: &DeliveryProgress,
    keep: u32,
) -> StoreResult<()> {
    // A hook deleted meanwhile has nothing to keep (and no row to refer to).
    let exists = c
        .prepare_cached("SELECT 1 FROM out_hooks WHERE id = ?1")?
        .query_row([id], |_| Ok(()))
        .optional()?
        .is_some();
    if !exists {
        return Ok(());
    }
    let mut cursor = c.prepare_cached(
        "INSERT INTO out_hook_cursors (hook_id, room_id, seq) VALUES (?1, ?2, ?3)
         ON CONFLICT (hook_id, room_id) DO UPDATE SET seq = max(seq, excluded.seq)",
    )?;
    for (room, seq) in &progress.cursors {
        cursor.execute(params![id, room.0, seq.0])?;
    }
    let mut log = c.prepare_cached(
        "INSERT INTO out_hook_log (hook_id, at, room_id, seq, attempt, status, latency_ms, error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for a in &progress.attempts {
        log.execute(params![
            id,
            a.at.millis(),
            a.room_id.0,
            a.seq.0,
            a.attempt,
            a.status,
            a.latency_ms,
            a.error
        ])?;
    }
    if !progress.attempts.is_empty() {
        c.prepare_cached(
            "DELETE FROM out_hook_log WHERE hook_id = ?1 AND id <= (
                 SELECT id FROM out_hook_log WHERE hook_id = ?1
                 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
        )?
        .execute(params![id, keep])?;
    }
    Ok(())
}

fn row(r: &Row<'_>) -> rusqlite::Result<OutHook> {
    Ok(OutHook {
        info: OutHookInfo {
            id: r.get(0)?,
            room_id: r.get::<_, Option<i64>>(1)?.map(RoomId),
            name: r.get(2)?,
            url: r.get(3)?,
            bot_id: UserId(r.get(4)?),
            bot: r.get(5)?,
            made_by: r.get(6)?,
            made_by_id: UserId(r.get(7)?),
            created_at: Timestamp(r.get(8)?),
            paused_at: r.get::<_, Option<i64>>(9)?.map(Timestamp),
            pause_reason: r.get(10)?,
            batch: r.get(12)?,
        },
        secret: r.get(11)?,
    })
}
