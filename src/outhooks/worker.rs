//! One hook's delivery worker over the store: its events are its room's
//! log after its cursor (read from the durable log, never from the live
//! fan-out), its cursor and attempts go through the [`Ledger`], a reply in
//! the receiver's answer is posted as the hook's bot, and a pause is
//! stored and told to the hook's maker.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde::Deserialize;

use super::ledger::Ledger;
use super::payload;
use super::Deliveries;
use crate::domain::{DeliveryAttempt, OutHookInfo, Timestamp};
use crate::error::Result;
use crate::outbound::{
    Cursor, CursorStore, Deliver, Delivered, DeliveryObserver, DeliveryWorker, EventSource,
    Failure, OutboundEvent, Paused, TargetId, WebhookSecret, WebhookSender, WebhookTarget,
};
use crate::storage::Store;

/// A missed wake is caught up this late; waking on commit is the main path.
const IDLE_POLL: Duration = Duration::from_mins(1);
/// Events read from the log per step (and so, for a hook that takes
/// batches, at most per request).
const BATCH: usize = 200;
/// A hook that takes batches waits this long after a wake before reading
/// the log, so a busy room's events go out together: one request per ~10 ms
/// instead of one per event (BENCHMARKS.md, "Issue 19: outgoing webhooks").
const GATHER: Duration = Duration::from_millis(10);
/// And while its room stays busy, its requests start at least this far
/// apart: ~60 events a request at 10,000 events/s over 8 hooks, where
/// requests every ~11 ms (the gather alone) cost 15 % more server CPU
/// than none (BENCHMARKS.md, "Issue 19").
const SPACING: Duration = Duration::from_millis(50);

/// The worker for `hook`, or `None` when its stored URL or secret no
/// longer parse (then it is paused with that reason).
pub(super) fn worker(
    deliveries: &Arc<Deliveries>,
    info: OutHookInfo,
    secret: &str,
) -> std::result::Result<DeliveryWorker, String> {
    let secret = WebhookSecret::parse(secret).map_err(|e| e.to_string())?;
    let url = crate::outbound::parse_target(&info.url).map_err(|e| e.to_string())?;
    let hook = Arc::new(Hook {
        deliveries: Arc::clone(deliveries),
        sender: WebhookSender::new(deliveries.client.clone(), WebhookTarget { url, secret }),
        info,
        last_latency_ms: AtomicU32::new(0),
    });
    let batch = hook.info.batch;
    let worker = DeliveryWorker::new(
        TargetId(hook.info.id),
        hook.clone(),
        hook.clone(),
        hook.clone(),
    )
    .observer(hook)
    .retry(deliveries.retry)
    .idle_poll(IDLE_POLL)
    .batch(BATCH);
    Ok(if batch {
        worker.per_request(BATCH).gather(GATHER).spacing(SPACING)
    } else {
        worker
    })
}

/// One hook: its own cursor store, event source, sender and observer.
struct Hook {
    deliveries: Arc<Deliveries>,
    sender: WebhookSender,
    info: OutHookInfo,
    /// The last attempt's time, from `deliver` to the observer (one
    /// delivery at a time per hook, so they pair up).
    last_latency_ms: AtomicU32,
}

impl Hook {
    fn store(&self) -> &Arc<dyn Store> {
        &self.deliveries.store
    }

    fn ledger(&self) -> &Ledger {
        &self.deliveries.ledger
    }
}

#[async_trait]
impl CursorStore for Hook {
    async fn load(&self, target: TargetId) -> Result<Vec<Cursor>> {
        let stored = self.store().out_hook_cursors(target.0).await?;
        Ok(stored
            .into_iter()
            .map(|(room, seq)| Cursor {
                room,
                // Progress not yet written is newer than the stored one.
                seq: self
                    .ledger()
                    .cursor(target.0, room)
                    .map_or(seq, |s| s.max(seq)),
            })
            .collect())
    }

    async fn save(&self, target: TargetId, cursor: Cursor) -> Result<()> {
        self.ledger().moved(target.0, cursor.room, cursor.seq);
        Ok(())
    }
}

#[async_trait]
impl EventSource for Hook {
    async fn events_after(
        &self,
        _target: TargetId,
        cursors: &[Cursor],
        limit: usize,
    ) -> Result<Vec<OutboundEvent>> {
        let Some(room) = self.info.room_id else {
            return super::bot_source::events_after(&self.deliveries, &self.info, cursors, limit)
                .await;
        };
        let Some(after) = cursors.iter().find(|c| c.room == room).map(|c| c.seq) else {
            // A hook deleted with its room or its bot: stop for good.
            if self.store().out_hook(self.info.id).await?.is_none() {
                self.deliveries.registry.remove(self.info.id, false);
                return Ok(Vec::new());
            }
            // No cursor (made before its row, or the row was lost): start at
            // the room's end rather than replay its whole history.
            let end = self
                .store()
                .events_after(room, crate::domain::Seq(i64::MAX), 1)
                .await?;
            self.ledger().moved(self.info.id, room, end.last_seq);
            self.ledger().flush(self.info.id).await;
            return Ok(Vec::new());
        };
        let limit = u32::try_from(limit).unwrap_or(u32::MAX);
        let logged = self.store().logged_events_after(room, after, limit).await?;
        Ok(logged
            .into_iter()
            .map(|event| OutboundEvent {
                room,
                seq: event.seq(),
                // An empty body: an event this hook skips (its bot's own
                // message); delivering it only moves the cursor.
                body: payload::encode_logged(self.info.id, self.info.bot_id, room, event)
                    .unwrap_or_default()
                    .into(),
            })
            .collect())
    }
}

/// A receiver's reply: `{"text": "..."}` posts `text` as the hook's bot.
#[derive(Deserialize)]
struct ReplyBody {
    text: Option<String>,
}

#[async_trait]
impl Deliver for Hook {
    async fn deliver(&self, event: &OutboundEvent) -> std::result::Result<Delivered, Failure> {
        if event.body.is_empty() {
            return Ok(Delivered {
                status: 0,
                latency: Duration::ZERO,
                reply: Vec::new(),
            });
        }
        let started = Instant::now();
        let result = {
            // Bounds the requests in flight across all hooks.
            let _permit = self.deliveries.permits.acquire().await;
            self.sender.send(event).await
        };
        let took = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
        self.last_latency_ms.store(took, Ordering::Relaxed);
        if let Ok(delivered) = &result {
            self.post_reply(event, &delivered.reply).await;
        }
        result
    }

    /// A batch (`{"events":[...]}`) for a hook made with `batch`. Skipped
    /// events are left out; a reply is posted as the answer to the last
    /// event.
    async fn deliver_many(
        &self,
        events: &[OutboundEvent],
    ) -> std::result::Result<Delivered, Failure> {
        let sent: Vec<OutboundEvent> = events
            .iter()
            .filter(|e| !e.body.is_empty())
            .cloned()
            .collect();
        let Some(last) = sent.last() else {
            // Only events this hook skips: the cursor just moves.
            return Ok(Delivered {
                status: 0,
                latency: Duration::ZERO,
                reply: Vec::new(),
            });
        };
        let started = Instant::now();
        let result = {
            let _permit = self.deliveries.permits.acquire().await;
            self.sender.send_many(&sent).await
        };
        let took = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
        self.last_latency_ms.store(took, Ordering::Relaxed);
        if let Ok(delivered) = &result {
            self.post_reply(last, &delivered.reply).await;
        }
        result
    }
}

impl Hook {
    async fn post_reply(&self, event: &OutboundEvent, reply: &[u8]) {
        if reply.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        let Ok(ReplyBody { text: Some(text) }) = serde_json::from_slice::<ReplyBody>(reply) else {
            return;
        };
        if text.trim().is_empty() {
            return;
        }
        if let Err(e) = self
            .deliveries
            .chat
            .post_hook_reply(&self.info, event.room, event.seq, &text)
            .await
        {
            tracing::warn!(hook = self.info.id, error = %e, "outgoing webhook: cannot post the receiver's reply");
        }
    }
}

impl DeliveryObserver for Hook {
    fn attempted(
        &self,
        target: TargetId,
        event: &OutboundEvent,
        attempt: u32,
        result: &std::result::Result<Delivered, Failure>,
    ) {
        let (status, error) = match result {
            // A skipped event was not sent: nothing to log.
            Ok(d) if d.status == 0 => return,
            Ok(d) => (Some(d.status), None),
            Err(f) => (f.status, Some(f.message.clone())),
        };
        self.ledger().attempted(
            target.0,
            DeliveryAttempt {
                at: Timestamp::now(),
                room_id: event.room,
                seq: event.seq,
                attempt,
                status,
                latency_ms: self.last_latency_ms.load(Ordering::Relaxed),
                error,
            },
        );
    }

    fn paused(&self, target: TargetId, paused: &Paused) {
        let deliveries = Arc::clone(&self.deliveries);
        let reason = paused.last_error.clone();
        let id = target.0;
        tokio::spawn(async move {
            deliveries.ledger.flush(id).await;
            if let Err(e) = deliveries.chat.out_hook_failed(id, &reason).await {
                tracing::warn!(hook = id, error = %e, "outgoing webhook: cannot record the pause");
            }
            // Forgotten once the pause is stored: until then the ended
            // worker keeps the next claim from starting it again.
            deliveries.registry.remove(id, true);
        });
    }
}
