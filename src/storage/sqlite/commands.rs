//! Custom slash commands and the bots' feed positions in SQLite.

use async_trait::async_trait;
use rusqlite::{params, OptionalExtension, Row};

use super::SqliteStore;
use crate::domain::{CommandTarget, RoomId, Seq, SlashCommandInfo, Timestamp, UserId};
use crate::storage::{BotFeed, NewCommand, SlashCommands, StoreResult};

const COMMAND_SELECT: &str =
    "SELECT s.id, s.room_id, s.name, s.description, s.bot_id, b.username, m.username,
            s.created_at, s.url, s.secret, s.made_by
     FROM slash_commands s JOIN users b ON b.id = s.bot_id JOIN users m ON m.id = s.made_by";

fn command_row(r: &Row<'_>) -> rusqlite::Result<CommandTarget> {
    Ok(CommandTarget {
        info: SlashCommandInfo {
            id: r.get(0)?,
            room_id: RoomId(r.get(1)?),
            name: r.get(2)?,
            description: r.get(3)?,
            bot_id: UserId(r.get(4)?),
            bot: r.get(5)?,
            made_by: r.get(6)?,
            created_at: Timestamp(r.get(7)?),
        },
        url: r.get(8)?,
        secret: r.get(9)?,
        made_by: UserId(r.get(10)?),
    })
}

#[async_trait]
impl SlashCommands for SqliteStore {
    async fn create_command(&self, cmd: NewCommand) -> StoreResult<SlashCommandInfo> {
        self.writer
            .write(move |c, _| {
                let id: i64 = c
                    .prepare_cached(
                        "INSERT INTO slash_commands
                           (room_id, name, description, url, secret, bot_id, made_by, created_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
                    )?
                    .query_row(
                        params![
                            cmd.room.0,
                            cmd.name,
                            cmd.description,
                            cmd.url,
                            cmd.secret,
                            cmd.bot.0,
                            cmd.made_by.0,
                            cmd.now.millis()
                        ],
                        |r| r.get(0),
                    )?;
                Ok(
                    c.prepare_cached(&format!("{COMMAND_SELECT} WHERE s.id = ?1"))?
                        .query_row([id], command_row)?
                        .info,
                )
            })
            .await
    }

    async fn commands_of_room(&self, room: RoomId) -> StoreResult<Vec<SlashCommandInfo>> {
        self.readers
            .read(move |c| {
                let mut stmt = c.prepare_cached(&format!(
                    "{COMMAND_SELECT} WHERE s.room_id = ?1 ORDER BY s.name"
                ))?;
                let rows = stmt.query_map([room.0], command_row)?;
                Ok(rows.map(|r| r.map(|t| t.info)).collect::<Result<_, _>>()?)
            })
            .await
    }

    async fn command_named(&self, room: RoomId, name: &str) -> StoreResult<Option<CommandTarget>> {
        let name = name.to_owned();
        self.readers
            .read(move |c| {
                Ok(c.prepare_cached(&format!(
                    "{COMMAND_SELECT} WHERE s.room_id = ?1 AND s.name = ?2
                       AND b.deactivated_at IS NULL AND m.deactivated_at IS NULL"
                ))?
                .query_row(params![room.0, name], command_row)
                .optional()?)
            })
            .await
    }

    async fn command(&self, room: RoomId, id: i64) -> StoreResult<Option<CommandTarget>> {
        self.readers
            .read(move |c| {
                Ok(c.prepare_cached(&format!(
                    "{COMMAND_SELECT} WHERE s.room_id = ?1 AND s.id = ?2"
                ))?
                .query_row(params![room.0, id], command_row)
                .optional()?)
            })
            .await
    }

    async fn delete_command(&self, room: RoomId, id: i64) -> StoreResult<bool> {
        self.writer
            .write(move |c, _| {
                let n = c
                    .prepare_cached("DELETE FROM slash_commands WHERE room_id = ?1 AND id = ?2")?
                    .execute(params![room.0, id])?;
                Ok(n == 1)
            })
            .await
    }
}

#[async_trait]
impl BotFeed for SqliteStore {
    async fn feed_positions(&self, token: i64) -> StoreResult<Vec<(RoomId, Seq)>> {
        self.readers
            .read(move |c| {
                let mut stmt = c.prepare_cached(
                    "SELECT room_id, seq FROM feed_positions WHERE token_id = ?1",
                )?;
                let rows = stmt.query_map([token], |r| Ok((RoomId(r.get(0)?), Seq(r.get(1)?))))?;
                Ok(rows.collect::<Result<_, _>>()?)
            })
            .await
    }

    async fn acknowledge_feed(
        &self,
        token: i64,
        following: Vec<RoomId>,
        positions: Vec<(RoomId, Seq)>,
    ) -> StoreResult<()> {
        self.writer
            .write(move |c, _| {
                // Ids only (numbers), so the list is safe to put in the text.
                let named = following
                    .iter()
                    .map(|room| room.0.to_string())
                    .collect::<Vec<_>>()
                    .join(",");
                c.execute(
                    &format!(
                        "DELETE FROM feed_positions WHERE token_id = ?1 AND room_id NOT IN ({named})"
                    ),
                    [token],
                )?;
                let mut upsert = c.prepare_cached(
                    "INSERT INTO feed_positions (token_id, room_id, seq) VALUES (?1, ?2, ?3)
                     ON CONFLICT (token_id, room_id) DO UPDATE SET seq = max(seq, excluded.seq)",
                )?;
                for (room, seq) in &positions {
                    upsert.execute(params![token, room.0, seq.0])?;
                }
                Ok(())
            })
            .await
    }

    async fn seqs_at_join(
        &self,
        user: UserId,
        rooms: Vec<RoomId>,
    ) -> StoreResult<Vec<(RoomId, Seq)>> {
        self.readers
            .read(move |c| {
                // Messages and later room events both carry seqs; the newest
                // of either from before the join is where following starts.
                let mut stmt = c.prepare_cached(
                    "SELECT max(
                        coalesce((SELECT max(seq) FROM messages
                                  WHERE room_id = m.room_id AND created_at < m.joined_at), 0),
                        coalesce((SELECT max(seq) FROM room_events
                                  WHERE room_id = m.room_id AND created_at < m.joined_at), 0))
                     FROM memberships m WHERE m.room_id = ?1 AND m.user_id = ?2",
                )?;
                let mut out = Vec::with_capacity(rooms.len());
                for room in rooms {
                    let seq: Option<i64> = stmt
                        .query_row(params![room.0, user.0], |r| r.get(0))
                        .optional()?;
                    out.push((room, Seq(seq.unwrap_or(0))));
                }
                Ok(out)
            })
            .await
    }
}
