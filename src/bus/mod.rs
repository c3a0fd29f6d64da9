//! The bus: carries committed events from the store's commit stream to the
//! hubs that deliver them. One node needs nothing more than a hand-over
//! (`InProcess`); several nodes publish each event's wire form (`wire`) on
//! NATS (`NatsBus`) and subscribe only to the rooms that have listeners on
//! the node, which the hub reports (`Interest`). The bus is a hint and the
//! store the truth: a node that sees a gap in a room's seqs repairs it from
//! the store, once for the room (`order`), and a watermark finds what the
//! bus never carried (`nats::watermark`). Typing and presence cross as
//! signals (`signal`), never stored. docs/scale-out.md says how the parts
//! fit and fail.

mod in_process;
mod nats;
pub mod order;
pub mod signal;
mod url;
pub mod wire;

pub use in_process::InProcess;
pub use nats::NatsBus;
pub use signal::{Signal, Signals};
pub use url::BusUrl;

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
