//! Reactions: add or take back an emoji on a message one can read, and the
//! reactions a history page shows. One per (user, message, emoji): a
//! repeated add or remove changes nothing and announces nothing.

use serde::Deserialize;

use super::room_care::refuse_if_archived;
use super::Chat;
use crate::domain::{Emoji, MessageJson, ReactionGroup, Reactor, RoomId, Seq, User};
use crate::error::{Error, Result};
use crate::storage::{AddOutcome, StoreError};

/// How many different emoji one message may carry (Slack's bound is 50;
/// a row of more is unreadable anyway).
pub const MAX_EMOJI_PER_MESSAGE: u32 = 20;

impl Chat {
    /// Adds the user's reaction; `true` when it is new, `false` when it was
    /// there already (a retry).
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id, room = %room))]
    pub async fn add_reaction(
        &self,
        user: &User,
        room: RoomId,
        seq: Seq,
        emoji: &str,
    ) -> Result<bool> {
        let (access, _) = self.member_access(user, room).await?;
        let emoji = Emoji::parse(emoji)?;
        refuse_if_archived(access)?;
        let outcome = self
            .store
            .add_reaction(room, seq, reactor(user), emoji, MAX_EMOJI_PER_MESSAGE)
            .await
            .map_err(message_missing)?;
        match outcome {
            AddOutcome::Added => Ok(true),
            AddOutcome::AlreadyThere => Ok(false),
            AddOutcome::Full => Err(Error::conflict(
                "too_many_emoji",
                format!(
                    "A message can carry at most {MAX_EMOJI_PER_MESSAGE} different emoji; react with one already there."
                ),
            )),
        }
    }

    /// Takes the user's reaction back; `false` when there was none.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id, room = %room))]
    pub async fn remove_reaction(
        &self,
        user: &User,
        room: RoomId,
        seq: Seq,
        emoji: &str,
    ) -> Result<bool> {
        let (access, _) = self.member_access(user, room).await?;
        let emoji = Emoji::parse(emoji)?;
        refuse_if_archived(access)?;
        self.store
            .remove_reaction(room, seq, reactor(user), emoji)
            .await
            .map_err(message_missing)
    }

    /// The reactions on one message, for members.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id, room = %room))]
    pub async fn reactions(
        &self,
        user: &User,
        room: RoomId,
        seq: Seq,
    ) -> Result<Vec<ReactionGroup>> {
        self.member_access(user, room).await?;
        self.store
            .message_at(room, seq)
            .await?
            .filter(|m| !m.deleted)
            .ok_or_else(|| Error::not_found("Message not found."))?;
        Ok(self.store.reactions_between(room, seq, seq).await?)
    }

    /// The reactions on a history page's messages (the page is oldest
    /// first): one index read over its seq range.
    pub(super) async fn page_reactions(
        &self,
        room: RoomId,
        page: &[MessageJson],
    ) -> Result<Vec<ReactionGroup>> {
        let (Some(first), Some(last)) = (page.first(), page.last()) else {
            return Ok(Vec::new());
        };
        Ok(self
            .store
            .reactions_between(room, seq_of(first)?, seq_of(last)?)
            .await?)
    }
}

fn reactor(user: &User) -> Reactor {
    Reactor {
        user_id: user.id,
        username: user.username.clone(),
    }
}

fn message_missing(e: StoreError) -> Error {
    match e {
        StoreError::NotFound => Error::not_found("Message not found."),
        other => other.into(),
    }
}

/// The seq of a stored message, read from its JSON without the rest.
fn seq_of(message: &MessageJson) -> Result<Seq> {
    #[derive(Deserialize)]
    struct SeqOnly {
        seq: Seq,
    }
    serde_json::from_str::<SeqOnly>(message.as_str())
        .map(|m| m.seq)
        .map_err(|e| Error::Internal(e.into()))
}
