//! The per-target delivery worker: takes a target's events in seq order per
//! room from an [`EventSource`], hands each to a [`Deliver`]er, retries with
//! [`RetryPolicy`], and stores the (room, seq) cursor after each success, so
//! delivery is at least once, in order, and survives restarts. A receiver
//! de-duplicates by (room, seq).
//!
//! The worker owns no storage and no HTTP: the wiring code implements
//! [`CursorStore`] and [`EventSource`] over the real store, and
//! [`super::WebhookSender`] (or its own wrapper) as the [`Deliver`]er.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tokio::sync::Notify;

use super::retry::{Retry, RetryPolicy};
pub use super::worker_handle::WorkerHandle;
use crate::domain::{RoomId, Seq};
use crate::error::Result;

/// A delivery target: a webhook, a bot's outgoing URL, a push subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TargetId(pub i64);

/// The last event delivered to a target in one room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub room: RoomId,
    pub seq: Seq,
}

/// One event to deliver: its place in its room and the bytes to send
/// (JSON made once by the wiring code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundEvent {
    pub room: RoomId,
    pub seq: Seq,
    pub body: Arc<[u8]>,
}

/// A target's stored cursors. `save` must be durable when it returns Ok
/// (a restart resumes after the saved seq); it is called once per delivered
/// event with a seq above the room's previous one.
#[async_trait]
pub trait CursorStore: Send + Sync {
    async fn load(&self, target: TargetId) -> Result<Vec<Cursor>>;
    async fn save(&self, target: TargetId, cursor: Cursor) -> Result<()>;
}

/// Where a target's events come from: committed events only (persist, then
/// publish), only from rooms the target may read.
#[async_trait]
pub trait EventSource: Send + Sync {
    /// Up to `limit` of the target's events after `cursors`, each room's in
    /// ascending seq. A room without a cursor starts wherever the source
    /// says (the wiring code saves a cursor at the room's end when a hook is
    /// made, so a new hook does not replay history).
    async fn events_after(
        &self,
        target: TargetId,
        cursors: &[Cursor],
        limit: usize,
    ) -> Result<Vec<OutboundEvent>>;
}

/// A successful delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub status: u16,
    pub latency: Duration,
    /// The receiver's reply body (capped), e.g. a bot's `{"text": ...}`.
    pub reply: Vec<u8>,
}

/// A failed attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The receiver's status, when it answered.
    pub status: Option<u16>,
    /// The receiver's `Retry-After`, a floor on the next wait.
    pub retry_after: Option<Duration>,
    /// Retrying cannot help (the URL is refused, or the receiver said 410
    /// Gone): pause at once.
    pub permanent: bool,
    /// For the delivery log and the owner.
    pub message: String,
}

/// Sends one event to the target.
#[async_trait]
pub trait Deliver: Send + Sync {
    async fn deliver(&self, event: &OutboundEvent) -> std::result::Result<Delivered, Failure>;

    /// Sends several events, in order, as one delivery: all taken or none
    /// (a failure retries them all). Only called with more than one event
    /// when the worker was built with [`DeliveryWorker::per_request`] above
    /// 1. The default sends them one by one, stopping at the first failure
    /// (the retry repeats the ones before it: at least once allows that).
    async fn deliver_many(
        &self,
        events: &[OutboundEvent],
    ) -> std::result::Result<Delivered, Failure> {
        let mut last = Delivered {
            status: 0,
            latency: Duration::ZERO,
            reply: Vec::new(),
        };
        for event in events {
            last = self.deliver(event).await?;
        }
        Ok(last)
    }
}

/// Hears about every attempt (the delivery log) and a pause (tell the
/// owner, mark the hook paused). Both default to doing nothing.
pub trait DeliveryObserver: Send + Sync {
    fn attempted(
        &self,
        _target: TargetId,
        _event: &OutboundEvent,
        _attempt: u32,
        _result: &std::result::Result<Delivered, Failure>,
    ) {
    }
    fn paused(&self, _target: TargetId, _paused: &Paused) {}
}

struct NoObserver;
impl DeliveryObserver for NoObserver {}

/// Why a worker stopped: an event failed `attempts` times (or permanently).
/// The cursor still points before it; a new worker starts with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paused {
    pub target: TargetId,
    pub room: RoomId,
    pub seq: Seq,
    pub attempts: u32,
    /// The receiver's status on the last attempt (404/410 from a push
    /// service: delete the subscription).
    pub last_status: Option<u16>,
    pub last_error: String,
}

/// One target's worker. Build, then [`DeliveryWorker::spawn`].
pub struct DeliveryWorker {
    target: TargetId,
    store: Arc<dyn CursorStore>,
    source: Arc<dyn EventSource>,
    deliver: Arc<dyn Deliver>,
    observer: Arc<dyn DeliveryObserver>,
    retry: RetryPolicy,
    batch: usize,
    per_request: usize,
    gather: Duration,
    spacing: Duration,
    idle_poll: Duration,
    wake: Arc<Notify>,
}

impl DeliveryWorker {
    pub fn new(
        target: TargetId,
        store: Arc<dyn CursorStore>,
        source: Arc<dyn EventSource>,
        deliver: Arc<dyn Deliver>,
    ) -> Self {
        Self {
            target,
            store,
            source,
            deliver,
            observer: Arc::new(NoObserver),
            retry: RetryPolicy::default(),
            batch: 100,
            per_request: 1,
            gather: Duration::ZERO,
            spacing: Duration::ZERO,
            idle_poll: Duration::from_secs(5),
            wake: Arc::new(Notify::new()),
        }
    }

    #[must_use]
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    #[must_use]
    pub fn observer(mut self, observer: Arc<dyn DeliveryObserver>) -> Self {
        self.observer = observer;
        self
    }

    /// Events fetched per `events_after` call (default 100).
    #[must_use]
    pub fn batch(mut self, events: usize) -> Self {
        self.batch = events.max(1);
        self
    }

    /// Events handed to the deliverer at once (default 1: one request per
    /// event). Above 1, consecutive events go through
    /// [`Deliver::deliver_many`], up to this many (and at most what one
    /// `events_after` returned): one request, one signature, one round
    /// trip for the lot, for receivers that take batches.
    #[must_use]
    pub fn per_request(mut self, events: usize) -> Self {
        self.per_request = events.max(1);
        self
    }

    /// How long a woken worker waits before reading (default none): events
    /// committed meanwhile are read, and with `per_request` sent, together
    /// rather than one read and one request each. Adds that much latency
    /// to the first event after a quiet spell.
    #[must_use]
    pub fn gather(mut self, wait: Duration) -> Self {
        self.gather = wait;
        self
    }

    /// The least time from one request's start to the next one's while the
    /// worker keeps up (default none): a busy stream then goes out in
    /// fewer, larger requests, each at most this much later. A worker that
    /// falls behind (a full read) reads and sends again at once.
    #[must_use]
    pub fn spacing(mut self, least: Duration) -> Self {
        self.spacing = least;
        self
    }

    /// How often an idle worker looks for events without being woken
    /// (default 5 s): a safety net for a missed wake, not the main path.
    #[must_use]
    pub fn idle_poll(mut self, every: Duration) -> Self {
        self.idle_poll = every;
        self
    }

    /// Runs until the target pauses. Dropping the future (or aborting its
    /// task) at any point loses nothing: only delivered events move the
    /// stored cursor, so the next worker redelivers at most the event that
    /// was in flight.
    pub async fn run(self) -> Paused {
        let mut cursors = loop {
            match self.store.load(self.target).await {
                Ok(cursors) => break cursors,
                Err(e) => self.rest(&format!("cannot load cursors: {e}")).await,
            }
        };
        let mut last_request: Option<Instant> = None;
        loop {
            let events = match self
                .source
                .events_after(self.target, &cursors, self.batch)
                .await
            {
                Ok(events) => events,
                Err(e) => {
                    self.rest(&format!("cannot read events: {e}")).await;
                    continue;
                }
            };
            if events.is_empty() {
                tokio::select! {
                    () = self.wake.notified() => {}
                    () = tokio::time::sleep(self.idle_poll) => {}
                }
                self.pause_before_read(last_request).await;
                continue;
            }
            // A read that came back full means more is waiting: read again
            // at once. Otherwise the worker is keeping up, and gathers
            // before its next read as after a wake, so a steady stream goes
            // out in one request per gather instead of a full one followed
            // by a few stragglers.
            let caught_up = events.len() < self.batch;
            // A source that repeats itself must not make us go backwards.
            // Each room's events come in ascending seq, so judging them all
            // against the cursors as they stand now is judging each in turn.
            let fresh: Vec<OutboundEvent> = events
                .into_iter()
                .filter(|e| !cursors.iter().any(|c| c.room == e.room && e.seq <= c.seq))
                .collect();
            last_request = Some(Instant::now());
            for group in fresh.chunks(self.per_request) {
                if let Some(paused) = self.deliver_group(group).await {
                    self.observer.paused(self.target, &paused);
                    return paused;
                }
                self.moved_past(group, &mut cursors).await;
            }
            if caught_up {
                self.pause_before_read(last_request).await;
            }
        }
    }

    /// Waits the gather, or longer while the last request began less than
    /// `spacing` ago.
    async fn pause_before_read(&self, last_request: Option<Instant>) {
        let spaced = last_request.map_or(Duration::ZERO, |at| {
            self.spacing.saturating_sub(at.elapsed())
        });
        let wait = self.gather.max(spaced);
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// Moves the cursors past `group`, just delivered: one save per room
    /// it touched (its last event there), not one per event.
    async fn moved_past(&self, group: &[OutboundEvent], cursors: &mut Vec<Cursor>) {
        let mut saved: Vec<RoomId> = Vec::new();
        for event in group.iter().rev() {
            if saved.contains(&event.room) {
                continue;
            }
            saved.push(event.room);
            let cursor = Cursor {
                room: event.room,
                seq: event.seq,
            };
            match cursors.iter().position(|c| c.room == event.room) {
                Some(i) => cursors[i] = cursor,
                None => cursors.push(cursor),
            }
            // A failed save only widens what a restart redelivers.
            if let Err(e) = self.store.save(self.target, cursor).await {
                tracing::warn!(target_id = self.target.0, error = %e, "outbound: cannot save cursor");
            }
        }
    }

    /// Starts [`Self::run`] on the runtime.
    pub fn spawn(self) -> WorkerHandle {
        let wake = self.wake.clone();
        WorkerHandle::new(wake, tokio::spawn(self.run()))
    }

    /// Delivers `group` (one event, or several with `per_request` above 1),
    /// retrying it whole; `Some` when the target pauses on it. The observer
    /// hears of each attempt with the group's last event, the pause names
    /// its first (the cursor stays before it).
    async fn deliver_group(&self, group: &[OutboundEvent]) -> Option<Paused> {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            return None;
        };
        let mut failures = 0;
        loop {
            // A target that takes batches always gets the batch shape, also
            // for one event: its receiver reads one kind of body.
            let result = if self.per_request == 1 {
                self.deliver.deliver(first).await
            } else {
                self.deliver.deliver_many(group).await
            };
            self.observer
                .attempted(self.target, last, failures + 1, &result);
            let Err(failure) = result else { return None };
            failures += 1;
            let next = if failure.permanent {
                Retry::Pause
            } else {
                self.retry
                    .after_failure_random(failures, failure.retry_after)
            };
            match next {
                Retry::After(wait) => tokio::time::sleep(wait).await,
                Retry::Pause => {
                    return Some(Paused {
                        target: self.target,
                        room: first.room,
                        seq: first.seq,
                        attempts: failures,
                        last_status: failure.status,
                        last_error: failure.message,
                    })
                }
            }
        }
    }

    async fn rest(&self, why: &str) {
        tracing::warn!(
            target_id = self.target.0,
            "outbound: {why}; trying again in {:?}",
            self.idle_poll
        );
        tokio::time::sleep(self.idle_poll).await;
    }
}
