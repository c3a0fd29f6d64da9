//! Room care (issue 16): what a room's owners change about it — topic,
//! name, archive, pin policy, co-owners — and deleting it.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{Reactor, Role, RoomCare, RoomId, RoomSettings, UserId};

#[async_trait]
pub trait RoomCaretaking: Send + Sync {
    /// Topic, archive state and pin policy. `NotFound` when there is no room.
    async fn room_settings(&self, room: RoomId) -> StoreResult<RoomSettings>;
    /// Applies an owner's change and logs `room.updated`; returns the
    /// settings after it. `Conflict` when a rename takes a public room's name.
    /// Announces `Changed::RoomAccess` (archived rooms are read-only).
    async fn care_for_room(
        &self,
        room: RoomId,
        change: RoomCare,
        who: Reactor,
    ) -> StoreResult<RoomSettings>;
    /// Deletes the room and everything in it; its members hear that they
    /// left it; announces `Changed::RoomAccess`.
    async fn delete_room(&self, room: RoomId) -> StoreResult<()>;
    /// Makes a member an owner (or an owner a member) and logs
    /// `member.role_changed`; `false` when they are not in the room.
    /// Announces `Changed::RoomAccess` when it changed anything.
    async fn change_role(
        &self,
        room: RoomId,
        user: UserId,
        role: Role,
        by: Reactor,
    ) -> StoreResult<bool>;
}
