//! Bringing another chat system's history into Natter: a neutral plan
//! (users, rooms, messages, each with an idempotency key) and the readers
//! that make one from an export. Knows nothing of storage or routes; the
//! wiring creates what the plan lists.

mod plan;
pub mod slack;

pub use plan::{
    ImportKey, ImportPlan, MessageKind, PlannedFile, PlannedMessage, PlannedReaction, PlannedRoom,
    PlannedUser, RoomHistory,
};
