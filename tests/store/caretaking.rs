//! Reactions grouped for a page, the room's bounds on emoji, pins and
//! bookmarks, and what owners change about a room: each change a room
//! event the fan-out hears.

use natter::domain::{
    Emoji, Event, PinPolicy, Reactor, Role, RoomCare, RoomChange, RoomKind, RoomUpdate, Seq, User,
};
use natter::storage::{AddOutcome, NewRoom};

use crate::{each_backend, now, post, user, GENERAL};

fn reactor(who: &User) -> Reactor {
    Reactor {
        user_id: who.id,
        username: who.username.clone(),
    }
}

fn emoji(e: &str) -> Emoji {
    Emoji::parse(e).unwrap()
}

#[tokio::test]
async fn reactions_are_grouped_by_message_and_emoji_and_a_new_emoji_stops_at_the_bound() {
    each_backend(|b| async move {
        let s = &*b.store;
        let (alice, bob) = (user(s, "alice").await, user(s, "bob").await);
        let one = post(s, GENERAL, &alice, "one").await.message.seq;
        let two = post(s, GENERAL, &alice, "two").await.message.seq;
        let react = |who: &User, seq, e| s.add_reaction(GENERAL, seq, reactor(who), emoji(e), 2);
        assert_eq!(react(&alice, one, "👍").await.unwrap(), AddOutcome::Added);
        assert_eq!(react(&bob, one, "🎉").await.unwrap(), AddOutcome::Added);
        // A third kind of emoji is one too many; one more person on a kind
        // already there is not.
        assert_eq!(
            react(&bob, one, "🚀").await.unwrap(),
            AddOutcome::Full,
            "{}",
            b.name
        );
        assert_eq!(react(&bob, one, "👍").await.unwrap(), AddOutcome::Added);
        assert_eq!(react(&bob, two, "🚀").await.unwrap(), AddOutcome::Added);
        let groups = s.reactions_between(GENERAL, one, two).await.unwrap();
        let shown: Vec<_> = groups
            .iter()
            .map(|g| {
                let users: Vec<_> = g.users.iter().map(|u| u.username.as_str()).collect();
                (g.message_seq, g.emoji.as_str(), g.count, users)
            })
            .collect();
        assert_eq!(
            shown,
            [
                (one, "👍", 2, vec!["alice", "bob"]),
                (one, "🎉", 1, vec!["bob"]),
                (two, "🚀", 1, vec!["bob"]),
            ],
            "{}",
            b.name
        );
        assert_eq!(s.reactions_between(GENERAL, two, two).await.unwrap().len(), 1);
        // Four adds, each a room event after the two messages.
        let heard = b
            .heard
            .until(|e| {
                e.iter()
                    .filter(|e| {
                        matches!(e, Event::Room(r) if matches!(r.change, RoomChange::ReactionAdded { .. }))
                    })
                    .count()
                    == 4
            })
            .await;
        let last = heard.iter().rev().find_map(|e| match e {
            Event::Room(r) => Some(r.seq),
            _ => None,
        });
        assert_eq!(last, Some(Seq(6)), "{}", b.name);
    })
    .await;
}

#[tokio::test]
async fn pins_list_the_latest_first_and_a_deleted_message_is_not_found() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        let one = post(s, GENERAL, &alice, "one").await.message.seq;
        let two = post(s, GENERAL, &alice, "two").await.message.seq;
        for seq in [one, two] {
            let pinned = s.pin_message(GENERAL, seq, reactor(&alice), 10).await;
            assert_eq!(pinned.unwrap(), AddOutcome::Added);
        }
        let pins = s.pins(GENERAL).await.unwrap();
        let seqs: Vec<_> = pins.iter().map(|p| p.message.seq).collect();
        assert_eq!(seqs, [two, one], "{}", b.name);
        assert_eq!(pins[0].pinned_by, "alice");
        assert_eq!(pins[0].message.body, "two");
        s.delete_message(GENERAL, two).await.unwrap();
        assert_eq!(s.pins(GENERAL).await.unwrap().len(), 1, "{}", b.name);
        let gone = s.pin_message(GENERAL, two, reactor(&alice), 10).await;
        assert!(
            matches!(gone, Err(natter::storage::StoreError::NotFound)),
            "{}",
            b.name
        );
    })
    .await;
}

#[tokio::test]
async fn bookmarks_stop_at_their_bound_and_leave_with_the_room() {
    each_backend(|b| async move {
        let s = &*b.store;
        let (alice, bob) = (user(s, "alice").await, user(s, "bob").await);
        let new = NewRoom {
            kind: RoomKind::Private,
            name: "Attic".into(),
            name_key: "attic".into(),
            created_by: alice.id,
            members: vec![bob.id],
        };
        let room = s.create_room(new, now()).await.unwrap();
        let one = post(s, room.id, &alice, "one").await.message.seq;
        let two = post(s, GENERAL, &alice, "two").await.message.seq;
        assert_eq!(
            s.save_message(bob.id, room.id, one, 1).await.unwrap(),
            AddOutcome::Added
        );
        let full = s.save_message(bob.id, GENERAL, two, 1).await.unwrap();
        assert_eq!(full, AddOutcome::Full, "{}", b.name);
        s.save_message(bob.id, GENERAL, two, 2).await.unwrap();
        let saved = s.saved_messages(bob.id, 10).await.unwrap();
        let listed: Vec<_> = saved
            .iter()
            .map(|m| (m.message.body.as_str(), m.room_name.as_deref()))
            .collect();
        assert_eq!(
            listed,
            [("two", Some("general")), ("one", Some("Attic"))],
            "{}",
            b.name
        );
        assert_eq!(s.saved_messages(bob.id, 1).await.unwrap().len(), 1);
        // Out of the room, out of the list.
        s.remove_member(room.id, bob.id, None).await.unwrap();
        let saved = s.saved_messages(bob.id, 10).await.unwrap();
        assert_eq!(saved.len(), 1, "{}", b.name);
        assert!(s.saved_messages(alice.id, 10).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn owners_change_topic_pin_policy_archive_and_roles_as_room_events() {
    each_backend(|b| async move {
        let s = &*b.store;
        let (alice, bob) = (user(s, "alice").await, user(s, "bob").await);
        let by = || reactor(&alice);
        let topic = RoomCare::Topic("Plans for May".into());
        s.care_for_room(GENERAL, topic, by()).await.unwrap();
        let policy = RoomCare::PinPolicy(PinPolicy::Owners);
        s.care_for_room(GENERAL, policy, by()).await.unwrap();
        s.care_for_room(GENERAL, RoomCare::Archive, by())
            .await
            .unwrap();
        let settings = s
            .care_for_room(GENERAL, RoomCare::Restore, by())
            .await
            .unwrap();
        assert_eq!(settings.topic, "Plans for May");
        assert_eq!(settings.pin_policy, PinPolicy::Owners, "{}", b.name);
        assert!(!settings.archived);
        let read = s.room_settings(GENERAL).await.unwrap();
        assert_eq!(
            (read.topic, read.pin_policy, read.archived),
            (settings.topic, settings.pin_policy, false)
        );
        assert!(s
            .change_role(GENERAL, bob.id, Role::Owner, by())
            .await
            .unwrap());
        // Already an owner: no change, no event.
        assert!(s
            .change_role(GENERAL, bob.id, Role::Owner, by())
            .await
            .unwrap());
        let heard = b
            .heard
            .until(|e| {
                e.iter().any(|e| {
                    matches!(e, Event::Room(r) if matches!(r.change, RoomChange::MemberRoleChanged { .. }))
                })
            })
            .await;
        let changes: Vec<_> = heard
            .iter()
            .filter_map(|e| match e {
                Event::Room(r) => Some((r.seq, r.change.clone())),
                _ => None,
            })
            .collect();
        let updates: Vec<_> = changes
            .iter()
            .filter_map(|(seq, c)| match c {
                RoomChange::RoomUpdated { change, .. } => Some((*seq, *change)),
                _ => None,
            })
            .collect();
        assert_eq!(
            updates,
            [
                (Seq(1), RoomUpdate::Topic),
                (Seq(2), RoomUpdate::PinPolicy),
                (Seq(3), RoomUpdate::Archived),
                (Seq(4), RoomUpdate::Restored)
            ],
            "{}",
            b.name
        );
        assert!(matches!(
            changes.last(),
            Some((Seq(5), RoomChange::MemberRoleChanged { role: Role::Owner, by_username, .. }))
                if by_username == "alice"
        ));
    })
    .await;
}
