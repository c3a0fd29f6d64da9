//! After each commit: which subscriptions a new message is pushed to.
//! The tap hands committed messages over without ever blocking the commit
//! path (a full channel drops the push, counted in the log); the
//! dispatcher task decides and queues.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::sync::mpsc;

use super::payload::PushPayload;
use super::{Pushes, QUEUE_PER_SUBSCRIPTION};
use crate::domain::{Event, Message, NotificationLevel, RoomChange, RoomKind, Timestamp};
use crate::storage::{Publisher, PushCandidate, QueuedPush};

/// New messages waiting for the dispatcher.
const TAP_BOUND: usize = 4096;

/// Sits between the store and the bus: hands every commit on unchanged,
/// and a copy of each new message to the dispatcher, while anyone on the
/// server has a subscription (most servers most of the time have none, and
/// then a send pays nothing for Web Push: no copy, no read).
pub struct Tap {
    inner: Arc<dyn Publisher>,
    messages: mpsc::Sender<Message>,
    gate: Arc<Gate>,
}

/// Whether new messages go to the dispatcher: open while a subscription may
/// exist. Opened before a subscription is stored; closed only under `change`
/// after the store says there is none, so a subscription made meanwhile
/// reopens it after the close.
#[derive(Default)]
pub struct Gate {
    open: AtomicBool,
    pub(super) change: tokio::sync::Mutex<()>,
}

impl Gate {
    pub(super) fn is_open(&self) -> bool {
        self.open.load(Ordering::Acquire)
    }

    pub(super) fn set(&self, open: bool) {
        self.open.store(open, Ordering::Release);
    }
}

/// The dispatcher's end of the tap.
pub struct TapReceiver {
    pub(super) messages: mpsc::Receiver<Message>,
    pub(super) gate: Arc<Gate>,
}

/// A tap in front of `inner`, and the dispatcher's end of it. The gate
/// starts closed; `Pushes::start` opens it if the store holds subscriptions.
pub fn tap(inner: Arc<dyn Publisher>) -> (Arc<Tap>, TapReceiver) {
    let (messages, rx) = mpsc::channel(TAP_BOUND);
    let gate = Arc::new(Gate::default());
    let tap = Tap {
        inner,
        messages,
        gate: Arc::clone(&gate),
    };
    (Arc::new(tap), TapReceiver { messages: rx, gate })
}

impl Publisher for Tap {
    fn publish(&self, events: &[Event]) {
        self.inner.publish(events);
        if !self.gate.is_open() {
            return;
        }
        for event in events {
            if let Event::Room(e) = event {
                if let RoomChange::MessageCreated { message } = &e.change {
                    if self.messages.try_send(message.clone()).is_err() {
                        tracing::warn!(room = %e.room_id, seq = %e.seq, "push: dispatcher behind; this message is not pushed");
                    }
                }
            }
        }
    }
}

/// How often, at most, a message nobody could be pushed leads to asking the
/// store whether any subscription is left (they go with their sessions).
const GATE_CHECK: std::time::Duration = std::time::Duration::from_mins(1);

pub(super) fn spawn(pushes: Arc<Pushes>, mut messages: mpsc::Receiver<Message>) {
    tokio::spawn(async move {
        let mut checked = tokio::time::Instant::now();
        while let Some(message) = messages.recv().await {
            match dispatch(&pushes, &message).await {
                Ok(false) if checked.elapsed() >= GATE_CHECK => {
                    pushes.close_gate_if_nobody_subscribes().await;
                    checked = tokio::time::Instant::now();
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(room = %message.room_id, seq = %message.seq, error = %e, "push: cannot queue pushes");
                }
            }
        }
    });
}

/// Whether `message` notifies `who` under their level (the same rule as
/// the web client's alerts: everything at `all`; at `mentions`, a mention
/// of them or of the room, and every direct message).
fn notifies(who: &PushCandidate, message: &Message, kind: RoomKind) -> bool {
    match who.level {
        NotificationLevel::Nothing => false,
        NotificationLevel::All => true,
        NotificationLevel::Mentions => kind == RoomKind::Direct || mentions(who, message),
    }
}

fn mentions(who: &PushCandidate, message: &Message) -> bool {
    message.mentions_room
        || message
            .mentions
            .iter()
            .any(|n| n.to_lowercase() == who.username.to_lowercase())
}

/// Queues `message`'s pushes; false when nobody in its room has a
/// subscription.
async fn dispatch(pushes: &Arc<Pushes>, message: &Message) -> crate::error::Result<bool> {
    if message.deleted {
        return Ok(true);
    }
    // Members at commit time (joined by then, still in now), never the author.
    let candidates = pushes
        .store
        .push_candidates(message.room_id, message.author_id, message.created_at)
        .await?;
    if candidates.is_empty() {
        return Ok(false);
    }
    let now = Timestamp::now();
    let Some((room, _)) = pushes
        .store
        .room_for(message.room_id, message.author_id)
        .await?
    else {
        return Ok(true);
    };
    let chosen: Vec<&PushCandidate> = candidates
        .iter()
        .filter(|c| c.quiet_until.is_none_or(|until| until <= now))
        .filter(|c| notifies(c, message, room.kind))
        .filter(|c| !pushes.online(c.user_id))
        .collect();
    if chosen.is_empty() {
        return Ok(true);
    }
    let queued: Vec<QueuedPush> = chosen
        .iter()
        .map(|c| QueuedPush {
            subscription: c.subscription,
            room: message.room_id,
            seq: message.seq,
            body: PushPayload::new(message, room.name.clone(), room.kind, mentions(c, message))
                .to_bytes(),
        })
        .collect();
    pushes
        .store
        .queue_pushes(queued, QUEUE_PER_SUBSCRIPTION)
        .await?;
    for c in chosen {
        pushes.wake(c.subscription);
    }
    Ok(true)
}
