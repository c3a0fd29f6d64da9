//! Signals (typing, presence) between nodes over NATS, on
//! `<prefix>.live.<room>`: a node hears a room's signals only while the
//! room has listeners there, as with its events. Published as they happen
//! (the hub has already rate-limited typing) and dropped, never queued
//! beyond the link's bound, while NATS is down; every `PRESENCE_BEAT` the
//! node repeats who is online in its rooms, which is also how the others
//! notice it is gone.

use std::sync::{Arc, Weak};

use super::NatsBus;
use crate::bus::signal::{self, Signal, Signals};
use crate::realtime::{Hub, PRESENCE_BEAT};

impl NatsBus {
    pub(super) fn live_subject(&self, room: crate::domain::RoomId) -> String {
        format!("{}.live.{}", self.prefix, room.0)
    }

    /// Whether `subject` carries signals (not events).
    pub(super) fn is_live(prefix: &str, subject: &str) -> bool {
        subject
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with(".live."))
    }

    /// Hands a signal that arrived to the hub; ignores this node's own.
    pub(super) fn signal_arrived(node: &str, hub: Option<Arc<Hub>>, payload: &[u8]) {
        match signal::decode(payload) {
            Some((from, _)) if from == node => {}
            Some((from, signal)) => {
                if let Some(hub) = hub {
                    hub.remote_signal(&from, signal);
                }
            }
            None => tracing::debug!("bus: a signal that cannot be read"),
        }
    }

    /// Starts the presence beat for `hub`.
    pub(super) fn start_beat(hub: Weak<Hub>) {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(PRESENCE_BEAT);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(hub) = hub.upgrade() else { return };
                hub.presence_beat();
            }
        });
    }
}

impl Signals for NatsBus {
    fn signal(&self, signal: Signal) {
        let subject = self.live_subject(signal.room());
        self.link
            .publish(&subject, &signal::encode(&self.node, &signal));
    }
}
