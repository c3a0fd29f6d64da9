//! Retention: messages older than the server keeps disappear, oldest
//! first, a slice at a time, with nothing of their text left in the log;
//! due messages disappear write after write, however many there are; and
//! each room hears of a slice once, however many writes it took.

use futures_util::future::join_all;
use natter::domain::{Mentions, MessageBody, RoomChange, RoomKind, Seq, Timestamp};
use natter::storage::NewRoom;

use crate::{each_backend, message, now, post, user, GENERAL};

#[tokio::test]
async fn retention_erases_old_messages_a_slice_at_a_time_edits_included() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        let first = post(s, GENERAL, &alice, "first").await.message.seq;
        for text in ["second", "third"] {
            post(s, GENERAL, &alice, text).await;
        }
        let secret = MessageBody::parse("a secret correction", 4000).unwrap();
        s.edit_message(GENERAL, first, alice.id, secret, Mentions::default())
            .await
            .unwrap();
        let cutoff = Timestamp(now().millis() + 1000);
        let one = s.expire_posted_before(cutoff, 1).await.unwrap();
        let rest = s.expire_posted_before(cutoff, 10).await.unwrap();
        let again = s.expire_posted_before(cutoff, 10).await.unwrap();
        let counts = format!("{one:?} {rest:?} {again:?}");
        for seq in 1..=3 {
            let gone = s.message_at(GENERAL, Seq(seq)).await.unwrap().unwrap();
            assert!(gone.body.is_empty() && gone.expired, "{}: {seq}", b.name);
        }
        let log = s.events_after(GENERAL, Seq(0), 50).await.unwrap();
        let text = serde_json::to_string(&log.events).unwrap();
        assert!(
            !text.contains("secret"),
            "{}: the log keeps no text of them ({counts}): {text}",
            b.name
        );
        // Nothing is left for a later walk.
        assert!(
            !counts.is_empty() && s.next_expiry().await.unwrap().is_none(),
            "{}",
            b.name
        );
    })
    .await;
}

#[tokio::test]
async fn more_due_messages_than_one_write_takes_all_disappear_write_after_write() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        s.set_disappearing(GENERAL, 300, "alice").await.unwrap();
        for n in 0..120 {
            post(s, GENERAL, &alice, &format!("fleeting-{n}")).await;
        }
        let later = Timestamp(now().millis() + 301_000);
        let mut writes = Vec::new();
        loop {
            let done = s.expire_due(later, 100).await.unwrap();
            writes.push(done);
            if !done.more_due(100) || writes.len() > 120 {
                break;
            }
        }
        let expired: u32 = writes.iter().map(|w| w.messages).sum();
        assert_eq!(expired, 120, "{}: {writes:?}", b.name);
        assert!(s.next_expiry().await.unwrap().is_none(), "{}", b.name);
        // Seq 1 is the timer's event; the messages follow it.
        for seq in 2..=121 {
            let gone = s.message_at(GENERAL, Seq(seq)).await.unwrap().unwrap();
            assert!(gone.body.is_empty() && gone.expired, "{}: {seq}", b.name);
        }
    })
    .await;
}

#[tokio::test]
async fn a_slice_written_in_several_parts_is_told_to_each_room_once_with_all_its_messages() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        let lounge = NewRoom {
            kind: RoomKind::Public,
            name: "Lounge".into(),
            name_key: "lounge".into(),
            created_by: alice.id,
            members: vec![],
        };
        let lounge = s.create_room(lounge, now()).await.unwrap().id;
        let rooms = [GENERAL, lounge];
        for room in rooms {
            s.set_disappearing(room, 300, "alice").await.unwrap();
        }
        // Interleaved, as a busy server stores them: every part of the
        // slice erases some of each room's. SQLite writes a slice this big
        // in parts of 5 ms (far more than one).
        for chunk in 0..12 {
            join_all((0..250).map(|n| {
                let room = rooms[n % 2];
                let text = format!("fleeting-{chunk}-{n}");
                s.post_message(message(room, &alice, &text, &text))
            }))
            .await
            .into_iter()
            .for_each(|posted| drop(posted.unwrap()));
        }
        let later = Timestamp(now().millis() + 301_000);
        let done = s.expire_due(later, 3000).await.unwrap();
        assert_eq!(done.messages, 3000, "{}: {done:?}", b.name);
        for room in rooms {
            let log = s.events_after(room, Seq(0), 5000).await.unwrap().events;
            let told: Vec<usize> = log
                .iter()
                .filter_map(|e| match &e.change {
                    RoomChange::MessagesExpired { message_seqs, .. } => Some(message_seqs.len()),
                    _ => None,
                })
                .collect();
            assert_eq!(
                told,
                [1500],
                "{}: room {room:?} is told once, of all",
                b.name
            );
        }
    })
    .await;
}
