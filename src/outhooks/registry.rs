//! The running hook workers, by hook and by room, and the tap that wakes
//! a room's workers after each commit. Waking is a `Notify` per worker:
//! the commit path never waits on a receiver, however slow or down.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::domain::{Event, RoomId};
use crate::outbound::WorkerHandle;
use crate::storage::Publisher;

/// The workers of this node's hooks.
#[derive(Default)]
pub struct Registry {
    /// Whether any worker runs: a server without hooks pays one atomic
    /// load per commit for them.
    any: AtomicBool,
    inner: Mutex<Workers>,
}

#[derive(Default)]
struct Workers {
    by_hook: HashMap<i64, (RoomId, WorkerHandle)>,
    by_room: HashMap<RoomId, Vec<i64>>,
}

impl Registry {
    /// Keeps `worker` for hook `id` in `room`, stopping one it replaces.
    pub(super) fn insert(&self, id: i64, room: RoomId, worker: WorkerHandle) {
        let mut w = self.inner.lock().expect("hook registry lock");
        if let Some((_, old)) = w.by_hook.insert(id, (room, worker)) {
            old.stop();
        } else {
            w.by_room.entry(room).or_default().push(id);
        }
        self.any.store(true, Ordering::Release);
    }

    /// Stops and forgets hook `id`'s worker; with `only_finished`, only if
    /// it has already ended (a worker that paused itself, not its successor).
    pub(super) fn remove(&self, id: i64, only_finished: bool) {
        let mut w = self.inner.lock().expect("hook registry lock");
        let Some((room, worker)) = w.by_hook.get(&id) else {
            return;
        };
        if only_finished && !worker.is_finished() {
            return;
        }
        let room = *room;
        if let Some((_, worker)) = w.by_hook.remove(&id) {
            worker.stop();
        }
        if let Some(ids) = w.by_room.get_mut(&room) {
            ids.retain(|h| *h != id);
            if ids.is_empty() {
                w.by_room.remove(&room);
            }
        }
        self.any.store(!w.by_hook.is_empty(), Ordering::Release);
    }

    /// The hooks with a worker here (running or just ended).
    pub(super) fn ids(&self) -> Vec<i64> {
        let w = self.inner.lock().expect("hook registry lock");
        w.by_hook.keys().copied().collect()
    }

    /// Wakes every worker (to look for events other nodes committed).
    pub(super) fn wake_all(&self) {
        let w = self.inner.lock().expect("hook registry lock");
        for (_, worker) in w.by_hook.values() {
            worker.wake();
        }
    }

    pub(super) fn is_running(&self, id: i64) -> bool {
        self.inner
            .lock()
            .expect("hook registry lock")
            .by_hook
            .get(&id)
            .is_some_and(|(_, w)| !w.is_finished())
    }

    fn wake(&self, events: &[Event]) {
        if !self.any.load(Ordering::Acquire) {
            return;
        }
        let w = self.inner.lock().expect("hook registry lock");
        let mut last = None;
        for event in events {
            let Event::Room(e) = event else { continue };
            // A batch is mostly one room's events in a row: wake once.
            if last == Some(e.room_id) {
                continue;
            }
            last = Some(e.room_id);
            for id in w.by_room.get(&e.room_id).into_iter().flatten() {
                if let Some((_, worker)) = w.by_hook.get(id) {
                    worker.wake();
                }
            }
        }
    }
}

/// Sits between the store and the bus: hands every commit on unchanged,
/// then wakes the workers of the rooms it touched.
pub struct Tap {
    inner: Arc<dyn Publisher>,
    registry: Arc<Registry>,
}

/// A tap in front of `inner`, and the registry its wakes go to.
pub fn tap(inner: Arc<dyn Publisher>) -> (Arc<Tap>, Arc<Registry>) {
    let registry = Arc::new(Registry::default());
    (
        Arc::new(Tap {
            inner,
            registry: Arc::clone(&registry),
        }),
        registry,
    )
}

impl Publisher for Tap {
    fn publish(&self, events: &[Event]) {
        self.inner.publish(events);
        self.registry.wake(events);
    }
}
