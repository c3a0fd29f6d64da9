//! Tests of the outbound pieces against real HTTP(S) servers on loopback.
//! Names resolve through a stub, so nothing is asked of real DNS and no
//! request leaves the machine.

mod batch;
pub(crate) mod client;
mod command;
mod delivery;
mod examples;
mod faults;
pub(crate) mod receiver;

/// Waits until `done` holds, for at most 20 s (a readiness check, not a
/// timing assertion); fails the test with `what` otherwise.
pub(crate) async fn eventually(what: &str, done: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !done() {
        assert!(std::time::Instant::now() < deadline, "{what}");
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
}
