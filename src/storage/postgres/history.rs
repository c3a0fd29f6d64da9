//! History on PostgreSQL: pages of a room's messages by seq, as stored
//! JSON or decoded, and the replay of a room's events after a cursor.

use postgres::types::Type;
use postgres::{Client, GenericClient, IsolationLevel, Row};

use super::pipeline::Pipeline;
use super::room_log::message_row;
use crate::domain::{Message, MessageJson, RoomChange, RoomEvent, RoomId, Seq, UserId};
use crate::storage::{HistoryPage, LoggedEvent, Replay, StoreError, StoreResult};

/// Creations from `messages` and later changes from `room_events`, merged
/// by seq, and the room's newest seq.
pub fn events_after(c: &mut Client, room: RoomId, after: Seq, limit: u32) -> StoreResult<Replay> {
    // A client that is up to date (every subscribe of a fresh client) needs
    // one statement and no transaction: nothing to replay, and anything
    // newer reaches it live (it listens before asking).
    let last_seq = room_last_seq(c, room)?;
    if after >= last_seq {
        return Ok(Replay {
            events: Vec::new(),
            last_seq,
        });
    }
    // Otherwise from one snapshot, so the newest seq and the events agree.
    // Seqs commit in order (the room's row is locked from taking a seq to
    // the commit), so a snapshot that sees a seq sees every one before it.
    let mut tx = c
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()?;
    let last_seq = room_last_seq(&mut tx, room)?;
    let events = events_in(&mut tx, room, after, limit)?;
    tx.commit()?;
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

fn events_in(
    c: &mut impl GenericClient,
    room: RoomId,
    after: Seq,
    limit: u32,
) -> StoreResult<Vec<RoomEvent>> {
    let created = messages(c, room, HistoryPage::After { seq: after, limit })?;
    let changes = c
        .query(
            "SELECT payload FROM room_events WHERE room_id = $1 AND seq > $2
             ORDER BY seq LIMIT $3",
            &[&room.0, &after.0, &i64::from(limit)],
        )?
        .iter()
        .map(|row| {
            let payload: &str = row.try_get(0)?;
            RoomEvent::from_logged(payload).map_err(|e| StoreError::Other(e.into()))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let mut all: Vec<RoomEvent> = created
        .into_iter()
        .map(|message| RoomEvent {
            room_id: room,
            seq: message.seq,
            change: RoomChange::MessageCreated { message },
        })
        .chain(changes)
        .collect();
    all.sort_by_key(|e| e.seq);
    all.truncate(limit as usize);
    Ok(all)
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
