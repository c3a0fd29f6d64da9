//! After each commit: which subscriptions a new message is pushed to.
//! The tap hands committed messages over without ever blocking the commit
//! path (a full channel drops the push, counted in the log); the
//! dispatcher task decides and queues.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::payload::PushPayload;
use super::{Pushes, QUEUE_PER_SUBSCRIPTION};
use crate::domain::{Event, Message, NotificationLevel, RoomChange, RoomKind, Timestamp};
use crate::storage::{Publisher, PushCandidate, QueuedPush};

/// New messages waiting for the dispatcher.
const TAP_BOUND: usize = 4096;

/// Sits between the store and the bus: hands every commit on unchanged,
/// and a copy of each new message to the dispatcher.
pub struct Tap {
    inner: Arc<dyn Publisher>,
    messages: mpsc::Sender<Message>,
}

pub type TapReceiver = mpsc::Receiver<Message>;

/// A tap in front of `inner`, and the dispatcher's end of it.
pub fn tap(inner: Arc<dyn Publisher>) -> (Arc<Tap>, TapReceiver) {
    let (messages, rx) = mpsc::channel(TAP_BOUND);
    (Arc::new(Tap { inner, messages }), rx)
}

impl Publisher for Tap {
    fn publish(&self, events: &[Event]) {
        self.inner.publish(events);
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

pub(super) fn spawn(pushes: Arc<Pushes>, mut messages: TapReceiver) {
    tokio::spawn(async move {
        while let Some(message) = messages.recv().await {
            if let Err(e) = dispatch(&pushes, &message).await {
                tracing::warn!(room = %message.room_id, seq = %message.seq, error = %e, "push: cannot queue pushes");
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

async fn dispatch(pushes: &Arc<Pushes>, message: &Message) -> crate::error::Result<()> {
    if message.deleted {
        return Ok(());
    }
    // Members at commit time (joined by then, still in now), never the author.
    let candidates = pushes
        .store
        .push_candidates(message.room_id, message.author_id, message.created_at)
        .await?;
    if candidates.is_empty() {
        return Ok(());
    }
    let now = Timestamp::now();
    let Some((room, _)) = pushes
        .store
        .room_for(message.room_id, message.author_id)
        .await?
    else {
        return Ok(());
    };
    let chosen: Vec<&PushCandidate> = candidates
        .iter()
        .filter(|c| c.quiet_until.is_none_or(|until| until <= now))
        .filter(|c| notifies(c, message, room.kind))
        .filter(|c| !pushes.online(c.user_id))
        .collect();
    if chosen.is_empty() {
        return Ok(());
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
    Ok(())
}
