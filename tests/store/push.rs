//! Web Push: the server's key, subscriptions, the queue and the cursors.

use natter::domain::{RoomId, Seq, Timestamp, User};
use natter::storage::{NewPushSubscription, QueuedPush, StoreError};

use crate::{each_backend, now, post, user, GENERAL};

async fn subscribe(
    s: &dyn natter::storage::Store,
    who: &User,
    session: u8,
    endpoint: &str,
    max: u32,
) -> Result<natter::storage::PushSubscriptionRecord, StoreError> {
    let hash = [session; 32];
    // A second subscription of one session: its session is there already.
    let _ = s.create_session(who.id, hash, now()).await;
    s.add_push_subscription(
        NewPushSubscription {
            user_id: who.id,
            session_hash: hash,
            endpoint: endpoint.into(),
            p256dh: format!("key-{endpoint}"),
            auth: "auth".into(),
        },
        max,
    )
    .await
}

fn push(subscription: i64, seq: i64) -> QueuedPush {
    QueuedPush {
        subscription,
        room: GENERAL,
        seq: Seq(seq),
        body: vec![1, 2, u8::try_from(seq).unwrap()],
    }
}

#[tokio::test]
async fn the_first_push_key_stays_the_servers_key() {
    each_backend(|b| async move {
        let s = &*b.store;
        assert_eq!(s.push_key_or("first".into()).await.unwrap(), "first");
        assert_eq!(
            s.push_key_or("second".into()).await.unwrap(),
            "first",
            "{}",
            b.name
        );
    })
    .await;
}

#[tokio::test]
async fn subscriptions_are_bounded_per_user_replaced_by_endpoint_and_deleted_by_their_owner() {
    each_backend(|b| async move {
        let s = &*b.store;
        let (alice, bob) = (user(s, "alice").await, user(s, "bob").await);
        assert!(!s.any_push_subscription().await.unwrap());
        let one = subscribe(s, &alice, 1, "https://push.example/1", 2)
            .await
            .unwrap();
        assert!(s.any_push_subscription().await.unwrap(), "{}", b.name);
        subscribe(s, &alice, 1, "https://push.example/2", 2)
            .await
            .unwrap();
        let third = subscribe(s, &alice, 1, "https://push.example/3", 2).await;
        assert!(matches!(third, Err(StoreError::Conflict)), "{}", b.name);
        // The same endpoint again: the one subscription, its keys replaced.
        let again = subscribe(s, &alice, 2, "https://push.example/1", 2)
            .await
            .unwrap();
        assert_eq!(again.id, one.id, "{}", b.name);
        assert_eq!(s.push_subscriptions_of(alice.id).await.unwrap().len(), 2);
        assert_eq!(
            s.push_subscription(one.id).await.unwrap(),
            Some(again.clone())
        );
        assert!(
            !s.delete_push_subscription(one.id, Some(bob.id))
                .await
                .unwrap(),
            "{}: only its owner deletes it",
            b.name
        );
        assert!(s
            .delete_push_subscription(one.id, Some(alice.id))
            .await
            .unwrap());
        assert!(!s.delete_push_subscription(one.id, None).await.unwrap());
        assert!(s.push_subscription(one.id).await.unwrap().is_none());
        // Signing out takes the session's subscriptions with it.
        s.delete_session([1; 32]).await.unwrap();
        assert!(
            s.push_subscriptions_of(alice.id).await.unwrap().is_empty(),
            "{}",
            b.name
        );
    })
    .await;
}

#[tokio::test]
async fn push_candidates_are_the_other_subscribed_members_of_the_room() {
    each_backend(|b| async move {
        let s = &*b.store;
        let (alice, bob, carol) = (
            user(s, "alice").await,
            user(s, "bob").await,
            user(s, "carol").await,
        );
        subscribe(s, &alice, 1, "https://push.example/a", 5)
            .await
            .unwrap();
        let bobs = subscribe(s, &bob, 2, "https://push.example/b", 5)
            .await
            .unwrap();
        let _ = carol;
        let later = Timestamp(now().millis() + 1000);
        let found = s.push_candidates(GENERAL, alice.id, later).await.unwrap();
        let subs: Vec<_> = found.iter().map(|c| c.subscription).collect();
        assert_eq!(subs, vec![bobs.id], "{}", b.name);
        assert_eq!(found[0].username, "bob");
        let before = s
            .push_candidates(GENERAL, alice.id, Timestamp(0))
            .await
            .unwrap();
        assert!(before.is_empty(), "{}: not yet a member then", b.name);
        assert!(s
            .push_candidates(RoomId(999), alice.id, later)
            .await
            .unwrap()
            .is_empty());
    })
    .await;
}

#[tokio::test]
async fn the_queue_keeps_the_latest_pushes_until_the_cursor_passes_them() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        let sub = subscribe(s, &alice, 1, "https://push.example/q", 5)
            .await
            .unwrap()
            .id;
        assert!(s
            .subscriptions_with_queued_pushes()
            .await
            .unwrap()
            .is_empty());
        s.queue_pushes(vec![push(sub, 1), push(sub, 2), push(sub, 3)], 2)
            .await
            .unwrap();
        // Queued twice: kept once.
        s.queue_pushes(vec![push(sub, 3)], 2).await.unwrap();
        let waiting = s.queued_pushes(sub, 10).await.unwrap();
        assert_eq!(waiting, vec![push(sub, 2), push(sub, 3)], "{}", b.name);
        assert!(!s.push_waiting(sub, GENERAL, Seq(1)).await.unwrap());
        assert!(s.push_waiting(sub, GENERAL, Seq(2)).await.unwrap());
        assert_eq!(s.subscriptions_with_queued_pushes().await.unwrap(), [sub]);
        s.save_push_cursor(sub, GENERAL, Seq(2)).await.unwrap();
        s.save_push_cursor(sub, GENERAL, Seq(2)).await.unwrap();
        assert_eq!(
            s.push_cursors(sub).await.unwrap(),
            vec![(GENERAL, Seq(2))],
            "{}",
            b.name
        );
        assert_eq!(s.queued_pushes(sub, 10).await.unwrap(), [push(sub, 3)]);
    })
    .await;
}

#[tokio::test]
async fn a_deleted_message_takes_its_waiting_pushes_with_it() {
    each_backend(|b| async move {
        let s = &*b.store;
        let (alice, bob) = (user(s, "alice").await, user(s, "bob").await);
        let sub = subscribe(s, &bob, 2, "https://push.example/d", 5)
            .await
            .unwrap()
            .id;
        let seq = post(s, GENERAL, &alice, "soon-gone").await.message.seq;
        s.queue_pushes(vec![push(sub, seq.0)], 10).await.unwrap();
        assert!(s.push_waiting(sub, GENERAL, seq).await.unwrap());
        s.delete_message(GENERAL, seq).await.unwrap();
        assert!(
            !s.push_waiting(sub, GENERAL, seq).await.unwrap(),
            "{}",
            b.name
        );
    })
    .await;
}
