//! WebSocket commands from arbitrary bytes: parsing gives a command or an
//! error, and a subscribe's room keys turn into ids or an error; no panic.
//! The body is `natter::fuzzing`'s, which `cargo test` also runs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| natter::fuzzing::stream_command(data));
