//! The delivery worker when its own storage fails: a cursor store that
//! cannot save, an event source that errors. Neither may lose an event.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

use super::eventually;
use crate::domain::{RoomId, Seq};
use crate::error::{Error, Result};
use crate::outbound::{
    Cursor, CursorStore, Deliver, Delivered, DeliveryWorker, EventSource, Failure,
    MemoryCursorStore, MemoryEventSource, OutboundEvent, TargetId,
};

const HOOK: TargetId = TargetId(5);

fn events(n: i64) -> Vec<OutboundEvent> {
    (1..=n)
        .map(|seq| OutboundEvent {
            room: RoomId(1),
            seq: Seq(seq),
            body: Arc::from(&b"{}"[..]),
        })
        .collect()
}

/// A receiver that takes everything and remembers the seqs it got.
#[derive(Default)]
struct Taker(Mutex<Vec<i64>>);

#[async_trait]
impl Deliver for Taker {
    async fn deliver(&self, event: &OutboundEvent) -> std::result::Result<Delivered, Failure> {
        self.0.lock().unwrap().push(event.seq.0);
        Ok(Delivered {
            status: 200,
            latency: Duration::ZERO,
            reply: Vec::new(),
        })
    }
}

/// Saves up to `limit`'s seq, then fails every save (a full disk, say).
struct FailingStore {
    inner: MemoryCursorStore,
    limit: i64,
}

#[async_trait]
impl CursorStore for FailingStore {
    async fn load(&self, target: TargetId) -> Result<Vec<Cursor>> {
        self.inner.load(target).await
    }
    async fn save(&self, target: TargetId, cursor: Cursor) -> Result<()> {
        if cursor.seq.0 > self.limit {
            return Err(Error::Unavailable("disk full".into()));
        }
        self.inner.save(target, cursor).await
    }
}

#[tokio::test]
async fn a_store_that_cannot_save_only_widens_what_a_restart_redelivers() {
    let store = Arc::new(FailingStore {
        inner: MemoryCursorStore::new(),
        limit: 2,
    });
    let source = Arc::new(MemoryEventSource::new(events(5)));
    let taker = Arc::new(Taker::default());
    let first = DeliveryWorker::new(HOOK, store.clone(), source.clone(), taker.clone()).spawn();
    eventually("the first worker delivers all five", || {
        taker.0.lock().unwrap().len() == 5
    })
    .await;
    first.stop();
    assert_eq!(store.inner.cursor(HOOK, RoomId(1)), Some(Seq(2)));

    let second = DeliveryWorker::new(HOOK, store.clone(), source, taker.clone()).spawn();
    eventually("the restart redelivers what was not saved", || {
        taker.0.lock().unwrap().len() == 8
    })
    .await;
    second.stop();
    assert_eq!(*taker.0.lock().unwrap(), [1, 2, 3, 4, 5, 3, 4, 5]);
}

/// Fails its first `failures` reads.
struct FlakySource {
    inner: MemoryEventSource,
    failures: AtomicUsize,
}

#[async_trait]
impl EventSource for FlakySource {
    async fn events_after(
        &self,
        target: TargetId,
        cursors: &[Cursor],
        limit: usize,
    ) -> Result<Vec<OutboundEvent>> {
        if self.failures.load(Ordering::SeqCst) > 0 {
            self.failures.fetch_sub(1, Ordering::SeqCst);
            return Err(Error::Unavailable("database locked".into()));
        }
        self.inner.events_after(target, cursors, limit).await
    }
}

#[tokio::test]
async fn a_source_that_fails_is_read_again_and_nothing_is_skipped() {
    let source = Arc::new(FlakySource {
        inner: MemoryEventSource::new(events(3)),
        failures: AtomicUsize::new(3),
    });
    let taker = Arc::new(Taker::default());
    let worker = DeliveryWorker::new(
        HOOK,
        Arc::new(MemoryCursorStore::new()),
        source.clone(),
        taker.clone(),
    )
    .idle_poll(Duration::from_millis(10))
    .batch(1)
    .spawn();
    eventually("deliveries resume after the source recovers", || {
        taker.0.lock().unwrap().len() == 3
    })
    .await;
    worker.stop();
    assert_eq!(*taker.0.lock().unwrap(), [1, 2, 3]);
    assert_eq!(source.failures.load(Ordering::SeqCst), 0);
}
