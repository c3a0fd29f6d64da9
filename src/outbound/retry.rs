//! When to try a failed delivery again: exponential backoff with full jitter
//! (a uniformly random wait up to a ceiling that doubles per failure), and
//! after `max_attempts` failures, pause the target for its owner to resume.

use std::time::Duration;

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Wait this long, then try the same event again.
    After(Duration),
    /// Stop: pause the target (its cursor stays on the undelivered event).
    Pause,
}

/// The backoff schedule. `Default`: ceilings 1 s, 2 s, 4 s, ... up to 30 min,
/// 20 attempts in all (a receiver may be down for about 2–4.5 hours before
/// its hook pauses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The ceiling of the first wait.
    pub base: Duration,
    /// The largest ceiling.
    pub cap: Duration,
    /// Attempts in all, the first included, before pausing.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(1),
            cap: Duration::from_mins(30),
            max_attempts: 20,
        }
    }
}

impl RetryPolicy {
    /// After the `failures`-th failed attempt of one event (1 for the first),
    /// given `unit`, a uniform random number in [0, 1): wait
    /// `unit * min(cap, base * 2^(failures-1))`, or pause once `failures`
    /// reaches `max_attempts`. Pure, so the schedule is testable.
    pub fn after_failure(&self, failures: u32, unit: f64) -> Retry {
        if failures >= self.max_attempts {
            return Retry::Pause;
        }
        Retry::After(self.ceiling(failures).mul_f64(unit.clamp(0.0, 1.0)))
    }

    /// [`Self::after_failure`] with a fresh random `unit`, waiting at least
    /// `floor` (a receiver's `Retry-After`, itself capped at `cap`).
    pub fn after_failure_random(&self, failures: u32, floor: Option<Duration>) -> Retry {
        match self.after_failure(failures, rand::random::<f64>()) {
            Retry::After(wait) => Retry::After(wait.max(floor.unwrap_or_default().min(self.cap))),
            Retry::Pause => Retry::Pause,
        }
    }

    /// The largest wait after the `failures`-th failure.
    pub fn ceiling(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(63);
        self.base
            .checked_mul(1u32.checked_shl(doublings).unwrap_or(u32::MAX))
            .unwrap_or(self.cap)
            .min(self.cap)
    }
}

/// A `Retry-After` value (RFC 9110: delay-seconds or an HTTP-date) as a
/// wait from `now` (unix seconds); a date in the past is no wait.
pub fn parse_retry_after(value: &str, now: i64) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let at = time::PrimitiveDateTime::parse(value, &format)
        .ok()?
        .assume_utc()
        .unix_timestamp();
    Some(Duration::from_secs(u64::try_from(at - now).unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_read_as_seconds_or_as_an_http_date() {
        assert_eq!(parse_retry_after("120", 0), Some(secs(120)));
        // Sun, 06 Nov 1994 08:49:37 GMT is 784111777.
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_777 - 30),
            Some(secs(30))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_777 + 30),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", 0), None);
        assert_eq!(parse_retry_after("-5", 0), None);
    }

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn the_ceiling_doubles_per_failure_up_to_the_cap() {
        let policy = RetryPolicy {
            base: secs(1),
            cap: secs(60),
            max_attempts: 100,
        };
        let ceilings: Vec<u64> = (1..=9).map(|n| policy.ceiling(n).as_secs()).collect();
        assert_eq!(ceilings, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(policy.ceiling(99), secs(60), "no overflow far along");
    }

    #[test]
    fn full_jitter_spreads_the_wait_over_zero_to_the_ceiling() {
        let policy = RetryPolicy {
            base: secs(1),
            cap: secs(60),
            max_attempts: 100,
        };
        assert_eq!(policy.after_failure(3, 0.0), Retry::After(Duration::ZERO));
        assert_eq!(policy.after_failure(3, 0.5), Retry::After(secs(2)));
        assert_eq!(
            policy.after_failure(3, 0.999_999),
            Retry::After(secs(4).mul_f64(0.999_999))
        );
        assert_eq!(policy.after_failure(30, 0.5), Retry::After(secs(30)));
    }

    #[test]
    fn the_target_pauses_once_the_attempts_are_used_up() {
        let policy = RetryPolicy {
            base: secs(1),
            cap: secs(60),
            max_attempts: 3,
        };
        assert!(matches!(policy.after_failure(1, 0.5), Retry::After(_)));
        assert!(matches!(policy.after_failure(2, 0.5), Retry::After(_)));
        assert_eq!(policy.after_failure(3, 0.5), Retry::Pause);
        assert_eq!(policy.after_failure(4, 0.5), Retry::Pause);
    }

    #[test]
    fn a_receivers_retry_after_is_a_floor_no_longer_than_the_cap() {
        let policy = RetryPolicy {
            base: Duration::from_millis(1),
            cap: secs(60),
            max_attempts: 5,
        };
        assert_eq!(
            policy.after_failure_random(1, Some(secs(7))),
            Retry::After(secs(7))
        );
        assert_eq!(
            policy.after_failure_random(1, Some(secs(3600))),
            Retry::After(secs(60))
        );
        for _ in 0..100 {
            let Retry::After(wait) = policy.after_failure_random(1, None) else {
                panic!("paused early")
            };
            assert!(wait <= Duration::from_millis(1));
        }
    }

    #[test]
    fn the_default_gives_a_receiver_hours_before_pausing() {
        let policy = RetryPolicy::default();
        let worst: Duration = (1..policy.max_attempts).map(|n| policy.ceiling(n)).sum();
        assert!(
            worst > secs(4 * 3600) && worst < secs(5 * 3600),
            "{worst:?}"
        );
    }
}
