//! Pins (a room's shared list of important messages, as room events) and
//! saved messages (a private bookmark list per user).

use super::room_care::refuse_if_archived;
use super::Chat;
use crate::domain::{Pin, PinPolicy, Reactor, Role, RoomId, SavedMessage, Seq, User};
use crate::error::{Error, Result};
use crate::storage::{AddOutcome, StoreError};

/// Pinned messages a room may hold.
pub const MAX_PINS: u32 = 50;
/// Bookmarks a user may keep.
pub const MAX_SAVED: u32 = 1000;

impl Chat {
    /// Pins a message; `false` when it was pinned already. Members may pin
    /// unless the owner said only owners may.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id, room = %room))]
    pub async fn pin_message(&self, user: &User, room: RoomId, seq: Seq) -> Result<bool> {
        self.may_pin(user, room).await?;
        let outcome = self
            .store
            .pin_message(room, seq, as_reactor(user), MAX_PINS)
            .await
            .map_err(message_missing)?;
        match outcome {
            AddOutcome::Added => Ok(true),
            AddOutcome::AlreadyThere => Ok(false),
            AddOutcome::Full => Err(Error::conflict(
                "too_many_pins",
                format!("A room can have at most {MAX_PINS} pinned messages; unpin one first."),
            )),
        }
    }

    /// Unpins a message; `false` when it was not pinned.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id, room = %room))]
    pub async fn unpin_message(&self, user: &User, room: RoomId, seq: Seq) -> Result<bool> {
        self.may_pin(user, room).await?;
        self.store
            .unpin_message(room, seq, as_reactor(user))
            .await
            .map_err(message_missing)
    }

    async fn may_pin(&self, user: &User, room: RoomId) -> Result<()> {
        let (access, role) = self.member_access(user, room).await?;
        refuse_if_archived(access)?;
        let settings = self.store.room_settings(room).await?;
        if settings.pin_policy == PinPolicy::Owners && role != Role::Owner {
            return Err(Error::Forbidden(
                "Only the room's owners may pin and unpin messages here.".into(),
            ));
        }
        Ok(())
    }

    /// The room's pinned messages, most recently pinned first (members only).
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id, room = %room))]
    pub async fn pins(&self, user: &User, room: RoomId) -> Result<Vec<Pin>> {
        self.member_access(user, room).await?;
        Ok(self.store.pins(room).await?)
    }

    /// Bookmarks a message the user can read; `false` when it was saved.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id, room = %room))]
    pub async fn save_message(&self, user: &User, room: RoomId, seq: Seq) -> Result<bool> {
        self.member_access(user, room).await?;
        let outcome = self
            .store
            .save_message(user.id, room, seq, MAX_SAVED)
            .await
            .map_err(message_missing)?;
        match outcome {
            AddOutcome::Added => Ok(true),
            AddOutcome::AlreadyThere => Ok(false),
            AddOutcome::Full => Err(Error::conflict(
                "too_many_saved",
                format!("You can keep at most {MAX_SAVED} saved messages; remove some first."),
            )),
        }
    }

    /// Removes a bookmark; `false` when there was none. Needs no membership:
    /// it only ever removes the user's own row and tells nothing.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id, room = %room))]
    pub async fn unsave_message(&self, user: &User, room: RoomId, seq: Seq) -> Result<bool> {
        Ok(self.store.unsave_message(user.id, room, seq).await?)
    }

    /// The user's bookmarks in rooms they can still read, newest first.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id))]
    pub async fn saved_messages(&self, user: &User) -> Result<Vec<SavedMessage>> {
        Ok(self.store.saved_messages(user.id, MAX_SAVED).await?)
    }
}

fn as_reactor(user: &User) -> Reactor {
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
