//! The server as a whole: admins, invites, moderation, disappearing
//! messages and the directory.

use natter::domain::{Seq, SignUpMode, Timestamp, UserId};
use natter::storage::{AuditEntry, AuditedChange, NewInvite, StoreError};

use crate::{each_backend, now, post, user, GENERAL};

#[tokio::test]
async fn only_the_first_account_becomes_admin_and_only_once() {
    each_backend(|b| async move {
        let s = &*b.store;
        let (alice, bob) = (user(s, "alice").await, user(s, "bob").await);
        assert!(!s.claim_first_admin(bob.id).await.unwrap(), "{}", b.name);
        assert!(s.claim_first_admin(alice.id).await.unwrap(), "{}", b.name);
        assert!(!s.claim_first_admin(alice.id).await.unwrap(), "{}", b.name);
        assert!(s.standing(alice.id).await.unwrap().unwrap().is_admin);
        assert!(s.standing(UserId(999)).await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn an_invite_signs_up_until_used_up_and_an_unknown_one_is_not_found() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        s.set_sign_up_mode(SignUpMode::InviteOnly).await.unwrap();
        assert_eq!(s.sign_up_mode().await.unwrap(), SignUpMode::InviteOnly);
        let invite = NewInvite {
            code_hash: [5; 32],
            created_by: alice.id,
            expires_at: Timestamp(now().millis() + 3_600_000),
            max_uses: 1,
            room: None,
        };
        s.create_invite(invite).await.unwrap();
        let sign_up =
            |name: &'static str, code| s.create_user_with_invite(name, name, None, code, now());
        sign_up("bob", [5; 32]).await.unwrap();
        let used_up = sign_up("carol", [5; 32]).await;
        assert!(matches!(used_up, Err(StoreError::NotFound)), "{}", b.name);
        let unknown = sign_up("dave", [6; 32]).await;
        assert!(matches!(unknown, Err(StoreError::NotFound)), "{}", b.name);
        assert!(
            s.user_by_name("carol").await.unwrap().is_none(),
            "nothing changed"
        );
        assert_eq!(s.invites().await.unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_ban_removes_the_member_and_unbanning_twice_says_there_was_none() {
    each_backend(|b| async move {
        let s = &*b.store;
        let (alice, bob) = (user(s, "alice").await, user(s, "bob").await);
        s.access(GENERAL, bob.id).await.unwrap();
        assert!(s.ban_member(GENERAL, bob.id, alice.id).await.unwrap());
        assert!(s.is_banned(GENERAL, bob.id).await.unwrap());
        assert_eq!(
            s.access(GENERAL, bob.id).await.unwrap().unwrap().role,
            None,
            "{}",
            b.name
        );
        assert!(s.unban_member(GENERAL, bob.id).await.unwrap());
        assert!(
            !s.unban_member(GENERAL, bob.id).await.unwrap(),
            "{}",
            b.name
        );
        let entry = AuditEntry {
            actor: alice.id,
            action: "room.ban",
            target: "bob".into(),
            room: Some(GENERAL),
        };
        // A ban and its audit record are one write.
        let ban = AuditedChange::Ban {
            room: GENERAL,
            user: bob.id,
            by: alice.id,
        };
        s.audited(ban, entry).await.unwrap();
        assert_eq!(s.audit_log(10).await.unwrap().len(), 1, "{}", b.name);
    })
    .await;
}

#[tokio::test]
async fn a_disappearing_timer_is_a_room_event_and_due_messages_expire() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        let seq = s.set_disappearing(GENERAL, 300, "alice").await.unwrap();
        assert_eq!(seq, Seq(1), "{}", b.name);
        post(s, GENERAL, &alice, "brief").await;
        let due = s.next_expiry().await.unwrap().expect("an expiry is stored");
        assert_eq!(
            s.expire_due(Timestamp(due.millis() - 1), 10).await.unwrap(),
            0
        );
        assert_eq!(s.expire_due(due, 10).await.unwrap(), 1, "{}", b.name);
        assert!(s.next_expiry().await.unwrap().is_none());
        let gone = s.message_at(GENERAL, Seq(2)).await.unwrap().unwrap();
        assert!(gone.body.is_empty(), "{}: expired text is gone", b.name);
        s.set_retention_days(30).await.unwrap();
        assert_eq!(s.retention_days().await.unwrap(), 30);
    })
    .await;
}

#[tokio::test]
async fn the_directory_finds_people_by_prefix_and_tells_about_a_room() {
    each_backend(|b| async move {
        let s = &*b.store;
        for name in ["anna", "anton", "bob"] {
            user(s, name).await;
        }
        let found = s.users_starting_with("an", 10).await.unwrap();
        let names: Vec<_> = found.iter().map(|p| p.username.as_str()).collect();
        assert_eq!(names, ["anna", "anton"], "{}", b.name);
        let about = s.room_about(GENERAL).await.unwrap();
        assert_eq!(about.member_count, 3, "{}", b.name);
        assert!(s.ping().await.is_ok());
    })
    .await;
}

#[tokio::test]
async fn an_invite_with_a_room_joins_it_and_a_taken_name_leaves_its_use() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        let invite = |code: u8, expires_at: Timestamp| NewInvite {
            code_hash: [code; 32],
            created_by: alice.id,
            expires_at,
            max_uses: 2,
            room: Some(GENERAL),
        };
        let later = Timestamp(now().millis() + 3_600_000);
        s.create_invite(invite(1, later)).await.unwrap();
        // General is also an auto-join room: one membership, not two.
        let bob = s
            .create_user_with_invite("Bob", "bob", None, [1; 32], now())
            .await
            .unwrap();
        assert_eq!(bob.username, "Bob");
        assert_eq!(s.room_about(GENERAL).await.unwrap().member_count, 2);
        let taken = s
            .create_user_with_invite("ALICE", "alice", None, [1; 32], now())
            .await;
        assert!(matches!(taken, Err(StoreError::Conflict)), "{}", b.name);
        assert_eq!(s.invites().await.unwrap()[0].uses, 1, "{}", b.name);

        s.create_invite(invite(2, Timestamp(1))).await.unwrap();
        let expired = s
            .create_user_with_invite("carol", "carol", None, [2; 32], now())
            .await;
        assert!(matches!(expired, Err(StoreError::NotFound)), "{}", b.name);
        let revoked = s.create_invite(invite(3, later)).await.unwrap();
        s.revoke_invite(revoked.id).await.unwrap();
        // Revoking twice keeps the first time; an unknown one is not found.
        s.revoke_invite(revoked.id).await.unwrap();
        assert!(matches!(
            s.revoke_invite(999).await,
            Err(StoreError::NotFound)
        ));
        let refused = s
            .create_user_with_invite("dave", "dave", None, [3; 32], now())
            .await;
        assert!(matches!(refused, Err(StoreError::NotFound)), "{}", b.name);
        let listed = s.invites().await.unwrap();
        let ids: Vec<i64> = listed.iter().map(|i| i.id).collect();
        assert_eq!(ids.len(), 3);
        assert!(
            ids.windows(2).all(|w| w[0] > w[1]),
            "{}: newest first",
            b.name
        );
        assert_eq!(listed[0].created_by, "alice");
        assert_eq!(listed[0].room_id, Some(GENERAL));
    })
    .await;
}

#[tokio::test]
async fn admins_find_accounts_by_part_of_the_name_and_change_their_standing() {
    each_backend(|b| async move {
        let s = &*b.store;
        for name in ["Anna", "hannah", "bob", "a_b"] {
            user(s, name).await;
        }
        let names = |found: Vec<natter::domain::Account>| {
            found.into_iter().map(|a| a.username).collect::<Vec<_>>()
        };
        assert_eq!(
            names(s.accounts("ann", 10).await.unwrap()),
            ["Anna", "hannah"]
        );
        // `_` is a letter here, not a wildcard.
        assert_eq!(
            names(s.accounts("_", 10).await.unwrap()),
            ["a_b"],
            "{}",
            b.name
        );
        assert_eq!(s.accounts("", 2).await.unwrap().len(), 2);

        let bob = s.user_by_name("bob").await.unwrap().unwrap().user;
        s.set_admin(bob.id, true).await.unwrap();
        s.set_deactivated(bob.id, true).await.unwrap();
        let found = s.accounts("bob", 10).await.unwrap();
        assert!(found[0].is_admin && found[0].deactivated, "{}", b.name);
        s.set_admin(bob.id, false).await.unwrap();
        s.set_deactivated(bob.id, false).await.unwrap();
        let standing = s.standing(bob.id).await.unwrap().unwrap();
        assert!(!standing.is_admin && !standing.deactivated, "{}", b.name);
        assert!(matches!(
            s.set_admin(UserId(999), true).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.set_deactivated(UserId(999), true).await,
            Err(StoreError::NotFound)
        ));
        s.set_sign_up_mode(SignUpMode::Closed).await.unwrap();
        s.set_sign_up_mode(SignUpMode::Open).await.unwrap();
        assert_eq!(
            s.sign_up_mode().await.unwrap(),
            SignUpMode::Open,
            "{}",
            b.name
        );
    })
    .await;
}

/// Two nodes on one PostgreSQL database, people signing up on both at
/// once: whatever order their rows commit in, one of them is the admin.
#[tokio::test]
async fn two_nodes_signing_up_at_once_make_exactly_one_admin() {
    use std::sync::Arc;

    use natter::ops::metrics::CommitMetrics;
    use natter::storage::postgres::PgStore;
    use natter::storage::{Listeners, Store};

    let Some(server) = crate::scratch_postgres::server_url() else {
        return;
    };
    for _ in 0..3 {
        let schema = crate::scratch_postgres::ScratchSchema::new(&server);
        let node = || -> Arc<dyn Store> {
            let heard = Arc::new(crate::Heard::default());
            let listeners = Listeners {
                invalidate: heard.clone(),
                fanout: heard,
            };
            Arc::new(PgStore::open(&schema.url, listeners, CommitMetrics::default()).unwrap())
        };
        let nodes = [node(), node()];
        let mut signing_up = Vec::new();
        for i in 0..16 {
            let store = Arc::clone(&nodes[i % 2]);
            signing_up.push(tokio::spawn(async move {
                let name = format!("person{i}");
                let person = store.create_user(&name, &name, None, now()).await.unwrap();
                store.claim_first_admin(person.id).await.unwrap()
            }));
        }
        let mut claimed = 0;
        for task in signing_up {
            claimed += usize::from(task.await.unwrap());
        }
        let admins = nodes[0].accounts("", 100).await.unwrap();
        let admins = admins.iter().filter(|a| a.is_admin).count();
        assert_eq!((claimed, admins), (1, 1));
    }
}
