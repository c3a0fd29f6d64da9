//! Usernames, room names, message bodies, client ids and seq cursors from
//! arbitrary bytes: each parser answers with a value that keeps its rules,
//! or with an error; none panics. The body is `natter::fuzzing`'s, which
//! `cargo test` also runs over the corpus.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| natter::fuzzing::input_parsers(data));
