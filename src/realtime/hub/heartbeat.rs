//! One heartbeat timer for the whole hub, instead of one per connection.

use std::sync::Arc;
use std::time::Duration;

use super::{Hub, HEARTBEAT_SLICES};

impl Hub {
    /// Wakes every listener with a `Heartbeat` once per `every`, until the
    /// hub is dropped: one timer for the server instead of one in each
    /// connection (~110 bytes per idle connection, and a timer polled on
    /// every wake-up of every connection). The listeners are beaten in
    /// `HEARTBEAT_SLICES` slices spread over the interval, not all at once:
    /// with 18,000 connections one beat is 18,000 pings and pongs, and
    /// live frames waited behind them.
    pub fn start_heartbeat(self: &Arc<Self>, every: Duration) {
        let hub = Arc::downgrade(self);
        tokio::spawn(async move {
            let slices = u32::try_from(HEARTBEAT_SLICES).expect("a few slices");
            let mut tick = tokio::time::interval(every / slices);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            for slice in (0..HEARTBEAT_SLICES).cycle() {
                tick.tick().await;
                let Some(hub) = hub.upgrade() else { return };
                hub.beat(slice, HEARTBEAT_SLICES);
            }
        });
    }

    /// Beats the listeners whose id is `slice` modulo `slices`.
    pub(super) fn beat(&self, slice: u64, slices: u64) {
        let state = self.state.read().expect("hub lock");
        for listener in state.users.values().flatten() {
            if listener.id % slices == slice {
                listener.beat();
            }
        }
    }
}
