//! Rooms and memberships: create, list, join, leave, invite, direct rooms,
//! read markers. Every room lookup goes through `visible_room`,
//! `member_room` or `member_access`, so a private room is 404 to everyone
//! outside it.

use super::Chat;
use crate::domain::{
    Member, Role, Room, RoomId, RoomKind, RoomListing, RoomName, RoomSummary, Seq, Timestamp, User,
    UserId, Username,
};
use crate::error::{Error, Result};
use crate::storage::{Membership, NewRoom, RoomAccess, StoreError};

/// The public room every user joins, made by the first migration.
pub const GENERAL: RoomId = RoomId(1);

impl Chat {
    /// The room if the user may see it: members see any room, everyone sees
    /// public ones. Anything else is "not found", exactly like a missing room.
    pub(super) async fn visible_room(
        &self,
        user: &User,
        id: RoomId,
    ) -> Result<(Room, Option<Membership>)> {
        let (room, membership) = self
            .store
            .room_for(id, user.id)
            .await?
            .ok_or_else(Error::room_not_found)?;
        if membership.is_none() && room.kind != RoomKind::Public {
            return Err(Error::room_not_found());
        }
        Ok((room, membership))
    }

    /// The room if the user is in it. A public room they have not joined is
    /// 403 (its existence is no secret); any other room is 404.
    pub(super) async fn member_room(&self, user: &User, id: RoomId) -> Result<(Room, Membership)> {
        match self.visible_room(user, id).await? {
            (room, Some(membership)) => Ok((room, membership)),
            (_, None) => Err(Error::Forbidden("Join the room first.".into())),
        }
    }

    /// `member_room` for the hot paths (send, history, edit, delete,
    /// replay): the same answers, from what the store can remember between
    /// requests, without the room's changing parts (its newest seq).
    pub(super) async fn member_access(
        &self,
        user: &User,
        id: RoomId,
    ) -> Result<(RoomAccess, Role)> {
        let access = self
            .store
            .access(id, user.id)
            .await?
            .ok_or_else(Error::room_not_found)?;
        match access.role {
            Some(role) => Ok((access, role)),
            None if access.kind == RoomKind::Public => {
                Err(Error::Forbidden("Join the room first.".into()))
            }
            None => Err(Error::room_not_found()),
        }
    }

    pub(super) async fn user_named(&self, username: &str) -> Result<User> {
        let not_found = || Error::not_found(format!("There is no user named {}.", username.trim()));
        let name = Username::parse(username).map_err(|_| not_found())?;
        Ok(self
            .store
            .user_by_name(&name.key())
            .await?
            .ok_or_else(not_found)?
            .user)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id))]
    pub async fn my_rooms(&self, user: &User) -> Result<Vec<RoomSummary>> {
        let rooms = self.store.rooms_of(user.id).await?;
        let rooms = self.with_mentions_and_levels(user, rooms).await?;
        let rooms = self.with_peer_profiles(rooms).await?;
        self.with_groups(user, rooms).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id))]
    pub async fn public_rooms(&self, user: &User) -> Result<Vec<RoomListing>> {
        Ok(self.store.public_rooms(user.id).await?)
    }

    /// Creates a public or private room owned by `user`, with `members` in it.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id))]
    pub async fn create_room(
        &self,
        user: &User,
        name: &str,
        kind: RoomKind,
        members: &[String],
    ) -> Result<Room> {
        if kind == RoomKind::Direct {
            return Err(Error::invalid(
                "room_kind_invalid",
                "Start a direct conversation with /api/v1/dms instead.",
            ));
        }
        let name = RoomName::parse(name)?;
        let mut member_ids: Vec<UserId> = Vec::with_capacity(members.len());
        for username in members {
            let member = self.user_named(username).await?;
            if member.id != user.id && !member_ids.contains(&member.id) {
                member_ids.push(member.id);
            }
        }
        let new = NewRoom {
            kind,
            name: name.as_str().to_owned(),
            name_key: name.key(),
            created_by: user.id,
            members: member_ids,
        };
        self.store
            .create_room(new, Timestamp::now())
            .await
            .map_err(|e| match e {
                StoreError::Conflict => {
                    Error::conflict("room_name_taken", "A public room with that name exists.")
                }
                other => other.into(),
            })
    }

    /// Joins a public room (a no-op when already in it).
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id, room = %id))]
    pub async fn join_room(&self, user: &User, id: RoomId) -> Result<Room> {
        let (room, membership) = self.visible_room(user, id).await?;
        if membership.is_none() {
            self.refuse_banned(id, user.id).await?;
            // visible_room let us through without membership: the room is public.
            self.store
                .add_member(id, user.id, Role::Member, Timestamp::now(), None)
                .await?;
        }
        Ok(room)
    }

    /// Leaves a room. Everyone is in `general`, and a direct conversation
    /// (or one's notes to self) stays; those cannot be left. When the owner
    /// leaves, the member who has been in the room longest becomes its
    /// owner (in the same transaction), so a room always has someone who
    /// can manage it while anyone is in it.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id, room = %id))]
    pub async fn leave_room(&self, user: &User, id: RoomId) -> Result<()> {
        let (room, _) = self
            .member_room(user, id)
            .await
            .map_err(|_| Error::room_not_found())?;
        if room.kind == RoomKind::Direct {
            return Err(Error::invalid(
                "direct_room",
                "You cannot leave a direct conversation.",
            ));
        }
        if id == GENERAL {
            return Err(Error::invalid(
                "general_room",
                "Everyone is in general; it cannot be left.",
            ));
        }
        if self.store.remove_member(id, user.id, None).await? {
            self.follow_group_name(id, user, None, Some(&user.username))
                .await?;
        }
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id, room = %id))]
    pub async fn members(&self, user: &User, id: RoomId) -> Result<Vec<Member>> {
        self.visible_room(user, id).await?;
        self.with_profiles(self.store.members(id).await?).await
    }

    /// Adds someone to a room the user is in. Any member may add people to
    /// a public or private room (as in Slack, Mattermost, Zulip and Matrix
    /// by default): whoever reads the room could pass its content on anyway.
    /// Removing people is the owner's.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id, room = %id))]
    pub async fn add_member(&self, user: &User, id: RoomId, username: &str) -> Result<Member> {
        let (room, _) = self.member_room(user, id).await?;
        if room.kind == RoomKind::Direct {
            return Err(Error::invalid(
                "direct_room",
                "A direct conversation has exactly two people.",
            ));
        }
        let member = self.user_named(username).await?;
        self.refuse_banned(id, member.id).await?;
        self.refuse_full_group(id).await?;
        self.store
            .add_member(id, member.id, Role::Member, Timestamp::now(), Some(user.id))
            .await?;
        self.follow_group_name(id, user, Some(&member.username), None)
            .await?;
        Ok(Member {
            user_id: member.id,
            username: member.username,
            role: Role::Member,
            profile: crate::domain::Profile::default(),
        })
    }

    /// Removes someone from a room: owners may remove anyone, anyone may remove themselves.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id, room = %id))]
    pub async fn remove_member(&self, user: &User, id: RoomId, username: &str) -> Result<()> {
        let (room, membership) = self.member_room(user, id).await?;
        let member = self.user_named(username).await?;
        if member.id == user.id {
            return self.leave_room(user, id).await;
        }
        if room.kind == RoomKind::Direct || membership.role != Role::Owner {
            return Err(Error::Forbidden(
                "Only the room's owner can remove people.".into(),
            ));
        }
        if id == GENERAL {
            return Err(Error::invalid(
                "general_room",
                "Everyone is in general; to keep someone out, an admin deactivates their account.",
            ));
        }
        if !self
            .store
            .remove_member(id, member.id, Some(user.id))
            .await?
        {
            return Err(Error::not_found(format!(
                "{} is not in this room.",
                member.username
            )));
        }
        self.follow_group_name(id, user, None, Some(&member.username))
            .await?;
        Ok(())
    }

    /// The direct room with `username`, made on first use and reused after.
    /// With oneself it is a room of one: notes to self, by design (a place
    /// to keep links and drafts, as Slack and Mattermost have).
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id))]
    pub async fn open_direct(&self, user: &User, username: &str) -> Result<Room> {
        let other = self.user_named(username).await?;
        Ok(self
            .store
            .direct_room(user.id, other.id, Timestamp::now())
            .await?)
    }

    /// Sets the room's slow mode (0 turns it off); the owner's call.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id, room = %id))]
    pub async fn set_slow_mode(&self, user: &User, id: RoomId, secs: u32) -> Result<Room> {
        let (room, membership) = self.member_room(user, id).await?;
        if membership.role != Role::Owner {
            return Err(Error::Forbidden(
                "Only the room's owner can set slow mode.".into(),
            ));
        }
        if secs > 86_400 {
            return Err(Error::invalid(
                "slow_mode_invalid",
                "Slow mode is at most 86400 seconds (a day).",
            ));
        }
        self.store.set_slow_mode(id, secs).await?;
        Ok(Room {
            slow_mode_secs: secs,
            ..room
        })
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id, room = %id))]
    pub async fn mark_read(&self, user: &User, id: RoomId, seq: Seq) -> Result<()> {
        self.member_room(user, id).await?;
        Ok(self.store.mark_read(id, user.id, seq).await?)
    }
}
