//! Each subscription's delivery worker over the store: its queued pushes
//! are the events, its cursors are kept in `push_cursors`, and a push
//! service's 404/410 deletes the subscription.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::OnceCell;

use super::Pushes;
use crate::domain::Seq;
use crate::error::Result;
use crate::outbound::{
    Cursor, CursorStore, Deliver, Delivered, DeliveryObserver, DeliveryWorker, EventSource,
    Failure, OutboundEvent, Paused, TargetId,
};
use crate::push::{PushOptions, PushTarget, Subscription, Urgency};
use crate::storage::Store;

/// A missed wake is caught up this late; waking is the main path.
const IDLE_POLL: Duration = Duration::from_mins(5);
/// A push is worth showing for a day; after that the service may drop it.
const TTL: Duration = Duration::from_hours(24);

pub(super) fn worker(pushes: &Arc<Pushes>, id: i64) -> DeliveryWorker {
    let queue = Arc::new(Queue(Arc::clone(&pushes.store)));
    let target = Arc::new(Lazy {
        pushes: Arc::clone(pushes),
        id,
        target: OnceCell::new(),
    });
    DeliveryWorker::new(TargetId(id), queue.clone(), queue.clone(), target)
        .observer(queue)
        .idle_poll(IDLE_POLL)
        .batch(50)
}

/// The store as the worker's cursor store, event source and observer.
struct Queue(Arc<dyn Store>);

#[async_trait]
impl CursorStore for Queue {
    async fn load(&self, target: TargetId) -> Result<Vec<Cursor>> {
        Ok(self
            .0
            .push_cursors(target.0)
            .await?
            .into_iter()
            .map(|(room, seq)| Cursor { room, seq })
            .collect())
    }

    async fn save(&self, target: TargetId, cursor: Cursor) -> Result<()> {
        Ok(self
            .0
            .save_push_cursor(target.0, cursor.room, cursor.seq)
            .await?)
    }
}

#[async_trait]
impl EventSource for Queue {
    async fn events_after(
        &self,
        target: TargetId,
        cursors: &[Cursor],
        limit: usize,
    ) -> Result<Vec<OutboundEvent>> {
        let limit = u32::try_from(limit).unwrap_or(u32::MAX);
        let passed = |room, seq: Seq| cursors.iter().any(|c| c.room == room && seq <= c.seq);
        Ok(self
            .0
            .queued_pushes(target.0, limit)
            .await?
            .into_iter()
            .filter(|p| !passed(p.room, p.seq))
            .map(|p| OutboundEvent {
                room: p.room,
                seq: p.seq,
                body: p.body.into(),
            })
            .collect())
    }
}

impl DeliveryObserver for Queue {
    fn paused(&self, target: TargetId, paused: &Paused) {
        if matches!(paused.last_status, Some(404 | 410)) {
            // The browser unsubscribed or the service forgot it: it never
            // comes back, so the subscription (and its queue) go.
            let store = Arc::clone(&self.0);
            tokio::spawn(async move {
                if let Err(e) = store.delete_push_subscription(target.0, None).await {
                    tracing::warn!(subscription = target.0, error = %e, "push: cannot delete a gone subscription");
                }
            });
        } else {
            tracing::warn!(subscription = target.0, error = %paused.last_error, "push: delivery paused; it resumes with the next push");
        }
    }
}

/// The subscription, read from the store at the first delivery.
struct Lazy {
    pushes: Arc<Pushes>,
    id: i64,
    target: OnceCell<Option<PushTarget>>,
}

#[async_trait]
impl Deliver for Lazy {
    async fn deliver(&self, event: &OutboundEvent) -> std::result::Result<Delivered, Failure> {
        let target = self
            .target
            .get_or_try_init(|| async {
                let record = self.pushes.store.push_subscription(self.id).await?;
                Ok::<_, crate::storage::StoreError>(record.and_then(|r| {
                    let subscription = Subscription::parse(&r.endpoint, &r.p256dh, &r.auth).ok()?;
                    Some(PushTarget {
                        sender: self.pushes.sender.clone(),
                        subscription,
                        options: PushOptions {
                            ttl: TTL,
                            urgency: Urgency::High,
                            topic: None,
                            ..PushOptions::default()
                        },
                    })
                }))
            })
            .await
            .map_err(|e| Failure {
                status: None,
                retry_after: None,
                permanent: false,
                message: e.to_string(),
            })?;
        // Asked before every attempt, retries included: a message deleted
        // or expired meanwhile is not pushed (its excerpt is gone too).
        let waiting = self
            .pushes
            .store
            .push_waiting(self.id, event.room, event.seq)
            .await
            .unwrap_or(true);
        if !waiting {
            return Ok(Delivered {
                status: 204,
                latency: std::time::Duration::ZERO,
                reply: Vec::new(),
            });
        }
        match target {
            Some(target) => target.deliver(event).await,
            // Deleted meanwhile: as good as the service saying 410.
            None => Err(Failure {
                status: Some(410),
                retry_after: None,
                permanent: true,
                message: "the subscription was removed".into(),
            }),
        }
    }
}
