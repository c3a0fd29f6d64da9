//! Messages: seqs, idempotent sends, edits, deletions, history and replay.

use std::sync::Arc;

use natter::domain::{Event, Mentions, MessageBody, RoomChange, RoomId, Seq};
use natter::storage::{HistoryPage, StoreError};

use crate::{each_backend, message, post, user, GENERAL};

#[tokio::test]
async fn a_message_takes_the_rooms_next_seq_and_reads_back() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        let first = post(s, GENERAL, &alice, "one").await;
        let second = post(s, GENERAL, &alice, "two").await;
        assert!(first.created && second.created);
        assert_eq!(
            (first.message.seq, second.message.seq),
            (Seq(1), Seq(2)),
            "{}",
            b.name
        );
        let read = s.message_at(GENERAL, Seq(2)).await.unwrap().unwrap();
        assert_eq!(read.body, "two");
        assert_eq!(read.author, "alice");
        assert!(s.message_at(GENERAL, Seq(3)).await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn a_retried_send_returns_the_original_and_stores_nothing_new() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        let first = s
            .post_message(message(GENERAL, &alice, "c-1", "hello"))
            .await
            .unwrap();
        let retry = s
            .post_message(message(GENERAL, &alice, "c-1", "changed"))
            .await
            .unwrap();
        assert!(first.created);
        assert!(!retry.created, "{}", b.name);
        assert_eq!(retry.message.id, first.message.id);
        assert_eq!(retry.message.body, "hello");
        let page = s
            .messages(GENERAL, HistoryPage::Newest { limit: 10 })
            .await
            .unwrap();
        assert_eq!(page.len(), 1, "{}", b.name);
        // Another author may use the same client id.
        let bob = user(s, "bob").await;
        assert!(
            s.post_message(message(GENERAL, &bob, "c-1", "hi"))
                .await
                .unwrap()
                .created
        );
    })
    .await;
}

#[tokio::test]
async fn many_senders_into_one_room_at_once_get_gap_free_increasing_seqs() {
    const SENDERS: i64 = 32;
    const EACH: i64 = 20;
    each_backend(|b| async move {
        let s = Arc::clone(&b.store);
        let mut people = Vec::new();
        for i in 0..SENDERS {
            people.push(user(&*s, &format!("sender{i}")).await);
        }
        let tasks: Vec<_> = people
            .into_iter()
            .map(|who| {
                let s = Arc::clone(&s);
                tokio::spawn(async move {
                    let mut seqs = Vec::new();
                    for n in 0..EACH {
                        let posted = s
                            .post_message(message(GENERAL, &who, &format!("c{n}"), "x"))
                            .await
                            .unwrap();
                        seqs.push(posted.message.seq.0);
                    }
                    seqs
                })
            })
            .collect();
        let mut all = Vec::new();
        for task in tasks {
            let seqs = task.await.unwrap();
            assert!(
                seqs.windows(2).all(|w| w[0] < w[1]),
                "one sender's seqs rise"
            );
            all.extend(seqs);
        }
        all.sort_unstable();
        let expected: Vec<i64> = (1..=SENDERS * EACH).collect();
        assert_eq!(all, expected, "{}: every seq once, none skipped", b.name);
        // The fan-out hears them in seq order.
        let heard = b
            .heard
            .until(|heard| {
                heard.iter().filter(|e| matches!(e, Event::Room(_))).count()
                    == usize::try_from(SENDERS * EACH).unwrap()
            })
            .await;
        let order: Vec<i64> = heard
            .iter()
            .filter_map(|e| match e {
                Event::Room(e) => Some(e.seq.0),
                _ => None,
            })
            .collect();
        assert_eq!(order, expected, "{}: published in commit order", b.name);
    })
    .await;
}

#[tokio::test]
async fn only_the_author_edits_and_a_missing_message_is_not_found() {
    each_backend(|b| async move {
        let s = &*b.store;
        let (alice, bob) = (user(s, "alice").await, user(s, "bob").await);
        let posted = post(s, GENERAL, &alice, "orig").await.message;
        let body = || MessageBody::parse("edited", 4000).unwrap();
        let by_bob = s
            .edit_message(GENERAL, posted.seq, bob.id, body(), Mentions::default())
            .await;
        assert!(matches!(by_bob, Err(StoreError::NotFound)), "{}", b.name);
        let missing = s
            .edit_message(GENERAL, Seq(42), alice.id, body(), Mentions::default())
            .await;
        assert!(matches!(missing, Err(StoreError::NotFound)), "{}", b.name);
        let edited = s
            .edit_message(GENERAL, posted.seq, alice.id, body(), Mentions::default())
            .await
            .unwrap();
        assert_eq!(edited.body, "edited");
        assert!(edited.edited_at.is_some());
        // The edit is a room event with the next seq.
        let replay = s.events_after(GENERAL, Seq(0), 10).await.unwrap();
        assert_eq!(replay.last_seq, Seq(2), "{}", b.name);
    })
    .await;
}

#[tokio::test]
async fn deleting_twice_is_not_found_the_second_time() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        let posted = post(s, GENERAL, &alice, "gone").await.message;
        s.delete_message(GENERAL, posted.seq).await.unwrap();
        let again = s.delete_message(GENERAL, posted.seq).await;
        assert!(matches!(again, Err(StoreError::NotFound)), "{}", b.name);
        let read = s.message_at(GENERAL, posted.seq).await.unwrap().unwrap();
        assert!(read.deleted && read.body.is_empty(), "{}", b.name);
    })
    .await;
}

#[tokio::test]
async fn replay_after_a_cursor_gives_creations_and_changes_in_seq_order() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        for n in 1..=3 {
            post(s, GENERAL, &alice, &format!("m{n}")).await;
        }
        s.delete_message(GENERAL, Seq(2)).await.unwrap();
        let replay = s.events_after(GENERAL, Seq(1), 100).await.unwrap();
        let seqs: Vec<i64> = replay.events.iter().map(|e| e.seq.0).collect();
        assert_eq!(seqs, [2, 3, 4], "{}", b.name);
        assert!(matches!(
            replay.events[2].change,
            RoomChange::MessageDeleted { .. }
        ));
        assert_eq!(replay.last_seq, Seq(4));
        let limited = s.events_after(GENERAL, Seq(0), 2).await.unwrap();
        assert_eq!(limited.events.len(), 2);
        assert_eq!(limited.last_seq, Seq(4), "{}", b.name);
        let none = s.events_after(GENERAL, Seq(4), 100).await.unwrap();
        assert!(none.events.is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_replay_of_a_room_that_does_not_exist_is_not_found_and_an_empty_room_replays_nothing() {
    each_backend(|b| async move {
        let s = &*b.store;
        let missing = s.events_after(RoomId(987_654), Seq(0), 10).await;
        assert!(matches!(missing, Err(StoreError::NotFound)), "{}", b.name);
        let empty = s.events_after(GENERAL, Seq(0), 10).await.unwrap();
        assert!(empty.events.is_empty(), "{}", b.name);
        assert_eq!(empty.last_seq, Seq(0), "{}", b.name);
    })
    .await;
}

#[tokio::test]
async fn history_pages_by_seq_newest_before_after_and_from_a_position() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        for n in 1..=5 {
            post(s, GENERAL, &alice, &format!("m{n}")).await;
        }
        let seqs = |page: Vec<natter::domain::Message>| -> Vec<i64> {
            page.iter().map(|m| m.seq.0).collect()
        };
        let newest = s
            .messages(GENERAL, HistoryPage::Newest { limit: 2 })
            .await
            .unwrap();
        assert_eq!(seqs(newest), [4, 5], "{}", b.name);
        let before = s
            .messages(
                GENERAL,
                HistoryPage::Before {
                    seq: Seq(4),
                    limit: 2,
                },
            )
            .await;
        assert_eq!(seqs(before.unwrap()), [2, 3]);
        let after = s
            .messages(
                GENERAL,
                HistoryPage::After {
                    seq: Seq(3),
                    limit: 5,
                },
            )
            .await;
        assert_eq!(seqs(after.unwrap()), [4, 5]);
        let from = s
            .messages(
                GENERAL,
                HistoryPage::FromPosition {
                    offset: 1,
                    limit: 2,
                },
            )
            .await;
        assert_eq!(seqs(from.unwrap()), [2, 3]);
        let json = s
            .history(GENERAL, HistoryPage::Newest { limit: 5 })
            .await
            .unwrap();
        assert_eq!(json.len(), 5, "{}: the same page as stored JSON", b.name);
    })
    .await;
}

#[tokio::test]
async fn history_pages_asked_for_all_at_once_each_get_their_own_rows() {
    // PostgreSQL pipelines these reads on a few shared connections: each
    // answer must still reach the read that asked for it.
    each_backend(|b| async move {
        let alice = user(&*b.store, "alice").await;
        for n in 1..=40 {
            post(&*b.store, GENERAL, &alice, &format!("m{n}")).await;
        }
        let reads: Vec<_> = (4..=40)
            .map(|seq| {
                let store = Arc::clone(&b.store);
                tokio::spawn(async move {
                    let page = HistoryPage::Before {
                        seq: Seq(seq),
                        limit: 3,
                    };
                    let rows = store.history(GENERAL, page).await.unwrap();
                    let authors = store.profiles_named(vec!["alice".into()]).await.unwrap();
                    (seq, rows, authors.len())
                })
            })
            .collect();
        for read in reads {
            let (seq, rows, _) = read.await.unwrap();
            let seqs: Vec<i64> = rows
                .iter()
                .map(|json| {
                    let value: serde_json::Value = serde_json::from_str(json.as_str()).unwrap();
                    value["seq"].as_i64().unwrap()
                })
                .collect();
            assert_eq!(seqs, [seq - 3, seq - 2, seq - 1], "{}", b.name);
        }
    })
    .await;
}
