//! One clock for every process of a run. `CLOCK_MONOTONIC` is system-wide,
//! so a send time stamped by the coordinator can be subtracted from a
//! receive time read in a worker process; `Instant` cannot cross processes.

use rustix::time::{clock_gettime, ClockId};

/// Nanoseconds on the system's monotonic clock.
pub fn now_ns() -> u64 {
    let t = clock_gettime(ClockId::Monotonic);
    let secs = u64::try_from(t.tv_sec).unwrap_or(0);
    let nanos = u64::try_from(t.tv_nsec).unwrap_or(0);
    secs * 1_000_000_000 + nanos
}

/// Seconds between two `now_ns` readings.
#[allow(clippy::cast_precision_loss)]
pub fn secs_between(from_ns: u64, to_ns: u64) -> f64 {
    to_ns.saturating_sub(from_ns) as f64 / 1e9
}

/// A message body that carries its send time: `t<nanos>:` padded with `x`
/// to `size` bytes, so every receiver can compute its own latency.
pub fn stamped_body(size: usize) -> String {
    let mut body = format!("t{}:", now_ns());
    while body.len() < size {
        body.push('x');
    }
    body
}

/// The send time a `stamped_body` carries.
pub fn stamp_of(body: &str) -> Option<u64> {
    let rest = body.strip_prefix('t')?;
    let end = rest.find(':')?;
    rest[..end].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamped_body_has_the_asked_size_and_gives_its_stamp_back() {
        let before = now_ns();
        let body = stamped_body(64);
        assert_eq!(body.len(), 64);
        let stamp = stamp_of(&body).unwrap();
        assert!(stamp >= before && stamp <= now_ns());
        assert_eq!(stamp_of("hello"), None);
    }
}
