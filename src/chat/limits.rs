//! Abuse limits: token buckets per key (an IP, a username, a token) kept in
//! memory, each table bounded in size. The limits on sends must hold across
//! nodes, so the store, which every node shares, decides them: slow mode in
//! the send's transaction (`storage::SendLimits`), the per-user send rate
//! just before it (`storage::SendRates`); their refusals are only counted
//! here.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::domain::{Buckets, Rate};
use crate::error::{Error, Result};
use crate::storage::{StoreError, SENDS_PER_USER};

/// A token bucket per key (`domain::Buckets`) at one `Rate`, counting what
/// it refuses.
pub struct RateLimiter {
    rate: Rate,
    buckets: Buckets<String>,
    /// Requests refused, for metrics.
    refused: AtomicU64,
}

impl RateLimiter {
    /// `count` events per `period`, all of which may come at once.
    pub fn new(count: u32, period: Duration) -> Self {
        Self {
            rate: Rate::new(count, period),
            buckets: Buckets::default(),
            refused: AtomicU64::new(0),
        }
    }

    /// How many requests this limiter has refused.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// Takes one token for `key`, or says how long until one is free.
    pub fn take(&self, key: &str) -> Result<()> {
        // A known key is found without copying it.
        self.buckets
            .take(key, str::to_owned, self.rate)
            .map_err(|wait| self.come_back(wait))
    }

    /// Whether `key` has a token left, without taking it.
    pub fn check(&self, key: &str) -> Result<()> {
        self.buckets
            .check(key, self.rate)
            .map_err(|wait| self.come_back(wait))
    }

    /// The refusal (counted) with the time until a whole token is back (the
    /// header rounds it up to whole seconds, so waiting that long is enough).
    fn come_back(&self, retry_after: Duration) -> Error {
        self.refused.fetch_add(1, Ordering::Relaxed);
        Error::RateLimited { retry_after }
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
    /// Each user's sends, over all nodes: the store keeps the buckets.
    pub sends_per_user: Option<Rate>,
    /// Requests per API token (bots, scripts), of any kind.
    pub requests_per_token: Option<RateLimiter>,
    /// Sends the store refused by slow mode, and by the send rate.
    slow_mode_refused: AtomicU64,
    sends_refused: AtomicU64,
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
            sends_per_user: s
                .enabled
                .then(|| Rate::new(s.sends_per_second.saturating_mul(3), Duration::from_secs(3))),
            requests_per_token: on(RateLimiter::new(
                s.token_requests_per_minute,
                Duration::from_mins(1),
            )),
            slow_mode_refused: AtomicU64::new(0),
            sends_refused: AtomicU64::new(0),
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
            ("sends_per_user", self.sends_refused.load(Ordering::Relaxed)),
            ("requests_per_token", of(&self.requests_per_token)),
            ("slow_mode", self.slow_mode_refused.load(Ordering::Relaxed)),
        ]
    }

    pub fn take(limiter: Option<&RateLimiter>, key: &str) -> Result<()> {
        limiter.map_or(Ok(()), |l| l.take(key))
    }

    /// The error for a store's answer, counting a refusal by one of the
    /// limits the store keeps (slow mode, the send rate).
    pub fn store_refusal(&self, e: StoreError) -> Error {
        if let StoreError::Limited { limit, .. } = &e {
            let counter = match *limit {
                "slow_mode" => Some(&self.slow_mode_refused),
                SENDS_PER_USER => Some(&self.sends_refused),
                _ => None,
            };
            if let Some(counter) = counter {
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }
        e.into()
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
