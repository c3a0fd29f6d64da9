//! The room log as a hook's worker reads it (`logged_events_after`): the
//! same events as the replay, in the same order, as stored (no decoding).

use natter::domain::{Message, RoomChange, RoomEvent, Seq};
use natter::storage::LoggedEvent;

use crate::{each_backend, post, user, GENERAL};

/// What a hook's worker reads: the replay's events as stored, decoded here
/// only to compare them.
fn decoded(logged: &[LoggedEvent]) -> Vec<RoomEvent> {
    logged
        .iter()
        .map(|e| match e {
            LoggedEvent::Created {
                seq,
                author,
                message,
            } => {
                let message: Message = serde_json::from_str(message.as_str()).unwrap();
                assert_eq!((message.seq, message.author_id), (*seq, *author));
                RoomEvent {
                    room_id: GENERAL,
                    seq: *seq,
                    change: RoomChange::MessageCreated { message },
                }
            }
            LoggedEvent::Changed { seq, payload } => {
                let event = RoomEvent::from_logged(payload).unwrap();
                assert_eq!(event.seq, *seq);
                event
            }
        })
        .collect()
}

#[tokio::test]
async fn the_log_as_stored_holds_the_replays_events_in_the_same_order() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        for n in 1..=4 {
            post(s, GENERAL, &alice, &format!("m{n}")).await;
        }
        let deleted = post(s, GENERAL, &alice, "gone").await.message.seq;
        s.delete_message(GENERAL, deleted).await.unwrap();
        post(s, GENERAL, &alice, "after").await;
        let last = s.events_after(GENERAL, Seq(0), 1).await.unwrap().last_seq;
        for (after, limit) in [(0, 100), (0, 3), (2, 4), (last.0 - 2, 100), (last.0, 100)] {
            let replay = s.events_after(GENERAL, Seq(after), limit).await.unwrap();
            let logged = s
                .logged_events_after(GENERAL, Seq(after), limit)
                .await
                .unwrap();
            assert_eq!(decoded(&logged), replay.events, "{} after {after}", b.name);
        }
        // A deleted message is stored blanked: its text is not passed on.
        let logged = s.logged_events_after(GENERAL, Seq(0), 100).await.unwrap();
        let gone = decoded(&logged)
            .into_iter()
            .find_map(|e| match e.change {
                RoomChange::MessageCreated { message } if message.seq == deleted => Some(message),
                _ => None,
            })
            .unwrap();
        assert!(gone.deleted && gone.body.is_empty(), "{}", b.name);
    })
    .await;
}
