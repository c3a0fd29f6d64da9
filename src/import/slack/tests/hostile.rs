//! Archives made to hurt: path traversal names, ZIP bombs with honest and
//! lying headers, huge and deeply nested JSON, encrypted and duplicate
//! entries, and exports past each limit. Each is refused with a sentence.

use std::io::Cursor;

use serde_json::json;
use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

use super::export::{sample, Export};
use crate::import::slack::{SlackExport, SlackImportError, SlackLimits};

fn open_with(bytes: Vec<u8>, limits: SlackLimits) -> Result<(), SlackImportError> {
    SlackExport::open(Cursor::new(bytes), limits).map(|_| ())
}

fn open(bytes: Vec<u8>) -> Result<(), SlackImportError> {
    open_with(bytes, SlackLimits::default())
}

fn stored() -> SimpleFileOptions {
    SimpleFileOptions::default().compression_method(CompressionMethod::Stored)
}

/// Offsets of every ZIP header with `signature`.
fn headers(bytes: &[u8], signature: &[u8]) -> Vec<usize> {
    bytes
        .windows(signature.len())
        .enumerate()
        .filter(|(_, w)| *w == signature)
        .map(|(i, _)| i)
        .collect()
}

const LOCAL: &[u8; 4] = b"PK\x03\x04";
const CENTRAL: &[u8; 4] = b"PK\x01\x02";

#[test]
fn names_that_climb_out_or_are_absolute_refuse_the_archive() {
    for name in [
        "../../etc/passwd",
        "general/../../x.json",
        "/etc/cron.d/x",
        "a\\..\\b.json",
        "C:/x.json",
        "a\u{7}.json",
    ] {
        let err = open(sample().raw(name, b"[]".to_vec()).zip()).unwrap_err();
        assert!(
            matches!(err, SlackImportError::UnsafeName { .. }),
            "{name}: {err}"
        );
        assert!(err.to_string().contains("unsafe entry name"), "{err}");
    }
}

#[test]
fn a_zip_bomb_with_an_honest_header_is_refused_without_inflating_it() {
    let bomb = sample().raw("general/2017-12-03.json", vec![b' '; 20 << 20]);
    let err = open(bomb.zip()).unwrap_err();
    assert!(
        matches!(err, SlackImportError::TooLarge(ref m) if m.contains("ZIP bomb")),
        "{err}"
    );
    let small = SlackLimits {
        max_entry_bytes: 8 << 20,
        max_ratio: u64::MAX,
        ..SlackLimits::default()
    };
    let err = open_with(bomb.zip(), small).unwrap_err();
    assert!(
        matches!(err, SlackImportError::TooLarge(ref m) if m.contains("2017-12-03.json is 20 MiB")),
        "{err}"
    );
}

#[test]
fn a_zip_bomb_whose_header_lies_about_its_size_is_cut_off_at_the_limit() {
    let mut bytes = Export::default()
        .json("users.json", &json!([]))
        .json("channels.json", &json!([{"id": "C1", "name": "general"}]))
        .raw("general/2017-12-03.json", vec![b' '; 20 << 20])
        .zip();
    // Declare 100 bytes where 20 MiB will come out.
    let (local, central) = (headers(&bytes, LOCAL)[2], headers(&bytes, CENTRAL)[2]);
    bytes[local + 22..local + 26].copy_from_slice(&100u32.to_le_bytes());
    bytes[central + 24..central + 28].copy_from_slice(&100u32.to_le_bytes());
    let limits = SlackLimits {
        max_entry_bytes: 1 << 20,
        ..SlackLimits::default()
    };
    let err = open_with(bytes, limits).unwrap_err();
    assert!(
        matches!(
            err,
            SlackImportError::TooLarge(_) | SlackImportError::Corrupt { .. }
        ),
        "{err}"
    );
}

#[test]
fn json_too_large_or_too_deep_is_refused_naming_the_file() {
    let big_users = json!([{"id": "U1", "name": "x".repeat(2 << 20)}]);
    let limits = SlackLimits {
        max_entry_bytes: 1 << 20,
        ..SlackLimits::default()
    };
    let err = open_with(
        sample()
            .without("users.json")
            .json("users.json", &big_users)
            .zip(),
        limits,
    )
    .unwrap_err();
    assert!(
        matches!(err, SlackImportError::TooLarge(ref m) if m.contains("users.json")),
        "{err}"
    );
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let err = open(
        sample()
            .without("channels.json")
            .raw("channels.json", deep.into_bytes())
            .zip(),
    )
    .unwrap_err();
    assert!(
        matches!(err, SlackImportError::BadJson { ref name, .. } if name == "channels.json"),
        "{err}"
    );
    let err = open(
        sample()
            .raw("general/2017-12-04.json", b"{\"not\": \"a list\"}".to_vec())
            .zip(),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("general/2017-12-04.json is not valid Slack export JSON"),
        "{err}"
    );
}

#[test]
fn encrypted_entries_refuse_the_archive_with_a_way_out() {
    let mut bytes = sample().zip_with(stored());
    // Set "encrypted" in users.json's headers (general purpose flag bit 0).
    let (local, central) = (headers(&bytes, LOCAL)[0], headers(&bytes, CENTRAL)[0]);
    bytes[local + 6] |= 1;
    bytes[central + 8] |= 1;
    let err = open(bytes).unwrap_err();
    assert!(
        matches!(err, SlackImportError::Encrypted { ref name } if name == "users.json"),
        "{err}"
    );
    assert!(err.to_string().contains("without a password"), "{err}");
}

#[test]
fn an_archive_naming_one_entry_twice_is_refused_as_ambiguous() {
    let mut bytes = sample()
        .raw("userz.json", b"[]".to_vec())
        .zip_with(stored());
    for at in headers(&bytes, b"user") {
        if bytes[at..].starts_with(b"userz.json") {
            bytes[at + 4] = b's';
        }
    }
    let err = open(bytes).unwrap_err();
    assert!(
        matches!(err, SlackImportError::NotAZip(ref m) if m.contains("ambiguous")),
        "{err}"
    );
}

#[test]
fn files_that_are_not_slack_exports_are_refused_plainly() {
    let err = open(b"PK\x03\x04 certainly not a zip".to_vec()).unwrap_err();
    assert!(matches!(err, SlackImportError::NotAZip(_)), "{err}");
    let err = open(sample().without("users.json").zip()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "this is not a Slack workspace export: users.json is missing"
    );
    let err = open(sample().without("channels.json").zip()).unwrap_err();
    assert!(
        matches!(err, SlackImportError::Missing("channels.json")),
        "{err}"
    );
}

#[test]
fn exports_past_a_count_limit_are_refused_saying_which() {
    let cases = [
        (
            SlackLimits {
                max_entries: 5,
                ..SlackLimits::default()
            },
            "entries",
        ),
        (
            SlackLimits {
                max_users: 3,
                ..SlackLimits::default()
            },
            "users",
        ),
        (
            SlackLimits {
                max_rooms: 4,
                ..SlackLimits::default()
            },
            "conversations",
        ),
        (
            SlackLimits {
                max_messages_per_room: 6,
                ..SlackLimits::default()
            },
            "general has more than 6 messages",
        ),
        (
            SlackLimits {
                max_total_bytes: 4096,
                ..SlackLimits::default()
            },
            "in all",
        ),
    ];
    for (limits, says) in cases {
        let err = open_with(sample().zip(), limits).unwrap_err();
        assert!(
            matches!(err, SlackImportError::TooLarge(ref m) if m.contains(says)),
            "{says}: {err}"
        );
        let shown = crate::error::Error::from(err);
        assert_eq!(shown.code(), "import_too_large");
    }
    assert!(open(sample().zip()).is_ok());
}
