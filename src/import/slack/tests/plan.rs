//! The plan made from the sample export: users, rooms, and #general's
//! history with its thread, reactions, edits, bot message, file and join.

use std::io::Cursor;

use super::export::sample;
use crate::domain::{RoomKind, Timestamp};
use crate::import::slack::{SlackExport, SlackLimits};
use crate::import::{ImportKey, MessageKind, RoomHistory};

fn open(bytes: Vec<u8>) -> SlackExport<Cursor<Vec<u8>>> {
    SlackExport::open(Cursor::new(bytes), SlackLimits::default()).unwrap()
}

fn key(text: &str) -> ImportKey {
    ImportKey::derive("slack", &[text])
}

fn history_of(export: &mut SlackExport<Cursor<Vec<u8>>>, name: &str) -> RoomHistory {
    let room = export.plan().room_named(name).unwrap().key.clone();
    export.history(&room).unwrap()
}

#[test]
fn users_are_planned_without_passwords_people_first_with_unique_names() {
    let export = open(sample().zip());
    let users: Vec<(&str, &str, &str, bool, bool)> = export
        .plan()
        .users
        .iter()
        .map(|u| {
            (
                u.key.as_str(),
                u.username.as_str(),
                u.display_name.as_str(),
                u.is_bot,
                u.deactivated,
            )
        })
        .collect();
    assert_eq!(
        users,
        [
            ("slack-U01", "alice", "Alice Liddell", false, false),
            ("slack-U02", "bob", "Bobby", false, false),
            ("slack-U04", "deploybot", "Deploy Bot", true, false),
            ("slack-bot-B01", "CI", "CI", true, false),
            ("slack-U03", "carol", "Carol", false, true),
        ]
    );
    assert_eq!(
        export.plan().users[0].email.as_deref(),
        Some("alice@example.org")
    );
}

#[test]
fn rooms_keep_their_kind_topic_and_known_members() {
    let export = open(sample().zip());
    let rooms: Vec<(&str, RoomKind, usize)> = export
        .plan()
        .rooms
        .iter()
        .map(|r| (r.name.as_str(), r.kind, r.message_count))
        .collect();
    assert_eq!(
        rooms,
        [
            ("general", RoomKind::Public, 7),
            ("random", RoomKind::Public, 2),
            ("alice, bob, carol", RoomKind::Private, 1),
            ("secret-plans", RoomKind::Private, 1),
            ("alice, bob", RoomKind::Direct, 1),
        ]
    );
    let general = export.plan().room_named("general").unwrap();
    assert_eq!(general.key, key("C01"));
    assert_eq!(
        general.topic.as_deref(),
        Some("Company-wide, see #random & @bob")
    );
    // U99 is in no users.json: no account is made up for a mere member.
    assert_eq!(general.members, [key("U01"), key("U02"), key("U03")]);
    assert_eq!(general.created_at, Timestamp(1_511_000_000_000));
    assert_eq!(general.created_by, Some(key("U01")));
    let random = export.plan().room_named("random").unwrap();
    assert_eq!(
        random.topic.as_deref(),
        Some("Off topic"),
        "the purpose when the topic is empty"
    );
}

#[test]
fn general_history_is_in_order_with_its_thread_edits_reactions_bot_file_and_join() {
    let mut export = open(sample().zip());
    let history = history_of(&mut export, "general");
    let msg_key = |ts: &str| ImportKey::derive("slack", &["C01", &ts.replace('.', "-")]);
    let view: Vec<(&str, &str, &str)> = history
        .messages
        .iter()
        .map(|m| (m.key.as_str(), m.author.as_str(), m.body.as_str()))
        .collect();
    assert_eq!(
        view,
        [
            (
                "slack-C01-1512000000-000100",
                "slack-U02",
                "@bob has joined the channel"
            ),
            (
                "slack-C01-1512000100-000200",
                "slack-U01",
                "Hello **team** & *friends* ~~old~~ see [the site](https://example.com/a?b=1&c=2)"
            ),
            (
                "slack-C01-1512000200-000300",
                "slack-U02",
                "Reply one, fixed @alice"
            ),
            ("slack-C01-1512086400-000100", "slack-U03", "Reply *two*"),
            (
                "slack-C01-1512086500-000000",
                "slack-bot-B01",
                "Build **passed**"
            ),
            ("slack-C01-1512086600-000000", "slack-U01", "Edited text"),
            ("slack-C01-1512086800-000000", "slack-U02", "📎 plan.pdf"),
        ]
    );
    let [join, hello, reply1, reply2, bot, edited, file] = history.messages.as_slice() else {
        panic!("seven messages");
    };
    assert_eq!(join.kind, MessageKind::Joined);
    assert_eq!(
        (hello.kind.clone(), bot.kind.clone()),
        (MessageKind::Message, MessageKind::Bot)
    );
    assert_eq!(hello.posted_at, Timestamp(1_512_000_100_000));
    let thread = msg_key("1512000100.000200");
    assert_eq!(hello.thread_parent, None);
    assert_eq!(
        (reply1.thread_parent.as_ref(), reply2.thread_parent.as_ref()),
        (Some(&thread), Some(&thread))
    );
    assert_eq!(reply1.edited_at, Some(Timestamp(1_512_086_900_000)));
    assert_eq!(edited.edited_at, Some(Timestamp(1_512_086_700_000)));
    assert_eq!(hello.edited_at, None);
    // Reactions by people outside the export (U99) are left out.
    assert_eq!(hello.reactions.len(), 1);
    assert_eq!(hello.reactions[0].emoji, "thumbsup");
    assert_eq!(hello.reactions[0].users, [key("U02"), key("U03")]);
    assert_eq!(file.files.len(), 1, "the deleted file is not listed");
    let listed = &file.files[0];
    assert_eq!(
        (listed.name.as_str(), listed.title.as_deref(), listed.size),
        ("plan.pdf", Some("The plan"), Some(12345))
    );
    assert_eq!(listed.key.as_str(), "slack-file-F01");
    for m in &history.messages {
        assert_eq!(m.key.client_id().as_str(), m.key.as_str());
    }
    assert!(history.warnings.is_empty(), "{:?}", history.warnings);
}

#[test]
fn private_rooms_dms_and_bot_users_have_their_messages() {
    let mut export = open(sample().zip());
    let random = history_of(&mut export, "random");
    assert_eq!(random.messages[0].body, "random thought in #general");
    assert_eq!(
        (random.messages[1].author.as_str(), &random.messages[1].kind),
        ("slack-U04", &MessageKind::Bot)
    );
    for (room, body) in [
        ("secret-plans", "top secret"),
        ("alice, bob", "hi alice"),
        ("alice, bob, carol", "group hello"),
    ] {
        let history = history_of(&mut export, room);
        assert_eq!(history.messages.len(), 1, "{room}");
        assert_eq!(history.messages[0].body, body);
    }
}

#[test]
fn the_same_export_gives_the_same_plan_and_keys_every_time() {
    let bytes = sample().zip();
    let mut first = open(bytes.clone());
    let mut second = open(bytes);
    assert_eq!(first.plan(), second.plan());
    for room in first.plan().rooms.clone() {
        assert_eq!(
            first.history(&room.key).unwrap(),
            second.history(&room.key).unwrap()
        );
    }
    let general = first.history(&key("C01")).unwrap();
    let all = serde_json::to_string(&(first.plan(), general)).unwrap();
    assert!(
        !all.contains("xoxe"),
        "file URLs carry tokens and are not kept"
    );
}

#[test]
fn an_export_zipped_again_inside_a_folder_is_found() {
    let mut nested = super::export::Export::default();
    let sample_zip = sample().zip();
    let mut inner = zip::ZipArchive::new(Cursor::new(sample_zip)).unwrap();
    for i in 0..inner.len() {
        let mut entry = inner.by_index(i).unwrap();
        let name = format!("Acme Slack export Dec 2017/{}", entry.name().unwrap());
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
        nested = nested.raw(&name, bytes);
    }
    let export = open(nested.zip());
    assert_eq!(export.plan(), open(sample().zip()).plan());
}

#[test]
fn replies_whose_thread_start_is_missing_become_top_level_with_a_warning() {
    let orphan = serde_json::json!([{"type": "message", "user": "U01", "text": "late reply",
                                     "ts": "1600000000.000001", "thread_ts": "1500000000.000001"},
                                    {"type": "message", "text": "nobody", "ts": "1600000000.000002"}]);
    let mut export = open(sample().json("random/2020-09-13.json", &orphan).zip());
    let history = history_of(&mut export, "random");
    let late = history
        .messages
        .iter()
        .find(|m| m.body == "late reply")
        .unwrap();
    assert_eq!(late.thread_parent, None);
    assert_eq!(history.warnings.len(), 2, "{:?}", history.warnings);
    assert!(export.history(&key("C404")).is_err());
}
