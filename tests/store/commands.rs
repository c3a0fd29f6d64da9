//! Custom slash commands and the bots' feed positions: what any backend
//! must keep.

use std::time::Duration;

use natter::domain::{RoomId, Scope, Seq};
use natter::storage::{NewCommand, NewToken, StoreError};

use crate::{each_backend, now, post, user, GENERAL};

#[tokio::test]
async fn a_rooms_commands_are_found_by_name_unique_and_deleted() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        // Any user will do for the store (a bot is a user).
        let bot = user(s, "deployer").await;
        let new = NewCommand {
            room: GENERAL,
            name: "deploy".into(),
            description: "ship it".into(),
            url: "https://bot.example/deploy".into(),
            secret: "whsec_x".into(),
            bot: bot.id,
            made_by: alice.id,
            now: now(),
        };
        let info = s.create_command(new.clone()).await.unwrap();
        assert_eq!(
            (info.bot.as_str(), info.made_by.as_str()),
            ("deployer", "alice")
        );
        assert!(
            matches!(s.create_command(new).await, Err(StoreError::Conflict)),
            "{}",
            b.name
        );
        let found = s.command_named(GENERAL, "deploy").await.unwrap().unwrap();
        assert_eq!(found.url, "https://bot.example/deploy");
        assert_eq!(found.secret, "whsec_x");
        assert_eq!(s.commands_of_room(GENERAL).await.unwrap().len(), 1);
        assert!(s
            .command_named(RoomId(99), "deploy")
            .await
            .unwrap()
            .is_none());
        assert!(s.delete_command(GENERAL, info.id).await.unwrap());
        assert!(
            !s.delete_command(GENERAL, info.id).await.unwrap(),
            "{}",
            b.name
        );
        assert!(s.command_named(GENERAL, "deploy").await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn a_tokens_feed_position_only_moves_forward_and_forgets_rooms_it_left() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        post(s, GENERAL, &alice, "before-1").await;
        post(s, GENERAL, &alice, "before-2").await;
        tokio::time::sleep(Duration::from_millis(5)).await;
        // Bob joins general now: the feed follows it from the seq before.
        let bob = user(s, "bob").await;
        tokio::time::sleep(Duration::from_millis(5)).await;
        post(s, GENERAL, &alice, "after").await;
        assert_eq!(
            s.seqs_at_join(bob.id, vec![GENERAL]).await.unwrap(),
            vec![(GENERAL, Seq(2))],
            "{}",
            b.name
        );

        let token = s
            .create_token(NewToken {
                hash: [3; 32],
                prefix: "natter_x".into(),
                user: bob.id,
                made_by: bob.id,
                name: "t".into(),
                scopes: vec![Scope::Read],
                rooms: None,
                now: now(),
            })
            .await
            .unwrap_or_else(|e| panic!("{}: a token: {e}", b.name));
        assert!(s.feed_positions(token.id).await.unwrap().is_empty());
        s.acknowledge_feed(token.id, vec![GENERAL], vec![(GENERAL, Seq(3))])
            .await
            .unwrap();
        s.acknowledge_feed(token.id, vec![GENERAL], vec![(GENERAL, Seq(1))])
            .await
            .unwrap();
        assert_eq!(
            s.feed_positions(token.id).await.unwrap(),
            vec![(GENERAL, Seq(3))],
            "{}",
            b.name
        );
        // General no longer followed: its row goes.
        s.acknowledge_feed(token.id, vec![], vec![]).await.unwrap();
        assert!(
            s.feed_positions(token.id).await.unwrap().is_empty(),
            "{}",
            b.name
        );
    })
    .await;
}
