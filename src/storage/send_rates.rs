//! The per-user send rate, kept where every node sees it (DESIGN.md,
//! scale-out: "send limits are enforced where all nodes see them").

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{Rate, UserId};

/// What a refusal of `take_send` names (`StoreError::Limited`), for metrics.
pub const SENDS_PER_USER: &str = "sends_per_user";

#[async_trait]
pub trait SendRates: Send + Sync {
    /// Takes one token from `user`'s send bucket, filled at `rate`, or
    /// refuses with `StoreError::Limited` and how long until a token is
    /// back. Every node taking from the same store shares the bucket, so a
    /// user sending through several nodes gets `rate` in total. Runs before
    /// the send's own transaction and apart from it (a refused send costs
    /// a token no more than today; a taken token is not given back when the
    /// send then fails, as with the in-memory bucket before).
    async fn take_send(&self, user: UserId, rate: Rate) -> StoreResult<()>;
}
