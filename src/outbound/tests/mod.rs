//! Tests of the outbound pieces against real HTTP(S) servers on loopback.
//! Names resolve through a stub, so nothing is asked of real DNS and no
//! request leaves the machine.

pub(crate) mod client;
mod command;
mod delivery;
mod examples;
mod faults;
pub(crate) mod receiver;
