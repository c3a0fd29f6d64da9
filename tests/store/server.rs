//! The server as a whole: admins, invites, moderation, disappearing
//! messages and the directory.

use natter::domain::{RoomChange, Seq, SignUpMode, Timestamp, UserId};
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
        for text in ["brief", "briefer", "briefest"] {
            post(s, GENERAL, &alice, text).await;
        }
        let due = s.next_expiry().await.unwrap().expect("an expiry is stored");
        let early = s.expire_due(Timestamp(due.millis() - 1), 10).await.unwrap();
        assert_eq!(early.messages, 0, "{}", b.name);
        // Posted within the same millisecond or not, all three are due a
        // moment later.
        let later = Timestamp(due.millis() + 1000);
        let expired = s.expire_due(later, 10).await.unwrap();
        assert_eq!((expired.messages, expired.looked_at), (3, 3), "{}", b.name);
        assert!(s.next_expiry().await.unwrap().is_none());
        let mut ids = Vec::new();
        for seq in 2..=4 {
            let gone = s.message_at(GENERAL, Seq(seq)).await.unwrap().unwrap();
            assert!(gone.body.is_empty(), "{}: expired text is gone", b.name);
            assert!(gone.expired, "{}", b.name);
            ids.push(gone.id);
        }
        // One event for the room, naming all three.
        let replay = s.events_after(GENERAL, Seq(4), 10).await.unwrap();
        let changes: Vec<_> = replay.events.iter().map(|e| &e.change).collect();
        assert_eq!(
            changes,
            [&RoomChange::MessagesExpired {
                message_seqs: vec![Seq(2), Seq(3), Seq(4)],
                message_ids: ids,
            }],
            "{}",
            b.name
        );
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
