//! Sends arriving together: a store may commit them in one group (the
//! PostgreSQL writer takes a group's sends in a few statements for all), and
//! each must still get what it would get alone: a retry its original, a
//! refusal no seq, a send into a missing room its own error, and the rooms
//! gap-free seqs. On PostgreSQL also two nodes sending bursts into several
//! rooms at once.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use futures_util::FutureExt;
use natter::domain::{Emoji, Reactor, RoomChange, RoomId, RoomKind, Seq, User};
use natter::ops::metrics::CommitMetrics;
use natter::storage::postgres::PgStore;
use natter::storage::{HistoryPage, Listeners, NewMessage, NewRoom, SendLimits, Store, StoreError};

use crate::scratch_postgres::{server_url, ScratchSchema};
use crate::{each_backend, message, now, user, Heard, GENERAL};

/// Every event of the room's log, with seqs 1..=last each once, in order.
async fn assert_log_gap_free(s: &dyn Store, room: RoomId, name: &str) -> Vec<i64> {
    let replay = s.events_after(room, Seq(0), 10_000).await.unwrap();
    let seqs: Vec<i64> = replay.events.iter().map(|e| e.seq.0).collect();
    let expected: Vec<i64> = (1..=replay.last_seq.0).collect();
    assert_eq!(seqs, expected, "{name}: every seq once, none skipped");
    seqs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_mixing_retries_and_new_sends_of_one_client_id_stores_each_send_once() {
    each_backend(|b| async move {
        let s: Arc<dyn Store> = Arc::clone(&b.store);
        let alice = user(&*s, "alice").await;
        let original = s
            .post_message(message(GENERAL, &alice, "c-0", "first"))
            .await
            .unwrap();
        // All at once: a retry of the stored send, and every new client id
        // twice (the second a retry of a send in the same burst).
        let mut burst = Vec::new();
        for i in 1..=20 {
            burst.push(message(GENERAL, &alice, "c-0", "again"));
            burst.push(message(GENERAL, &alice, &format!("c-{i}"), "new"));
            burst.push(message(GENERAL, &alice, &format!("c-{i}"), "twice"));
        }
        let posts = join_all(burst.into_iter().map(|new| {
            let s = Arc::clone(&s);
            async move { s.post_message(new).await.unwrap() }
        }))
        .await;
        for (i, trio) in posts.chunks(3).enumerate() {
            assert!(!trio[0].created, "{}: a retry stores nothing", b.name);
            assert_eq!(trio[0].message.id, original.message.id, "{}", b.name);
            assert_eq!(trio[0].message.body, "first", "{}", b.name);
            let (new, again) = (&trio[1], &trio[2]);
            assert!(new.created != again.created, "{}: c-{} once", b.name, i + 1);
            assert_eq!(new.message.id, again.message.id, "{}", b.name);
            assert_eq!(new.message.seq, again.message.seq, "{}", b.name);
        }
        let page = s
            .messages(GENERAL, HistoryPage::Newest { limit: 100 })
            .await
            .unwrap();
        assert_eq!(page.len(), 21, "{}: the original and 20 new", b.name);
        assert_log_gap_free(&*s, GENERAL, b.name).await;
        // The fan-out hears each stored message once.
        let heard = b.heard.until(|events| created(events).len() >= 21).await;
        assert_eq!(created(&heard).len(), 21, "{}", b.name);
    })
    .await;
}

fn created(events: &[natter::domain::Event]) -> Vec<i64> {
    events
        .iter()
        .filter_map(|e| match e {
            natter::domain::Event::Room(r) => match &r.change {
                RoomChange::MessageCreated { message } => Some(message.id.0),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_send_into_a_missing_room_or_refused_by_slow_mode_fails_alone_within_a_burst() {
    each_backend(|b| async move {
        let s: Arc<dyn Store> = Arc::clone(&b.store);
        let (ann, bob) = (user(&*s, "ann").await, user(&*s, "bob").await);
        let slow = |who: &User, client_id: &str| -> NewMessage {
            let mut new = message(GENERAL, who, client_id, client_id);
            new.limits = SendLimits {
                slow_mode: Some(Duration::from_secs(30)),
            };
            new
        };
        let mut burst = vec![
            slow(&ann, "s-1"),
            slow(&ann, "s-2"),
            message(RoomId(999_999), &bob, "lost", "nowhere"),
        ];
        for i in 0..10 {
            burst.push(message(GENERAL, &bob, &format!("b-{i}"), "fine"));
        }
        let posts = join_all(burst.into_iter().map(|new| {
            let s = Arc::clone(&s);
            async move { s.post_message(new).await }
        }))
        .await;
        let slow_ok = posts[..2].iter().filter(|p| p.is_ok()).count();
        assert_eq!(slow_ok, 1, "{}: one slow-mode send passes", b.name);
        assert!(
            posts[..2]
                .iter()
                .any(|p| matches!(p, Err(StoreError::Limited { .. }))),
            "{}: the other is refused: {:?}",
            b.name,
            posts[..2].iter().map(Result::is_ok).collect::<Vec<_>>()
        );
        assert!(
            matches!(posts[2], Err(StoreError::NotFound)),
            "{}: {:?}",
            b.name,
            posts[2].as_ref().map(|p| p.message.seq)
        );
        assert!(posts[3..]
            .iter()
            .all(|p| p.as_ref().is_ok_and(|p| p.created)));
        let page = s
            .messages(GENERAL, HistoryPage::Newest { limit: 100 })
            .await
            .unwrap();
        assert_eq!(page.len(), 11, "{}: the refused send took no seq", b.name);
        assert_log_gap_free(&*s, GENERAL, b.name).await;
    })
    .await;
}

const ROOMS: usize = 4;
const SENDERS: usize = 8;
const BURSTS: usize = 10;

/// Two PostgreSQL nodes on one scratch schema, `SENDERS` people and
/// `ROOMS` rooms they are all in (`GENERAL` first).
async fn two_nodes(schema: &ScratchSchema) -> ([Arc<dyn Store>; 2], Vec<User>, Vec<RoomId>) {
    let open = || -> Arc<dyn Store> {
        let listeners = Listeners::fanout(Arc::new(Heard::default()));
        Arc::new(PgStore::open(&schema.url, listeners, CommitMetrics::default()).unwrap())
    };
    let nodes = [open(), open()];
    let mut people = Vec::new();
    for i in 0..SENDERS {
        people.push(user(&*nodes[0], &format!("sender{i}")).await);
    }
    let mut rooms = vec![GENERAL];
    for i in 1..ROOMS {
        let new = NewRoom {
            kind: RoomKind::Public,
            name: format!("room{i}"),
            name_key: format!("room{i}"),
            created_by: people[0].id,
            members: people.iter().map(|p| p.id).collect(),
        };
        rooms.push(nodes[0].create_room(new, now()).await.unwrap().id);
    }
    (nodes, people, rooms)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_sending_bursts_into_several_rooms_at_once_keep_every_room_gap_free() {
    let Some(server) = server_url() else {
        eprintln!("NATTER_TEST_POSTGRES_URL is not set: the two-node test is skipped");
        return;
    };
    let schema = ScratchSchema::new(&server);
    let (nodes, people, rooms) = two_nodes(&schema).await;
    // Each sender, on alternate nodes, sends a burst into every room at
    // once (rooms in a different order per sender), BURSTS times.
    let tasks: Vec<_> = people
        .into_iter()
        .enumerate()
        .map(|(i, who)| {
            let node = Arc::clone(&nodes[i % 2]);
            let mut order = rooms.clone();
            order.rotate_left(i % ROOMS);
            tokio::spawn(async move {
                for n in 0..BURSTS {
                    let sends = order.iter().map(|room| {
                        let new = message(*room, &who, &format!("r{}-{n}", room.0), "x");
                        node.post_message(new)
                    });
                    for posted in join_all(sends).await {
                        assert!(posted.unwrap().created);
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    for room in rooms {
        assert_log_gap_free(&*nodes[1], room, "postgres, two nodes").await;
        let page = nodes[1]
            .messages(room, HistoryPage::Newest { limit: 1000 })
            .await
            .unwrap();
        assert_eq!(page.len(), SENDERS * BURSTS);
    }
    std::thread::spawn(move || drop(nodes)).join().unwrap();
}

/// The failover bench's 503s (issue 15): a node's writer put other writes
/// (the outgoing webhooks' lease renewal, which every node runs each
/// second; a reaction) among its sends, so one transaction took some rooms
/// in a batch and a lower one afterwards, and another node's transaction,
/// taking the same rooms in id order, deadlocked with it. PostgreSQL rolls
/// one of them back; its writes must still be stored, none answered
/// "unavailable".
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writes_on_two_nodes_whose_transactions_deadlock_are_all_stored() {
    let Some(server) = server_url() else {
        eprintln!("NATTER_TEST_POSTGRES_URL is not set: the two-node test is skipped");
        return;
    };
    let schema = ScratchSchema::new(&server);
    let (nodes, people, rooms) = two_nodes(&schema).await;
    let seed = nodes[0]
        .post_message(message(GENERAL, &people[0], "seed", "react here"))
        .await
        .unwrap()
        .message
        .seq;
    // On the first node each burst is sends into the upper rooms, the
    // lease renewal, and a reaction in the lowest room (`GENERAL`); on the
    // second, sends into every room, which one batch takes in id order.
    let (lower, upper) = rooms.split_at(ROOMS / 2);
    let (lower, upper) = (lower.to_vec(), upper.to_vec());
    let tasks: Vec<_> = people
        .into_iter()
        .enumerate()
        .map(|(i, who)| {
            let node = Arc::clone(&nodes[i % 2]);
            let first_node = i % 2 == 0;
            let rooms = if first_node {
                upper.clone()
            } else {
                [lower.clone(), upper.clone()].concat()
            };
            tokio::spawn(async move {
                let mut unstored = Vec::new();
                for n in 0..BURSTS {
                    let mut writes: Vec<_> = rooms
                        .iter()
                        .map(|room| {
                            let new = message(*room, &who, &format!("m{}-{n}", room.0), "x");
                            let node = Arc::clone(&node);
                            async move { node.post_message(new).await.map(|_| ()) }.boxed()
                        })
                        .collect();
                    if first_node {
                        let (claimer, node, by) =
                            (Arc::clone(&node), Arc::clone(&node), reactor(&who));
                        writes.push(
                            async move { claimer.claim_out_hooks("a", 5000).await.map(|_| ()) }
                                .boxed(),
                        );
                        writes.push(
                            async move {
                                let thumbs = Emoji::parse("👍").unwrap();
                                if n % 2 == 0 {
                                    node.add_reaction(GENERAL, seed, by, thumbs, 20)
                                        .await
                                        .map(|_| ())
                                } else {
                                    node.remove_reaction(GENERAL, seed, by, thumbs)
                                        .await
                                        .map(|_| ())
                                }
                            }
                            .boxed(),
                        );
                    }
                    unstored.extend(join_all(writes).await.into_iter().filter_map(Result::err));
                }
                unstored
            })
        })
        .collect();
    for task in tasks {
        let unstored = task.await.unwrap();
        assert!(unstored.is_empty(), "every write stored, got {unstored:?}");
    }
    for room in rooms {
        assert_log_gap_free(&*nodes[1], room, "postgres, two nodes").await;
    }
    std::thread::spawn(move || drop(nodes)).join().unwrap();
}

fn reactor(who: &User) -> Reactor {
    Reactor {
        user_id: who.id,
        username: who.username.clone(),
    }
}
