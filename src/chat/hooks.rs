//! Incoming webhooks: a secret URL per hook that posts into its room as a
//! bot. A post goes through the same send as a person's (membership,
//! archive, length, the bot's send limit and the room's slow mode), and an
//! `Idempotency-Key` becomes the send's client id, so a retried delivery
//! stores one message.

use std::fmt::Write as _;

use super::integrations::{random_secret, refuse_bot, sha256};
use super::Chat;
use crate::domain::{ClientId, HookInfo, Posted, Role, RoomId, Timestamp, User, UserId};
use crate::error::{Error, Result};
use crate::storage::NewHook;

/// The longest name a post may ask to be shown under (Slack's `username`).
const SENT_AS_MAX: usize = 80;
/// The longest `Idempotency-Key` taken.
const IDEMPOTENCY_KEY_MAX: usize = 255;

/// A hook just made: the only time its secret is shown.
#[derive(Debug, Clone)]
pub struct MadeHook {
    pub info: HookInfo,
    pub secret: String,
}

/// One post to a hook, in Natter's shape or Slack's.
#[derive(Debug, Clone, Default)]
pub struct HookPost {
    pub text: String,
    /// Slack's `mrkdwn` (the default for Slack's shape): converted to
    /// Natter's Markdown.
    pub slack_markup: bool,
    pub username: Option<String>,
    pub idempotency_key: Option<String>,
}

impl Chat {
    /// Makes an incoming webhook in a room I am in. It posts as my bot
    /// `bot`, or as a new bot named `name`; the bot joins the room by the
    /// rules of adding a member.
    pub async fn make_hook(
        &self,
        me: &User,
        room: RoomId,
        name: &str,
        bot: Option<UserId>,
    ) -> Result<MadeHook> {
        refuse_bot(me)?;
        let (access, _) = self.member_access(me, room).await?;
        super::room_care::refuse_if_archived(access)?;
        let bot = if let Some(bot) = bot {
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
        let secret = random_secret("");
        let name = name.trim();
        let info = self
            .store
            .create_hook(NewHook {
                room,
                bot: bot.id,
                made_by: me.id,
                name: if name.is_empty() {
                    bot.username.clone()
                } else {
                    name.chars().take(SENT_AS_MAX).collect()
                },
                secret_hash: sha256(&secret),
                now: Timestamp::now(),
            })
            .await?;
        Ok(MadeHook { info, secret })
    }

    /// A room's webhooks (members see them; never their secrets).
    pub async fn room_hooks(&self, me: &User, room: RoomId) -> Result<Vec<HookInfo>> {
        self.member_access(me, room).await?;
        Ok(self.store.hooks_of_room(room).await?)
    }

    /// Revokes a hook: its maker or a room owner may.
    pub async fn revoke_hook(&self, me: &User, room: RoomId, id: i64) -> Result<()> {
        let (_, role) = self.member_access(me, room).await?;
        let gone = || Error::not_found("This room has no webhook with that id.");
        let (_, maker) = self.store.hook(room, id).await?.ok_or_else(gone)?;
        if maker != me.id && role != Role::Owner {
            return Err(Error::Forbidden(
                "Only the webhook's maker or a room owner can revoke it.".into(),
            ));
        }
        if !self.store.revoke_hook(room, id, Timestamp::now()).await? {
            return Err(gone());
        }
        Ok(())
    }

    /// Posts through hook `id` with its `secret`. A wrong secret, a revoked
    /// hook and a hook whose maker was deactivated all read as missing.
    pub async fn post_to_hook(&self, id: i64, secret: &str, post: HookPost) -> Result<Posted> {
        let missing = || Error::not_found("There is no webhook at this address.");
        let target = self.store.hook_target(id).await?.ok_or_else(missing)?;
        if !same_bytes(&sha256(secret), &target.secret_hash) {
            return Err(missing());
        }
        let bot = self
            .store
            .user_by_id(target.bot)
            .await?
            .ok_or_else(missing)?
            .user;
        let client_id = match post.idempotency_key.as_deref().map(str::trim) {
            Some(key) if !key.is_empty() => {
                if key.len() > IDEMPOTENCY_KEY_MAX {
                    return Err(Error::invalid(
                        "idempotency_key_invalid",
                        format!("An Idempotency-Key may be at most {IDEMPOTENCY_KEY_MAX} bytes."),
                    ));
                }
                hook_client_id(id, key)?
            }
            _ => ClientId::generate(),
        };
        let text = if post.slack_markup {
            crate::import::slack::to_markdown(
                &post.text,
                &crate::import::slack::Directory::default(),
            )
        } else {
            post.text
        };
        let sent_as = post
            .username
            .map(|n| {
                n.chars()
                    .filter(|c| !c.is_control())
                    .take(SENT_AS_MAX)
                    .collect::<String>()
                    .trim()
                    .to_owned()
            })
            .filter(|n| !n.is_empty());
        let posted = self
            .post_as(
                &bot,
                target.room,
                client_id,
                &text,
                (None, Vec::new()),
                sent_as,
            )
            .await?;
        // Written at most once a minute per hook (the key space of hooks is
        // kept apart from tokens' by the sign).
        let now = Timestamp::now();
        if self.token_clock.due(-id, now) {
            if let Err(e) = self.store.hook_used(id, now).await {
                tracing::warn!(error = %e, "cannot record when a webhook was last used");
            }
        }
        Ok(posted)
    }
}

/// The send's client id for a delivery's `Idempotency-Key`: per hook, and
/// made of the key's hash so any key fits the client id's alphabet.
fn hook_client_id(hook: i64, key: &str) -> Result<ClientId> {
    let hash = sha256(key);
    let mut id = format!("hook{hook}-");
    for b in &hash[..16] {
        let _ = write!(id, "{b:02x}");
    }
    ClientId::parse(&id)
}

/// Compares two digests in time independent of where they differ.
fn same_bytes(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_idempotency_key_gives_one_client_id_per_hook() {
        let a = hook_client_id(3, "deploy 1234").unwrap();
        assert_eq!(a, hook_client_id(3, "deploy 1234").unwrap());
        assert_ne!(a, hook_client_id(4, "deploy 1234").unwrap());
        assert_ne!(a, hook_client_id(3, "deploy 1235").unwrap());
    }
}
