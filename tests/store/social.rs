//! Reactions, pins, saved messages, room care and mentions settings.

use natter::domain::{
    Emoji, NotificationLevel, Reactor, Role, RoomCare, RoomKind, Seq, Timestamp, User,
};
use natter::storage::{AddOutcome, NewRoom, StoreError};

use crate::{each_backend, now, post, user, GENERAL};

fn reactor(who: &User) -> Reactor {
    Reactor {
        user_id: who.id,
        username: who.username.clone(),
    }
}

fn thumbs() -> Emoji {
    Emoji::parse("👍").unwrap()
}

#[tokio::test]
async fn a_reaction_is_added_once_taken_back_once_and_needs_a_live_message() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        let seq = post(s, GENERAL, &alice, "m").await.message.seq;
        let add = || s.add_reaction(GENERAL, seq, reactor(&alice), thumbs(), 20);
        assert_eq!(add().await.unwrap(), AddOutcome::Added, "{}", b.name);
        assert_eq!(add().await.unwrap(), AddOutcome::AlreadyThere, "{}", b.name);
        let groups = s.reactions_between(GENERAL, seq, seq).await.unwrap();
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].count, 1);
        let remove = || s.remove_reaction(GENERAL, seq, reactor(&alice), thumbs());
        assert!(remove().await.unwrap());
        assert!(!remove().await.unwrap(), "{}", b.name);
        let missing = s
            .add_reaction(GENERAL, Seq(99), reactor(&alice), thumbs(), 20)
            .await;
        assert!(matches!(missing, Err(StoreError::NotFound)), "{}", b.name);
        // Added, removed: two room events after the message.
        assert_eq!(
            s.events_after(GENERAL, Seq(0), 10).await.unwrap().last_seq,
            Seq(3)
        );
    })
    .await;
}

#[tokio::test]
async fn pins_repeat_harmlessly_and_stop_at_the_rooms_limit() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        let one = post(s, GENERAL, &alice, "one").await.message.seq;
        let two = post(s, GENERAL, &alice, "two").await.message.seq;
        let pin = |seq| s.pin_message(GENERAL, seq, reactor(&alice), 1);
        assert_eq!(pin(one).await.unwrap(), AddOutcome::Added);
        assert_eq!(
            pin(one).await.unwrap(),
            AddOutcome::AlreadyThere,
            "{}",
            b.name
        );
        assert_eq!(pin(two).await.unwrap(), AddOutcome::Full, "{}", b.name);
        assert_eq!(s.pins(GENERAL).await.unwrap().len(), 1);
        assert!(s
            .unpin_message(GENERAL, one, reactor(&alice))
            .await
            .unwrap());
        assert!(!s
            .unpin_message(GENERAL, one, reactor(&alice))
            .await
            .unwrap());
    })
    .await;
}

#[tokio::test]
async fn a_saved_message_is_saved_once_and_listed_for_its_saver() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        let seq = post(s, GENERAL, &alice, "keep").await.message.seq;
        assert_eq!(
            s.save_message(alice.id, GENERAL, seq, 10).await.unwrap(),
            AddOutcome::Added
        );
        let again = s.save_message(alice.id, GENERAL, seq, 10).await.unwrap();
        assert_eq!(again, AddOutcome::AlreadyThere, "{}", b.name);
        assert_eq!(s.saved_messages(alice.id, 10).await.unwrap().len(), 1);
        assert!(s.unsave_message(alice.id, GENERAL, seq).await.unwrap());
        assert!(
            !s.unsave_message(alice.id, GENERAL, seq).await.unwrap(),
            "{}",
            b.name
        );
    })
    .await;
}

#[tokio::test]
async fn room_care_renames_archives_and_deletes_with_conflicts_and_not_found() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        let new = |name: &str| NewRoom {
            kind: RoomKind::Public,
            name: name.into(),
            name_key: name.into(),
            created_by: alice.id,
            members: Vec::new(),
        };
        let room = s.create_room(new("lounge"), now()).await.unwrap();
        let rename = RoomCare::Rename {
            name: "general".into(),
            key: "general".into(),
        };
        let taken = s.care_for_room(room.id, rename, reactor(&alice)).await;
        assert!(matches!(taken, Err(StoreError::Conflict)), "{}", b.name);
        assert!(!s.access(room.id, alice.id).await.unwrap().unwrap().archived);
        let settings = s
            .care_for_room(room.id, RoomCare::Archive, reactor(&alice))
            .await;
        assert!(settings.unwrap().archived);
        // The cached access knows at once: archived rooms are read-only.
        assert!(
            s.access(room.id, alice.id).await.unwrap().unwrap().archived,
            "{}",
            b.name
        );
        s.delete_room(room.id).await.unwrap();
        assert!(
            s.access(room.id, alice.id).await.unwrap().is_none(),
            "{}",
            b.name
        );
        assert!(matches!(
            s.room_settings(room.id).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.delete_room(room.id).await,
            Err(StoreError::NotFound)
        ));
        assert!(!s
            .change_role(room.id, alice.id, Role::Owner, reactor(&alice))
            .await
            .unwrap());
    })
    .await;
}

#[tokio::test]
async fn notification_levels_do_not_disturb_and_room_mentions_are_kept_per_user() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        assert!(s.notification_levels(alice.id).await.unwrap().is_empty());
        s.set_notification_level(GENERAL, alice.id, NotificationLevel::Nothing)
            .await
            .unwrap();
        let levels = s.notification_levels(alice.id).await.unwrap();
        assert_eq!(
            levels,
            [(GENERAL, NotificationLevel::Nothing)],
            "{}",
            b.name
        );
        assert!(s.do_not_disturb(alice.id).await.unwrap().is_none());
        let until = Timestamp(now().millis() + 60_000);
        s.set_do_not_disturb(alice.id, Some(until)).await.unwrap();
        assert_eq!(s.do_not_disturb(alice.id).await.unwrap(), Some(until));
        s.set_members_may_mention_room(GENERAL, true).await.unwrap();
        assert!(
            s.members_may_mention_room(GENERAL).await.unwrap(),
            "{}",
            b.name
        );
        let named = s
            .members_named(GENERAL, vec!["alice".into(), "nobody".into()])
            .await;
        assert_eq!(named.unwrap().len(), 1, "{}", b.name);
    })
    .await;
}
