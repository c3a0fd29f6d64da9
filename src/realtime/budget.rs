//! A stream connection's command budget: a client that floods the socket
//! with commands is closed with 1008 instead of being served without end.

use std::time::Instant;

/// A token bucket for one connection's commands: no map, no lock.
/// `None` when commands are not limited.
pub struct CommandBudget(Option<Bucket>);

struct Bucket {
    tokens: f64,
    burst: f64,
    per_second: f64,
    at: Instant,
}

impl CommandBudget {
    pub fn new(per_second: u32) -> Self {
        if per_second == 0 {
            return Self(None);
        }
        let per_second = f64::from(per_second);
        Self(Some(Bucket {
            tokens: per_second * 2.0,
            burst: per_second * 2.0,
            per_second,
            at: Instant::now(),
        }))
    }

    pub fn take(&mut self) -> bool {
        let Some(b) = &mut self.0 else { return true };
        let now = Instant::now();
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * b.per_second).min(b.burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}
