//! Abuse limits kept in memory: token buckets per key (an IP, a username, a
//! user), each table bounded in size. Slow mode must hold across nodes, so
//! the store decides it in the send's transaction (`storage::SendLimits`);
//! its refusals are only counted here.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// How many keys one limiter tracks before it forgets idle ones.
const MAX_KEYS: usize = 100_000;

/// A whole token, less what floating point loses in a refill: a client that
/// waited the advertised time must not fall short by a rounding error.
const WHOLE: f64 = 1.0 - 1e-9;

/// A token bucket per key: `burst` at once, refilled at `per_second`.
pub struct RateLimiter {
    burst: f64,
    per_second: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
    /// Requests refused, for metrics.
    refused: AtomicU64,
}

impl RateLimiter {
    /// `count` events per `period`, all of which may come at once.
    pub fn new(count: u32, period: Duration) -> Self {
        Self {
            burst: f64::from(count.max(1)),
            per_second: f64::from(count.max(1)) / period.as_secs_f64().max(0.001),
            buckets: Mutex::new(HashMap::new()),
            refused: AtomicU64::new(0),
        }
    }

    /// How many requests this limiter has refused.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// Takes one token for `key`, or says how long until one is free.
    pub fn take(&self, key: &str) -> Result<()> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().expect("limiter lock");
        if buckets.len() >= MAX_KEYS && !buckets.contains_key(key) {
            self.forget_idle(&mut buckets, now);
        }
        // A known key is found without copying it.
        if !buckets.contains_key(key) {
            buckets.insert(key.to_owned(), (self.burst, now));
        }
        let (tokens, at) = buckets.get_mut(key).expect("inserted above");
        *tokens = self.refilled(*tokens, *at, now);
        *at = now;
        if *tokens >= WHOLE {
            *tokens -= 1.0;
            return Ok(());
        }
        Err(self.come_back(*tokens))
    }

    /// Whether `key` has a token left, without taking it.
    pub fn check(&self, key: &str) -> Result<()> {
        let buckets = self.buckets.lock().expect("limiter lock");
        match buckets.get(key) {
            Some(&(tokens, at)) => {
                let tokens = self.refilled(tokens, at, Instant::now());
                if tokens >= WHOLE {
                    Ok(())
                } else {
                    Err(self.come_back(tokens))
                }
            }
            None => Ok(()),
        }
    }

    /// The bucket's tokens at `now`, from `tokens` at `at`.
    fn refilled(&self, tokens: f64, at: Instant, now: Instant) -> f64 {
        (tokens + now.duration_since(at).as_secs_f64() * self.per_second).min(self.burst)
    }

    /// The refusal (counted) with the time until a whole token is back (the
    /// header rounds it up to whole seconds, so waiting that long is enough).
    fn come_back(&self, tokens: f64) -> Error {
        self.refused.fetch_add(1, Ordering::Relaxed);
        Error::RateLimited {
            retry_after: Duration::from_secs_f64((1.0 - tokens) / self.per_second),
        }
    }

    /// Drops buckets that have refilled (they hold no information); if all
    /// are busy, drops everything rather than grow without bound.
    fn forget_idle(&self, buckets: &mut HashMap<String, (f64, Instant)>, now: Instant) {
        let full_after = self.burst / self.per_second;
        buckets.retain(|_, (_, at)| now.duration_since(*at).as_secs_f64() < full_after);
        if buckets.len() >= MAX_KEYS {
            buckets.clear();
        }
    }
}

/// The limits in force; `None` turns a limit off.
pub struct Limits {
    pub sign_ups_per_ip: Option<RateLimiter>,
    /// Sign-up attempts per username (from any address).
    pub sign_ups_per_name: Option<RateLimiter>,
    pub sign_ins_per_ip: Option<RateLimiter>,
    /// Failed sign-ins per username: slows password guessing on one account.
    pub failed_sign_ins_per_name: Option<RateLimiter>,
    pub sends_per_user: Option<RateLimiter>,
    /// Requests per API token (bots, scripts), of any kind.
    pub requests_per_token: Option<RateLimiter>,
    /// Sends the store refused by slow mode.
    slow_mode_refused: AtomicU64,
}

/// Settings for `Limits`, from configuration.
#[derive(Debug, Clone)]
pub struct LimitSettings {
    pub enabled: bool,
    pub sign_ups_per_hour: u32,
    pub sign_ins_per_minute: u32,
    pub sends_per_second: u32,
    pub token_requests_per_minute: u32,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            sign_ups_per_hour: 30,
            sign_ins_per_minute: 20,
            sends_per_second: 10,
            token_requests_per_minute: 120,
        }
    }
}

impl Limits {
    pub fn new(s: &LimitSettings) -> Self {
        let on = |limiter: RateLimiter| s.enabled.then_some(limiter);
        Self {
            sign_ups_per_ip: on(RateLimiter::new(
                s.sign_ups_per_hour,
                Duration::from_hours(1),
            )),
            sign_ups_per_name: on(RateLimiter::new(5, Duration::from_mins(1))),
            sign_ins_per_ip: on(RateLimiter::new(
                s.sign_ins_per_minute,
                Duration::from_mins(1),
            )),
            failed_sign_ins_per_name: on(RateLimiter::new(10, Duration::from_mins(1))),
            // Bursts of three seconds' worth: pasting a few lines is fine.
            sends_per_user: on(RateLimiter::new(
                s.sends_per_second.saturating_mul(3),
                Duration::from_secs(3),
            )),
            requests_per_token: on(RateLimiter::new(
                s.token_requests_per_minute,
                Duration::from_mins(1),
            )),
            slow_mode_refused: AtomicU64::new(0),
        }
    }

    /// Refusals so far, by limit (for metrics).
    pub fn refusals(&self) -> Vec<(&'static str, u64)> {
        let of = |l: &Option<RateLimiter>| l.as_ref().map_or(0, RateLimiter::refused);
        vec![
            ("sign_ups_per_ip", of(&self.sign_ups_per_ip)),
            ("sign_ups_per_name", of(&self.sign_ups_per_name)),
            ("sign_ins_per_ip", of(&self.sign_ins_per_ip)),
            (
                "failed_sign_ins_per_name",
                of(&self.failed_sign_ins_per_name),
            ),
            ("sends_per_user", of(&self.sends_per_user)),
            ("requests_per_token", of(&self.requests_per_token)),
            ("slow_mode", self.slow_mode_refused.load(Ordering::Relaxed)),
        ]
    }

    pub fn take(limiter: Option<&RateLimiter>, key: &str) -> Result<()> {
        limiter.map_or(Ok(()), |l| l.take(key))
    }

    /// Counts a send the store refused by one of its `SendLimits`.
    pub fn refused_by_store(&self, limit: &str) {
        if limit == "slow_mode" {
            self.slow_mode_refused.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_says_when_to_come_back() {
        let l = RateLimiter::new(3, Duration::from_mins(1));
        for _ in 0..3 {
            l.take("1.2.3.4").unwrap();
        }
        let Err(Error::RateLimited { retry_after }) = l.take("1.2.3.4") else {
            panic!("not limited")
        };
        assert!(retry_after >= Duration::from_secs(1) && retry_after <= Duration::from_secs(20));
        assert!(l.take("5.6.7.8").is_ok(), "other keys are not affected");
    }
}
