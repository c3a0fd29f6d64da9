//! Live delivery: the hub (per-room fan-out with bounded queues), the wire
//! format, and the per-connection loop with gap-free resume.

pub mod connection;
pub mod cursor;
mod fan_out;
pub mod hub;
pub mod listener;
pub mod socket;
pub mod wire;

pub use connection::{StreamSettings, CLOSE_TOO_SLOW};
pub use hub::{Hub, HubStats};
