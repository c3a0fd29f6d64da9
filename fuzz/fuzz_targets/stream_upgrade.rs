//! A stream connection's input from arbitrary bytes: the request head
//! through the upgrade check and the host and origin rules, the bytes after
//! it through the frame reader with the server's settings. Refusals are the
//! close codes RFC 6455 gives bad input; nothing panics. The body is
//! `natter::fuzzing`'s, which `cargo test` also runs over the corpus.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| natter::fuzzing::stream_upgrade(data));
