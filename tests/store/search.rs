//! Search: what a send, an edit and a deletion leave findable, pages newest
//! first, and the filters.

use natter::domain::{MessageBody, MessageId, Seq};
use natter::search::SearchQuery;
use natter::storage::{MessageSearch, SearchOrder, Store};

use crate::{each_backend, message, user, GENERAL};

fn searching(text: &str) -> MessageSearch {
    MessageSearch {
        query: SearchQuery::parse(text),
        limit: 20,
        ..MessageSearch::default()
    }
}

async fn found(s: &dyn Store, reader: natter::domain::UserId, search: MessageSearch) -> Vec<i64> {
    let hits = s.search_messages(reader, search).await.unwrap();
    hits.iter().map(|m| m.seq.0).collect()
}

#[tokio::test]
async fn a_search_finds_sent_words_and_follows_edits_and_deletions() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        for (n, text) in ["deploy the release", "lunch?", "release notes"]
            .iter()
            .enumerate()
        {
            let sent = s.post_message(message(GENERAL, &alice, &format!("c{n}"), text));
            sent.await.unwrap();
        }
        let me = alice.id;
        assert_eq!(
            found(s, me, searching("release")).await,
            [3, 1],
            "{}",
            b.name
        );
        assert_eq!(found(s, me, searching("rel*")).await, [3, 1], "{}", b.name);
        assert_eq!(found(s, me, searching("\"the release\"")).await, [1]);
        assert_eq!(found(s, me, searching("release -notes")).await, [1]);
        // Pages continue below a message id.
        let mut page = searching("release");
        page.limit = 1;
        let first = s.search_messages(me, page.clone()).await.unwrap();
        assert_eq!(first.len(), 1);
        page.below = Some(first[0].id);
        assert_eq!(found(s, me, page).await, [1], "{}", b.name);
        // An edit is found by its new words only; a deletion not at all.
        let body = MessageBody::parse("dinner?", 4000).unwrap();
        let no_one = natter::domain::Mentions::default();
        s.edit_message(GENERAL, Seq(2), me, body, no_one)
            .await
            .unwrap();
        assert!(
            found(s, me, searching("lunch")).await.is_empty(),
            "{}",
            b.name
        );
        assert_eq!(found(s, me, searching("dinner")).await, [2], "{}", b.name);
        s.delete_message(GENERAL, Seq(3)).await.unwrap();
        assert_eq!(found(s, me, searching("release")).await, [1], "{}", b.name);
    })
    .await;
}

#[tokio::test]
async fn search_filters_by_author_room_and_time_and_ranks_when_asked() {
    each_backend(|b| async move {
        let s = &*b.store;
        let (alice, bob) = (user(s, "alice").await, user(s, "bob").await);
        let one = s.post_message(message(GENERAL, &alice, "a1", "tea tea tea"));
        let one = one.await.unwrap().message;
        s.post_message(message(GENERAL, &bob, "b1", "tea or coffee"))
            .await
            .unwrap();
        let me = alice.id;
        let mut from_bob = searching("tea");
        from_bob.author_names = vec!["bob".into()];
        assert_eq!(found(s, me, from_bob).await, [2], "{}", b.name);
        let mut in_general = searching("tea");
        in_general.room_names = vec!["general".into()];
        in_general.room_ids = vec![GENERAL.0];
        assert_eq!(found(s, me, in_general).await, [2, 1], "{}", b.name);
        let mut elsewhere = searching("tea");
        elsewhere.room_names = vec!["nowhere".into()];
        assert!(found(s, me, elsewhere).await.is_empty(), "{}", b.name);
        let mut before = searching("tea");
        before.before = Some(one.created_at);
        assert!(found(s, me, before).await.is_empty(), "{}", b.name);
        let mut after = searching("tea");
        after.after = Some(one.created_at);
        assert_eq!(found(s, me, after).await.len(), 2, "{}", b.name);
        // Filters alone, without words: newest first.
        let mut only_bob = searching("");
        only_bob.author_names = vec!["bob".into()];
        assert_eq!(found(s, me, only_bob).await, [2], "{}", b.name);
        let mut with_files = searching("tea");
        with_files.has_file = true;
        assert!(found(s, me, with_files).await.is_empty(), "{}", b.name);
        // Best first: the message saying it three times, then the other.
        let mut best = searching("tea");
        best.order = SearchOrder::Best;
        assert_eq!(found(s, me, best.clone()).await, [1, 2], "{}", b.name);
        best.offset = 1;
        best.below = Some(MessageId(1));
        assert_eq!(found(s, me, best).await, [2], "{}", b.name);
    })
    .await;
}
