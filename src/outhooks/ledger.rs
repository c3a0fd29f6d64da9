//! What the workers got done and the store has not yet: cursors moved and
//! attempts made, written for all hooks together a few times a second.
//! Writing a cursor per delivered event would cost a transaction per event
//! (at thousands of events a second); written in batches, a crash
//! redelivers at most the last `FLUSH_EVERY` of events, which at-least-once
//! allows and the receiver's (room, seq) check absorbs.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::domain::{DeliveryAttempt, RoomId, Seq};
use crate::storage::{DeliveryProgress, Store};

/// How often waiting progress is written.
pub const FLUSH_EVERY: Duration = Duration::from_millis(250);
/// Attempts kept per hook, in memory and in the store.
pub const LOG_KEEP: u32 = 50;

#[derive(Default)]
struct Pending {
    cursors: HashMap<RoomId, Seq>,
    attempts: VecDeque<DeliveryAttempt>,
}

pub struct Ledger {
    store: Arc<dyn Store>,
    pending: Mutex<HashMap<i64, Pending>>,
}

impl Ledger {
    pub fn new(store: Arc<dyn Store>) -> Arc<Self> {
        Arc::new(Self {
            store,
            pending: Mutex::default(),
        })
    }

    /// Writes waiting progress every [`FLUSH_EVERY`] for as long as the
    /// ledger lives.
    pub fn start(self: &Arc<Self>) {
        let ledger = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(FLUSH_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(ledger) = ledger.upgrade() else {
                    return;
                };
                ledger.flush_all().await;
            }
        });
    }

    pub fn moved(&self, hook: i64, room: RoomId, seq: Seq) {
        let mut p = self.pending.lock().expect("ledger lock");
        let cursor = p
            .entry(hook)
            .or_default()
            .cursors
            .entry(room)
            .or_insert(seq);
        *cursor = (*cursor).max(seq);
    }

    pub fn attempted(&self, hook: i64, attempt: DeliveryAttempt) {
        let mut p = self.pending.lock().expect("ledger lock");
        let attempts = &mut p.entry(hook).or_default().attempts;
        if attempts.len() >= LOG_KEEP as usize {
            attempts.pop_front();
        }
        attempts.push_back(attempt);
    }

    /// A cursor not written yet (newer than the stored one).
    pub fn cursor(&self, hook: i64, room: RoomId) -> Option<Seq> {
        let p = self.pending.lock().expect("ledger lock");
        p.get(&hook).and_then(|h| h.cursors.get(&room).copied())
    }

    pub fn forget(&self, hook: i64) {
        self.pending.lock().expect("ledger lock").remove(&hook);
    }

    /// Writes hook `hook`'s waiting progress now.
    pub async fn flush(&self, hook: i64) {
        let taken = self.pending.lock().expect("ledger lock").remove(&hook);
        if let Some(pending) = taken {
            self.write(hook, pending).await;
        }
    }

    pub async fn flush_all(&self) {
        let taken = std::mem::take(&mut *self.pending.lock().expect("ledger lock"));
        for (hook, pending) in taken {
            self.write(hook, pending).await;
        }
    }

    async fn write(&self, hook: i64, pending: Pending) {
        let progress = DeliveryProgress {
            cursors: pending.cursors.into_iter().collect(),
            attempts: pending.attempts.into_iter().collect(),
        };
        if let Err(e) = self
            .store
            .save_delivery_progress(hook, progress, LOG_KEEP)
            .await
        {
            // Only widens what a restart redelivers.
            tracing::warn!(hook, error = %e, "outgoing webhook: cannot save delivery progress");
        }
    }
}
