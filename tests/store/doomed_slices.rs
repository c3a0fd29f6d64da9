//! SQLite drops an index slice whole when every live message in it
//! expires, instead of forgetting their words one by one; a slice with a
//! message that stays forgets the expired ones' words and is kept.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use natter::domain::{RoomId, RoomKind, Seq, Timestamp, User};
use natter::search::SearchQuery;
use natter::storage::sqlite::search_slices::SLICE;
use natter::storage::{MessageSearch, NewRoom, SearchOrder, Store};

use crate::disk_copy::{contains, database_bytes};
use crate::search_slices::indexed;
use crate::{message, now, sqlite_at, user, Heard, GENERAL};

async fn say(s: &dyn Store, room: RoomId, who: &User, text: &str) -> i64 {
    // The client id in hex: the text itself is only in the body and index.
    let client_id = text.bytes().fold(String::new(), |mut id, b| {
        let _ = write!(id, "{b:02x}");
        id
    });
    let posted = s
        .post_message(message(room, who, &client_id, text))
        .await
        .unwrap();
    posted.message.id.0
}

async fn found(s: &dyn Store, reader: &User, text: &str) -> Vec<String> {
    let search = MessageSearch {
        query: SearchQuery::parse(text),
        limit: 20,
        order: SearchOrder::Newest,
        ..MessageSearch::default()
    };
    let hits = s.search_messages(reader.id, search).await.unwrap();
    hits.iter().map(|m| m.body.as_str().to_owned()).collect()
}

async fn room(s: &dyn Store, by: &User, name: &str) -> RoomId {
    let new = NewRoom {
        kind: RoomKind::Public,
        name: name.into(),
        name_key: name.to_lowercase(),
        created_by: by.id,
        members: vec![],
    };
    s.create_room(new, now()).await.unwrap().id
}

/// Dropped slices' tables not emptied and dropped yet: the expiry's
/// parts go on until there are none.
fn tables_left_to_empty(dir: &Path) -> i64 {
    let db = rusqlite::Connection::open(dir.join("natter.db")).unwrap();
    db.query_row(
        "SELECT count(*) FROM sqlite_schema WHERE name GLOB 'gone_search_*'",
        [],
        |r| r.get(0),
    )
    .unwrap()
}

/// Whether the data directory's disk holds `word` once the WAL is
/// checkpointed into the database file and emptied.
fn file_holds(dir: &Path, word: &str) -> bool {
    contains(&database_bytes(dir), word)
}

/// A store whose first message, "kiwi one" in general (timer on), has
/// id `first`: the ids after it follow from there.
async fn store_from(dir: &Path, first: i64) -> (Arc<dyn Store>, User) {
    let s = sqlite_at(dir, Arc::new(Heard::default()));
    let alice = user(&*s, "alice").await;
    s.set_disappearing(GENERAL, 300, "alice").await.unwrap();
    say(&*s, GENERAL, &alice, "kiwi one").await;
    drop(s);
    let db = rusqlite::Connection::open(dir.join("natter.db")).unwrap();
    db.execute(
        "UPDATE messages SET id = ?1, json = json_set(json, '$.id', ?1)",
        [first],
    )
    .unwrap();
    drop(db);
    (sqlite_at(dir, Arc::new(Heard::default())), alice)
}

fn after_the_timer() -> Timestamp {
    Timestamp(now().millis() + 301_000)
}

#[tokio::test]
async fn a_slice_whose_every_message_expires_is_dropped_and_one_with_a_kept_message_forgets_words()
{
    let dir = tempfile::tempdir().unwrap();
    let (s, alice) = store_from(dir.path(), SLICE - 3).await;
    let attic = room(&*s, &alice, "Attic").await;
    // Slice 0: kiwi one and two, both expiring. Slice 1: apple, kept, and
    // kiwi three, expiring.
    let ids = [
        say(&*s, GENERAL, &alice, "kiwi two").await,
        say(&*s, attic, &alice, "apple pie").await,
        say(&*s, GENERAL, &alice, "kiwi three").await,
    ];
    assert_eq!(ids, [SLICE - 2, SLICE - 1, SLICE]);
    assert_eq!(found(&*s, &alice, "kiwi").await.len(), 3);
    // Apple is in slice 0 too: slice 0 is kept, and forgets the kiwis.
    s.expire_due(after_the_timer(), 100).await.unwrap();
    assert!(found(&*s, &alice, "kiwi").await.is_empty());
    assert_eq!(indexed(dir.path(), 0, "kiwi"), Some(0));
    assert_eq!(indexed(dir.path(), 0, "apple"), Some(1));
    assert_eq!(indexed(dir.path(), 1, "kiwi"), Some(0));
    assert_eq!(found(&*s, &alice, "apple").await, ["apple pie"]);

    let dir = tempfile::tempdir().unwrap();
    let (s, alice) = store_from(dir.path(), SLICE - 3).await;
    let attic = room(&*s, &alice, "Attic").await;
    // Now apple is past the slice's end: every live message of slice 0
    // expires, and it goes whole.
    say(&*s, GENERAL, &alice, "kiwi two").await;
    say(&*s, GENERAL, &alice, "kiwi three").await;
    say(&*s, attic, &alice, "apple pie").await;
    assert_eq!(found(&*s, &alice, "kiwi").await.len(), 3);
    s.expire_due(after_the_timer(), 100).await.unwrap();
    assert!(found(&*s, &alice, "kiwi").await.is_empty());
    assert_eq!(indexed(dir.path(), 0, "kiwi"), None, "slice 0 is dropped");
    assert_eq!(tables_left_to_empty(dir.path()), 0);
    assert!(
        !file_holds(dir.path(), "kiwi"),
        "the dropped words are zeroed"
    );
    assert_eq!(found(&*s, &alice, "apple").await, ["apple pie"]);
    // New messages and searches carry on.
    say(&*s, attic, &alice, "kiwi four").await;
    assert_eq!(found(&*s, &alice, "kiwi").await, ["kiwi four"]);
}

#[tokio::test]
async fn a_message_indexed_in_a_doomed_slice_is_indexed_again_when_the_slice_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let (s, alice) = store_from(dir.path(), SLICE - 3).await;
    let attic = room(&*s, &alice, "Attic").await;
    let cellar = room(&*s, &alice, "Cellar").await;
    // Slice 0 keeps no live message but the two kiwis (apple pie is
    // deleted); apple tart starts slice 1.
    say(&*s, GENERAL, &alice, "kiwi two").await;
    assert_eq!(say(&*s, attic, &alice, "apple pie").await, SLICE - 1);
    s.delete_message(attic, Seq(1)).await.unwrap();
    assert_eq!(say(&*s, attic, &alice, "apple tart").await, SLICE);
    assert_eq!(found(&*s, &alice, "kiwi OR apple").await.len(), 3);
    // One kiwi expires, and slice 0 is doomed with one still to go.
    s.expire_due(after_the_timer(), 1).await.unwrap();
    assert_eq!(found(&*s, &alice, "kiwi").await, ["kiwi two"]);
    // The attic's deletion frees the ids from slice 0's end: the next
    // message is given one inside the doomed slice, and indexed there.
    s.delete_room(attic).await.unwrap();
    let plum = say(&*s, cellar, &alice, "plum").await;
    assert_eq!(
        plum,
        SLICE - 1,
        "ids past the deleted room's are given again"
    );
    assert_eq!(found(&*s, &alice, "plum").await, ["plum"]);
    // The last kiwi expires: the slice is dropped and made again with plum.
    s.expire_due(after_the_timer(), 100).await.unwrap();
    assert!(found(&*s, &alice, "kiwi").await.is_empty());
    assert_eq!(found(&*s, &alice, "plum").await, ["plum"]);
    assert_eq!(indexed(dir.path(), 0, "kiwi"), Some(0));
    assert_eq!(indexed(dir.path(), 0, "plum"), Some(1));
    assert_eq!(tables_left_to_empty(dir.path()), 0);
}
