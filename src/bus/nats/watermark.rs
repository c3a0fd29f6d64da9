//! The watermark: twice a second the node reads, in one query, the newest
//! seq of every room it has listeners in, and where a listener here is
//! behind what the store had at the previous look too (half a second is
//! plenty for a publish to cross the bus), the sequencer reads the missing
//! events from the store once for the room. That is what makes the bus a
//! hint: an event whose node died between commit and publish, or that was
//! published while NATS was down, still arrives, within about a second.
//! Chosen over a PostgreSQL NOTIFY (which would also need a dedicated
//! connection per node, and a NOTIFY lost with a dropped connection is
//! lost too) and an outbox table (a write per commit): it costs one small
//! indexed read per node per tick, whatever the traffic, and works the
//! same on any backend.
//!
//! While the bus is down the node also forgets its cached sessions and
//! memberships every tick (other nodes' sign-outs and removals cannot
//! reach it), and once more when the bus comes back.

use std::collections::HashMap;
use std::sync::mpsc::TrySendError;
use std::sync::{Arc, Weak};
use std::time::Duration;

use super::NatsBus;
use crate::bus::order::Arrival;
use crate::domain::{RoomId, Seq};
use crate::realtime::Hub;
use crate::storage::Store;

pub const TICK: Duration = Duration::from_millis(500);
/// Every so many ticks the sequencer forgets rooms nobody listens to.
const TIDY_EVERY: u32 = 120;

pub fn start(bus: Arc<NatsBus>, store: Weak<dyn Store>, hub: Arc<Hub>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut previous: HashMap<RoomId, Seq> = HashMap::new();
        let mut sessions = bus.link.sessions();
        let mut ticks = 0u32;
        loop {
            tick.tick().await;
            ticks = ticks.wrapping_add(1);
            let now = bus.link.sessions();
            if !bus.is_connected() || now != sessions {
                sessions = now;
                send(&bus, Arrival::MayHaveMissed);
            }
            if ticks.is_multiple_of(TIDY_EVERY) {
                send(&bus, Arrival::Tidy);
            }
            let rooms = bus.wanted_rooms();
            if rooms.is_empty() {
                previous.clear();
                continue;
            }
            let Some(store) = store.upgrade() else {
                return;
            };
            let Ok(last) = store.last_seqs(rooms).await else {
                continue;
            };
            drop(store);
            let last: HashMap<RoomId, Seq> = last.into_iter().collect();
            for (room, seq) in &last {
                let Some(before) = previous.get(room) else {
                    continue;
                };
                let upto = (*before).min(*seq);
                if let Some(after) = hub.room_floor(*room).filter(|floor| *floor < upto) {
                    send(
                        &bus,
                        Arrival::Behind {
                            room: *room,
                            after,
                            upto,
                        },
                    );
                }
            }
            previous = last;
        }
    });
}

fn send(bus: &NatsBus, arrival: Arrival) {
    if let Err(TrySendError::Full(_)) = bus.arrivals.try_send(arrival) {
        tracing::debug!("bus: sequencer busy; the watermark tries again next tick");
    }
}
