//! Custom slash commands and the bots' feed positions on PostgreSQL (as
//! `storage/sqlite/commands.rs`).

use async_trait::async_trait;
use postgres::{GenericClient, Row};

use super::PgStore;
use crate::domain::{CommandTarget, RoomId, Seq, SlashCommandInfo, Timestamp, UserId};
use crate::storage::{BotFeed, NewCommand, SlashCommands, StoreResult};

const COMMAND_SELECT: &str =
    "SELECT s.id, s.room_id, s.name, s.description, s.bot_id, b.username, m.username,
            s.created_at, s.url, s.secret, s.made_by
     FROM slash_commands s JOIN users b ON b.id = s.bot_id JOIN users m ON m.id = s.made_by";

fn command_row(r: &Row) -> StoreResult<CommandTarget> {
    Ok(CommandTarget {
        info: SlashCommandInfo {
            id: r.try_get(0)?,
            room_id: RoomId(r.try_get(1)?),
            name: r.try_get(2)?,
            description: r.try_get(3)?,
            bot_id: UserId(r.try_get(4)?),
            bot: r.try_get(5)?,
            made_by: r.try_get(6)?,
            created_at: Timestamp(r.try_get(7)?),
        },
        url: r.try_get(8)?,
        secret: r.try_get(9)?,
        made_by: UserId(r.try_get(10)?),
    })
}

fn create_command(c: &mut impl GenericClient, cmd: &NewCommand) -> StoreResult<SlashCommandInfo> {
    let id: i64 = c
        .query_one(
            "INSERT INTO slash_commands
               (room_id, name, description, url, secret, bot_id, made_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            &[
                &cmd.room.0,
                &cmd.name,
                &cmd.description,
                &cmd.url,
                &cmd.secret,
                &cmd.bot.0,
                &cmd.made_by.0,
                &cmd.now.millis(),
            ],
        )?
        .try_get(0)?;
    let row = c.query_one(&format!("{COMMAND_SELECT} WHERE s.id = $1"), &[&id])?;
    Ok(command_row(&row)?.info)
}

fn acknowledge(
    c: &mut impl GenericClient,
    token: i64,
    following: &[RoomId],
    positions: &[(RoomId, Seq)],
) -> StoreResult<()> {
    let rooms: Vec<i64> = following.iter().map(|r| r.0).collect();
    c.execute(
        "DELETE FROM feed_positions WHERE token_id = $1 AND NOT (room_id = ANY($2))",
        &[&token, &rooms],
    )?;
    for (room, seq) in positions {
        c.execute(
            "INSERT INTO feed_positions (token_id, room_id, seq) VALUES ($1, $2, $3)
             ON CONFLICT (token_id, room_id)
             DO UPDATE SET seq = greatest(feed_positions.seq, excluded.seq)",
            &[&token, &room.0, &seq.0],
        )?;
    }
    Ok(())
}

#[async_trait]
impl SlashCommands for PgStore {
    async fn create_command(&self, cmd: NewCommand) -> StoreResult<SlashCommandInfo> {
        self.writer
            .write(move |tx, _| create_command(tx, &cmd))
            .await
    }

    async fn commands_of_room(&self, room: RoomId) -> StoreResult<Vec<SlashCommandInfo>> {
        self.readers
            .read(move |c| {
                c.query(
                    &format!("{COMMAND_SELECT} WHERE s.room_id = $1 ORDER BY s.name"),
                    &[&room.0],
                )?
                .iter()
                .map(|r| Ok(command_row(r)?.info))
                .collect()
            })
            .await
    }

    async fn command_named(&self, room: RoomId, name: &str) -> StoreResult<Option<CommandTarget>> {
        let name = name.to_owned();
        self.readers
            .read(move |c| {
                c.query_opt(
                    &format!(
                        "{COMMAND_SELECT} WHERE s.room_id = $1 AND s.name = $2
                           AND b.deactivated_at IS NULL AND m.deactivated_at IS NULL"
                    ),
                    &[&room.0, &name],
                )?
                .map(|r| command_row(&r))
                .transpose()
            })
            .await
    }

    async fn command(&self, room: RoomId, id: i64) -> StoreResult<Option<CommandTarget>> {
        self.readers
            .read(move |c| {
                c.query_opt(
                    &format!("{COMMAND_SELECT} WHERE s.room_id = $1 AND s.id = $2"),
                    &[&room.0, &id],
                )?
                .map(|r| command_row(&r))
                .transpose()
            })
            .await
    }

    async fn delete_command(&self, room: RoomId, id: i64) -> StoreResult<bool> {
        self.writer
            .write(move |tx, _| {
                let n = tx.execute(
                    "DELETE FROM slash_commands WHERE room_id = $1 AND id = $2",
                    &[&room.0, &id],
                )?;
                Ok(n == 1)
            })
            .await
    }
}

#[async_trait]
impl BotFeed for PgStore {
    async fn feed_positions(&self, token: i64) -> StoreResult<Vec<(RoomId, Seq)>> {
        self.readers
            .read(move |c| {
                c.query(
                    "SELECT room_id, seq FROM feed_positions WHERE token_id = $1",
                    &[&token],
                )?
                .iter()
                .map(|r| Ok((RoomId(r.try_get(0)?), Seq(r.try_get(1)?))))
                .collect()
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
            .write(move |tx, _| acknowledge(tx, token, &following, &positions))
            .await
    }

    async fn seqs_at_join(
        &self,
        user: UserId,
        rooms: Vec<RoomId>,
    ) -> StoreResult<Vec<(RoomId, Seq)>> {
        self.readers
            .read(move |c| {
                let mut out = Vec::with_capacity(rooms.len());
                for room in rooms {
                    // Messages and later room events both carry seqs; the
                    // newest of either from before the join is where
                    // following starts.
                    let seq: Option<i64> = c
                        .query_opt(
                            "SELECT greatest(
                                coalesce((SELECT max(seq) FROM messages
                                          WHERE room_id = m.room_id AND created_at < m.joined_at), 0),
                                coalesce((SELECT max(seq) FROM room_events
                                          WHERE room_id = m.room_id AND created_at < m.joined_at), 0))
                             FROM memberships m WHERE m.room_id = $1 AND m.user_id = $2",
                            &[&room.0, &user.0],
                        )?
                        .map(|r| r.try_get(0))
                        .transpose()?;
                    out.push((room, Seq(seq.unwrap_or(0))));
                }
                Ok(out)
            })
            .await
    }
}
