//! Threads and mentions: replies and their root's summary, the mentions
//! inbox and counts, and what an edit or a deletion changes in them.

use natter::domain::{Mentions, MessageBody, RoomChange, Seq, ThreadPlace, User};
use natter::storage::{HistoryPage, NewMessage, StoreError};

use crate::{each_backend, message, post, user, GENERAL};

fn reply(root: Seq, author: &User, client_id: &str, also_in_room: bool) -> NewMessage {
    let mut reply = message(GENERAL, author, client_id, client_id);
    reply.thread = Some(ThreadPlace { root, also_in_room });
    reply
}

fn naming(mut new: NewMessage, people: &[&User], room: bool) -> NewMessage {
    new.mentions = Mentions {
        people: people.iter().map(|u| (u.id, u.username.clone())).collect(),
        room,
    };
    new
}

#[tokio::test]
async fn a_reply_updates_its_roots_summary_and_stays_out_of_the_timeline() {
    each_backend(|b| async move {
        let s = &*b.store;
        let (alice, bob) = (user(s, "alice").await, user(s, "bob").await);
        let root = post(s, GENERAL, &alice, "root").await.message;
        let first = s.post_message(reply(root.seq, &bob, "r1", false)).await;
        let first = first.unwrap().message;
        // The reply took seq 2, its root's thread.updated seq 3.
        assert_eq!(first.seq, Seq(2), "{}", b.name);
        let shown = s.post_message(reply(root.seq, &alice, "r2", true)).await;
        assert_eq!(shown.unwrap().message.seq, Seq(4), "{}", b.name);
        let read = s.message_at(GENERAL, root.seq).await.unwrap().unwrap();
        let thread = read.thread.expect("a summary");
        assert_eq!(thread.reply_count, 2, "{}", b.name);
        assert_eq!(thread.last_reply_seq, Some(Seq(4)));
        assert_eq!(thread.people, ["alice", "bob"], "{}", b.name);
        let replies = s
            .thread_replies(GENERAL, root.seq, HistoryPage::Newest { limit: 10 })
            .await
            .unwrap();
        assert_eq!(replies.len(), 2, "{}", b.name);
        let older = s
            .thread_replies(
                GENERAL,
                root.seq,
                HistoryPage::Before {
                    seq: Seq(4),
                    limit: 10,
                },
            )
            .await
            .unwrap();
        assert_eq!(older.len(), 1, "{}", b.name);
        assert!(older[0].as_str().contains("\"r1\""), "{}", b.name);
        // The timeline has the root and the reply also shown in the room.
        let timeline = s
            .history(GENERAL, HistoryPage::Newest { limit: 10 })
            .await
            .unwrap();
        assert_eq!(timeline.len(), 2, "{}", b.name);
        let replay = s.events_after(GENERAL, Seq(0), 10).await.unwrap();
        assert!(matches!(
            replay.events[2].change,
            RoomChange::ThreadUpdated { .. }
        ));
    })
    .await;
}

#[tokio::test]
async fn a_reply_needs_a_live_top_level_root_and_a_deleted_reply_leaves_the_count() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        let root = post(s, GENERAL, &alice, "root").await.message;
        let answer = s.post_message(reply(root.seq, &alice, "r1", false)).await;
        let answer = answer.unwrap().message;
        // A reply to a reply, or to nothing, is refused.
        let nested = s.post_message(reply(answer.seq, &alice, "r2", false)).await;
        assert!(matches!(nested, Err(StoreError::NotFound)), "{}", b.name);
        let nowhere = s.post_message(reply(Seq(99), &alice, "r3", false)).await;
        assert!(matches!(nowhere, Err(StoreError::NotFound)), "{}", b.name);
        s.delete_message(GENERAL, answer.seq).await.unwrap();
        let read = s.message_at(GENERAL, root.seq).await.unwrap().unwrap();
        assert!(read.thread.is_none(), "{}: no replies left", b.name);
        // Deletion seq 4, then the root's new summary at 5; refused sends took none.
        let replay = s.events_after(GENERAL, Seq(3), 10).await.unwrap();
        let seqs: Vec<i64> = replay.events.iter().map(|e| e.seq.0).collect();
        assert_eq!(seqs, [4, 5], "{}", b.name);
        s.delete_message(GENERAL, root.seq).await.unwrap();
        let late = s.post_message(reply(root.seq, &alice, "r4", false)).await;
        assert!(matches!(late, Err(StoreError::NotFound)), "{}", b.name);
    })
    .await;
}

#[tokio::test]
async fn mentions_reach_the_inbox_and_counts_and_an_edit_replaces_them() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        let (bob, carol) = (user(s, "bob").await, user(s, "carol").await);
        let hello = naming(message(GENERAL, &alice, "m1", "hi @bob"), &[&bob], false);
        let first = s.post_message(hello).await.unwrap().message;
        assert_eq!(first.mentions, ["bob"], "{}", b.name);
        let all = naming(message(GENERAL, &alice, "m2", "hi @room"), &[], true);
        s.post_message(all).await.unwrap();
        let inbox = s.mentions_of(bob.id, None, 10).await.unwrap();
        let seqs: Vec<i64> = inbox.iter().map(|e| e.message.seq.0).collect();
        assert_eq!(seqs, [2, 1], "{}: newest first", b.name);
        assert_eq!(inbox[0].room_name.as_deref(), Some("general"));
        let older = s.mentions_of(bob.id, Some(inbox[0].id), 10).await.unwrap();
        assert_eq!(older.len(), 1, "{}", b.name);
        assert_eq!(s.mention_counts(bob.id).await.unwrap(), [(GENERAL, 2)]);
        // The author is not told of their own @room.
        assert!(s.mentions_of(alice.id, None, 10).await.unwrap().is_empty());
        // The edit names carol instead of bob, and keeps the @room of m2.
        let body = MessageBody::parse("hi @carol", 4000).unwrap();
        let people = Mentions {
            people: vec![(carol.id, "carol".into())],
            room: false,
        };
        let edited = s
            .edit_message(GENERAL, first.seq, alice.id, body, people)
            .await
            .unwrap();
        assert_eq!(edited.mentions, ["carol"], "{}", b.name);
        let bobs = s.mentions_of(bob.id, None, 10).await.unwrap();
        assert_eq!(bobs.len(), 1, "{}: only the @room is left", b.name);
        let carols = s.mentions_of(carol.id, None, 10).await.unwrap();
        assert_eq!(carols.len(), 2, "{}", b.name);
        // A deleted message leaves the inbox and the counts.
        s.delete_message(GENERAL, Seq(2)).await.unwrap();
        assert!(s.mentions_of(bob.id, None, 10).await.unwrap().is_empty());
        assert_eq!(s.mention_counts(carol.id).await.unwrap(), [(GENERAL, 1)]);
    })
    .await;
}

#[tokio::test]
async fn message_changes_are_not_room_changes_between_seqs() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        post(s, GENERAL, &alice, "one").await;
        s.delete_message(GENERAL, Seq(1)).await.unwrap();
        let changes = s.room_changes_between(GENERAL, Seq(1), Seq(2)).await;
        assert!(changes.unwrap().is_empty(), "{}", b.name);
    })
    .await;
}
