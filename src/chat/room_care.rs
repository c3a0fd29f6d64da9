//! Room care (issue 16): topic, rename, archive and restore, delete, who may
//! pin. An archived room is read-only: nothing new goes in until an owner
//! restores it.

use super::{Chat, GENERAL};
use crate::domain::{
    PinPolicy, Reactor, Role, RoomCare, RoomId, RoomKind, RoomName, RoomSettings, User,
};
use crate::error::{Error, Result};
use crate::storage::{RoomAccess, StoreError};

/// Refuses a change to an archived room's content with one clear sentence.
pub(super) fn refuse_if_archived(access: RoomAccess) -> Result<()> {
    if access.archived {
        return Err(Error::conflict(
            "room_archived",
            "This room is archived and read-only; an owner can restore it.",
        ));
    }
    Ok(())
}

/// The longest topic taken, in characters.
pub const TOPIC_MAX: usize = 250;

/// A change an owner asks for, as the API gives it (any of the fields).
#[derive(Debug, Clone, Default)]
pub struct RoomCareRequest {
    pub name: Option<String>,
    pub topic: Option<String>,
    pub archived: Option<bool>,
    pub pin_policy: Option<PinPolicy>,
}

impl Chat {
    /// What a member (or anyone, for a public room) sees of a room's care.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id, room = %room))]
    pub async fn room_settings(&self, user: &User, room: RoomId) -> Result<RoomSettings> {
        self.visible_room(user, room).await?;
        Ok(self.store.room_settings(room).await?)
    }

    /// Applies an owner's changes, each as its own `room.updated` event;
    /// checks them all before changing anything.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id, room = %room))]
    pub async fn care_for_room(
        &self,
        user: &User,
        room: RoomId,
        request: RoomCareRequest,
    ) -> Result<RoomSettings> {
        self.owned_room(user, room).await?;
        let mut changes = Vec::new();
        if let Some(name) = &request.name {
            let name = RoomName::parse(name)?;
            changes.push(RoomCare::Rename {
                key: name.key(),
                name: name.as_str().to_owned(),
            });
        }
        if let Some(topic) = &request.topic {
            changes.push(RoomCare::Topic(parse_topic(topic)?));
        }
        if let Some(policy) = request.pin_policy {
            changes.push(RoomCare::PinPolicy(policy));
        }
        match request.archived {
            Some(true) if room == GENERAL => {
                return Err(Error::invalid(
                    "general_room",
                    "Everyone is in general; it cannot be archived.",
                ));
            }
            Some(true) => changes.push(RoomCare::Archive),
            Some(false) => changes.push(RoomCare::Restore),
            None => {}
        }
        if changes.is_empty() {
            return Err(Error::invalid(
                "nothing_to_change",
                "Say what to change: name, topic, archived or pin_policy.",
            ));
        }
        let mut settings = self.store.room_settings(room).await?;
        for change in changes {
            settings = self
                .store
                .care_for_room(room, change, reactor_of(user))
                .await
                .map_err(|e| match e {
                    StoreError::Conflict => Error::conflict(
                        "room_name_taken",
                        "A public room of that name exists already.",
                    ),
                    other => other.into(),
                })?;
        }
        Ok(settings)
    }

    /// Deletes a room and everything in it (the owner's, after the client
    /// asked them to confirm). `general` and direct rooms stay.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id, room = %room))]
    pub async fn delete_room(&self, user: &User, room: RoomId) -> Result<()> {
        self.owned_room(user, room).await?;
        if room == GENERAL {
            return Err(Error::invalid(
                "general_room",
                "Everyone is in general; it cannot be deleted.",
            ));
        }
        Ok(self.store.delete_room(room).await?)
    }

    /// The owner makes a member a co-owner, or a co-owner a member again.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id, room = %room))]
    pub async fn set_member_role(
        &self,
        user: &User,
        room: RoomId,
        username: &str,
        role: Role,
    ) -> Result<()> {
        self.owned_room(user, room).await?;
        let member = self.user_named(username).await?;
        if member.id == user.id && role != Role::Owner {
            return Err(Error::invalid(
                "last_owner",
                "Make someone else an owner, then leave the room instead.",
            ));
        }
        if !self
            .store
            .change_role(room, member.id, role, reactor_of(user))
            .await?
        {
            return Err(Error::not_found(format!(
                "{} is not in this room.",
                member.username
            )));
        }
        Ok(())
    }

    /// The room if the user owns it; direct rooms have no owner to act.
    async fn owned_room(&self, user: &User, room: RoomId) -> Result<RoomAccess> {
        let (access, role) = self.member_access(user, room).await?;
        if access.kind == RoomKind::Direct {
            return Err(Error::invalid(
                "direct_room",
                "A direct conversation has no name, topic or owner to change it.",
            ));
        }
        if role != Role::Owner {
            return Err(Error::Forbidden(
                "Only the room's owners can change the room.".into(),
            ));
        }
        Ok(access)
    }
}

fn reactor_of(user: &User) -> Reactor {
    Reactor {
        user_id: user.id,
        username: user.username.clone(),
    }
}

/// One line of at most `TOPIC_MAX` characters, without control characters;
/// empty clears it.
fn parse_topic(raw: &str) -> Result<String> {
    let topic = raw.trim();
    if topic.chars().count() > TOPIC_MAX {
        return Err(Error::invalid(
            "topic_too_long",
            format!("A topic is at most {TOPIC_MAX} characters."),
        ));
    }
    if topic.chars().any(char::is_control) {
        return Err(Error::invalid(
            "topic_invalid",
            "A topic is one line, without control characters.",
        ));
    }
    Ok(topic.to_owned())
}
