//! SQLite keeps its search index in slices of `SLICE` messages by id: a
//! search reads across them, and an edit, a deletion, a room's deletion
//! and an expiry take words out of whichever slice holds them.

use std::path::Path;
use std::sync::Arc;

use natter::domain::{Mentions, MessageBody, RoomId, RoomKind, Seq, Timestamp, User, UserId};
use natter::search::SearchQuery;
use natter::storage::sqlite::search_slices::{table, SLICE};
use natter::storage::{MessageSearch, NewRoom, SearchOrder, Store};

use crate::{message, now, sqlite_at, user, Heard, GENERAL};

async fn say(s: &dyn Store, room: RoomId, who: &User, text: &str) -> (i64, Seq) {
    let client_id = text.replace(' ', "-");
    let posted = s
        .post_message(message(room, who, &client_id, text))
        .await
        .unwrap();
    (posted.message.id.0, posted.message.seq)
}

/// The seqs a search finds, in the order it gives them.
async fn found(s: &dyn Store, reader: UserId, text: &str, order: SearchOrder) -> Vec<i64> {
    let search = MessageSearch {
        query: SearchQuery::parse(text),
        limit: 20,
        order,
        ..MessageSearch::default()
    };
    let hits = s.search_messages(reader, search).await.unwrap();
    hits.iter().map(|m| m.seq.0).collect()
}

/// Rows of a slice's index table that hold `word`, read past the store
/// (`None`: no such table).
pub fn indexed(dir: &Path, slice: i64, word: &str) -> Option<i64> {
    let db = rusqlite::Connection::open(dir.join("natter.db")).unwrap();
    let t = table(slice);
    db.query_row(
        &format!("SELECT count(*) FROM {t} WHERE {t} MATCH ?1"),
        [word],
        |r| r.get(0),
    )
    .ok()
}

#[tokio::test]
async fn searches_edits_deletions_and_expiry_reach_both_sides_of_a_slice_boundary() {
    let dir = tempfile::tempdir().unwrap();
    let s = sqlite_at(dir.path(), Arc::new(Heard::default()));
    let alice = user(&*s, "alice").await;
    let attic = NewRoom {
        kind: RoomKind::Public,
        name: "Attic".into(),
        name_key: "attic".into(),
        created_by: alice.id,
        members: vec![],
    };
    let attic = s.create_room(attic, now()).await.unwrap().id;
    say(&*s, attic, &alice, "zebra one").await;
    drop(s);
    // Ids are given out as max(id) + 1: with the one message just below a
    // slice's end, the next ones cross into the next slice.
    let db = rusqlite::Connection::open(dir.path().join("natter.db")).unwrap();
    db.execute(
        "UPDATE messages SET id = ?1, json = json_set(json, '$.id', ?1)",
        [SLICE - 3],
    )
    .unwrap();
    drop(db);
    let s = sqlite_at(dir.path(), Arc::new(Heard::default()));
    let me = alice.id;
    s.set_disappearing(GENERAL, 300, "alice").await.unwrap();
    let sent = [
        say(&*s, attic, &alice, "zebra two").await,
        say(&*s, GENERAL, &alice, "release one").await,
        say(&*s, attic, &alice, "zebra three").await,
        say(&*s, GENERAL, &alice, "release two").await,
        say(&*s, GENERAL, &alice, "release three").await,
    ];
    let ids: Vec<i64> = sent.iter().map(|m| m.0).collect();
    assert_eq!(ids, [SLICE - 2, SLICE - 1, SLICE, SLICE + 1, SLICE + 2]);

    // Newest first across the boundary, and a page at a time.
    assert_eq!(
        found(&*s, me, "zebra", SearchOrder::Newest).await,
        [3, 2, 1]
    );
    let mut below = None;
    let mut pages = Vec::new();
    loop {
        let search = MessageSearch {
            query: SearchQuery::parse("zebra"),
            limit: 1,
            below,
            ..MessageSearch::default()
        };
        let page = s.search_messages(me, search).await.unwrap();
        let Some(hit) = page.first() else { break };
        pages.push(hit.seq.0);
        below = Some(hit.id);
    }
    assert_eq!(pages, [3, 2, 1]);
    // By rank, each slice's best are merged: all three, once each.
    let mut best = found(&*s, me, "release", SearchOrder::Best).await;
    best.sort_unstable();
    let general_seqs: Vec<i64> = [1, 3, 4].iter().map(|i| sent[*i].1 .0).collect();
    assert_eq!(best, general_seqs);

    // An edit in the older slice and a deletion in the newer one.
    let body = MessageBody::parse("dinner plans", 4000).unwrap();
    s.edit_message(GENERAL, sent[1].1, me, body, Mentions::default())
        .await
        .unwrap();
    s.delete_message(GENERAL, sent[3].1).await.unwrap();
    assert_eq!(
        found(&*s, me, "release", SearchOrder::Newest).await,
        [sent[4].1 .0]
    );
    assert_eq!(indexed(dir.path(), 0, "release"), Some(0));
    assert_eq!(indexed(dir.path(), 0, "dinner"), Some(1));
    assert_eq!(indexed(dir.path(), 1, "release"), Some(1));

    // A room's deletion takes its words out of both slices.
    assert_eq!(indexed(dir.path(), 0, "zebra"), Some(2));
    assert_eq!(indexed(dir.path(), 1, "zebra"), Some(1));
    s.delete_room(attic).await.unwrap();
    assert_eq!(indexed(dir.path(), 0, "zebra"), Some(0));
    assert_eq!(indexed(dir.path(), 1, "zebra"), Some(0));

    // The expiry too: general's messages were posted with a timer on. The
    // older slice had nothing else and went whole; the newest, where new
    // messages go, forgot the words.
    let later = Timestamp(now().millis() + 301_000);
    s.expire_due(later, 100).await.unwrap();
    assert!(found(&*s, me, "release OR dinner", SearchOrder::Newest)
        .await
        .is_empty());
    assert_eq!(indexed(dir.path(), 0, "dinner"), None);
    assert_eq!(indexed(dir.path(), 1, "release"), Some(0));
}
