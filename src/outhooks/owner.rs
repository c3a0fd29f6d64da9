//! Which hooks this node delivers. With several nodes on one database each
//! hook must be delivered by one node at a time, else its receiver gets
//! every event once per node and the cursors race. Hooks are held by
//! leases in the store (`claim_out_hooks`): every node renews its own and
//! takes those whose holder stopped renewing, then runs the workers of
//! exactly the hooks it holds. So a node that dies loses its hooks to
//! another within [`LEASE`] (which resumes from the stored cursor: at
//! least once), and a hook made, paused, resumed or deleted on any node is
//! started or stopped on its holder within [`RENEW_EVERY`]. A holder's
//! own commits wake its workers at once; events other nodes commit are
//! picked up at the next renewal, which wakes them all (on a cluster).
//!
//! A node that cannot renew (the database is away) stops its workers
//! before its leases can run out, so it never delivers beside the node
//! that takes its hooks over.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::Deliveries;

/// How long a claim holds a hook without being renewed.
pub(super) const LEASE: Duration = Duration::from_secs(5);
/// How often leases are renewed and free hooks looked for.
pub(super) const RENEW_EVERY: Duration = Duration::from_secs(1);
/// How long before its lease runs out a node that could not renew stops
/// delivering: room for the stopped requests to end.
const MARGIN: Duration = Duration::from_secs(1);

/// A name for this process among the nodes: new at each start, so a node
/// restarted takes its old hooks over like any other node would.
pub(super) fn node_name() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// The lease this node believes it holds, in its own clock.
#[derive(Default)]
pub(super) struct Claims {
    /// Until when the hooks last claimed are surely still this node's:
    /// counted from before the claim was sent, so it ends before the lease
    /// the store counted from when it ran.
    held_until: Option<Instant>,
}

impl Deliveries {
    /// Renews this node's hooks every [`RENEW_EVERY`] for as long as the
    /// deliveries live.
    pub(super) fn keep_claiming(self: &Arc<Self>) {
        let deliveries = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(RENEW_EVERY).await;
                let Some(deliveries) = deliveries.upgrade() else {
                    return;
                };
                deliveries.claim().await;
            }
        });
    }

    /// Claims this node's hooks now and starts and stops workers to match:
    /// only the hooks it holds run here.
    pub(super) async fn claim(self: &Arc<Self>) {
        let mut claims = self.claims.lock().await;
        let asked = Instant::now();
        let lease_ms = u32::try_from(LEASE.as_millis()).unwrap_or(u32::MAX);
        // Waiting longer than the lease held would risk delivering beside
        // the node that takes the hooks over.
        let deadline = claims.held_until.unwrap_or(asked + LEASE).max(asked);
        let claimed =
            tokio::time::timeout_at(deadline, self.store.claim_out_hooks(&self.node, lease_ms))
                .await;
        match claimed {
            Ok(Ok(ids)) => {
                claims.held_until = Some(asked + LEASE - MARGIN);
                self.run_only(&ids).await;
                if self.cluster {
                    self.registry.wake_all();
                }
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "outgoing webhooks: cannot renew this node's hooks");
                if claims.held_until.is_some_and(|t| Instant::now() >= t) {
                    claims.held_until = None;
                    self.run_only(&[]).await;
                }
            }
            Err(_) => {
                tracing::warn!(
                    "outgoing webhooks: renewing this node's hooks took too long; stopping them"
                );
                claims.held_until = None;
                self.run_only(&[]).await;
            }
        }
    }

    /// Runs the workers of hooks `ids` (those not running yet start from
    /// their stored cursors) and stops every other.
    async fn run_only(self: &Arc<Self>, ids: &[i64]) {
        let keep: HashSet<i64> = ids.iter().copied().collect();
        for id in self.registry.ids() {
            if !keep.contains(&id) {
                self.registry.remove(id, false);
                // What it delivered is stored before another node resumes.
                self.ledger.flush(id).await;
            }
        }
        for &id in ids {
            if self.registry.is_running(id) {
                continue;
            }
            match self.store.out_hook(id).await {
                Ok(Some(hook)) if hook.info.paused_at.is_none() => self.run(hook),
                Ok(_) => {}
                Err(e) => tracing::warn!(hook = id, error = %e, "outgoing webhook: cannot start"),
            }
        }
    }
}
