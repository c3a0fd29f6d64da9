//! History on PostgreSQL: pages of a room's messages by seq, as stored
//! JSON or decoded, and the replay of a room's events after a cursor.

use postgres::types::Type;
use postgres::{Client, GenericClient, IsolationLevel, Row};

use super::pipeline::Pipeline;
use super::room_log::message_row;
use crate::domain::{Message, MessageJson, RoomChange, RoomEvent, RoomId, Seq, UserId};
use crate::storage::{HistoryPage, LoggedEvent, Replay, StoreError, StoreResult};

/// The replay's one statement: the room's newest seq (kind 0), its
/// messages created after `$2` (kind 1) and its later changes (kind 2), at
/// most `$3` of each. One statement reads one snapshot, so the newest seq
/// and the events agree without a transaction: seqs commit in order (the
/// room's row is locked from taking a seq to the commit), so a snapshot
/// that sees a seq sees every one before it.
const REPLAY: &str = "SELECT 0, r.last_seq, NULL::text FROM rooms r WHERE r.id = $1
     UNION ALL (SELECT 1, m.seq, m.json FROM messages m
                WHERE m.room_id = $1 AND m.seq > $2 ORDER BY m.seq LIMIT $3)
     UNION ALL (SELECT 2, e.seq, e.payload FROM room_events e
                WHERE e.room_id = $1 AND e.seq > $2 ORDER BY e.seq LIMIT $3)";

/// Creations from `messages` and later changes from `room_events`, merged
/// by seq, and the room's newest seq; `NotFound` for a room that does not
/// exist. One statement on the pipelined connections, prepared once per
/// connection: every client resuming on a node runs it, and a node's
/// failover brings thousands at once (a transaction of four statements on
/// the blocking pool took nine round trips, each parsed and planned anew).
pub async fn events_after(
    pipe: &Pipeline,
    room: RoomId,
    after: Seq,
    limit: u32,
) -> StoreResult<Replay> {
    let rows = pipe
        .query(
            REPLAY,
            &[Type::INT8, Type::INT8, Type::INT8],
            &[&room.0, &after.0, &i64::from(limit)],
        )
        .await?;
    replay_of(&rows, room, limit)
}

/// `REPLAY`'s rows as the replay.
fn replay_of(rows: &[Row], room: RoomId, limit: u32) -> StoreResult<Replay> {
    let mut last_seq = None;
    let mut events = Vec::with_capacity(rows.len().saturating_sub(1));
    for row in rows {
        let seq = Seq(row.try_get(1)?);
        match row.try_get::<_, i32>(0)? {
            0 => last_seq = Some(seq),
            1 => {
                let json: &str = row.try_get(2)?;
                let message: Message =
                    serde_json::from_str(json).map_err(|e| StoreError::Other(e.into()))?;
                events.push(RoomEvent {
                    room_id: room,
                    seq,
                    change: RoomChange::MessageCreated { message },
                });
            }
            _ => {
                let payload: &str = row.try_get(2)?;
                events.push(
                    RoomEvent::from_logged(payload).map_err(|e| StoreError::Other(e.into()))?,
                );
            }
        }
    }
    let last_seq = last_seq.ok_or(StoreError::NotFound)?;
    events.sort_by_key(|e| e.seq);
    events.truncate(limit as usize);
    Ok(Replay { events, last_seq })
}

/// The events of `events_after` as stored (`OutHooks::logged_events_after`).
pub fn logged_after(
    c: &mut Client,
    room: RoomId,
    after: Seq,
    limit: u32,
) -> StoreResult<Vec<LoggedEvent>> {
    if after >= room_last_seq(c, room)? {
        return Ok(Vec::new());
    }
    // One snapshot for both tables, as in `events_after`.
    let mut tx = c
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()?;
    let args: [&(dyn postgres::types::ToSql + Sync); 3] = [&room.0, &after.0, &i64::from(limit)];
    let created = tx
        .query(
            "SELECT seq, author_id, json FROM messages
             WHERE room_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            &args,
        )?
        .iter()
        .map(|r| {
            Ok(LoggedEvent::Created {
                seq: Seq(r.try_get(0)?),
                author: UserId(r.try_get(1)?),
                message: MessageJson::from_stored(r.try_get(2)?),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let changes = tx
        .query(
            "SELECT seq, payload FROM room_events
             WHERE room_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            &args,
        )?
        .iter()
        .map(|r| {
            Ok(LoggedEvent::Changed {
                seq: Seq(r.try_get(0)?),
                payload: r.try_get(1)?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    tx.commit()?;
    Ok(crate::storage::outhooks::merged(created, changes, limit))
}

/// The room's newest seq; `NotFound` for a room that does not exist.
fn room_last_seq(c: &mut impl GenericClient, room: RoomId) -> StoreResult<Seq> {
    let row = c
        .query_opt("SELECT last_seq FROM rooms WHERE id = $1", &[&room.0])?
        .ok_or(StoreError::NotFound)?;
    Ok(Seq(row.try_get(0)?))
}

/// The page queries over `messages m` (each row its stored JSON), in the
/// order of `page_of`'s arms; `$1` the room, `$2` the limit, `$3` the seq
/// or the offset.
macro_rules! page_queries {
    ($only:expr) => {
        [
            concat!(
                "SELECT m.json FROM messages m WHERE m.room_id = $1",
                $only,
                " ORDER BY m.seq DESC LIMIT $2"
            ),
            concat!(
                "SELECT m.json FROM messages m WHERE m.room_id = $1 AND m.seq < $3",
                $only,
                " ORDER BY m.seq DESC LIMIT $2"
            ),
            concat!(
                "SELECT m.json FROM messages m WHERE m.room_id = $1 AND m.seq > $3",
                $only,
                " ORDER BY m.seq ASC LIMIT $2"
            ),
            concat!(
                "SELECT m.json FROM messages m WHERE m.room_id = $1",
                $only,
                " ORDER BY m.seq ASC LIMIT $2 OFFSET $3"
            ),
        ]
    };
}

const MESSAGE_PAGES: [&str; 4] = page_queries!("");
/// The room's timeline leaves out replies kept in their thread.
const TIMELINE_PAGES: [&str; 4] = page_queries!(" AND (m.thread_root IS NULL OR m.also_in_room)");

/// Which of `queries` a page runs, its limit and third parameter (none
/// for the newest page), and whether its rows come newest first.
fn page_plan(
    queries: &[&'static str; 4],
    page: HistoryPage,
) -> (&'static str, i64, Option<i64>, bool) {
    let (sql, limit, third, newest_first) = match page {
        HistoryPage::Newest { limit } => (queries[0], limit, None, true),
        HistoryPage::Before { seq, limit } => (queries[1], limit, Some(seq.0), true),
        HistoryPage::After { seq, limit } => (queries[2], limit, Some(seq.0), false),
        HistoryPage::FromPosition { offset, limit } => (
            queries[3],
            limit,
            Some(i64::try_from(offset).unwrap_or(i64::MAX)),
            false,
        ),
    };
    (sql, i64::from(limit), third, newest_first)
}

/// One page of a room's messages, oldest first.
fn page_of(
    c: &mut impl GenericClient,
    queries: &[&'static str; 4],
    room: RoomId,
    page: HistoryPage,
) -> StoreResult<Vec<Row>> {
    let (sql, limit, third, newest_first) = page_plan(queries, page);
    // Typed: one round trip per page (an untyped query prepares first).
    let mut rows = match third {
        Some(third) => c.query_typed(
            sql,
            &[
                (&room.0, Type::INT8),
                (&limit, Type::INT8),
                (&third, Type::INT8),
            ],
        )?,
        None => c.query_typed(sql, &[(&room.0, Type::INT8), (&limit, Type::INT8)])?,
    };
    // Pages read backwards from the newest come out oldest first, like the rest.
    if newest_first {
        rows.reverse();
    }
    Ok(rows)
}

pub fn messages(
    c: &mut impl GenericClient,
    room: RoomId,
    page: HistoryPage,
) -> StoreResult<Vec<Message>> {
    page_of(c, &MESSAGE_PAGES, room, page)?
        .iter()
        .map(message_row)
        .collect()
}

/// A history page as stored JSON (no decoding into `Message`), on the
/// pipelined connections: the read every history page starts with.
pub async fn history(
    pipe: &Pipeline,
    room: RoomId,
    page: HistoryPage,
) -> StoreResult<Vec<MessageJson>> {
    let (sql, limit, third, newest_first) = page_plan(&TIMELINE_PAGES, page);
    let mut rows = match third {
        Some(third) => {
            pipe.query(
                sql,
                &[Type::INT8, Type::INT8, Type::INT8],
                &[&room.0, &limit, &third],
            )
            .await?
        }
        None => {
            pipe.query(sql, &[Type::INT8, Type::INT8], &[&room.0, &limit])
                .await?
        }
    };
    if newest_first {
        rows.reverse();
    }
    rows.into_iter()
        .map(|row| Ok(MessageJson::from_stored(row.try_get(0)?)))
        .collect()
}
