use super::*;
use crate::domain::{Message, MessageId, MessageJson, Seq, Timestamp};

const BOT: UserId = UserId(9);

fn message(author: i64, body: &str) -> Message {
    serde_json::from_value(serde_json::json!({
        "id": 1, "room_id": 7, "seq": 42, "author_id": author, "author": "ann",
        "client_id": "c", "body": body, "created_at": Timestamp(1_700_000_000_000),
        "mentions": ["bob"],
    }))
    .unwrap()
}

fn created(message: Message) -> (RoomEvent, LoggedEvent) {
    let logged = LoggedEvent::Created {
        seq: message.seq,
        author: message.author_id,
        message: MessageJson::of(&message),
    };
    let event = RoomEvent {
        room_id: message.room_id,
        seq: message.seq,
        change: RoomChange::MessageCreated { message },
    };
    (event, logged)
}

fn changed(change: RoomChange) -> (RoomEvent, LoggedEvent) {
    let event = RoomEvent {
        room_id: RoomId(7),
        seq: Seq(43),
        change,
    };
    let logged = LoggedEvent::Changed {
        seq: event.seq,
        payload: serde_json::to_string(&event).unwrap(),
    };
    (event, logged)
}

#[test]
fn a_spliced_creation_is_byte_for_byte_the_encoded_event() {
    let (event, logged) = created(message(3, "hi \"there\" \u{1F600}"));
    let spliced = encode_logged(5, BOT, RoomId(7), logged).unwrap();
    assert_eq!(spliced, encode(5, BOT, &event).unwrap());
    let v: serde_json::Value = serde_json::from_slice(&spliced).unwrap();
    assert_eq!(v["hook_id"], 5);
    assert_eq!(v["type"], "message.created");
    assert_eq!(v["message"]["body"], "hi \"there\" \u{1F600}");
}

#[test]
fn a_spliced_change_is_byte_for_byte_the_encoded_event() {
    let (event, logged) = changed(RoomChange::MessageDeleted {
        message_id: MessageId(1),
        message_seq: Seq(42),
    });
    let spliced = encode_logged(5, BOT, RoomId(7), logged).unwrap();
    assert_eq!(spliced, encode(5, BOT, &event).unwrap());
    let v: serde_json::Value = serde_json::from_slice(&spliced).unwrap();
    assert_eq!(v["type"], "message.deleted");
    assert_eq!(v["message_seq"], 42);
}

#[test]
fn the_hooks_own_bot_is_not_sent_its_messages() {
    let (_, logged) = created(message(BOT.0, "my own reply"));
    assert_eq!(encode_logged(5, BOT, RoomId(7), logged), None);
}

#[test]
fn an_edit_by_the_bot_is_still_sent() {
    let (event, logged) = changed(RoomChange::MessageEdited {
        message: message(BOT.0, "edited"),
    });
    let spliced = encode_logged(5, BOT, RoomId(7), logged).unwrap();
    assert_eq!(spliced, encode(5, BOT, &event).unwrap());
}

#[test]
fn an_expiry_logged_in_the_old_form_reaches_the_receiver_in_the_new_one() {
    let logged = LoggedEvent::Changed {
        seq: Seq(43),
        payload:
            r#"{"room_id":7,"seq":43,"type":"message.expired","message_id":1,"message_seq":42}"#
                .into(),
    };
    let v: serde_json::Value =
        serde_json::from_slice(&encode_logged(5, BOT, RoomId(7), logged).unwrap()).unwrap();
    assert_eq!(v["type"], "messages.expired");
    assert_eq!(v["message_seqs"], serde_json::json!([42]));
}

#[test]
fn a_creation_too_large_goes_as_its_envelope() {
    let (_, logged) = created(message(3, &"x".repeat(MAX_PAYLOAD_BYTES)));
    let v: serde_json::Value =
        serde_json::from_slice(&encode_logged(5, BOT, RoomId(7), logged).unwrap()).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"hook_id": 5, "room_id": 7, "seq": 42,
            "type": "message.created", "truncated": true})
    );
}
