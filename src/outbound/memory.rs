//! In-memory [`CursorStore`] and [`EventSource`]: for tests (here and in the
//! wiring code's) and for natter-bench. Not durable: a real deployment
//! implements both traits over the store.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;

use super::delivery::{Cursor, CursorStore, EventSource, OutboundEvent, TargetId};
use crate::domain::{RoomId, Seq};
use crate::error::Result;

/// Cursors in a map. Counts saves, so tests can see the store was used.
#[derive(Debug, Default)]
pub struct MemoryCursorStore {
    cursors: Mutex<HashMap<TargetId, Vec<Cursor>>>,
}

impl MemoryCursorStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// The stored cursor of `target` in `room`.
    pub fn cursor(&self, target: TargetId, room: RoomId) -> Option<Seq> {
        let cursors = self.cursors.lock().expect("cursor lock");
        cursors
            .get(&target)?
            .iter()
            .find(|c| c.room == room)
            .map(|c| c.seq)
    }
}

#[async_trait]
impl CursorStore for MemoryCursorStore {
    async fn load(&self, target: TargetId) -> Result<Vec<Cursor>> {
        Ok(self
            .cursors
            .lock()
            .expect("cursor lock")
            .get(&target)
            .cloned()
            .unwrap_or_default())
    }

    async fn save(&self, target: TargetId, cursor: Cursor) -> Result<()> {
        let mut all = self.cursors.lock().expect("cursor lock");
        let cursors = all.entry(target).or_default();
        match cursors.iter_mut().find(|c| c.room == cursor.room) {
            Some(existing) => existing.seq = existing.seq.max(cursor.seq),
            None => cursors.push(cursor),
        }
        Ok(())
    }
}

/// Each room's events in seq order, shared by every target (as if each
/// target followed every room). A room without a cursor starts from its
/// beginning. A batch takes rooms in id order, so rooms interleave across
/// batches, never within one room.
#[derive(Debug, Default)]
pub struct MemoryEventSource {
    rooms: Mutex<BTreeMap<RoomId, Vec<OutboundEvent>>>,
}

impl MemoryEventSource {
    pub fn new(events: Vec<OutboundEvent>) -> Self {
        let source = Self::default();
        for event in events {
            source.push(event);
        }
        source
    }

    /// Appends a committed event (its seq must be above its room's last).
    pub fn push(&self, event: OutboundEvent) {
        self.rooms
            .lock()
            .expect("event lock")
            .entry(event.room)
            .or_default()
            .push(event);
    }
}

#[async_trait]
impl EventSource for MemoryEventSource {
    async fn events_after(
        &self,
        _target: TargetId,
        cursors: &[Cursor],
        limit: usize,
    ) -> Result<Vec<OutboundEvent>> {
        let rooms = self.rooms.lock().expect("event lock");
        let mut batch = Vec::new();
        for (room, events) in rooms.iter() {
            let after = cursors
                .iter()
                .find(|c| c.room == *room)
                .map_or(Seq(i64::MIN), |c| c.seq);
            let first = events.partition_point(|e| e.seq <= after);
            batch.extend(events[first..].iter().take(limit - batch.len()).cloned());
            if batch.len() == limit {
                break;
            }
        }
        Ok(batch)
    }
}
