//! Bots, API tokens and incoming webhooks: what any backend must keep.

use natter::domain::{EndedSessions, Event, Scope};
use natter::storage::{NewHook, NewToken, StoreError};

use crate::{each_backend, now, user, GENERAL};

fn new_token(hash: u8, user: natter::domain::UserId, maker: natter::domain::UserId) -> NewToken {
    NewToken {
        hash: [hash; 32],
        prefix: "natter_abcde".into(),
        user,
        made_by: maker,
        name: "t".into(),
        scopes: vec![Scope::Read, Scope::Post],
        rooms: Some(vec![GENERAL]),
        now: now(),
    }
}

#[tokio::test]
async fn a_token_finds_its_user_and_grant_until_revoked_and_announces_the_end() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        let bot = s.create_bot(alice.id, "Helper", "helper", None, now()).await.unwrap();
        assert_eq!(bot.owner, "alice");
        let info = s.create_token(new_token(7, bot.user_id, alice.id)).await.unwrap();
        assert_eq!(info.rooms, Some(vec![GENERAL]), "{}", b.name);
        assert!(info.bot);

        let (found, grant) = s.user_for_token([7; 32]).await.unwrap().unwrap();
        assert_eq!(found.id, bot.user_id);
        assert!(found.bot, "{}", b.name);
        assert_eq!(grant.scopes, vec![Scope::Read, Scope::Post]);
        assert_eq!(grant.rooms, Some(vec![GENERAL]));
        assert!(s.user_for_token([8; 32]).await.unwrap().is_none());

        let bob = user(s, "bob").await;
        assert!(!s.revoke_token(bob.id, info.id, now()).await.unwrap(), "not bob's");
        assert!(s.revoke_token(alice.id, info.id, now()).await.unwrap());
        assert!(s.user_for_token([7; 32]).await.unwrap().is_none(), "{}", b.name);
        assert!(s.tokens_made_by(alice.id).await.unwrap().is_empty());
        let heard = b
            .heard
            .until(|e| e.iter().any(|e| matches!(e, Event::Sessions(_))))
            .await;
        assert!(heard.iter().any(|e| matches!(e,
            Event::Sessions(end) if end.user == bot.user_id && end.which == EndedSessions::One([7; 32]))));
    })
    .await;
}

#[tokio::test]
async fn deactivating_a_maker_revokes_their_tokens_for_good() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        let bot = s
            .create_bot(alice.id, "helper", "helper", None, now())
            .await
            .unwrap();
        s.create_token(new_token(9, bot.user_id, alice.id))
            .await
            .unwrap();
        s.set_deactivated(alice.id, true).await.unwrap();
        assert!(
            s.user_for_token([9; 32]).await.unwrap().is_none(),
            "{}",
            b.name
        );
        s.set_deactivated(alice.id, false).await.unwrap();
        assert!(
            s.user_for_token([9; 32]).await.unwrap().is_none(),
            "{}",
            b.name
        );
    })
    .await;
}

#[tokio::test]
async fn a_bot_name_is_a_username_and_a_hook_is_found_until_revoked() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        let taken = s.create_bot(alice.id, "ALICE", "alice", None, now()).await;
        assert!(matches!(taken, Err(StoreError::Conflict)), "{}", b.name);
        let bot = s
            .create_bot(alice.id, "ci", "ci", Some("🚀".into()), now())
            .await
            .unwrap();
        assert_eq!(s.bots_of(alice.id).await.unwrap().len(), 1);
        let hook = s
            .create_hook(NewHook {
                room: GENERAL,
                bot: bot.user_id,
                made_by: alice.id,
                name: "ci".into(),
                secret_hash: [3; 32],
                now: now(),
            })
            .await
            .unwrap();
        let target = s.hook_target(hook.id).await.unwrap().unwrap();
        assert_eq!(
            (target.room, target.bot, target.secret_hash),
            (GENERAL, bot.user_id, [3; 32])
        );
        assert_eq!(s.hooks_of_room(GENERAL).await.unwrap().len(), 1);
        assert!(s.revoke_hook(GENERAL, hook.id, now()).await.unwrap());
        assert!(
            s.hook_target(hook.id).await.unwrap().is_none(),
            "{}",
            b.name
        );
        assert!(!s.revoke_hook(GENERAL, hook.id, now()).await.unwrap());
    })
    .await;
}

#[tokio::test]
async fn tokens_and_hooks_are_listed_newest_first_and_remember_their_last_use() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        let bot = s
            .create_bot(alice.id, "zed", "zed", None, now())
            .await
            .unwrap();
        s.create_bot(alice.id, "Ada", "ada", None, now())
            .await
            .unwrap();
        let names: Vec<_> = s
            .bots_of(alice.id)
            .await
            .unwrap()
            .into_iter()
            .map(|b| b.name)
            .collect();
        assert_eq!(names, ["Ada", "zed"], "{}", b.name);
        let mut everywhere = new_token(1, alice.id, alice.id);
        everywhere.rooms = None;
        let first = s.create_token(everywhere).await.unwrap();
        assert_eq!(first.rooms, None);
        assert!(!first.bot);
        let second = s
            .create_token(new_token(2, bot.user_id, alice.id))
            .await
            .unwrap();
        let (_, grant) = s.user_for_token([1; 32]).await.unwrap().unwrap();
        assert_eq!(grant.rooms, None, "{}", b.name);
        let used = natter::domain::Timestamp(now().millis() + 5);
        s.token_used(first.id, used).await.unwrap();
        let listed = s.tokens_made_by(alice.id).await.unwrap();
        let shown: Vec<_> = listed.iter().map(|t| (t.id, t.last_used_at)).collect();
        assert_eq!(
            shown,
            [(second.id, None), (first.id, Some(used))],
            "{}",
            b.name
        );
        assert_eq!(listed[0].rooms, Some(vec![GENERAL]));

        let new_hook = |name: &str| NewHook {
            room: GENERAL,
            bot: bot.user_id,
            made_by: alice.id,
            name: name.into(),
            secret_hash: [4; 32],
            now: now(),
        };
        let old = s.create_hook(new_hook("old")).await.unwrap();
        let new = s.create_hook(new_hook("new")).await.unwrap();
        let ids: Vec<_> = s
            .hooks_of_room(GENERAL)
            .await
            .unwrap()
            .iter()
            .map(|h| h.id)
            .collect();
        assert_eq!(ids, [new.id, old.id], "{}", b.name);
        s.hook_used(old.id, used).await.unwrap();
        let (found, maker) = s.hook(GENERAL, old.id).await.unwrap().unwrap();
        assert_eq!((found.last_used_at, maker), (Some(used), alice.id));
        assert_eq!(
            (found.bot.as_str(), found.made_by.as_str()),
            ("zed", "alice")
        );
        assert!(s
            .hook(natter::domain::RoomId(999), old.id)
            .await
            .unwrap()
            .is_none());
    })
    .await;
}
