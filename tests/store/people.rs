//! People: display names, avatars and statuses.

use natter::domain::{AvatarFiles, Event, PersonChange, Timestamp, UserId, UserStatus};
use natter::storage::StoreError;

use crate::{each_backend, now, user, GENERAL};

/// Keys are 32 lower-case hex digits, as the file store makes them.
fn avatar(big: char, small: char) -> AvatarFiles {
    AvatarFiles {
        key: big.to_string().repeat(32),
        small_key: small.to_string().repeat(32),
        mime: "image/png".into(),
    }
}

#[tokio::test]
async fn a_display_name_is_set_shown_by_name_and_removed_again() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "Alice").await;
        assert_eq!(
            s.profile_of(alice.id).await.unwrap().profile,
            natter::domain::Profile::default()
        );
        let set = s
            .set_display_name(alice.id, Some("Alice A.".into()), now())
            .await
            .unwrap();
        assert_eq!(set.profile.display_name.as_deref(), Some("Alice A."));
        let named = s
            .profiles_named(vec!["ALICE".into(), "nobody".into()])
            .await
            .unwrap();
        assert_eq!(named.len(), 1, "{}", b.name);
        assert_eq!(named[0].user_id, alice.id);
        assert_eq!(named[0].username, "Alice");
        // Room-mates hear of it, in the rooms the person is in.
        b.heard
            .until(|heard| {
                heard.iter().any(
                    |e| matches!(e, Event::Person(p) if p.user == alice.id && p.rooms == [GENERAL]),
                )
            })
            .await;
        s.set_display_name(alice.id, None, now()).await.unwrap();
        let gone = s.profile_of(alice.id).await.unwrap();
        assert_eq!(gone.profile.display_name, None, "{}", b.name);
        assert!(s
            .profiles_named(vec!["alice".into()])
            .await
            .unwrap()
            .is_empty());
        let nobody = s.profile_of(UserId(999)).await;
        assert!(matches!(nobody, Err(StoreError::NotFound)), "{}", b.name);
    })
    .await;
}

#[tokio::test]
async fn a_replaced_avatar_waits_for_deletion_and_only_the_current_one_is_served() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        let first = avatar('a', 'b');
        let set = s
            .set_avatar(alice.id, Some(first.clone()), now())
            .await
            .unwrap();
        assert!(set.profile.avatar_url.unwrap().ends_with(&first.key));
        let big = s.avatar_file(first.key.clone(), false).await.unwrap();
        assert_eq!(big, Some((first.key.clone(), "image/png".into())));
        let small = s.avatar_file(first.key.clone(), true).await.unwrap();
        assert_eq!(small, Some((first.small_key.clone(), "image/png".into())));
        // The small key is not an avatar's name.
        assert!(s
            .avatar_file(first.small_key.clone(), false)
            .await
            .unwrap()
            .is_none());
        assert!(s.pending_file_deletions(10).await.unwrap().is_empty());

        s.set_avatar(alice.id, Some(avatar('c', 'd')), now())
            .await
            .unwrap();
        assert!(s
            .avatar_file(first.key.clone(), false)
            .await
            .unwrap()
            .is_none());
        let pending = s.pending_file_deletions(10).await.unwrap();
        let mut names: Vec<&str> = pending.iter().map(natter::files::FileKey::as_str).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [first.key.as_str(), first.small_key.as_str()],
            "{}",
            b.name
        );
        s.file_deletions_done(pending).await.unwrap();
        assert!(s.pending_file_deletions(10).await.unwrap().is_empty());

        s.set_avatar(alice.id, None, now()).await.unwrap();
        assert_eq!(
            s.profile_of(alice.id).await.unwrap().profile.avatar_url,
            None
        );
        assert_eq!(
            s.pending_file_deletions(10).await.unwrap().len(),
            2,
            "{}",
            b.name
        );
    })
    .await;
}

#[tokio::test]
async fn a_status_is_shown_to_room_mates_until_it_ends_or_is_cleared() {
    each_backend(|b| async move {
        let s = &*b.store;
        let (alice, bob) = (user(s, "alice").await, user(s, "bob").await);
        let at = now();
        let until = Timestamp(at.millis() + 60_000);
        let lunch = UserStatus {
            text: "At lunch".into(),
            emoji: Some("🍜".into()),
            until: Some(until),
        };
        s.set_status(alice.id, Some(lunch.clone())).await.unwrap();
        assert_eq!(
            s.status_of(alice.id, at).await.unwrap(),
            Some(lunch.clone())
        );
        assert_eq!(
            s.status_of(alice.id, until).await.unwrap(),
            None,
            "{}: ended",
            b.name
        );
        assert_eq!(s.status_of(bob.id, at).await.unwrap(), None);
        let away = UserStatus {
            text: "Away".into(),
            emoji: None,
            until: None,
        };
        s.set_status(bob.id, Some(away.clone())).await.unwrap();
        let listed = s.member_statuses(GENERAL, at).await.unwrap();
        let names: Vec<&str> = listed.iter().map(|m| m.username.as_str()).collect();
        assert_eq!(names, ["alice", "bob"], "{}", b.name);
        assert_eq!(s.member_statuses(GENERAL, until).await.unwrap().len(), 1);

        s.set_status(alice.id, None).await.unwrap();
        assert_eq!(s.status_of(alice.id, at).await.unwrap(), None, "{}", b.name);
        b.heard
            .until(|heard| {
                heard.iter().any(|e| {
                    matches!(e, Event::Person(p) if p.user == alice.id
                        && matches!(&p.change, PersonChange::Status { status: None, .. }))
                })
            })
            .await;
    })
    .await;
}
