//! Usernames, room names, message bodies, client ids and seq cursors from
//! arbitrary bytes: each parser answers with a value that keeps its rules,
//! or with an error; none panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use natter::domain::{ClientId, MessageBody, RoomName, Username};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(name) = Username::parse(text) {
        let n = name.as_str();
        assert!(!n.is_empty() && n.len() <= 32);
        assert!(n.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')));
    }
    if let Ok(room) = RoomName::parse(text) {
        let n = room.as_str();
        assert!(!n.is_empty() && n.chars().count() <= 64);
        assert!(!n.chars().any(char::is_control));
    }
    if let Ok(body) = MessageBody::parse(text, 4000) {
        assert!(body.as_str().chars().count() <= 4000 && !body.as_str().trim().is_empty());
    }
    if let Ok(id) = ClientId::parse(text) {
        assert!(id.as_str().len() <= 64);
    }
    // A history cursor arrives as a number in a query string.
    let _ = text.parse::<i64>();
});
