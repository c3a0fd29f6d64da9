//! A bot's outgoing webhooks (issue 19, "per bot"): made, listed and
//! managed by the bot's owner; the events of every room the bot is in go
//! to it. Which rooms those are is read at each delivery
//! (`crate::outhooks`), so a room the bot leaves is not delivered again.

use super::integrations::refuse_bot;
use super::outhooks::{check_name, OutHookRequest};
use super::Chat;
use crate::domain::{OutHookInfo, RoomId, Seq, User, UserId};
use crate::error::{Error, Result};
use crate::storage::{NewOutHook, OutHook, StoreError};

/// Hooks one bot may have.
pub const MAX_OUT_HOOKS_PER_BOT: u32 = 10;

impl Chat {
    /// Makes an outgoing webhook for one of my bots (`request.bot` is
    /// ignored: replies are posted as `bot`).
    pub async fn make_bot_out_hook(
        &self,
        me: &User,
        bot: UserId,
        request: OutHookRequest,
    ) -> Result<OutHook> {
        refuse_bot(me)?;
        let name = check_name(&request.name)?;
        let bot = self.my_bot(me, bot).await?;
        self.store
            .create_out_hook(
                NewOutHook {
                    room: None,
                    bot: bot.id,
                    made_by: me.id,
                    name: name.to_owned(),
                    url: request.url,
                    secret: request.secret,
                    batch: request.batch,
                    now: crate::domain::Timestamp::now(),
                },
                MAX_OUT_HOOKS_PER_BOT,
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict => Error::TooMany {
                    code: "too_many_hooks",
                    message: format!(
                        "A bot can have at most {MAX_OUT_HOOKS_PER_BOT} outgoing webhooks; delete one first."
                    ),
                },
                other => other.into(),
            })
    }

    /// My bot's own hooks (not those of rooms it replies in).
    pub async fn bot_out_hooks(&self, me: &User, bot: UserId) -> Result<Vec<OutHookInfo>> {
        refuse_bot(me)?;
        self.my_bot(me, bot).await?;
        Ok(self
            .store
            .out_hooks_of_bot(bot)
            .await?
            .into_iter()
            .map(|h| h.info)
            .collect())
    }

    /// Where a bot's hook reads next in each room the bot is in now: the
    /// delivered seq, but never before the bot's (latest) join, so what was
    /// said while it was out is never sent; a room joined since starts at
    /// its join. Rooms the bot is not in are left out, whatever the cursors
    /// say: membership is read here, at every delivery.
    pub async fn bot_hook_rooms(
        &self,
        bot: UserId,
        delivered: &[(RoomId, Seq)],
    ) -> Result<Vec<(RoomId, Seq)>> {
        let rooms: Vec<RoomId> = self
            .store
            .rooms_of(bot)
            .await?
            .into_iter()
            .map(|r| r.room.id)
            .collect();
        if rooms.is_empty() {
            return Ok(Vec::new());
        }
        let joined = self.store.seqs_at_join(bot, rooms).await?;
        Ok(joined
            .into_iter()
            .map(|(room, at_join)| {
                let done = delivered
                    .iter()
                    .find(|(r, _)| *r == room)
                    .map_or(at_join, |(_, seq)| (*seq).max(at_join));
                (room, done)
            })
            .collect())
    }
}
