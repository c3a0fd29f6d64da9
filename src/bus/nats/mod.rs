//! The bus of a cluster, on NATS. Each commit of this node goes to this
//! node's hub and, as its wire form, to the other nodes: a room's events
//! on `<prefix>.room.<id>`, which a node subscribes to only while the room
//! has listeners there, and everything else (sessions ended, account and
//! room access changes, memberships, profiles) on `<prefix>.users`, which
//! every node hears and feeds to its caches and hub. Whatever arrives
//! passes the sequencer (`bus::order`) on its way to the hub, and the
//! watermark (`watermark`) reads the rooms' newest seqs from the store now
//! and then, so what the bus lost (it was down; a node died between its
//! commit and its publish) still arrives within about a second. Typing and
//! presence cross on `<prefix>.live.<id>` (`live`), never stored.

mod link;
mod live;
mod protocol;
mod watermark;

use std::collections::HashSet;
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use self::link::Link;
use super::order::{Arrival, RoomLog, Sequencer};
use super::{wire, BusUrl, Interest};
use crate::domain::{Event, RoomEvent, RoomId, Seq};
use crate::realtime::Hub;
use crate::storage::cached::Caches;
use crate::storage::{Publisher, Store};

/// Batches waiting for the sequencer; this node's commits wait for room
/// (they are its own listeners' only source), other nodes' are dropped
/// beyond it (the watermark brings them from the store).
const ARRIVALS: usize = 4096;

/// A test hook: with this variable set, the node aborts right after its
/// first commit of a room event, before publishing it anywhere (the
/// cluster tests' node that "commits and dies").
const CRASH_BEFORE_PUBLISH: &str = "NATTER_TEST_CRASH_BEFORE_PUBLISH";

pub struct NatsBus {
    /// This node's id: batches it sent itself are ignored.
    node: String,
    prefix: String,
    link: Arc<Link>,
    wanted: Arc<Mutex<HashSet<RoomId>>>,
    arrivals: SyncSender<Arrival>,
    store: Arc<OnceLock<Weak<dyn Store>>>,
    /// Where other nodes' signals go (`live`), once the hub is attached.
    hub: Arc<OnceLock<Weak<Hub>>>,
    crash_before_publish: bool,
}

impl NatsBus {
    /// Connects to `url` (in the background: a node starts while NATS is
    /// down, and catches up from the store meanwhile) with subjects under
    /// `prefix`. Events reach `hub`; other nodes' changes reach `caches`.
    pub fn start(
        url: BusUrl,
        prefix: &str,
        hub: Arc<dyn Publisher>,
        caches: Arc<Caches>,
    ) -> anyhow::Result<Arc<Self>> {
        if !valid_prefix(prefix) {
            anyhow::bail!(
                "--bus-prefix must be words of letters, digits, - and _ joined by dots, such as natter or chat.eu"
            );
        }
        let node = uuid::Uuid::new_v4().simple().to_string();
        let wanted = Arc::new(Mutex::new(HashSet::new()));
        let store: Arc<OnceLock<Weak<dyn Store>>> = Arc::new(OnceLock::new());
        let (arrivals, rx) = sync_channel::<Arrival>(ARRIVALS);
        let log = StoreLog {
            store: Arc::clone(&store),
            runtime: tokio::runtime::Handle::current(),
        };
        let mut sequencer = Sequencer::new(log, hub, caches, Arc::clone(&wanted));
        std::thread::Builder::new()
            .name("natter-bus-order".into())
            .spawn(move || {
                while let Ok(arrival) = rx.recv() {
                    sequencer.handle_waiting(arrival, &rx);
                }
            })?;
        let live_hub: Arc<OnceLock<Weak<Hub>>> = Arc::new(OnceLock::new());
        let on_message = {
            let node = node.clone();
            let arrivals = arrivals.clone();
            let (prefix, live_hub) = (prefix.to_owned(), Arc::clone(&live_hub));
            Arc::new(move |subject: &str, payload: axum::body::Bytes| {
                if Self::is_live(&prefix, subject) {
                    let hub = live_hub.get().and_then(Weak::upgrade);
                    Self::signal_arrived(&node, hub, &payload);
                    return;
                }
                match wire::decode_from(&payload) {
                    Ok((Some(from), _)) if from == node => {}
                    Ok((_, events)) => match arrivals.try_send(Arrival::Remote(events)) {
                        Ok(()) | Err(TrySendError::Disconnected(_)) => {}
                        Err(TrySendError::Full(_)) => {
                            tracing::warn!(
                                subject,
                                "bus: behind; a batch is left to the watermark"
                            );
                        }
                    },
                    Err(e) => {
                        tracing::warn!(subject, error = %e, "bus: a batch that cannot be read");
                    }
                }
            })
        };
        let link = Link::start(url, format!("natter {node}"), on_message);
        link.want(users_subject(prefix), true);
        let bus = Arc::new(Self {
            node,
            prefix: prefix.to_owned(),
            link,
            wanted,
            arrivals,
            store,
            hub: live_hub,
            crash_before_publish: std::env::var_os(CRASH_BEFORE_PUBLISH).is_some(),
        });
        Ok(bus)
    }

    /// The store gap repairs and the watermark read from; starts the
    /// watermark.
    pub fn attach_store(self: &Arc<Self>, store: &Arc<dyn Store>, hub: Arc<Hub>) {
        let _ = self.store.set(Arc::downgrade(store));
        // Typing and presence cross to and from the other nodes.
        let _ = self.hub.set(Arc::downgrade(&hub));
        hub.report_signals_to(Arc::clone(self) as Arc<dyn crate::bus::Signals>);
        Self::start_beat(Arc::downgrade(&hub));
        watermark::start(Arc::clone(self), Arc::downgrade(store), hub);
    }

    pub fn is_connected(&self) -> bool {
        self.link.is_connected()
    }

    /// The rooms with listeners on this node.
    pub fn wanted_rooms(&self) -> Vec<RoomId> {
        self.wanted
            .lock()
            .expect("interest lock")
            .iter()
            .copied()
            .collect()
    }

    fn room_subject(&self, room: RoomId) -> String {
        format!("{}.room.{}", self.prefix, room.0)
    }
}

fn users_subject(prefix: &str) -> String {
    format!("{prefix}.users")
}

fn valid_prefix(prefix: &str) -> bool {
    !prefix.is_empty()
        && prefix.split('.').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

impl Publisher for NatsBus {
    /// Called on the store's publishing thread, after the commit.
    fn publish(&self, events: &[Event]) {
        if self.crash_before_publish && events.iter().any(|e| matches!(e, Event::Room(_))) {
            tracing::error!("{CRASH_BEFORE_PUBLISH}: dying after a commit, before publishing it");
            std::process::abort();
        }
        // This node's listeners first: waits while the sequencer is behind
        // (they have no other source of these events but the store).
        let _ = self.arrivals.send(Arrival::Local(events.to_vec()));
        let mut rooms: Vec<(RoomId, Vec<Event>)> = Vec::new();
        let mut others = Vec::new();
        for event in events {
            match event {
                Event::Room(e) => match rooms.iter_mut().find(|(r, _)| *r == e.room_id) {
                    Some((_, batch)) => batch.push(event.clone()),
                    None => rooms.push((e.room_id, vec![event.clone()])),
                },
                other => others.push(other.clone()),
            }
        }
        for (room, batch) in rooms {
            self.link.publish(
                &self.room_subject(room),
                &wire::encode_from(&self.node, &batch),
            );
        }
        if !others.is_empty() {
            self.link.publish(
                &users_subject(&self.prefix),
                &wire::encode_from(&self.node, &others),
            );
        }
    }
}

impl Interest for NatsBus {
    fn interest(&self, room: RoomId, wanted: bool) {
        let mut rooms = self.wanted.lock().expect("interest lock");
        if wanted {
            rooms.insert(room);
        } else {
            rooms.remove(&room);
        }
        drop(rooms);
        self.link.want(self.room_subject(room), wanted);
        self.link.want(self.live_subject(room), wanted);
    }
}

/// The store, read from the sequencer's thread.
struct StoreLog {
    store: Arc<OnceLock<Weak<dyn Store>>>,
    runtime: tokio::runtime::Handle,
}

impl RoomLog for StoreLog {
    fn events_after(&mut self, room: RoomId, after: Seq, limit: u32) -> Vec<RoomEvent> {
        let Some(store) = self.store.get().and_then(Weak::upgrade) else {
            return Vec::new();
        };
        match self
            .runtime
            .block_on(store.events_after(room, after, limit))
        {
            Ok(replay) => replay.events,
            Err(e) => {
                tracing::warn!(%room, error = %e, "bus: cannot read a gap from the store; the connections repair it");
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests;
