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
