//! A stream connection's command budget: a client that floods the socket
//! with commands is closed with 1008 instead of being served without end.

use std::time::{Duration, Instant};

use crate::domain::{Rate, TokenBucket};

/// The connection's own token bucket (the one type every limit uses): no
/// map, no lock. `None` when commands are not limited.
pub struct CommandBudget(Option<(Rate, TokenBucket)>);

impl CommandBudget {
    /// `per_second` commands, in bursts of two seconds' worth.
    pub fn new(per_second: u32) -> Self {
        if per_second == 0 {
            return Self(None);
        }
        let rate = Rate::new(per_second.saturating_mul(2), Duration::from_secs(2));
        Self(Some((rate, TokenBucket::full(rate, Instant::now()))))
    }

    pub fn take(&mut self) -> bool {
        let Some((rate, bucket)) = &mut self.0 else {
            return true;
        };
        bucket.take(*rate, Instant::now()).is_ok()
    }
}
