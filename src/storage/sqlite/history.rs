//! History in SQLite: pages of a room's messages by seq, as stored JSON or
//! decoded, and the replay of a room's events after a cursor.

use rusqlite::{named_params, params, Connection, Row};

use super::messages::message_row;
use crate::domain::{Message, MessageJson, RoomChange, RoomEvent, RoomId, Seq, UserId};
use crate::storage::{HistoryPage, LoggedEvent, Replay, StoreError, StoreResult};

/// Creations from `messages` and later changes from `room_events`, merged by seq,
/// and the room's newest seq.
pub fn events_after(c: &Connection, room: RoomId, after: Seq, limit: u32) -> StoreResult<Replay> {
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
    // Otherwise in one read transaction, so the newest seq and the events
    // agree. Its statements are cached: `BEGIN`/`COMMIT` through rusqlite's
    // `Transaction` are parsed again each time.
    exec_cached(c, "BEGIN")?;
    let read = room_last_seq(c, room).and_then(|last_seq| {
        Ok(Replay {
            events: events_in(c, room, after, limit)?,
            last_seq,
        })
    });
    exec_cached(c, if read.is_ok() { "COMMIT" } else { "ROLLBACK" })?;
    read
}

/// The events of `events_after` as stored (`OutHooks::logged_events_after`).
pub fn logged_after(
    c: &Connection,
    room: RoomId,
    after: Seq,
    limit: u32,
) -> StoreResult<Vec<LoggedEvent>> {
    if after >= room_last_seq(c, room)? {
        return Ok(Vec::new());
    }
    // One snapshot for both tables: a message committed between the two
    // reads could otherwise be passed over by a later change's seq.
    exec_cached(c, "BEGIN")?;
    let read = logged_in(c, room, after, limit);
    exec_cached(c, if read.is_ok() { "COMMIT" } else { "ROLLBACK" })?;
    read
}

fn logged_in(
    c: &Connection,
    room: RoomId,
    after: Seq,
    limit: u32,
) -> StoreResult<Vec<LoggedEvent>> {
    let args = params![room.0, after.0, limit];
    let created = c
        .prepare_cached(
            "SELECT seq, author_id, json FROM messages
             WHERE room_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        )?
        .query_map(args, |r| {
            Ok(LoggedEvent::Created {
                seq: Seq(r.get(0)?),
                author: UserId(r.get(1)?),
                message: MessageJson::from_stored(r.get(2)?),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let changes = c
        .prepare_cached(
            "SELECT seq, payload FROM room_events
             WHERE room_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        )?
        .query_map(args, |r| {
            Ok(LoggedEvent::Changed {
                seq: Seq(r.get(0)?),
                payload: r.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(crate::storage::outhooks::merged(created, changes, limit))
}

fn room_last_seq(c: &Connection, room: RoomId) -> StoreResult<Seq> {
    Ok(Seq(c
        .prepare_cached("SELECT last_seq FROM rooms WHERE id = ?1")?
        .query_row([room.0], |r| r.get(0))?))
}

fn exec_cached(c: &Connection, sql: &str) -> StoreResult<()> {
    c.prepare_cached(sql)?.execute([])?;
    Ok(())
}

fn events_in(c: &Connection, room: RoomId, after: Seq, limit: u32) -> StoreResult<Vec<RoomEvent>> {
    let created = messages(c, room, HistoryPage::After { seq: after, limit })?;
    let mut stmt = c.prepare_cached(
        "SELECT payload FROM room_events WHERE room_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
    )?;
    let changes = stmt
        .query_map(params![room.0, after.0, limit], |r| r.get::<_, String>(0))?
        .map(|payload| {
            let payload = payload?;
            RoomEvent::from_logged(&payload).map_err(|e| StoreError::Other(e.into()))
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

/// The page queries after a select list over `messages m`, in the order of
/// `page_query`'s arms. Static text: the statement cache is keyed by it.
macro_rules! page_queries {
    ($select:expr, $only:expr) => {
        [
            concat!(
                $select,
                " WHERE m.room_id = :room",
                $only,
                " ORDER BY m.seq DESC LIMIT :limit"
            ),
            concat!(
                $select,
                " WHERE m.room_id = :room AND m.seq < :seq",
                $only,
                " ORDER BY m.seq DESC LIMIT :limit"
            ),
            concat!(
                $select,
                " WHERE m.room_id = :room AND m.seq > :seq",
                $only,
                " ORDER BY m.seq ASC LIMIT :limit"
            ),
            concat!(
                $select,
                " WHERE m.room_id = :room",
                $only,
                " ORDER BY m.seq ASC LIMIT :limit OFFSET :offset"
            ),
        ]
    };
}

const MESSAGE_PAGES: [&str; 4] = page_queries!(message_select!(), "");
/// The room's timeline leaves out replies kept in their thread.
const JSON_PAGES: [&str; 4] = page_queries!(
    "SELECT m.json FROM messages m",
    " AND (m.thread_root IS NULL OR m.also_in_room = 1)"
);

/// One page of a room's messages, oldest first, each row read by `row`.
pub(super) fn page_of<T>(
    c: &Connection,
    queries: &[&'static str; 4],
    room: RoomId,
    page: HistoryPage,
    mut row: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> StoreResult<Vec<T>> {
    let mut collect = |sql: &str, args: &[(&str, &dyn rusqlite::ToSql)]| -> StoreResult<Vec<T>> {
        Ok(c.prepare_cached(sql)?
            .query_map(args, &mut row)?
            .collect::<rusqlite::Result<Vec<_>>>()?)
    };
    let mut rows = match page {
        HistoryPage::Newest { limit } => {
            collect(queries[0], named_params! {":room": room.0, ":limit": limit})?
        }
        HistoryPage::Before { seq, limit } => collect(
            queries[1],
            named_params! {":room": room.0, ":seq": seq.0, ":limit": limit},
        )?,
        HistoryPage::After { seq, limit } => {
            return collect(
                queries[2],
                named_params! {":room": room.0, ":seq": seq.0, ":limit": limit},
            )
        }
        HistoryPage::FromPosition { offset, limit } => {
            let offset = i64::try_from(offset).unwrap_or(i64::MAX);
            return collect(
                queries[3],
                named_params! {":room": room.0, ":limit": limit, ":offset": offset},
            );
        }
    };
    // Pages read backwards from the newest come out oldest first, like the rest.
    rows.reverse();
    Ok(rows)
}

pub fn messages(c: &Connection, room: RoomId, page: HistoryPage) -> StoreResult<Vec<Message>> {
    page_of(c, &MESSAGE_PAGES, room, page, message_row)
}

/// A history page as stored JSON: no join, no decoding into `Message`.
pub fn history(c: &Connection, room: RoomId, page: HistoryPage) -> StoreResult<Vec<MessageJson>> {
    page_of(c, &JSON_PAGES, room, page, |r| {
        r.get(0).map(MessageJson::from_stored)
    })
}
