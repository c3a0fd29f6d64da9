//! The bus of a single node: events go straight to the local hub, and every
//! room's events are already here, so interest only keeps count (for
//! metrics and tests).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use super::Interest;
use crate::domain::{Event, RoomId};
use crate::storage::Publisher;

pub struct InProcess {
    local: Arc<dyn Publisher>,
    wanted: Mutex<HashSet<RoomId>>,
}

impl InProcess {
    /// A bus that hands every event to `local` (the hub).
    pub fn new(local: Arc<dyn Publisher>) -> Self {
        Self {
            local,
            wanted: Mutex::default(),
        }
    }

    /// The rooms with listeners on this node.
    pub fn wanted_rooms(&self) -> Vec<RoomId> {
        let mut rooms: Vec<_> = self
            .wanted
            .lock()
            .expect("interest lock")
            .iter()
            .copied()
            .collect();
        rooms.sort_unstable_by_key(|r| r.0);
        rooms
    }
}

impl Publisher for InProcess {
    fn publish(&self, events: &[Event]) {
        self.local.publish(events);
    }
}

impl Interest for InProcess {
    fn interest(&self, room: RoomId, wanted: bool) {
        let mut rooms = self.wanted.lock().expect("interest lock");
        if wanted {
            rooms.insert(room);
        } else {
            rooms.remove(&room);
        }
    }
}
