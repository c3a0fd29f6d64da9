//! The per-user send rate the store keeps (`SendRates`), so that it holds
//! across nodes: a token bucket per user, shared by every node on one
//! database.

use std::sync::Arc;
use std::time::Duration;

use natter::domain::{Rate, UserId};
use natter::storage::{Store, StoreError, SENDS_PER_USER};

use crate::{each_backend, user};

/// Every node of `b` (two on PostgreSQL, the one SQLite store otherwise).
fn nodes(b: &crate::Backend) -> [Arc<dyn Store>; 2] {
    [b.store.clone(), b.second_node().unwrap_or(b.store.clone())]
}

#[tokio::test]
async fn a_user_is_refused_once_their_burst_is_spent_and_told_how_long_to_wait() {
    each_backend(|b| async move {
        let s = &*b.store;
        let (ann, bob) = (user(s, "ann").await, user(s, "bob").await);
        let rate = Rate::new(3, Duration::from_mins(1));
        for _ in 0..3 {
            s.take_send(ann.id, rate).await.unwrap();
        }
        let refused = s.take_send(ann.id, rate).await;
        let Err(StoreError::Limited { limit, retry_after }) = refused else {
            panic!("{}: not refused: {refused:?}", b.name)
        };
        assert_eq!(limit, SENDS_PER_USER);
        assert!(
            retry_after > Duration::from_secs(15) && retry_after <= Duration::from_secs(20),
            "{}: a token comes back every 20 s, not {retry_after:?}",
            b.name
        );
        assert!(
            s.take_send(bob.id, rate).await.is_ok(),
            "{}: another user has a bucket of their own",
            b.name
        );
    })
    .await;
}

#[tokio::test]
async fn a_spent_bucket_gives_a_token_back_once_the_advertised_wait_has_passed() {
    each_backend(|b| async move {
        let s = &*b.store;
        let ann = user(s, "ann").await;
        let rate = Rate::new(2, Duration::from_millis(400));
        s.take_send(ann.id, rate).await.unwrap();
        s.take_send(ann.id, rate).await.unwrap();
        let Err(StoreError::Limited { retry_after, .. }) = s.take_send(ann.id, rate).await else {
            panic!("{}: not refused", b.name)
        };
        tokio::time::sleep(retry_after + Duration::from_millis(5)).await;
        assert!(s.take_send(ann.id, rate).await.is_ok(), "{}", b.name);
    })
    .await;
}

#[tokio::test]
async fn takes_for_one_user_at_once_through_two_nodes_get_the_burst_in_total() {
    each_backend(|b| async move {
        let ann = user(&*b.store, "ann").await;
        let rate = Rate::new(5, Duration::from_mins(1));
        let nodes = nodes(&b);
        let takes: Vec<_> = (0..24)
            .map(|i| {
                let store = nodes[i % 2].clone();
                tokio::spawn(async move { store.take_send(ann.id, rate).await })
            })
            .collect();
        let mut granted = 0;
        for take in takes {
            match take.await.unwrap() {
                Ok(()) => granted += 1,
                Err(StoreError::Limited { .. }) => {}
                Err(e) => panic!("{}: {e}", b.name),
            }
        }
        assert_eq!(granted, 5, "{}: one burst, whatever the node", b.name);
    })
    .await;
}

#[tokio::test]
async fn many_users_taking_through_two_nodes_in_opposite_orders_are_all_answered() {
    each_backend(|b| async move {
        let mut people = Vec::new();
        for i in 0..40 {
            people.push(user(&*b.store, &format!("u{i}")).await.id);
        }
        let rate = Rate::new(1000, Duration::from_secs(1));
        let nodes = nodes(&b);
        // Each node sees the users in the opposite order, many times over:
        // locks taken in arrival order would wait for each other in a circle.
        let mut takes = Vec::new();
        for round in 0..10 {
            for (n, store) in nodes.iter().enumerate() {
                let mut order: Vec<UserId> = people.clone();
                if (n + round) % 2 == 1 {
                    order.reverse();
                }
                for id in order {
                    let store = store.clone();
                    takes.push(tokio::spawn(async move { store.take_send(id, rate).await }));
                }
            }
        }
        for take in takes {
            let answer = tokio::time::timeout(Duration::from_secs(10), take)
                .await
                .expect("answered without waiting on a deadlock");
            assert!(answer.unwrap().is_ok(), "{}", b.name);
        }
    })
    .await;
}
