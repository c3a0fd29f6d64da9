//! The one token bucket behind every rate limit: a `Rate` (a burst and a
//! refill speed) and a `TokenBucket` (what is left of it), kept one per
//! connection (`realtime::budget`), one per key in memory (`Buckets`: per
//! address, per name, and per user on a single SQLite node), or as a row
//! per user in PostgreSQL, which computes the same refill in SQL
//! (`storage/postgres/send_rates.rs`).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A whole token, less what floating point loses in a refill: a client that
/// waited the advertised time must not fall short by a rounding error.
pub const WHOLE: f64 = 1.0 - 1e-9;

/// How fast a bucket fills and how much it holds: `burst` events at once,
/// then `per_second`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub burst: f64,
    pub per_second: f64,
}

impl Rate {
    /// `count` events per `period`, all of which may come at once.
    pub fn new(count: u32, period: Duration) -> Self {
        Self {
            burst: f64::from(count.max(1)),
            per_second: f64::from(count.max(1)) / period.as_secs_f64().max(0.001),
        }
    }

    /// How long until a bucket holding `tokens` has a whole one again.
    pub fn wait_from(&self, tokens: f64) -> Duration {
        Duration::from_secs_f64(((1.0 - tokens) / self.per_second).max(0.0))
    }

    /// How long an empty bucket takes to fill: a bucket untouched for
    /// that long holds nothing worth keeping.
    fn fill_time(&self) -> f64 {
        self.burst / self.per_second
    }
}

/// What is left of one bucket, and when that was.
#[derive(Debug, Clone, Copy)]
pub struct TokenBucket {
    tokens: f64,
    at: Instant,
}

impl TokenBucket {
    /// A full bucket.
    pub fn full(rate: Rate, now: Instant) -> Self {
        Self {
            tokens: rate.burst,
            at: now,
        }
    }

    /// Takes one token, or says how long until one is free.
    pub fn take(&mut self, rate: Rate, now: Instant) -> Result<(), Duration> {
        self.tokens = self.refilled(rate, now);
        self.at = now;
        if self.tokens >= WHOLE {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(rate.wait_from(self.tokens))
        }
    }

    /// Whether a token is there, without taking it.
    pub fn check(&self, rate: Rate, now: Instant) -> Result<(), Duration> {
        let tokens = self.refilled(rate, now);
        if tokens >= WHOLE {
            Ok(())
        } else {
            Err(rate.wait_from(tokens))
        }
    }

    fn refilled(&self, rate: Rate, now: Instant) -> f64 {
        (self.tokens + now.saturating_duration_since(self.at).as_secs_f64() * rate.per_second)
            .min(rate.burst)
    }
}

/// How many keys one `Buckets` tracks before it forgets idle ones.
const MAX_KEYS: usize = 100_000;

/// A bucket per key, in memory, bounded in size.
pub struct Buckets<K> {
    map: Mutex<HashMap<K, TokenBucket>>,
}

impl<K> Default for Buckets<K> {
    fn default() -> Self {
        Self {
            map: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash> Buckets<K> {
    /// Takes one of `key`'s tokens at `rate`, or says how long until one is
    /// free. `owned` makes the key only when it is new.
    pub fn take<Q>(&self, key: &Q, owned: impl FnOnce(&Q) -> K, rate: Rate) -> Result<(), Duration>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let now = Instant::now();
        let mut map = self.map.lock().expect("bucket lock");
        if let Some(bucket) = map.get_mut(key) {
            return bucket.take(rate, now);
        }
        if map.len() >= MAX_KEYS {
            forget_idle(&mut map, rate, now);
        }
        let mut bucket = TokenBucket::full(rate, now);
        let taken = bucket.take(rate, now);
        map.insert(owned(key), bucket);
        taken
    }

    /// Whether `key` has a token left at `rate`, without taking it.
    pub fn check<Q>(&self, key: &Q, rate: Rate) -> Result<(), Duration>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let map = self.map.lock().expect("bucket lock");
        map.get(key)
            .map_or(Ok(()), |bucket| bucket.check(rate, Instant::now()))
    }
}

/// Drops buckets that have refilled (they hold no information); if all
/// are busy, drops everything rather than grow without bound.
fn forget_idle<K>(map: &mut HashMap<K, TokenBucket>, rate: Rate, now: Instant) {
    let full_after = rate.fill_time();
    map.retain(|_, b| now.saturating_duration_since(b.at).as_secs_f64() < full_after);
    if map.len() >= MAX_KEYS {
        map.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_gives_its_burst_then_a_token_per_refill_interval() {
        let rate = Rate::new(2, Duration::from_secs(1));
        let start = Instant::now();
        let mut b = TokenBucket::full(rate, start);
        assert!(b.take(rate, start).is_ok() && b.take(rate, start).is_ok());
        let wait = b.take(rate, start).unwrap_err();
        assert!(
            wait > Duration::from_millis(490) && wait <= Duration::from_millis(500),
            "{wait:?}"
        );
        // Waiting exactly the advertised time is enough.
        assert!(b.take(rate, start + wait).is_ok());
        assert!(b.check(rate, start + wait).is_err());
    }

    #[test]
    fn keyed_buckets_are_independent_and_a_check_takes_nothing() {
        let rate = Rate::new(1, Duration::from_mins(1));
        let buckets = Buckets::<String>::default();
        assert!(buckets.check("a", rate).is_ok());
        assert!(buckets.take("a", str::to_owned, rate).is_ok());
        assert!(buckets.check("a", rate).is_err());
        assert!(buckets.take("a", str::to_owned, rate).is_err());
        assert!(buckets.take("b", str::to_owned, rate).is_ok());
    }
}
