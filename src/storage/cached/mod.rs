//! The cached layer in front of any `Store`: the reads every request makes
//! (who a session token belongs to, what a user may do in a room) answered
//! from memory. What the store tells its commit listeners decides what is
//! forgotten, so any backend that announces its changes (see `Changed`)
//! gets the same caching, and on several nodes the events of the bus do
//! the same for changes made elsewhere.

mod cache;
mod forward;

use std::sync::Arc;

use async_trait::async_trait;

use self::cache::Cache;
use super::{
    Accounts, Membership, NewRoom, Publisher, RoomAccess, RoomRoles, Rooms, Store, StoreResult,
};
use crate::domain::{
    Changed, Event, Member, Role, Room, RoomId, RoomListing, RoomSummary, Seq, Theme, Timestamp,
    User, UserId,
};
use crate::storage::UserRecord;

/// The remembered answers. Give it to the store as its `invalidate`
/// listener (before answers) and to `CachedStore::new`.
#[derive(Default)]
pub struct Caches {
    sessions: Cache<[u8; 32], User>,
    access: Cache<(RoomId, UserId), Option<RoomAccess>>,
    /// Rooms with more members than a fill reads (`ROOM_FILL`): asked
    /// member by member.
    crowded: Cache<RoomId, ()>,
}

/// On a miss, the access of the whole room is read and remembered when it
/// has at most this many members. A failed node's clients arrive on the
/// other nodes together; with one read per room instead of one per member
/// and room, the 10,000 of a failover on 300 rooms cost 300 reads, not
/// 10,000 (BENCHMARKS.md, issue 15).
const ROOM_FILL: u32 = 256;

impl Caches {
    /// Forgets every answer: for a node that may have missed other nodes'
    /// changes (its bus is down or has just come back).
    pub fn forget_all(&self) {
        self.sessions.invalidate();
        self.access.invalidate();
        self.crowded.invalidate();
    }
}

impl Publisher for Caches {
    /// Forgets wholesale: these changes are rare, and a key-by-key rule
    /// would have to know, for instance, every member an owner hand-over
    /// touched.
    fn publish(&self, events: &[Event]) {
        let (mut sessions, mut access) = (false, false);
        for event in events {
            match event {
                Event::Room(_) | Event::Person(_) => {}
                Event::Sessions(_) | Event::Changed(Changed::Account(_)) => sessions = true,
                Event::Membership(_) | Event::Changed(Changed::RoomAccess(_)) => access = true,
            }
        }
        if sessions {
            self.sessions.invalidate();
        }
        if access {
            self.access.invalidate();
            self.crowded.invalidate();
        }
    }
}

/// `inner` with the hot reads answered from `caches`. Generic over the
/// backend, so each call reaches it without another indirection.
pub struct CachedStore<S> {
    inner: S,
    caches: Arc<Caches>,
}

impl<S: Store> CachedStore<S> {
    /// `caches` must be the `invalidate` listener `inner` was opened with.
    pub fn new(inner: S, caches: Arc<Caches>) -> Self {
        Self { inner, caches }
    }

    pub fn inner(&self) -> &S {
        &self.inner
    }
}

#[async_trait]
impl<S: Store> Accounts for CachedStore<S> {
    async fn create_user(
        &self,
        username: &str,
        username_key: &str,
        password_hash: Option<String>,
        now: Timestamp,
    ) -> StoreResult<User> {
        self.inner
            .create_user(username, username_key, password_hash, now)
            .await
    }

    async fn user_by_name(&self, username_key: &str) -> StoreResult<Option<UserRecord>> {
        self.inner.user_by_name(username_key).await
    }

    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<UserRecord>> {
        self.inner.user_by_id(id).await
    }

    async fn set_password_hash(&self, user: UserId, hash: String) -> StoreResult<()> {
        self.inner.set_password_hash(user, hash).await
    }

    async fn set_theme(&self, user: UserId, theme: Theme) -> StoreResult<()> {
        self.inner.set_theme(user, theme).await
    }

    async fn create_session(
        &self,
        user: UserId,
        token_hash: [u8; 32],
        now: Timestamp,
    ) -> StoreResult<()> {
        self.inner.create_session(user, token_hash, now).await
    }

    async fn user_for_session(&self, token_hash: [u8; 32]) -> StoreResult<Option<User>> {
        let sessions = &self.caches.sessions;
        if let Some(user) = sessions.get(&token_hash) {
            return Ok(Some(user));
        }
        let read_at = sessions.generation();
        let user = self.inner.user_for_session(token_hash).await?;
        if let Some(user) = &user {
            sessions.put(read_at, token_hash, user.clone());
        }
        Ok(user)
    }

    async fn delete_session(&self, token_hash: [u8; 32]) -> StoreResult<()> {
        self.inner.delete_session(token_hash).await
    }

    async fn delete_sessions_of(&self, user: UserId, keep: Option<[u8; 32]>) -> StoreResult<u64> {
        self.inner.delete_sessions_of(user, keep).await
    }
}

#[async_trait]
impl<S: Store> Rooms for CachedStore<S> {
    async fn create_room(&self, room: NewRoom, now: Timestamp) -> StoreResult<Room> {
        self.inner.create_room(room, now).await
    }

    async fn room_for(
        &self,
        room: RoomId,
        user: UserId,
    ) -> StoreResult<Option<(Room, Option<Membership>)>> {
        self.inner.room_for(room, user).await
    }

    async fn access(&self, room: RoomId, user: UserId) -> StoreResult<Option<RoomAccess>> {
        let cached = &self.caches.access;
        if let Some(access) = cached.get(&(room, user)) {
            return Ok(access);
        }
        let read_at = cached.generation();
        let crowded = &self.caches.crowded;
        if crowded.get(&room).is_none() {
            let crowded_at = crowded.generation();
            let Some(roles) = self.inner.room_roles(room, ROOM_FILL).await? else {
                cached.put(read_at, (room, user), None);
                return Ok(None);
            };
            if let (Some(members), Some(access)) = (&roles.members, roles.of(user)) {
                let base = roles.room;
                let each = members.iter().map(|&(member, role)| {
                    let access = RoomAccess {
                        role: Some(role),
                        ..base
                    };
                    ((room, member), Some(access))
                });
                cached.put_all(read_at, each.chain([((room, user), Some(access))]));
                return Ok(Some(access));
            }
            crowded.put(crowded_at, room, ());
        }
        let access = self.inner.access(room, user).await?;
        cached.put(read_at, (room, user), access);
        Ok(access)
    }

    async fn room_roles(&self, room: RoomId, most: u32) -> StoreResult<Option<RoomRoles>> {
        self.inner.room_roles(room, most).await
    }

    async fn rooms_of(&self, user: UserId) -> StoreResult<Vec<RoomSummary>> {
        self.inner.rooms_of(user).await
    }

    async fn public_rooms(&self, asking: UserId) -> StoreResult<Vec<RoomListing>> {
        self.inner.public_rooms(asking).await
    }

    async fn add_member(
        &self,
        room: RoomId,
        user: UserId,
        role: Role,
        now: Timestamp,
        by: Option<UserId>,
    ) -> StoreResult<()> {
        self.inner.add_member(room, user, role, now, by).await
    }

    async fn remove_member(
        &self,
        room: RoomId,
        user: UserId,
        by: Option<UserId>,
    ) -> StoreResult<bool> {
        self.inner.remove_member(room, user, by).await
    }

    async fn members(&self, room: RoomId) -> StoreResult<Vec<Member>> {
        self.inner.members(room).await
    }

    async fn direct_room(&self, a: UserId, b: UserId, now: Timestamp) -> StoreResult<Room> {
        self.inner.direct_room(a, b, now).await
    }

    async fn mark_read(&self, room: RoomId, user: UserId, seq: Seq) -> StoreResult<()> {
        self.inner.mark_read(room, user, seq).await
    }

    async fn set_slow_mode(&self, room: RoomId, secs: u32) -> StoreResult<()> {
        self.inner.set_slow_mode(room, secs).await
    }
}
