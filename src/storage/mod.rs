//! The storage boundary: `Store`, the sum of one trait per area of the chat
//! (accounts, rooms, messages, ...) with intent-named methods. Use-cases call
//! it and never see SQL; each backend (SQLite, PostgreSQL)
//! implements every area trait in its own module, and gets `Store` by the
//! blanket impl below.

pub mod backend;
pub mod cached;
pub mod postgres;
pub mod sqlite;

mod accounts;
mod commands;
mod directory;
mod disappearing;
mod feed;
mod finish;
mod groups;
mod integrations;
mod mentions;
mod messages;
mod moderation;
mod operations;
mod outhooks;
mod pins;
mod profiles;
mod push;
mod reactions;
mod room_care;
mod room_seqs;
mod rooms;
mod search;
mod send_rates;
mod server;
mod statuses;
mod uploads;

use std::sync::Arc;

use crate::domain::Event;
use crate::error::Error;

pub use accounts::{Accounts, UserRecord};
pub use commands::{NewCommand, SlashCommands};
pub use directory::Directory;
pub use disappearing::{Disappearing, Expired};
pub use feed::BotFeed;
pub use finish::{AuditedChange, AuditedOutcome, ServerFinish, SessionRecord, SessionSeen};
pub use groups::Groups;
pub use integrations::{Integrations, NewHook, NewToken};
pub use mentions::Mentions;
pub use messages::{HistoryPage, Messages, NewMessage, Replay, SendLimits};
pub use moderation::{AuditEntry, Moderation};
pub use operations::{NewReport, Operations, ReportFiled};
pub use outhooks::{DeliveryProgress, LoggedEvent, NewOutHook, OutHook, OutHooks};
pub use pins::Pins;
pub use profiles::Profiles;
pub use push::{NewPushSubscription, Push, PushCandidate, PushSubscriptionRecord, QueuedPush};
pub use reactions::{AddOutcome, Reactions};
pub use room_care::RoomCaretaking;
pub use room_seqs::RoomSeqs;
pub use rooms::{Membership, NewRoom, RoomAccess, RoomRoles, Rooms};
pub use search::{MessageSearch, Search, SearchOrder};
pub use send_rates::{SendRates, SENDS_PER_USER};
pub use server::{Durability, NewInvite, Server};
pub use statuses::Statuses;
pub use uploads::{NewUpload, StoredPreview, UploadRecord, UploadReservation, Uploads};

/// What a store can say went wrong, beyond a broken database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was hit (a taken username, a second public room of a name).
    #[error("already exists")]
    Conflict,
    /// The disk is full or the database is locked by someone else: writes
    /// cannot be taken now, reads may still work.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// A send limit the store enforces for every node (`SendLimits`) said
    /// no: `limit` names it for metrics.
    #[error("the {limit} limit refused it")]
    Limited {
        limit: &'static str,
        retry_after: std::time::Duration,
    },
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Error::not_found("Not found."),
            StoreError::Conflict => Error::conflict("conflict", "That already exists."),
            StoreError::Unavailable(why) => {
                tracing::error!(%why, "storage unavailable");
                Error::Unavailable(
                    "The server cannot store anything right now; try again soon.".into(),
                )
            }
            StoreError::Limited { retry_after, .. } => Error::RateLimited { retry_after },
            StoreError::Other(e) => Error::Internal(e),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Hears every committed change, in commit order, right after the commit
/// (the realtime hub, or a bus to other nodes). Must not block.
pub trait Publisher: Send + Sync + 'static {
    fn publish(&self, events: &[Event]);
}

/// Who a store tells of its commits. Every backend keeps this order:
/// commit, make durable, `invalidate`, answer the writers, `fanout`.
#[derive(Clone)]
pub struct Listeners {
    /// Told each commit's events before any write of it is answered, so a
    /// writer's next request never meets an answer cached from before its
    /// own write; on the commit path, so it must be quick (`cached::Caches`).
    pub invalidate: Arc<dyn Publisher>,
    /// Told them after the answers, in commit order, on a thread of its own
    /// (the realtime hub, or a bus to other nodes).
    pub fanout: Arc<dyn Publisher>,
}

/// The publish thread of a store's writer: hands committed events to the
/// fan-out in commit order. Everything waiting goes at once, so when the
/// fan-out has fallen behind, a room's events since reach each listener in
/// one write.
pub(crate) fn publish_in_commit_order(
    to_publish: &std::sync::mpsc::Receiver<Vec<Event>>,
    fanout: &dyn Publisher,
) {
    while let Ok(mut events) = to_publish.recv() {
        for more in to_publish.try_iter() {
            events.extend(more);
        }
        fanout.publish(&events);
    }
}

impl Listeners {
    /// Only a fan-out: for a store with no cache in front of it.
    pub fn fanout(fanout: Arc<dyn Publisher>) -> Self {
        Self {
            invalidate: Arc::new(NoOne),
            fanout,
        }
    }
}

/// Hears nothing.
struct NoOne;

impl Publisher for NoOne {
    fn publish(&self, _: &[Event]) {}
}

/// Everything the chat keeps: the sum of the area traits. Use-cases hold an
/// `Arc<dyn Store>` (one vtable, as before the split: each area's methods
/// are entries of it); a backend implements the area traits and gets this
/// by the blanket impl.
pub trait Store:
    Accounts
    + Rooms
    + Messages
    + Directory
    + Uploads
    + Search
    + Mentions
    + Reactions
    + Pins
    + RoomCaretaking
    + Disappearing
    + Server
    + Moderation
    + Groups
    + Statuses
    + ServerFinish
    + Push
    + Profiles
    + Integrations
    + SlashCommands
    + BotFeed
    + OutHooks
    + Operations
    + RoomSeqs
    + SendRates
    + 'static
{
}

impl<T> Store for T where
    T: Accounts
        + Rooms
        + Messages
        + Directory
        + Uploads
        + Search
        + Mentions
        + Reactions
        + Pins
        + RoomCaretaking
        + Disappearing
        + Server
        + Moderation
        + Groups
        + Statuses
        + ServerFinish
        + Push
        + Profiles
        + Integrations
        + SlashCommands
        + BotFeed
        + OutHooks
        + Operations
        + RoomSeqs
        + SendRates
        + 'static
{
}
