//! Outgoing webhooks' use-cases: who may make, see, pause, resume and
//! delete a room's hooks (its owners and the server's admins, as for
//! moderating it), a receiver's reply posted as the hook's bot, and the
//! owner told when a hook pauses. Delivering is `crate::outhooks`'s job.

use super::integrations::refuse_bot;
use super::Chat;
use crate::domain::{ClientId, DeliveryAttempt, OutHookInfo, RoomId, Seq, Timestamp, User, UserId};
use crate::error::{Error, Result};
use crate::storage::{NewOutHook, OutHook, StoreError};

/// Hooks one room may have.
pub const MAX_OUT_HOOKS_PER_ROOM: u32 = 10;
/// The longest hook name.
const NAME_MAX: usize = 80;
/// The longest URL taken.
pub const URL_MAX: usize = 2000;

/// Where a hook belongs: a room (its owners manage it) or a bot (its
/// owner manages it; it follows every room the bot is in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutHookScope {
    Room(RoomId),
    Bot(UserId),
}

/// A hook to make: its URL already checked by the outbound guard.
#[derive(Debug, Clone)]
pub struct OutHookRequest {
    pub name: String,
    pub url: String,
    /// Reply as this bot of mine; without it, a new bot named `name`.
    pub bot: Option<UserId>,
    pub secret: String,
    /// Deliver in batches of events (`OutHookInfo::batch`).
    pub batch: bool,
}

/// The hook's name, trimmed, or why it cannot be one.
pub(super) fn check_name(name: &str) -> Result<&str> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX {
        return Err(Error::invalid(
            "hook_name_invalid",
            format!("Give the webhook a name of 1 to {NAME_MAX} characters."),
        ));
    }
    Ok(name)
}

impl Chat {
    /// Makes an outgoing webhook in a room I moderate. Its bot joins the
    /// room by the rules of adding a member.
    pub async fn make_out_hook(
        &self,
        me: &User,
        room: RoomId,
        request: OutHookRequest,
    ) -> Result<OutHook> {
        refuse_bot(me)?;
        let name = check_name(&request.name)?;
        let (access, _) = self.manage_out_hooks(me, room).await?;
        super::room_care::refuse_if_archived(access)?;
        let bot = if let Some(bot) = request.bot {
            self.my_bot(me, bot).await?
        } else {
            let made = self.make_bot(me, name, None).await?;
            self.my_bot(me, made.user_id).await?
        };
        let in_room = self
            .store
            .access(room, bot.id)
            .await?
            .is_some_and(|a| a.role.is_some());
        if !in_room {
            self.add_member(me, room, &bot.username).await?;
        }
        self.store
            .create_out_hook(
                NewOutHook {
                    room: Some(room),
                    bot: bot.id,
                    made_by: me.id,
                    name: name.to_owned(),
                    url: request.url,
                    secret: request.secret,
                    batch: request.batch,
                    now: Timestamp::now(),
                },
                MAX_OUT_HOOKS_PER_ROOM,
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict => Error::TooMany {
                    code: "too_many_hooks",
                    message: format!(
                        "A room can have at most {MAX_OUT_HOOKS_PER_ROOM} outgoing webhooks; delete one first."
                    ),
                },
                other => other.into(),
            })
    }

    /// A room's outgoing webhooks (for those who may manage them: the URLs
    /// can carry secrets of their own).
    pub async fn room_out_hooks(&self, me: &User, room: RoomId) -> Result<Vec<OutHookInfo>> {
        self.manage_out_hooks(me, room).await?;
        Ok(self
            .store
            .out_hooks_of_room(room)
            .await?
            .into_iter()
            .map(|h| h.info)
            .collect())
    }

    /// One of the room's (or the bot's) hooks, for someone who may manage
    /// it.
    pub async fn managed_out_hook(
        &self,
        me: &User,
        scope: OutHookScope,
        id: i64,
    ) -> Result<OutHook> {
        let (room, bot) = match scope {
            OutHookScope::Room(room) => {
                self.manage_out_hooks(me, room).await?;
                (Some(room), None)
            }
            OutHookScope::Bot(bot) => {
                refuse_bot(me)?;
                self.my_bot(me, bot).await?;
                (None, Some(bot))
            }
        };
        self.store
            .out_hook(id)
            .await?
            .filter(|h| h.info.room_id == room && bot.is_none_or(|b| h.info.bot_id == b))
            .ok_or_else(|| Error::not_found("There is no outgoing webhook with that id here."))
    }

    pub async fn delete_out_hook(&self, me: &User, scope: OutHookScope, id: i64) -> Result<()> {
        self.managed_out_hook(me, scope, id).await?;
        self.store.delete_out_hook(id).await?;
        Ok(())
    }

    /// Pauses or resumes a hook by hand; resuming starts with the event
    /// that was not delivered, so nothing is skipped.
    pub async fn pause_out_hook(
        &self,
        me: &User,
        scope: OutHookScope,
        id: i64,
        paused: bool,
    ) -> Result<OutHookInfo> {
        self.managed_out_hook(me, scope, id).await?;
        let state = paused.then(|| (Timestamp::now(), format!("Paused by {}.", me.username)));
        self.store.set_out_hook_paused(id, state).await?;
        Ok(self
            .store
            .out_hook(id)
            .await?
            .ok_or_else(|| Error::not_found("There is no outgoing webhook with that id here."))?
            .info)
    }

    /// The hook's newest delivery attempts, newest first.
    pub async fn out_hook_log(
        &self,
        me: &User,
        scope: OutHookScope,
        id: i64,
        limit: u32,
    ) -> Result<Vec<DeliveryAttempt>> {
        self.managed_out_hook(me, scope, id).await?;
        Ok(self.store.delivery_log(id, limit).await?)
    }

    /// Posts a receiver's reply to the event at `seq` of `room` as the
    /// hook's bot. Its client id is made of (hook, room, seq), so a
    /// redelivered event whose reply comes again posts it once.
    pub async fn post_hook_reply(
        &self,
        hook: &OutHookInfo,
        room: RoomId,
        seq: Seq,
        text: &str,
    ) -> Result<()> {
        let bot = self
            .store
            .user_by_id(hook.bot_id)
            .await?
            .ok_or_else(|| Error::not_found("The webhook's bot is gone."))?
            .user;
        let client_id = ClientId::parse(&format!("outhook{}-{}-{}", hook.id, room.0, seq.0))?;
        self.post_as(&bot, room, client_id, text, (None, Vec::new()), None)
            .await?;
        Ok(())
    }

    /// Marks the hook paused after failed deliveries and tells its maker,
    /// in a direct message from the hook's bot.
    pub async fn out_hook_failed(&self, id: i64, reason: &str) -> Result<()> {
        let Some(hook) = self.store.out_hook(id).await? else {
            return Ok(());
        };
        let why = format!("Paused after failed deliveries: {reason}");
        self.store
            .set_out_hook_paused(id, Some((Timestamp::now(), why)))
            .await?;
        let info = hook.info;
        let Some(bot) = self.store.user_by_id(info.bot_id).await? else {
            return Ok(());
        };
        let dm = self
            .store
            .direct_room(info.bot_id, info.made_by_id, Timestamp::now())
            .await?;
        let (place, dialog) = match info.room_id {
            Some(room) => {
                let name = self
                    .store
                    .room_for(room, info.made_by_id)
                    .await?
                    .and_then(|(r, _)| r.name)
                    .unwrap_or_else(|| format!("room {}", room.0));
                (format!("in #{name}"), "the room's Integrations dialog")
            }
            None => (format!("of the bot {}", info.bot), "the Bots dialog"),
        };
        let text = format!(
            "The outgoing webhook **{}** {place} stopped delivering to {}: {reason}\n\nIt is paused; resume it in {dialog} once the receiver is back. Nothing is skipped: it starts again with the event that failed.",
            info.name, info.url
        );
        self.post_as(
            &bot.user,
            dm.id,
            ClientId::generate(),
            &text,
            (None, Vec::new()),
            None,
        )
        .await?;
        Ok(())
    }

    /// Whether `me` may manage the room's outgoing webhooks: an owner of the
    /// room or a server admin, in the room.
    async fn manage_out_hooks(
        &self,
        me: &User,
        room: RoomId,
    ) -> Result<(crate::storage::RoomAccess, crate::domain::Role)> {
        let (access, role) = self.member_access(me, room).await?;
        if !self.moderates(me, role).await? {
            return Err(Error::Forbidden(
                "Only the room's owners and server admins can manage its outgoing webhooks.".into(),
            ));
        }
        Ok((access, role))
    }
}
