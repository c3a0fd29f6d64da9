//! Rooms and memberships: who is in which room, and what they may do there.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{
    Member, Role, Room, RoomId, RoomKind, RoomListing, RoomSummary, Seq, Timestamp, UserId,
};

#[derive(Debug, Clone)]
pub struct NewRoom {
    pub kind: RoomKind,
    pub name: String,
    pub name_key: String,
    pub created_by: UserId,
    /// Added as plain members besides the creator, who becomes the owner.
    pub members: Vec<UserId>,
}

/// A user's place in a room.
#[derive(Debug, Clone, Copy)]
pub struct Membership {
    pub role: Role,
    pub last_read_seq: Seq,
}

/// What a user may do in a room: the parts of the room and of their
/// membership that every send and read checks. They change only when rooms
/// or memberships do, so the store may answer from memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomAccess {
    pub kind: RoomKind,
    pub slow_mode_secs: u32,
    /// `None` when the user is not a member.
    pub role: Option<Role>,
    /// Archived rooms are read-only (issue 16).
    pub archived: bool,
}

/// A room's access for each of its members at once: what a node reads to
/// remember a whole room, since a failed node's clients arrive on the
/// others together, many of them members of the same rooms.
#[derive(Debug, Clone)]
pub struct RoomRoles {
    /// The room's part of every member's `RoomAccess` (`role` is `None`).
    pub room: RoomAccess,
    /// Every member with their role; `None` when there are more than the
    /// most asked for.
    pub members: Option<Vec<(UserId, Role)>>,
}

impl RoomRoles {
    /// `user`'s access, when every member is listed.
    pub fn of(&self, user: UserId) -> Option<RoomAccess> {
        let members = self.members.as_ref()?;
        let role = members.iter().find(|(u, _)| *u == user).map(|(_, r)| *r);
        Some(RoomAccess { role, ..self.room })
    }
}

/// Every write here that adds or removes a membership announces
/// `Event::Membership` (the hub and the cached layer act on it); joining
/// and leaving also log `member.joined` / `member.left` in the room, in the
/// same transaction. Other changes to `RoomAccess` announce
/// `Changed::RoomAccess`.
#[async_trait]
pub trait Rooms: Send + Sync {
    /// `Conflict` when a public room of that name exists.
    async fn create_room(&self, room: NewRoom, now: Timestamp) -> StoreResult<Room>;
    /// The room and the user's membership of it (`None` if there is no room).
    async fn room_for(
        &self,
        room: RoomId,
        user: UserId,
    ) -> StoreResult<Option<(Room, Option<Membership>)>>;
    /// `room_for` without the parts that change with every message: the
    /// check on the hot paths (send, history), answered from memory when it
    /// can be. `None` if there is no room.
    async fn access(&self, room: RoomId, user: UserId) -> StoreResult<Option<RoomAccess>>;
    /// The room's access for all its members, listed only when there are
    /// at most `most`. `None` if there is no room.
    async fn room_roles(&self, room: RoomId, most: u32) -> StoreResult<Option<RoomRoles>>;
    async fn rooms_of(&self, user: UserId) -> StoreResult<Vec<RoomSummary>>;
    async fn public_rooms(&self, asking: UserId) -> StoreResult<Vec<RoomListing>>;
    /// Adds the membership and logs `member.joined` (`by`: who added them,
    /// `None` when they joined by themselves); a no-op when it exists.
    async fn add_member(
        &self,
        room: RoomId,
        user: UserId,
        role: Role,
        now: Timestamp,
        by: Option<UserId>,
    ) -> StoreResult<()>;
    /// Removes the membership and logs `member.left` (`by`: who removed
    /// them, `None` when they left); returns whether there was one. When
    /// the owner goes, the remaining member who joined first becomes the
    /// owner, in the same transaction.
    async fn remove_member(
        &self,
        room: RoomId,
        user: UserId,
        by: Option<UserId>,
    ) -> StoreResult<bool>;
    async fn members(&self, room: RoomId) -> StoreResult<Vec<Member>>;
    /// The direct room of the two users, made on first use.
    async fn direct_room(&self, a: UserId, b: UserId, now: Timestamp) -> StoreResult<Room>;
    /// Moves the read marker forward (never back, never past the last seq).
    async fn mark_read(&self, room: RoomId, user: UserId, seq: Seq) -> StoreResult<()>;
    /// Announces `Changed::RoomAccess`.
    async fn set_slow_mode(&self, room: RoomId, secs: u32) -> StoreResult<()>;
}
