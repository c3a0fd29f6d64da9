//! Outgoing webhooks: what any backend must keep — a hook starting at its
//! room's end, a bound per room, cursors that only move forward, and a
//! delivery log trimmed to the newest attempts.

use natter::domain::{DeliveryAttempt, Seq, Timestamp};
use natter::storage::{DeliveryProgress, NewOutHook, StoreError};

use crate::{now, post, sqlite_only, user, GENERAL};

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
    sqlite_only(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        let bot = s
            .create_bot(alice.id, "Relay", "relay", None, now())
            .await
            .unwrap();
        let last = post(s, GENERAL, &alice, "before").await.message.seq;
        let new = |name: &str| NewOutHook {
            room: GENERAL,
            bot: bot.user_id,
            made_by: alice.id,
            name: name.into(),
            url: "https://example.com/hook".into(),
            secret: "whsec_x".into(),
            now: now(),
        };
        let hook = s.create_out_hook(new("one"), 2).await.unwrap();
        assert_eq!(hook.info.bot, "Relay", "{}", b.name);
        assert_eq!(hook.secret, "whsec_x");
        assert_eq!(
            s.out_hook_cursors(hook.info.id).await.unwrap(),
            vec![(GENERAL, last)]
        );
        s.create_out_hook(new("two"), 2).await.unwrap();
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
    sqlite_only(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        let bot = s
            .create_bot(alice.id, "Relay", "relay", None, now())
            .await
            .unwrap();
        let hook = s
            .create_out_hook(
                NewOutHook {
                    room: GENERAL,
                    bot: bot.user_id,
                    made_by: alice.id,
                    name: "log".into(),
                    url: "https://example.com/hook".into(),
                    secret: "whsec_x".into(),
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
