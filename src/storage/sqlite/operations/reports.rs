//! Members' reports of messages in SQLite: filed against a live message,
//! listed for admins with the message as it is now, closed with their
//! audit record in one transaction.

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::domain::{Report, ReportState, RoomId, Seq, Timestamp, UserId};
use crate::storage::sqlite::moderation;
use crate::storage::{AuditEntry, NewReport, ReportFiled, StoreError, StoreResult};

pub fn file(c: &Connection, new: &NewReport, now: Timestamp) -> StoreResult<ReportFiled> {
    let message: Option<i64> = c
        .prepare_cached(
            "SELECT id FROM messages WHERE room_id = ?1 AND seq = ?2 AND deleted_at IS NULL",
        )?
        .query_row(params![new.room.0, new.seq.0], |r| r.get(0))
        .optional()?;
    let Some(message) = message else {
        return Err(StoreError::NotFound);
    };
    let open: Option<i64> = c
        .prepare_cached(
            "SELECT id FROM message_reports
             WHERE message_id = ?1 AND reporter_id = ?2 AND state = 'open'",
        )?
        .query_row(params![message, new.reporter.0], |r| r.get(0))
        .optional()?;
    if let Some(id) = open {
        return Ok(ReportFiled::AlreadyOpen(id));
    }
    let mine: u32 = c
        .prepare_cached(
            "SELECT count(*) FROM message_reports WHERE reporter_id = ?1 AND state = 'open'",
        )?
        .query_row([new.reporter.0], |r| r.get(0))?;
    if mine >= new.max_open {
        return Ok(ReportFiled::TooMany);
    }
    let id = c
        .prepare_cached(
            "INSERT INTO message_reports (message_id, room_id, seq, reporter_id, reason, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
        )?
        .query_row(
            params![
                message,
                new.room.0,
                new.seq.0,
                new.reporter.0,
                new.reason,
                now.millis()
            ],
            |r| r.get(0),
        )?;
    Ok(ReportFiled::Filed(id))
}

const SELECT: &str = "SELECT r.id, r.room_id, ro.name, r.seq, au.username, m.body,
        m.deleted_at IS NOT NULL, rep.username, r.reason, r.created_at, r.state,
        cb.username, r.closed_at
    FROM message_reports r
    JOIN messages m ON m.id = r.message_id
    JOIN rooms ro ON ro.id = r.room_id
    JOIN users au ON au.id = m.author_id
    JOIN users rep ON rep.id = r.reporter_id
    LEFT JOIN users cb ON cb.id = r.closed_by";

fn report_row(r: &Row<'_>) -> rusqlite::Result<Report> {
    Ok(Report {
        id: r.get(0)?,
        room_id: RoomId(r.get(1)?),
        room_name: r.get(2)?,
        seq: Seq(r.get(3)?),
        author: r.get(4)?,
        body: r.get(5)?,
        message_deleted: r.get(6)?,
        reporter: r.get(7)?,
        reason: r.get(8)?,
        created_at: Timestamp(r.get(9)?),
        state: ReportState::from_db(&r.get::<_, String>(10)?),
        closed_by: r.get(11)?,
        closed_at: r.get::<_, Option<i64>>(12)?.map(Timestamp),
    })
}

pub fn list(c: &Connection, state: ReportState, limit: u32) -> StoreResult<Vec<Report>> {
    let sql = format!("{SELECT} WHERE r.state = ?1 ORDER BY r.id DESC LIMIT ?2");
    let rows = c
        .prepare_cached(&sql)?
        .query_map(params![state.as_str(), limit], report_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn close(
    c: &Connection,
    id: i64,
    outcome: ReportState,
    by: UserId,
    entry: &AuditEntry,
    now: Timestamp,
) -> StoreResult<Report> {
    let closed = c
        .prepare_cached(
            "UPDATE message_reports SET state = ?2, closed_by = ?3, closed_at = ?4
             WHERE id = ?1 AND state = 'open'",
        )?
        .execute(params![id, outcome.as_str(), by.0, now.millis()])?;
    if closed == 0 {
        return Err(StoreError::NotFound);
    }
    moderation::record_audit(c, entry, now)?;
    let sql = format!("{SELECT} WHERE r.id = ?1");
    Ok(c.prepare_cached(&sql)?.query_row([id], report_row)?)
}
