//! Outgoing webhooks: what any backend must keep — a hook starting at its
//! room's end, a bound per room, cursors that only move forward, a
//! delivery log trimmed to the newest attempts, and the hooks a node
//! holds; on PostgreSQL also that two nodes never hold one hook at once.

use std::sync::Arc;

use natter::domain::{DeliveryAttempt, Role, Seq, Timestamp, UserId};
use natter::ops::metrics::CommitMetrics;
use natter::storage::postgres::PgStore;
use natter::storage::{DeliveryProgress, Listeners, NewOutHook, Store, StoreError};

use crate::scratch_postgres::{server_url, ScratchSchema};
use crate::{each_backend, now, post, user, Heard, GENERAL};

fn attempt(seq: i64) -> DeliveryAttempt {
    DeliveryAttempt {
        at: Timestamp(seq),
        room_id: GENERAL,
        seq: Seq(seq),
        attempt: 1,
        status: Some(204),
        latency_ms: 3,
        error: None,
    }
}

#[tokio::test]
async fn a_hook_starts_at_its_rooms_end_and_its_cursor_only_moves_forward() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        let bot = s
            .create_bot(alice.id, "Relay", "relay", None, now())
            .await
            .unwrap();
        let last = post(s, GENERAL, &alice, "before").await.message.seq;
        let new = |name: &str| NewOutHook {
            room: Some(GENERAL),
            bot: bot.user_id,
            made_by: alice.id,
            name: name.into(),
            url: "https://example.com/hook".into(),
            secret: "whsec_x".into(),
            batch: name == "two",
            now: now(),
        };
        let hook = s.create_out_hook(new("one"), 2).await.unwrap();
        assert_eq!(hook.info.bot, "Relay", "{}", b.name);
        assert!(!hook.info.batch, "{}", b.name);
        assert_eq!(hook.secret, "whsec_x");
        assert_eq!(
            s.out_hook_cursors(hook.info.id).await.unwrap(),
            vec![(GENERAL, last)]
        );
        let two = s.create_out_hook(new("two"), 2).await.unwrap();
        assert!(two.info.batch, "{}: a hook keeps taking batches", b.name);
        assert!(s.out_hook(two.info.id).await.unwrap().unwrap().info.batch);
        assert!(matches!(
            s.create_out_hook(new("three"), 2).await,
            Err(StoreError::Conflict)
        ));

        let id = hook.info.id;
        let forward = DeliveryProgress {
            cursors: vec![(GENERAL, Seq(last.0 + 5))],
            attempts: vec![],
        };
        s.save_delivery_progress(id, forward, 10).await.unwrap();
        let back = DeliveryProgress {
            cursors: vec![(GENERAL, Seq(last.0 + 1))],
            attempts: vec![],
        };
        s.save_delivery_progress(id, back, 10).await.unwrap();
        assert_eq!(
            s.out_hook_cursors(id).await.unwrap(),
            vec![(GENERAL, Seq(last.0 + 5))]
        );

        assert!(s
            .set_out_hook_paused(id, Some((now(), "down".into())))
            .await
            .unwrap());
        let active: Vec<i64> = s
            .active_out_hooks()
            .await
            .unwrap()
            .iter()
            .map(|h| h.info.id)
            .collect();
        assert!(!active.contains(&id), "{}", b.name);
        assert_eq!(
            s.out_hook(id)
                .await
                .unwrap()
                .unwrap()
                .info
                .pause_reason
                .as_deref(),
            Some("down")
        );
        assert!(s.set_out_hook_paused(id, None).await.unwrap());
        assert_eq!(s.active_out_hooks().await.unwrap().len(), 2);
        assert!(s.delete_out_hook(id).await.unwrap());
        assert!(!s.delete_out_hook(id).await.unwrap());
        assert_eq!(s.out_hooks_of_room(GENERAL).await.unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn the_delivery_log_keeps_only_the_newest_attempts() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        let bot = s
            .create_bot(alice.id, "Relay", "relay", None, now())
            .await
            .unwrap();
        let hook = s
            .create_out_hook(
                NewOutHook {
                    room: Some(GENERAL),
                    bot: bot.user_id,
                    made_by: alice.id,
                    name: "log".into(),
                    url: "https://example.com/hook".into(),
                    secret: "whsec_x".into(),
                    batch: false,
                    now: now(),
                },
                10,
            )
            .await
            .unwrap();
        for batch in 0..3 {
            let attempts = (0..4).map(|i| attempt(batch * 4 + i + 1)).collect();
            s.save_delivery_progress(
                hook.info.id,
                DeliveryProgress {
                    cursors: vec![],
                    attempts,
                },
                5,
            )
            .await
            .unwrap();
        }
        let log = s.delivery_log(hook.info.id, 50).await.unwrap();
        let seqs: Vec<i64> = log.iter().map(|a| a.seq.0).collect();
        assert_eq!(seqs, vec![12, 11, 10, 9, 8], "{}", b.name);
        assert_eq!(log[0].status, Some(204));
    })
    .await;
}

fn new_hook(bot: UserId, made_by: UserId, name: &str) -> NewOutHook {
    NewOutHook {
        room: Some(GENERAL),
        bot,
        made_by,
        name: name.into(),
        url: "https://example.com/hook".into(),
        secret: "whsec_x".into(),
        batch: false,
        now: now(),
    }
}

/// Two hooks in the general room, made by a fresh user's bot; their ids.
async fn two_hooks(s: &dyn Store) -> [i64; 2] {
    let alice = user(s, "alice").await;
    let bot = s
        .create_bot(alice.id, "Relay", "relay", None, now())
        .await
        .unwrap();
    let mut ids = [0; 2];
    for (i, id) in ids.iter_mut().enumerate() {
        let made = s.create_out_hook(new_hook(bot.user_id, alice.id, &format!("h{i}")), 10);
        *id = made.await.unwrap().info.id;
    }
    ids
}

#[tokio::test]
async fn a_node_holds_every_hook_not_paused_and_lets_go_of_paused_and_deleted_ones() {
    each_backend(|b| async move {
        let s = &*b.store;
        let [one, two] = two_hooks(s).await;
        assert_eq!(s.claim_out_hooks("a", 5000).await.unwrap(), vec![one, two]);
        s.set_out_hook_paused(one, Some((now(), "down".into())))
            .await
            .unwrap();
        assert_eq!(
            s.claim_out_hooks("a", 5000).await.unwrap(),
            vec![two],
            "{}",
            b.name
        );
        s.delete_out_hook(two).await.unwrap();
        assert_eq!(
            s.claim_out_hooks("a", 5000).await.unwrap(),
            Vec::<i64>::new()
        );
        s.set_out_hook_paused(one, None).await.unwrap();
        assert_eq!(s.claim_out_hooks("a", 5000).await.unwrap(), vec![one]);
    })
    .await;
}

/// Two nodes' stores on one fresh schema.
fn two_nodes(server: &str) -> (ScratchSchema, [Arc<dyn Store>; 2]) {
    let schema = ScratchSchema::new(server);
    let open = || -> Arc<dyn Store> {
        let listeners = Listeners::fanout(Arc::new(Heard::default()));
        Arc::new(PgStore::open(&schema.url, listeners, CommitMetrics::default()).unwrap())
    };
    let nodes = [open(), open()];
    (schema, nodes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn on_two_nodes_each_hook_is_held_by_one_until_its_lease_runs_out() {
    let Some(server) = server_url() else {
        eprintln!("NATTER_TEST_POSTGRES_URL is not set: the two-node test is skipped");
        return;
    };
    let (_schema, [a, b]) = two_nodes(&server);
    let ids = two_hooks(&*a).await;
    // Claimed at the same moment: each hook goes to one of them.
    let (by_a, by_b) = tokio::join!(
        a.claim_out_hooks("a", 60_000),
        b.claim_out_hooks("b", 60_000)
    );
    let (by_a, by_b) = (by_a.unwrap(), by_b.unwrap());
    let mut all = [by_a.clone(), by_b.clone()].concat();
    all.sort_unstable();
    assert_eq!(all, ids, "every hook held, none by both: {by_a:?} {by_b:?}");
    // Renewing keeps them where they are.
    assert_eq!(a.claim_out_hooks("a", 60_000).await.unwrap(), by_a);
    assert_eq!(b.claim_out_hooks("b", 60_000).await.unwrap(), by_b);

    // Node a stops renewing (its last lease ends at once): b takes its
    // hooks, and a gets them back no more.
    a.claim_out_hooks("a", 0).await.unwrap();
    let mut taken = Vec::new();
    for _ in 0..100 {
        taken = b.claim_out_hooks("b", 60_000).await.unwrap();
        if taken.len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(taken, ids, "b holds every hook once a's lease ran out");
    assert_eq!(
        a.claim_out_hooks("a", 60_000).await.unwrap(),
        Vec::<i64>::new()
    );
    std::thread::spawn(move || drop((a, b))).join().unwrap();
}

#[tokio::test]
async fn a_bots_hook_has_no_room_starts_at_its_rooms_ends_and_has_a_bound_of_its_own() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        let bot = s
            .create_bot(alice.id, "Relay", "relay", None, now())
            .await
            .unwrap();
        // A room hook of the same bot counts toward the room's bound only.
        let in_room = s
            .create_out_hook(new_hook(bot.user_id, alice.id, "room"), 10)
            .await
            .unwrap();
        let for_bot = |name: &str| NewOutHook {
            room: None,
            ..new_hook(bot.user_id, alice.id, name)
        };
        let one = s.create_out_hook(for_bot("one"), 2).await.unwrap();
        assert_eq!(one.info.room_id, None, "{}", b.name);
        assert_eq!(one.info.bot_id, bot.user_id);
        // It does not replay the history of the rooms its bot is in: it
        // starts at their ends (rooms joined later start at the join).
        s.add_member(GENERAL, bot.user_id, Role::Member, now(), None)
            .await
            .unwrap();
        let last = post(s, GENERAL, &alice, "before").await.message.seq;
        let at_end = s.create_out_hook(for_bot("at end"), 10).await.unwrap();
        assert_eq!(
            s.out_hook_cursors(at_end.info.id).await.unwrap(),
            vec![(GENERAL, last)],
            "{}",
            b.name
        );
        assert!(s.delete_out_hook(at_end.info.id).await.unwrap());
        let two = s.create_out_hook(for_bot("two"), 2).await.unwrap();
        assert!(matches!(
            s.create_out_hook(for_bot("three"), 2).await,
            Err(StoreError::Conflict)
        ));
        let of_bot: Vec<i64> = s
            .out_hooks_of_bot(bot.user_id)
            .await
            .unwrap()
            .iter()
            .map(|h| h.info.id)
            .collect();
        assert_eq!(of_bot, vec![one.info.id, two.info.id], "{}", b.name);
        let of_room: Vec<i64> = s
            .out_hooks_of_room(GENERAL)
            .await
            .unwrap()
            .iter()
            .map(|h| h.info.id)
            .collect();
        assert_eq!(of_room, vec![in_room.info.id]);
        // Claimed, delivered and trimmed like a room's hook, a cursor per
        // room it delivers in.
        let claimed = s.claim_out_hooks("a", 5000).await.unwrap();
        assert!(claimed.contains(&one.info.id), "{}", b.name);
        let progress = DeliveryProgress {
            cursors: vec![(GENERAL, Seq(3))],
            attempts: vec![attempt(3)],
        };
        s.save_delivery_progress(one.info.id, progress, 5)
            .await
            .unwrap();
        assert_eq!(
            s.out_hook_cursors(one.info.id).await.unwrap(),
            vec![(GENERAL, Seq(3))]
        );
        assert_eq!(s.delivery_log(one.info.id, 50).await.unwrap().len(), 1);
        assert!(s.delete_out_hook(one.info.id).await.unwrap());
        assert_eq!(s.out_hooks_of_bot(bot.user_id).await.unwrap().len(), 1);
    })
    .await;
}
