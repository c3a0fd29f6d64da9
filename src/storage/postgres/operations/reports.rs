//! Members' reports of messages in PostgreSQL: filed against a live
//! message, listed for admins with the message as it is now, closed with
//! their audit record in one transaction.

use postgres::{GenericClient, Row};

use crate::domain::{Report, ReportState, RoomId, Seq, Timestamp, UserId};
use crate::storage::{AuditEntry, NewReport, ReportFiled, StoreError, StoreResult};

/// Files a report. The reporter's row is locked first: their open reports
/// are counted and the new one inserted while no other node files one of
/// theirs, so the bound holds across nodes (and the unique index keeps one
/// open report per message and reporter).
pub fn file(
    c: &mut impl GenericClient,
    new: &NewReport,
    now: Timestamp,
) -> StoreResult<ReportFiled> {
    let message = c
        .query_opt(
            "SELECT id FROM messages WHERE room_id = $1 AND seq = $2 AND deleted_at IS NULL",
            &[&new.room.0, &new.seq.0],
        )?
        .ok_or(StoreError::NotFound)?;
    let message: i64 = message.try_get(0)?;
    c.execute(
        "SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE",
        &[&new.reporter.0],
    )?;
    let open = c.query_opt(
        "SELECT id FROM message_reports
         WHERE message_id = $1 AND reporter_id = $2 AND state = 'open'",
        &[&message, &new.reporter.0],
    )?;
    if let Some(open) = open {
        return Ok(ReportFiled::AlreadyOpen(open.try_get(0)?));
    }
    let mine: i64 = c
        .query_one(
            "SELECT count(*) FROM message_reports WHERE reporter_id = $1 AND state = 'open'",
            &[&new.reporter.0],
        )?
        .try_get(0)?;
    if mine >= i64::from(new.max_open) {
        return Ok(ReportFiled::TooMany);
    }
    let id: i64 = c
        .query_one(
            "INSERT INTO message_reports (message_id, room_id, seq, reporter_id, reason, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            &[
                &message,
                &new.room.0,
                &new.seq.0,
                &new.reporter.0,
                &new.reason,
                &now.millis(),
            ],
        )?
        .try_get(0)?;
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

fn report_row(r: &Row) -> StoreResult<Report> {
    Ok(Report {
        id: r.try_get(0)?,
        room_id: RoomId(r.try_get(1)?),
        room_name: r.try_get(2)?,
        seq: Seq(r.try_get(3)?),
        author: r.try_get(4)?,
        body: r.try_get(5)?,
        message_deleted: r.try_get(6)?,
        reporter: r.try_get(7)?,
        reason: r.try_get(8)?,
        created_at: Timestamp(r.try_get(9)?),
        state: ReportState::from_db(r.try_get(10)?),
        closed_by: r.try_get(11)?,
        closed_at: r.try_get::<_, Option<i64>>(12)?.map(Timestamp),
    })
}

pub fn list(
    c: &mut impl GenericClient,
    state: ReportState,
    limit: u32,
) -> StoreResult<Vec<Report>> {
    c.query(
        &format!("{SELECT} WHERE r.state = $1 ORDER BY r.id DESC LIMIT $2"),
        &[&state.as_str(), &i64::from(limit)],
    )?
    .iter()
    .map(report_row)
    .collect()
}

pub fn close(
    c: &mut impl GenericClient,
    id: i64,
    outcome: ReportState,
    by: UserId,
    entry: &AuditEntry,
    now: Timestamp,
) -> StoreResult<Report> {
    let closed = c.execute(
        "UPDATE message_reports SET state = $2, closed_by = $3, closed_at = $4
         WHERE id = $1 AND state = 'open'",
        &[&id, &outcome.as_str(), &by.0, &now.millis()],
    )?;
    if closed == 0 {
        return Err(StoreError::NotFound);
    }
    record_audit(c, entry, now)?;
    let row = c
        .query_opt(&format!("{SELECT} WHERE r.id = $1"), &[&id])?
        .ok_or(StoreError::NotFound)?;
    report_row(&row)
}

/// The closing's line in the audit log, in the closing's transaction.
fn record_audit(c: &mut impl GenericClient, entry: &AuditEntry, now: Timestamp) -> StoreResult<()> {
    c.execute(
        "INSERT INTO audit_log (at, actor_id, action, target, room_id) VALUES ($1, $2, $3, $4, $5)",
        &[
            &now.millis(),
            &entry.actor.0,
            &entry.action,
            &entry.target,
            &entry.room.map(|r| r.0),
        ],
    )?;
    Ok(())
}
