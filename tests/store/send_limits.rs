//! Send limits the store decides in the send's transaction (`SendLimits`),
//! so that they hold across nodes: slow mode per room and member.

use std::time::Duration;

use natter::domain::{RoomId, User};
use natter::storage::{HistoryPage, NewMessage, SendLimits, Store, StoreError};

use crate::{each_backend, message, user, GENERAL};

const INTERVAL: Duration = Duration::from_secs(30);

fn slow(room: RoomId, who: &User, client_id: &str, interval: Duration) -> NewMessage {
    let mut new = message(room, who, client_id, client_id);
    new.limits = SendLimits {
        slow_mode: Some(interval),
    };
    new
}

async fn count(s: &dyn Store) -> usize {
    s.messages(GENERAL, HistoryPage::Newest { limit: 100 })
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn slow_mode_refuses_a_second_send_within_the_interval_and_says_how_long_to_wait() {
    each_backend(|b| async move {
        let s = &*b.store;
        let (ann, bob) = (user(s, "ann").await, user(s, "bob").await);
        let first = s
            .post_message(slow(GENERAL, &ann, "a-1", INTERVAL))
            .await
            .unwrap();
        assert!(first.created, "{}", b.name);
        let refused = s.post_message(slow(GENERAL, &ann, "a-2", INTERVAL)).await;
        let Err(StoreError::Limited { limit, retry_after }) = refused else {
            panic!("{}: not refused: {refused:?}", b.name)
        };
        assert_eq!(limit, "slow_mode");
        assert!(
            retry_after > Duration::ZERO && retry_after <= INTERVAL,
            "{}: {retry_after:?}",
            b.name
        );
        assert_eq!(
            count(s).await,
            1,
            "{}: the refused send stored nothing",
            b.name
        );
        // A retry of the send that went through gets it back, not a refusal.
        let retry = s
            .post_message(slow(GENERAL, &ann, "a-1", INTERVAL))
            .await
            .unwrap();
        assert!(!retry.created && retry.message.id == first.message.id);
        // Another member is not held back by ann's send.
        assert!(
            s.post_message(slow(GENERAL, &bob, "b-1", INTERVAL))
                .await
                .unwrap()
                .created
        );
        // A send without slow mode (the room's owner) is not refused.
        assert!(
            s.post_message(message(GENERAL, &ann, "a-3", "owner"))
                .await
                .unwrap()
                .created
        );
    })
    .await;
}

#[tokio::test]
async fn slow_mode_lets_a_member_send_again_once_the_interval_has_passed() {
    each_backend(|b| async move {
        let s = &*b.store;
        let ann = user(s, "ann").await;
        let short = Duration::from_millis(20);
        s.post_message(slow(GENERAL, &ann, "a-1", short))
            .await
            .unwrap();
        tokio::time::sleep(short * 3).await;
        let again = s.post_message(slow(GENERAL, &ann, "a-2", short)).await;
        assert!(again.is_ok_and(|p| p.created), "{}", b.name);
    })
    .await;
}

#[tokio::test]
async fn sends_for_one_member_at_once_through_two_nodes_in_slow_mode_store_exactly_one() {
    each_backend(|b| async move {
        let ann = user(&*b.store, "ann").await;
        // PostgreSQL: two nodes' stores on one database; SQLite has one.
        let nodes = [b.store.clone(), b.second_node().unwrap_or(b.store.clone())];
        let sends: Vec<_> = (0..8)
            .map(|i| {
                let store = nodes[i % 2].clone();
                let new = slow(GENERAL, &ann, &format!("a-{i}"), INTERVAL);
                tokio::spawn(async move { store.post_message(new).await })
            })
            .collect();
        let mut stored = 0;
        for send in sends {
            match send.await.unwrap() {
                Ok(posted) => stored += usize::from(posted.created),
                Err(StoreError::Limited { .. }) => {}
                Err(e) => panic!("{}: {e}", b.name),
            }
        }
        assert_eq!(stored, 1, "{}: one send per interval", b.name);
        assert_eq!(count(&*b.store).await, 1, "{}", b.name);
    })
    .await;
}
