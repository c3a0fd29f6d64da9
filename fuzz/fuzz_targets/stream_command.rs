//! WebSocket commands from arbitrary bytes: parsing gives a command or an
//! error, and a subscribe's room keys turn into ids or an error; no panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use natter::realtime::wire::{cursors, Command};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(Command::Subscribe { rooms }) = serde_json::from_str::<Command>(text) {
        if let Ok(list) = cursors(rooms) {
            assert!(list.windows(2).all(|w| w[0] <= w[1]), "cursors come out sorted");
        }
    }
});
