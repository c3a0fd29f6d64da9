//! What every area that changes a room shares: the room's seq counter,
//! its event log, and messages read back from their stored JSON.

use postgres::{GenericClient, Row};

use crate::domain::{Event, Message, RoomEvent, RoomId, Seq, Timestamp};
use crate::storage::{StoreError, StoreResult};

/// The columns `message_row` reads, as a select over `messages m`.
pub const MESSAGE_SELECT: &str = "SELECT m.json FROM messages m";

/// A message from its stored JSON (kept current by every write: edits,
/// deletions, thread summaries), as `storage/sqlite` reads it.
pub fn message_row(row: &Row) -> StoreResult<Message> {
    let json: &str = row.try_get(0)?;
    serde_json::from_str(json).map_err(|e| StoreError::Other(e.into()))
}

/// Takes the room's next seq from its counter row. Runs inside the
/// writing transaction, so the seq commits (or rolls back) with what it
/// numbers, and the row lock orders writers on every node: gap-free.
pub fn next_seq(c: &mut impl GenericClient, room: RoomId) -> StoreResult<Seq> {
    let row = c
        .query_opt(
            "UPDATE rooms SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq",
            &[&room.0],
        )?
        .ok_or(StoreError::NotFound)?;
    Ok(Seq(row.try_get(0)?))
}

/// Logs a change to an existing message (or to the room) as a room event
/// and announces it.
pub fn log_event(
    c: &mut impl GenericClient,
    events: &mut Vec<Event>,
    event: RoomEvent,
    now: Timestamp,
) -> StoreResult<()> {
    let payload = serde_json::to_string(&event).map_err(|e| StoreError::Other(e.into()))?;
    c.execute(
        "INSERT INTO room_events (room_id, seq, payload, created_at) VALUES ($1, $2, $3, $4)",
        &[&event.room_id.0, &event.seq.0, &payload, &now.millis()],
    )?;
    events.push(Event::Room(event));
    Ok(())
}

/// The message at `seq` in `room`, deleted or not.
pub fn message_at(
    c: &mut impl GenericClient,
    room: RoomId,
    seq: Seq,
) -> StoreResult<Option<Message>> {
    c.query_opt(
        "SELECT m.json FROM messages m WHERE m.room_id = $1 AND m.seq = $2",
        &[&room.0, &seq.0],
    )?
    .as_ref()
    .map(message_row)
    .transpose()
}
