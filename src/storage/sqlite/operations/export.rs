//! `natter admin export`: rooms to JSON Lines, from one read transaction
//! (a consistent snapshot, beside a running server). One line per room,
//! then one per message (the stored message JSON: text, edit time, thread,
//! files listed), then one per reaction. Private rooms and direct
//! conversations are left out unless asked for; the export itself is
//! written to the audit log before anything is read.

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

use crate::domain::{RoomId, Timestamp};
use crate::storage::sqlite::server;

/// Which rooms to export.
#[derive(Debug, Clone)]
pub enum ExportScope {
    /// One room, by name or id.
    Room(String),
    All,
}

/// What was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Exported {
    pub rooms: u64,
    pub messages: u64,
    pub reactions: u64,
}

struct RoomRow {
    id: i64,
    kind: String,
    name: Option<String>,
    created_at: i64,
}

const SELECT_ROOMS: &str = "SELECT id, kind, name, created_at FROM rooms";

fn rooms(
    c: &Connection,
    scope: &ExportScope,
    include_private: bool,
) -> anyhow::Result<Vec<RoomRow>> {
    let row = |r: &rusqlite::Row<'_>| {
        Ok(RoomRow {
            id: r.get(0)?,
            kind: r.get(1)?,
            name: r.get(2)?,
            created_at: r.get(3)?,
        })
    };
    match scope {
        ExportScope::All => {
            let sql = format!("{SELECT_ROOMS} WHERE kind = 'public' OR ?1 ORDER BY id");
            Ok(c.prepare(&sql)?
                .query_map([include_private], row)?
                .collect::<rusqlite::Result<Vec<_>>>()?)
        }
        ExportScope::Room(which) => {
            let by_id = which.parse::<i64>().ok();
            let sql = format!("{SELECT_ROOMS} WHERE id = ?1 OR name_key = ?2");
            let found = c
                .query_row(
                    &sql,
                    params![by_id.unwrap_or(-1), which.trim().to_lowercase()],
                    row,
                )
                .optional()?;
            let Some(room) = found else {
                bail!("there is no room {which}");
            };
            if room.kind != "public" && !include_private {
                bail!(
                    "the room {which} is {}: add --include-private to export it",
                    room.kind
                );
            }
            Ok(vec![room])
        }
    }
}

/// Writes the rooms in `scope` to `out` as JSON Lines.
pub fn export(
    database: &Path,
    scope: &ExportScope,
    include_private: bool,
    out: &mut dyn Write,
) -> anyhow::Result<Exported> {
    let conn = server::offline::open(database)?;
    // The record comes first: an export that fails half-way was still made.
    let target = match scope {
        ExportScope::All if include_private => "all rooms, private ones too".to_owned(),
        ExportScope::All => "all public rooms".to_owned(),
        ExportScope::Room(r) if include_private => format!("room {r} (private allowed)"),
        ExportScope::Room(r) => format!("room {r}"),
    };
    let now = Timestamp::now();
    let room_id = match scope {
        ExportScope::Room(_) => rooms(&conn, scope, include_private)?
            .first()
            .map(|r| RoomId(r.id)),
        ExportScope::All => None,
    };
    super::cli::audit(&conn, "export", &target, room_id, now)?;
    // One read transaction: every line comes from the same snapshot.
    let tx = conn.unchecked_transaction()?;
    let mut done = Exported::default();
    for room in rooms(&tx, scope, include_private)? {
        let line = json!({
            "type": "room", "id": room.id, "kind": room.kind, "name": room.name,
            "created_at": Timestamp(room.created_at).to_rfc3339(),
        });
        writeln!(out, "{line}")?;
        done.rooms += 1;
        let mut stmt = tx.prepare("SELECT json FROM messages WHERE room_id = ?1 ORDER BY seq")?;
        let mut rows = stmt.query([room.id])?;
        while let Some(r) = rows.next()? {
            let text: String = r.get(0)?;
            let message: Value = serde_json::from_str(&text)
                .with_context(|| format!("a stored message of room {} is not JSON", room.id))?;
            writeln!(
                out,
                "{}",
                json!({"type": "message", "room_id": room.id, "message": message})
            )?;
            done.messages += 1;
        }
        let mut stmt = tx.prepare(
            "SELECT r.message_seq, r.emoji, u.username, r.created_at
             FROM reactions r JOIN users u ON u.id = r.user_id
             WHERE r.room_id = ?1 ORDER BY r.message_seq, r.created_at",
        )?;
        let mut rows = stmt.query([room.id])?;
        while let Some(r) = rows.next()? {
            let line = json!({
                "type": "reaction", "room_id": room.id, "message_seq": r.get::<_, i64>(0)?,
                "emoji": r.get::<_, String>(1)?, "user": r.get::<_, String>(2)?,
                "created_at": Timestamp(r.get(3)?).to_rfc3339(),
            });
            writeln!(out, "{line}")?;
            done.reactions += 1;
        }
    }
    tx.commit()?;
    out.flush()?;
    Ok(done)
}
