//! People joining and leaving rooms as room events (`member.joined`,
//! `member.left`): each with its own seq, in the transaction that changes
//! the membership, replayed like any other event; none for the people a
//! room starts with.

use natter::domain::{
    Event, LeaveReason, Role, RoomChange, RoomEvent, RoomId, RoomKind, Seq, Timestamp, UserId,
};
use natter::storage::{NewInvite, NewRoom, Store};

use crate::{each_backend, now, post, user, GENERAL};

fn room(name: &str, kind: RoomKind, by: UserId, members: Vec<UserId>) -> NewRoom {
    NewRoom {
        kind,
        name: name.into(),
        name_key: name.to_lowercase(),
        created_by: by,
        members,
    }
}

async fn log_of(s: &dyn Store, room: RoomId) -> Vec<RoomEvent> {
    s.events_after(room, Seq(0), 100).await.unwrap().events
}

/// The membership events of a log, as (seq, who, what, by whom).
fn memberships(log: &[RoomEvent]) -> Vec<(i64, String, &'static str, Option<String>)> {
    log.iter()
        .filter_map(|e| match &e.change {
            RoomChange::MemberJoined {
                username,
                by_username,
                ..
            } => Some((e.seq.0, username.clone(), "joined", by_username.clone())),
            RoomChange::MemberLeft {
                username,
                reason,
                by_username,
                ..
            } => {
                let reason = match reason {
                    LeaveReason::Left => "left",
                    LeaveReason::Removed => "removed",
                    LeaveReason::Banned => "banned",
                };
                Some((e.seq.0, username.clone(), reason, by_username.clone()))
            }
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn joining_being_added_leaving_being_removed_and_banned_each_take_a_seq_in_the_log() {
    each_backend(|b| async move {
        let s = &*b.store;
        let (alice, bob, carol) = (
            user(s, "alice").await,
            user(s, "bob").await,
            user(s, "carol").await,
        );
        let lounge = s
            .create_room(room("Lounge", RoomKind::Public, alice.id, vec![]), now())
            .await
            .unwrap();
        post(s, lounge.id, &alice, "hello").await;
        s.add_member(lounge.id, bob.id, Role::Member, now(), None)
            .await
            .unwrap();
        // Joining again changes nothing and logs nothing.
        s.add_member(lounge.id, bob.id, Role::Member, now(), None)
            .await
            .unwrap();
        s.add_member(lounge.id, carol.id, Role::Member, now(), Some(alice.id))
            .await
            .unwrap();
        assert!(s.remove_member(lounge.id, bob.id, None).await.unwrap());
        assert!(!s.remove_member(lounge.id, bob.id, None).await.unwrap());
        assert!(s
            .remove_member(lounge.id, carol.id, Some(alice.id))
            .await
            .unwrap());
        s.add_member(lounge.id, bob.id, Role::Member, now(), None)
            .await
            .unwrap();
        assert!(s.ban_member(lounge.id, bob.id, alice.id).await.unwrap());
        let alice_name = Some("alice".to_owned());
        assert_eq!(
            memberships(&log_of(s, lounge.id).await),
            [
                (2, "bob".into(), "joined", None),
                (3, "carol".into(), "joined", alice_name.clone()),
                (4, "bob".into(), "left", None),
                (5, "carol".into(), "removed", alice_name.clone()),
                (6, "bob".into(), "joined", None),
                (7, "bob".into(), "banned", alice_name),
            ],
            "{}",
            b.name
        );
        let (now_room, _) = s.room_for(lounge.id, alice.id).await.unwrap().unwrap();
        assert_eq!(now_room.last_seq, Seq(7), "{}", b.name);
        // A message after them takes the next seq: no gap, no repeat.
        assert_eq!(
            post(s, lounge.id, &alice, "after").await.message.seq,
            Seq(8)
        );
        // The fan-out hears each as a room event, and the membership as
        // one the room was told of by it.
        let heard = b
            .heard
            .until(|heard| {
                heard.iter().any(
                    |e| matches!(e, Event::Room(r) if r.room_id == lounge.id && r.seq == Seq(7)),
                )
            })
            .await;
        let told: Vec<_> = heard
            .iter()
            .filter_map(|e| match e {
                Event::Membership(m) if m.room_id == lounge.id => Some((m.joined, m.logged)),
                _ => None,
            })
            .collect();
        assert_eq!(
            told,
            [
                (true, false), // alice, its creator
                (true, true),
                (true, true),
                (false, true),
                (false, true),
                (true, true),
                (false, true)
            ],
            "{}",
            b.name
        );
    })
    .await;
}

#[tokio::test]
async fn the_people_a_room_starts_with_have_no_join_events() {
    each_backend(|b| async move {
        let s = &*b.store;
        let (alice, bob, carol) = (
            user(s, "alice").await,
            user(s, "bob").await,
            user(s, "carol").await,
        );
        let private = s
            .create_room(
                room("Plans", RoomKind::Private, alice.id, vec![bob.id, carol.id]),
                now(),
            )
            .await
            .unwrap();
        let direct = s.direct_room(alice.id, bob.id, now()).await.unwrap();
        for id in [GENERAL, private.id, direct.id] {
            assert!(log_of(s, id).await.is_empty(), "{} room {id}", b.name);
            let (r, _) = s.room_for(id, alice.id).await.unwrap().unwrap();
            assert_eq!(r.last_seq, Seq(0), "{} room {id}", b.name);
        }
        // Adding someone later is news to the room.
        let dave = user(s, "dave").await;
        s.add_member(private.id, dave.id, Role::Member, now(), Some(bob.id))
            .await
            .unwrap();
        assert_eq!(
            memberships(&log_of(s, private.id).await),
            [(1, "dave".into(), "joined", Some("bob".into()))],
            "{}",
            b.name
        );
    })
    .await;
}

#[tokio::test]
async fn signing_up_with_an_invite_to_a_room_logs_the_join_there() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        let lounge = s
            .create_room(room("Lounge", RoomKind::Private, alice.id, vec![]), now())
            .await
            .unwrap();
        let invite = NewInvite {
            code_hash: [7; 32],
            created_by: alice.id,
            expires_at: Timestamp(now().millis() + 3_600_000),
            max_uses: 1,
            room: Some(lounge.id),
        };
        s.create_invite(invite).await.unwrap();
        s.create_user_with_invite("Bob", "bob", None, [7; 32], now())
            .await
            .unwrap();
        assert_eq!(
            memberships(&log_of(s, lounge.id).await),
            [(1, "Bob".into(), "joined", None)],
            "{}",
            b.name
        );
        // General, where everyone is from the start, logs nobody.
        assert!(log_of(s, GENERAL).await.is_empty(), "{}", b.name);
    })
    .await;
}

#[tokio::test]
async fn joins_and_leaves_are_not_unread_messages_but_are_a_pages_changes() {
    each_backend(|b| async move {
        let s = &*b.store;
        let (alice, bob, carol) = (
            user(s, "alice").await,
            user(s, "bob").await,
            user(s, "carol").await,
        );
        let lounge = s
            .create_room(
                room("Lounge", RoomKind::Public, alice.id, vec![bob.id]),
                now(),
            )
            .await
            .unwrap();
        post(s, lounge.id, &alice, "one").await;
        s.add_member(lounge.id, carol.id, Role::Member, now(), None)
            .await
            .unwrap();
        assert!(s.remove_member(lounge.id, carol.id, None).await.unwrap());
        let summary = s
            .rooms_of(bob.id)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.room.id == lounge.id)
            .unwrap();
        assert_eq!(summary.room.last_seq, Seq(3), "{}", b.name);
        assert_eq!(summary.unread, 1, "{}", b.name);
        let changes = s
            .room_changes_between(lounge.id, Seq(1), Seq(i64::MAX))
            .await
            .unwrap();
        let seqs: Vec<_> = changes.iter().map(|c| c.event.seq.0).collect();
        assert_eq!(seqs, [2, 3], "{}", b.name);
    })
    .await;
}
