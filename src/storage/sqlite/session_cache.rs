//! Who a session token belongs to, remembered between requests: every
//! request asks, and the answer only changes when sessions end or the user
//! changes. Bounded; cleared wholesale on any change, since changes are rare.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::domain::User;

const MAX_ENTRIES: usize = 100_000;

#[derive(Default)]
pub struct SessionCache {
    users: Mutex<HashMap<[u8; 32], User>>,
    /// Bumped on every invalidation: a read that started before it must not
    /// put what it read into the cache.
    generation: AtomicU64,
}

impl SessionCache {
    pub fn get(&self, token_hash: &[u8; 32]) -> Option<User> {
        self.users
            .lock()
            .expect("session cache lock")
            .get(token_hash)
            .cloned()
    }

    /// Call before reading the database; pass the result to `put`.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Remembers a read, unless something changed since it started.
    pub fn put(&self, read_at: u64, token_hash: [u8; 32], user: User) {
        let mut users = self.users.lock().expect("session cache lock");
        if self.generation.load(Ordering::Acquire) != read_at {
            return;
        }
        if users.len() >= MAX_ENTRIES {
            users.clear();
        }
        users.insert(token_hash, user);
    }

    /// Forgets everything; call after a change to sessions or users commits.
    pub fn invalidate(&self) {
        let mut users = self.users.lock().expect("session cache lock");
        self.generation.fetch_add(1, Ordering::AcqRel);
        users.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Theme, Timestamp, UserId};

    fn user() -> User {
        User {
            id: UserId(1),
            username: "a".into(),
            has_password: false,
            theme: Theme::System,
            created_at: Timestamp(0),
        }
    }

    #[test]
    fn a_read_that_raced_an_invalidation_is_not_cached() {
        let cache = SessionCache::default();
        let before = cache.generation();
        cache.invalidate(); // a sign-out commits while the read is under way
        cache.put(before, [1; 32], user());
        assert!(cache.get(&[1; 32]).is_none());
        let now = cache.generation();
        cache.put(now, [1; 32], user());
        assert!(cache.get(&[1; 32]).is_some());
        cache.invalidate();
        assert!(cache.get(&[1; 32]).is_none());
    }
}
