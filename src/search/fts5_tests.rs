//! The FTS5 side against a real SQLite: the recommended schema and search
//! statement (`schema`), what they find, and that no input breaks them.

use proptest::prelude::*;
use rusqlite::{params, Connection};

use super::schema::{SQLITE_INDEX, SQLITE_INDEX_MESSAGE, SQLITE_SEARCH, SQLITE_UNINDEX_MESSAGE};
use super::tests_corpus::{hostile_input, CORPUS, EXPECTED, MEMBER, MEMBER_ROOMS};
use super::SearchQuery;

/// The tables the search statement reads, as in migrations/sqlite (the
/// columns it needs), with the corpus stored and indexed.
pub fn database() -> Connection {
    let c = Connection::open_in_memory().expect("SQLite");
    c.execute_batch(
        "CREATE TABLE memberships (room_id INTEGER, user_id INTEGER,
             PRIMARY KEY (room_id, user_id)) WITHOUT ROWID;
         CREATE TABLE messages (id INTEGER PRIMARY KEY, room_id INTEGER NOT NULL,
             seq INTEGER NOT NULL, author_id INTEGER NOT NULL, body TEXT NOT NULL,
             created_at INTEGER NOT NULL, deleted_at INTEGER);",
    )
    .expect("tables");
    c.execute_batch(SQLITE_INDEX).expect("the FTS5 index");
    for room in MEMBER_ROOMS {
        c.execute(
            "INSERT INTO memberships VALUES (?1, ?2)",
            params![room, MEMBER],
        )
        .expect("member");
    }
    for (i, (room, body)) in CORPUS.iter().enumerate() {
        let id = i64::try_from(i).expect("small") + 1;
        c.execute(
            "INSERT INTO messages VALUES (?1, ?2, ?1, 1, ?3, ?1, NULL)",
            params![id, room, body],
        )
        .expect("message");
        c.execute(SQLITE_INDEX_MESSAGE, params![id, body])
            .expect("indexed");
    }
    c
}

/// The ids `input` finds for the member, newest first.
pub fn search(c: &Connection, input: &str) -> rusqlite::Result<Vec<i64>> {
    let Some(expr) = SearchQuery::parse(input).fts5_match() else {
        return Ok(Vec::new());
    };
    let mut stmt = c.prepare_cached(SQLITE_SEARCH)?;
    let ids = stmt
        .query_map(params![expr, MEMBER, 100, None::<i64>], |r| r.get(0))?
        .collect();
    ids
}

fn found(c: &Connection, input: &str) -> Vec<i64> {
    search(c, input).unwrap_or_else(|e| panic!("{input:?}: {e}"))
}

#[test]
fn each_query_finds_what_it_should_and_nothing_from_other_rooms() {
    let c = database();
    for (input, expected) in EXPECTED {
        assert_eq!(found(&c, input), *expected, "{input}");
    }
    // "secret" is indexed, only not visible to this reader.
    let everyone: i64 = c
        .query_row(
            "SELECT count(*) FROM message_search WHERE message_search MATCH ?1",
            [SearchQuery::parse("secret").fts5_match()],
            |r| r.get(0),
        )
        .expect("counted");
    assert_eq!(everyone, 1);
}

#[test]
fn edits_and_deletions_are_reflected_at_once() {
    let c = database();
    // An edit: the old words out, then the new body stored and indexed.
    c.execute(SQLITE_UNINDEX_MESSAGE, [6]).expect("unindexed");
    c.execute(
        "UPDATE messages SET body = 'renamed: changelog' WHERE id = 6",
        [],
    )
    .expect("edited");
    c.execute(SQLITE_INDEX_MESSAGE, params![6, "renamed: changelog"])
        .expect("reindexed");
    assert_eq!(found(&c, "release"), Vec::<i64>::new());
    assert_eq!(found(&c, "changelog"), [6]);
    c.execute(SQLITE_UNINDEX_MESSAGE, [4]).expect("unindexed");
    assert_eq!(found(&c, "deploy*"), [5]);
    // A deleted message whose index entry is still there is not shown either.
    c.execute("UPDATE messages SET deleted_at = 1 WHERE id = 5", [])
        .expect("deleted");
    assert_eq!(found(&c, "deploy*"), Vec::<i64>::new());
}

#[test]
fn pages_continue_below_the_last_id_seen() {
    let c = database();
    let expr = SearchQuery::parse("cafe").fts5_match();
    let page = |after: Option<i64>| -> Vec<i64> {
        let mut stmt = c.prepare_cached(SQLITE_SEARCH).expect("prepared");
        stmt.query_map(params![expr, MEMBER, 1, after], |r| r.get(0))
            .expect("ran")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    assert_eq!(page(None), [2]);
    assert_eq!(page(Some(2)), [1]);
    assert_eq!(page(Some(1)), Vec::<i64>::new());
}

#[test]
fn hostile_queries_from_the_issue_run_without_error() {
    let c = database();
    for input in [
        "\"unbalanced",
        "a\"b\"c\"",
        "*",
        "-",
        "OR",
        "a OR",
        "NOT a",
        "a AND",
        "NEAR(a b, 2)",
        "((((",
        "))) a (((",
        "body:secret",
        "{body} : x",
        "^start",
        "a + b",
        "\0",
        "'; DROP TABLE messages; --",
        &"\"(".repeat(5_000),
        &"a* OR -b \" ".repeat(2_000),
    ] {
        search(&c, input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn no_input_makes_an_invalid_fts5_query(input in prop_oneof![any::<String>(), hostile_input()]) {
        let c = database();
        prop_assert!(search(&c, &input).is_ok(), "{:?} -> {:?}", input, SearchQuery::parse(&input).fts5_match());
    }
}
