//! Rooms and memberships, and what the cached layer answers about them.

use natter::domain::{Event, Reactor, Role, RoomCare, RoomId, RoomKind, Seq, UserId};
use natter::storage::{NewRoom, StoreError};

use crate::{each_backend, now, post, user, GENERAL};

fn public_room(name: &str, by: UserId) -> NewRoom {
    NewRoom {
        kind: RoomKind::Public,
        name: name.into(),
        name_key: name.to_lowercase(),
        created_by: by,
        members: Vec::new(),
    }
}

#[tokio::test]
async fn a_new_room_has_its_creator_as_owner_and_others_as_members() {
    each_backend(|b| async move {
        let s = &*b.store;
        let (alice, bob) = (user(s, "alice").await, user(s, "bob").await);
        let mut new = public_room("Lounge", alice.id);
        new.members = vec![bob.id];
        let room = s.create_room(new, now()).await.unwrap();
        assert_eq!(room.last_seq, Seq(0));
        let members = s.members(room.id).await.unwrap();
        let roles: Vec<_> = members
            .iter()
            .map(|m| (m.username.as_str(), m.role))
            .collect();
        assert_eq!(
            roles,
            [("alice", Role::Owner), ("bob", Role::Member)],
            "{}",
            b.name
        );
        let access = s.access(room.id, bob.id).await.unwrap().unwrap();
        assert_eq!(access.role, Some(Role::Member));
        assert!(!access.archived);
        // The fan-out hears both joins.
        b.heard
            .until(|heard| {
                heard
                    .iter()
                    .filter(
                        |e| matches!(e, Event::Membership(m) if m.room_id == room.id && m.joined),
                    )
                    .count()
                    == 2
            })
            .await;
    })
    .await;
}

#[tokio::test]
async fn a_second_public_room_of_a_name_is_a_conflict() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        s.create_room(public_room("Lounge", alice.id), now())
            .await
            .unwrap();
        let again = s.create_room(public_room("LOUNGE", alice.id), now()).await;
        assert!(matches!(again, Err(StoreError::Conflict)), "{}", b.name);
        assert_eq!(
            s.public_rooms(alice.id).await.unwrap().len(),
            2,
            "general and one lounge"
        );
    })
    .await;
}

#[tokio::test]
async fn an_unknown_room_has_no_access_and_no_details() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        assert!(s.access(RoomId(999), alice.id).await.unwrap().is_none());
        assert!(s.room_for(RoomId(999), alice.id).await.unwrap().is_none());
        assert!(!s.remove_member(RoomId(999), alice.id, None).await.unwrap());
    })
    .await;
}

#[tokio::test]
async fn joining_twice_is_one_membership_and_a_direct_room_is_made_once() {
    each_backend(|b| async move {
        let s = &*b.store;
        let (alice, bob) = (user(s, "alice").await, user(s, "bob").await);
        s.add_member(GENERAL, alice.id, Role::Member, now(), None)
            .await
            .unwrap();
        assert_eq!(s.members(GENERAL).await.unwrap().len(), 2, "{}", b.name);
        let first = s.direct_room(alice.id, bob.id, now()).await.unwrap();
        let again = s.direct_room(bob.id, alice.id, now()).await.unwrap();
        assert_eq!(first.id, again.id, "{}", b.name);
        assert_eq!(s.members(first.id).await.unwrap().len(), 2);
    })
    .await;
}

#[tokio::test]
async fn cached_access_follows_slow_mode_roles_leaving_and_a_new_room_at_once() {
    each_backend(|b| async move {
        let s = &*b.store;
        let (alice, bob) = (user(s, "alice").await, user(s, "bob").await);
        let room = s
            .create_room(public_room("Lounge", alice.id), now())
            .await
            .unwrap();
        // Asked (and remembered) before bob is in it.
        assert_eq!(s.access(room.id, bob.id).await.unwrap().unwrap().role, None);
        s.add_member(room.id, bob.id, Role::Member, now(), None)
            .await
            .unwrap();
        assert_eq!(
            s.access(room.id, bob.id).await.unwrap().unwrap().role,
            Some(Role::Member)
        );
        s.set_slow_mode(room.id, 30).await.unwrap();
        assert_eq!(
            s.access(room.id, bob.id)
                .await
                .unwrap()
                .unwrap()
                .slow_mode_secs,
            30
        );
        let by = Reactor {
            user_id: alice.id,
            username: alice.username.clone(),
        };
        assert!(s
            .change_role(room.id, bob.id, Role::Owner, by)
            .await
            .unwrap());
        assert_eq!(
            s.access(room.id, bob.id).await.unwrap().unwrap().role,
            Some(Role::Owner)
        );
        assert!(s.remove_member(room.id, bob.id, None).await.unwrap());
        assert_eq!(
            s.access(room.id, bob.id).await.unwrap().unwrap().role,
            None,
            "{}",
            b.name
        );
        // An id asked for before its room existed.
        let next = RoomId(room.id.0 + 1);
        assert!(s.access(next, alice.id).await.unwrap().is_none());
        let made = s
            .create_room(public_room("Next", alice.id), now())
            .await
            .unwrap();
        assert_eq!(made.id, next);
        assert!(
            s.access(next, alice.id).await.unwrap().is_some(),
            "{}",
            b.name
        );
    })
    .await;
}

#[tokio::test]
async fn a_rooms_roles_list_every_member_or_none_past_the_limit() {
    each_backend(|b| async move {
        let s = &*b.store;
        let (alice, bob) = (user(s, "alice").await, user(s, "bob").await);
        let carol = user(s, "carol").await;
        let mut new = public_room("Lounge", alice.id);
        new.members = vec![bob.id];
        let room = s.create_room(new, now()).await.unwrap();
        s.set_slow_mode(room.id, 30).await.unwrap();
        let roles = s.room_roles(room.id, 2).await.unwrap().unwrap();
        assert_eq!(roles.members.as_ref().map(Vec::len), Some(2), "{}", b.name);
        assert_eq!(roles.of(alice.id).unwrap().role, Some(Role::Owner));
        assert_eq!(roles.of(bob.id).unwrap().role, Some(Role::Member));
        assert_eq!(roles.of(carol.id).unwrap().role, None, "not a member");
        assert_eq!(roles.room.slow_mode_secs, 30);
        assert_eq!(roles.room.kind, RoomKind::Public);
        let crowded = s.room_roles(room.id, 1).await.unwrap().unwrap();
        assert!(crowded.members.is_none(), "{}: more than asked for", b.name);
        assert!(crowded.of(bob.id).is_none());
        assert!(s.room_roles(RoomId(999), 2).await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn access_remembered_for_a_whole_room_follows_joins_and_removals_at_once() {
    each_backend(|b| async move {
        let s = &*b.store;
        let (alice, bob) = (user(s, "alice").await, user(s, "bob").await);
        let carol = user(s, "carol").await;
        let mut new = public_room("Lounge", alice.id);
        new.members = vec![bob.id];
        let room = s.create_room(new, now()).await.unwrap();
        // Alice's read remembers the room; bob's and carol's come from it.
        assert_eq!(
            s.access(room.id, alice.id).await.unwrap().unwrap().role,
            Some(Role::Owner)
        );
        assert_eq!(
            s.access(room.id, bob.id).await.unwrap().unwrap().role,
            Some(Role::Member)
        );
        assert_eq!(
            s.access(room.id, carol.id).await.unwrap().unwrap().role,
            None
        );
        s.add_member(room.id, carol.id, Role::Member, now(), None)
            .await
            .unwrap();
        assert_eq!(
            s.access(room.id, carol.id).await.unwrap().unwrap().role,
            Some(Role::Member),
            "{}: a join is seen at once",
            b.name
        );
        assert!(s.remove_member(room.id, bob.id, None).await.unwrap());
        assert_eq!(
            s.access(room.id, bob.id).await.unwrap().unwrap().role,
            None,
            "{}: a removal is seen at once",
            b.name
        );
    })
    .await;
}

#[tokio::test]
async fn when_the_owner_leaves_the_longest_member_takes_the_room_over() {
    each_backend(|b| async move {
        let s = &*b.store;
        let (alice, bob) = (user(s, "alice").await, user(s, "bob").await);
        let mut new = public_room("Lounge", alice.id);
        new.members = vec![bob.id];
        let room = s.create_room(new, now()).await.unwrap();
        s.access(room.id, bob.id).await.unwrap();
        assert!(s.remove_member(room.id, alice.id, None).await.unwrap());
        let access = s.access(room.id, bob.id).await.unwrap().unwrap();
        assert_eq!(access.role, Some(Role::Owner), "{}", b.name);
    })
    .await;
}

#[tokio::test]
async fn the_read_marker_moves_forward_only_and_never_past_the_last_message() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        post(s, GENERAL, &alice, "m1").await;
        post(s, GENERAL, &alice, "m2").await;
        s.mark_read(GENERAL, alice.id, Seq(99)).await.unwrap();
        assert_eq!(read_marker(s, alice.id).await, Seq(2), "{}", b.name);
        s.mark_read(GENERAL, alice.id, Seq(1)).await.unwrap();
        assert_eq!(read_marker(s, alice.id).await, Seq(2), "{}", b.name);
    })
    .await;
}

async fn read_marker(s: &dyn natter::storage::Store, user: UserId) -> Seq {
    let (_, membership) = s.room_for(GENERAL, user).await.unwrap().unwrap();
    membership.unwrap().last_read_seq
}

#[tokio::test]
async fn a_room_list_counts_unread_messages_and_names_a_direct_rooms_peer() {
    each_backend(|b| async move {
        let s = &*b.store;
        let (alice, bob) = (user(s, "alice").await, user(s, "bob").await);
        post(s, GENERAL, &bob, "m1").await;
        post(s, GENERAL, &bob, "m2").await;
        let direct = s.direct_room(alice.id, bob.id, now()).await.unwrap();
        let rooms = s.rooms_of(alice.id).await.unwrap();
        let listed: Vec<_> = rooms
            .iter()
            .map(|r| (r.room.id, r.unread, r.peer.as_deref()))
            .collect();
        // Public rooms first, then direct ones.
        assert_eq!(
            listed,
            [(GENERAL, 2, None), (direct.id, 0, Some("bob"))],
            "{}",
            b.name
        );
        s.mark_read(GENERAL, alice.id, Seq(1)).await.unwrap();
        let general = &s.rooms_of(alice.id).await.unwrap()[0];
        assert_eq!(
            (general.last_read_seq, general.unread),
            (Seq(1), 1),
            "{}",
            b.name
        );
        let (room, membership) = s.room_for(direct.id, bob.id).await.unwrap().unwrap();
        assert_eq!(room.kind, RoomKind::Direct);
        assert_eq!(room.name, None);
        assert_eq!(membership.unwrap().role, Role::Member, "{}", b.name);
    })
    .await;
}

#[tokio::test]
async fn the_directory_lists_open_public_rooms_by_name_with_counts_and_who_joined() {
    each_backend(|b| async move {
        let s = &*b.store;
        let (alice, bob) = (user(s, "alice").await, user(s, "bob").await);
        let zoo = s
            .create_room(public_room("zoo", alice.id), now())
            .await
            .unwrap();
        let mut private = public_room("Attic", alice.id);
        private.kind = RoomKind::Private;
        s.create_room(private, now()).await.unwrap();
        let attic = s
            .create_room(public_room("Attic", bob.id), now())
            .await
            .unwrap();
        let listed: Vec<_> = s
            .public_rooms(alice.id)
            .await
            .unwrap()
            .into_iter()
            .map(|l| (l.room.name.unwrap(), l.member_count, l.joined))
            .collect();
        assert_eq!(
            listed,
            [
                ("Attic".to_owned(), 1, false),
                ("general".to_owned(), 2, true),
                ("zoo".to_owned(), 1, true)
            ],
            "{}",
            b.name
        );
        // A non-member sees the room without a membership.
        assert!(s
            .room_for(zoo.id, bob.id)
            .await
            .unwrap()
            .unwrap()
            .1
            .is_none());
        assert!(s
            .room_for(attic.id, bob.id)
            .await
            .unwrap()
            .unwrap()
            .1
            .is_some());
        // An archived room leaves the directory.
        let by = Reactor {
            user_id: alice.id,
            username: alice.username.clone(),
        };
        s.care_for_room(zoo.id, RoomCare::Archive, by)
            .await
            .unwrap();
        let names: Vec<_> = s
            .public_rooms(bob.id)
            .await
            .unwrap()
            .into_iter()
            .map(|l| l.room.name.unwrap())
            .collect();
        assert_eq!(names, ["Attic", "general"], "{}", b.name);
    })
    .await;
}
