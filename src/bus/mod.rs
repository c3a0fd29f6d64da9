//! The bus: carries committed events from the store's commit stream to the
//! hubs that deliver them. One node needs nothing more than a hand-over
//! (`InProcess`, used today); several nodes publish each event's wire form
//! (`wire`) on a shared bus (NATS, issue 15) and subscribe only to the rooms
//! that have listeners on the node, which the hub reports (`Interest`).
//! The bus is a hint and the store the truth: a node that sees a gap in a
//! room's seqs repairs it from the store.

mod in_process;
pub mod wire;

pub use in_process::InProcess;

use crate::domain::RoomId;
use crate::storage::Publisher;

/// Told by the hub when a room gets its first listener on this node
/// (`wanted`) and when it loses its last. Called under the hub's lock, in
/// order for each room: must be quick and must not call back into the hub
/// (a networked bus queues the change for its own task).
pub trait Interest: Send + Sync + 'static {
    fn interest(&self, room: RoomId, wanted: bool);
}

/// Between the store and the hub: publishing hands a commit's events on
/// (to this node's hub, and to the other nodes' through a shared bus);
/// interest says which rooms' events this node wants from the others.
pub trait Bus: Publisher + Interest {}

impl<T: Publisher + Interest> Bus for T {}
