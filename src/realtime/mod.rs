//! Live delivery: the hub (per-room fan-out with bounded queues), the wire
//! format, and the per-connection loop with gap-free resume.

mod budget;
pub mod close;
pub mod connection;
pub mod cursor;
mod fan_out;
pub mod frame;
pub mod hub;
pub mod listener;
mod live_rooms;
pub mod socket;
mod stream_io;
pub mod wire;

pub use connection::StreamSettings;
pub use hub::{Hub, HubStats, PRESENCE_BEAT};
