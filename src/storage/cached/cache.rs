//! One remembered answer per key, for reads every request makes. Such
//! answers change only on rare writes, so a cache is cleared wholesale when
//! an event says one of them changed. Bounded.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

const MAX_ENTRIES: usize = 100_000;

pub struct Cache<K, V> {
    entries: Mutex<HashMap<K, V>>,
    /// Bumped on every invalidation: a read that started before it must not
    /// put what it read into the cache.
    generation: AtomicU64,
}

impl<K, V> Default for Cache<K, V> {
    fn default() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(0),
        }
    }
}

impl<K: Eq + Hash, V: Clone> Cache<K, V> {
    pub fn get(&self, key: &K) -> Option<V> {
        self.entries.lock().expect("cache lock").get(key).cloned()
    }

    /// Call before reading the database; pass the result to `put`.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Remembers a read, unless something changed since it started.
    pub fn put(&self, read_at: u64, key: K, value: V) {
        self.put_all(read_at, [(key, value)]);
    }

    /// Remembers several answers of one read, under one lock.
    pub fn put_all(&self, read_at: u64, answers: impl IntoIterator<Item = (K, V)>) {
        let mut entries = self.entries.lock().expect("cache lock");
        if self.generation.load(Ordering::Acquire) != read_at {
            return;
        }
        for (key, value) in answers {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(key, value);
        }
    }

    /// Forgets everything; call after a change commits.
    pub fn invalidate(&self) {
        let mut entries = self.entries.lock().expect("cache lock");
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_that_raced_an_invalidation_is_not_cached() {
        let cache = Cache::<u8, &str>::default();
        let before = cache.generation();
        cache.invalidate(); // a sign-out commits while the read is under way
        cache.put(before, 1, "alice");
        assert!(cache.get(&1).is_none());
        let now = cache.generation();
        cache.put(now, 1, "alice");
        assert_eq!(cache.get(&1), Some("alice"));
        cache.invalidate();
        assert!(cache.get(&1).is_none());
    }
}
