//! Accounts and sessions.

use natter::domain::Theme;
use natter::storage::StoreError;

use crate::{each_backend, now, user};

#[tokio::test]
async fn a_new_user_is_found_by_name_and_by_id_and_is_in_general() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "Alice").await;
        let by_name = s.user_by_name("alice").await.unwrap().unwrap();
        assert_eq!(by_name.user.id, alice.id);
        assert_eq!(by_name.user.username, "Alice");
        assert!(by_name.password_hash.is_none());
        let by_id = s.user_by_id(alice.id).await.unwrap().unwrap();
        assert_eq!(by_id.user.username, "Alice");
        let rooms = s.rooms_of(alice.id).await.unwrap();
        assert_eq!(rooms.len(), 1, "{}: general only", b.name);
    })
    .await;
}

#[tokio::test]
async fn a_name_taken_in_another_case_is_a_conflict_and_changes_nothing() {
    each_backend(|b| async move {
        let s = &*b.store;
        user(s, "Alice").await;
        let again = s.create_user("ALICE", "alice", None, now()).await;
        assert!(matches!(again, Err(StoreError::Conflict)), "{}", b.name);
        assert_eq!(s.users_starting_with("al", 10).await.unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn unknown_users_and_sessions_are_none_and_a_password_for_no_one_is_not_found() {
    each_backend(|b| async move {
        let s = &*b.store;
        assert!(s.user_by_name("nobody").await.unwrap().is_none());
        assert!(s
            .user_by_id(natter::domain::UserId(999))
            .await
            .unwrap()
            .is_none());
        assert!(s.user_for_session([7; 32]).await.unwrap().is_none());
        let set = s
            .set_password_hash(natter::domain::UserId(999), "x".into())
            .await;
        assert!(matches!(set, Err(StoreError::NotFound)), "{}", b.name);
        // Deleting a session that does not exist is not an error.
        s.delete_session([7; 32]).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_session_resolves_to_its_user_until_it_is_deleted_even_when_cached() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        s.create_session(alice.id, [1; 32], now()).await.unwrap();
        // Twice: the second answer may come from the cache.
        for _ in 0..2 {
            let found = s.user_for_session([1; 32]).await.unwrap().unwrap();
            assert_eq!(found.id, alice.id);
        }
        s.delete_session([1; 32]).await.unwrap();
        assert!(
            s.user_for_session([1; 32]).await.unwrap().is_none(),
            "{}: a deleted session must not be answered from memory",
            b.name
        );
    })
    .await;
}

#[tokio::test]
async fn signing_out_everywhere_keeps_only_the_current_session() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        for token in 1..=3u8 {
            s.create_session(alice.id, [token; 32], now())
                .await
                .unwrap();
            s.user_for_session([token; 32]).await.unwrap().unwrap();
        }
        let ended = s.delete_sessions_of(alice.id, Some([2; 32])).await.unwrap();
        assert_eq!(ended, 2, "{}", b.name);
        assert!(s.user_for_session([1; 32]).await.unwrap().is_none());
        assert!(s.user_for_session([2; 32]).await.unwrap().is_some());
        assert!(s.user_for_session([3; 32]).await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn a_theme_change_is_seen_through_a_cached_session_at_once() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        s.create_session(alice.id, [1; 32], now()).await.unwrap();
        let before = s.user_for_session([1; 32]).await.unwrap().unwrap();
        assert_eq!(before.theme, Theme::System);
        s.set_theme(alice.id, Theme::Dark).await.unwrap();
        let after = s.user_for_session([1; 32]).await.unwrap().unwrap();
        assert_eq!(after.theme, Theme::Dark, "{}", b.name);
    })
    .await;
}

#[tokio::test]
async fn deactivating_ends_every_session_and_says_so() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        s.create_session(alice.id, [1; 32], now()).await.unwrap();
        s.user_for_session([1; 32]).await.unwrap().unwrap();
        s.set_deactivated(alice.id, true).await.unwrap();
        assert!(s.user_for_session([1; 32]).await.unwrap().is_none());
        // Live connections are told.
        b.heard
            .until(|heard| {
                heard.iter().any(
                    |e| matches!(e, natter::domain::Event::Sessions(ended) if ended.user == alice.id),
                )
            })
            .await;
    })
    .await;
}

#[tokio::test]
async fn a_password_is_kept_as_its_hash_and_a_session_token_is_used_once() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = s
            .create_user("alice", "alice", Some("h1".into()), now())
            .await
            .unwrap();
        assert!(alice.has_password, "{}", b.name);
        s.set_password_hash(alice.id, "h2".into()).await.unwrap();
        let record = s.user_by_name("alice").await.unwrap().unwrap();
        assert_eq!(record.password_hash.as_deref(), Some("h2"), "{}", b.name);
        assert!(record.user.has_password && !record.user.bot);
        s.create_session(alice.id, [1; 32], now()).await.unwrap();
        let again = s.create_session(alice.id, [1; 32], now()).await;
        assert!(matches!(again, Err(StoreError::Conflict)), "{}", b.name);
        // Signing out everywhere with nothing kept ends them all.
        assert_eq!(s.delete_sessions_of(alice.id, None).await.unwrap(), 1);
        assert!(s.user_for_session([1; 32]).await.unwrap().is_none());
    })
    .await;
}
