//! The wire form round-trips every kind of event and refuses what it
//! cannot read.

use super::*;
use crate::domain::{MessageId, Role, RoomChange, Seq};

fn every_kind() -> Vec<Event> {
    let member = Member {
        user_id: UserId(7),
        username: "ann".into(),
        role: Role::Owner,
        profile: crate::domain::Profile::default(),
    };
    vec![
        Event::Room(RoomEvent {
            room_id: RoomId(3),
            seq: Seq(42),
            change: RoomChange::MessageDeleted {
                message_id: MessageId(9),
                message_seq: Seq(40),
            },
        }),
        Event::Membership(MembershipChange {
            room_id: RoomId(3),
            member,
            joined: true,
            logged: true,
        }),
        Event::Sessions(SessionsEnded {
            user: UserId(7),
            which: EndedSessions::One([0xab; 32]),
        }),
        Event::Sessions(SessionsEnded {
            user: UserId(7),
            which: EndedSessions::AllBut(Some([1; 32])),
        }),
        Event::Sessions(SessionsEnded {
            user: UserId(7),
            which: EndedSessions::AllBut(None),
        }),
        Event::Changed(Changed::RoomAccess(RoomId(3))),
        Event::Changed(Changed::Account(UserId(7))),
    ]
}

#[test]
fn every_kind_of_event_comes_back_as_it_went() {
    let events = every_kind();
    let bytes = encode(&events);
    assert_eq!(decode(&bytes).unwrap(), events);
}

#[test]
fn the_envelope_carries_its_version_and_a_newer_one_is_refused_as_such() {
    let bytes = encode(&every_kind());
    let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(json["v"], VERSION);
    let newer = serde_json::json!({"v": VERSION + 1, "events": [{"kind": "from_the_future"}]});
    assert_eq!(
        decode(newer.to_string().as_bytes()),
        Err(WireError::Newer(VERSION + 1))
    );
}

#[test]
fn damaged_batches_are_refused_not_guessed() {
    assert!(matches!(decode(b"not json"), Err(WireError::Damaged(_))));
    let bad_hash = serde_json::json!({"v": 1, "events": [
        {"kind": "sessions_ended", "user": 1, "one": "zz"}
    ]});
    assert!(matches!(
        decode(bad_hash.to_string().as_bytes()),
        Err(WireError::Damaged(_))
    ));
}

#[test]
fn a_batch_names_the_node_that_sent_it() {
    let events = every_kind();
    let (from, back) = decode_from(&encode_from("node-a", &events)).unwrap();
    assert_eq!(from.as_deref(), Some("node-a"));
    assert_eq!(back, events);
    assert_eq!(decode_from(&encode(&events)).unwrap().0, None);
}
