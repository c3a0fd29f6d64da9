use super::*;

fn term(words: &[&str], prefix: bool) -> Term {
    Term {
        words: words.iter().map(|w| (*w).to_owned()).collect(),
        prefix,
    }
}

fn word(w: &str) -> Clause {
    Clause::Term(term(&[w], false))
}

fn day(text: &str) -> Timestamp {
    day_start(text).expect("a date")
}

#[test]
fn words_phrases_and_prefixes() {
    let q = SearchQuery::parse(r#"Deploy "Release Notes" dep* "new ver"*"#);
    assert_eq!(
        q.clauses,
        vec![
            word("deploy"),
            Clause::Term(term(&["release", "notes"], false)),
            Clause::Term(term(&["dep"], true)),
            Clause::Term(term(&["new", "ver"], true)),
        ]
    );
    assert!(q.excluded.is_empty() && q.filters.is_empty());
}

#[test]
fn an_unclosed_quote_runs_to_the_end() {
    let q = SearchQuery::parse(r#"plan "next week"#);
    assert_eq!(
        q.clauses,
        vec![word("plan"), Clause::Term(term(&["next", "week"], false))]
    );
}

#[test]
fn or_joins_its_neighbours_and_a_dangling_or_is_dropped() {
    let q = SearchQuery::parse("a OR b OR c d");
    let any = Clause::AnyOf(vec![
        term(&["a"], false),
        term(&["b"], false),
        term(&["c"], false),
    ]);
    assert_eq!(q.clauses, vec![any, word("d")]);
    assert_eq!(SearchQuery::parse("OR a OR").clauses, vec![word("a")]);
    assert_eq!(SearchQuery::parse("OR OR OR").clauses, vec![]);
    // Lower case is a word like any other.
    assert_eq!(
        SearchQuery::parse("this or that").clauses,
        vec![word("this"), word("or"), word("that")]
    );
}

#[test]
fn a_minus_excludes_and_exclusions_alone_are_searched_for() {
    let q = SearchQuery::parse(r#"plan -draft -"old plan""#);
    assert_eq!(q.clauses, vec![word("plan")]);
    assert_eq!(
        q.excluded,
        vec![term(&["draft"], false), term(&["old", "plan"], false)]
    );
    let only = SearchQuery::parse("-draft");
    assert_eq!(only.clauses, vec![word("draft")]);
    assert!(only.excluded.is_empty());
    // A lone or doubled minus is no operator.
    assert_eq!(SearchQuery::parse("- a --b").clauses, vec![word("a")]);
    assert_eq!(
        SearchQuery::parse("- a --b").excluded,
        vec![term(&["b"], false)]
    );
}

#[test]
fn filters_are_taken_out_of_the_words() {
    let q = SearchQuery::parse(
        r#"in:#general IN:"team room" from:@ann from:bob has:FILE before:2024-05-10 after:2024-05-01 budget"#,
    );
    assert_eq!(q.clauses, vec![word("budget")]);
    assert_eq!(q.filters.rooms, ["general", "team room"]);
    assert_eq!(q.filters.authors, ["ann", "bob"]);
    assert!(q.filters.has_file);
    assert_eq!(q.filters.before, Some(day("2024-05-10")));
    // After the whole of 1 May: from the start of the 2nd.
    assert_eq!(q.filters.after, Some(day("2024-05-02")));
}

#[test]
fn the_narrowest_dates_win_and_names_are_not_repeated() {
    let q = SearchQuery::parse(
        "before:2024-05-10 before:2024-03-01 after:2023-01-01 after:2024-01-01 in:a in:a",
    );
    assert_eq!(q.filters.before, Some(day("2024-03-01")));
    assert_eq!(q.filters.after, Some(day("2024-01-02")));
    assert_eq!(q.filters.rooms, ["a"]);
}

#[test]
fn what_looks_like_a_filter_but_is_not_one_is_searched_as_words() {
    let q = SearchQuery::parse("before:someday has:cats in: from:@ https://example.com");
    assert!(q.filters.is_empty());
    // Words joined by punctuation stay together as a phrase, as FTS5 reads
    // "e-mail".
    let phrase = |words: &[&str]| Clause::Term(term(words, false));
    assert_eq!(
        q.clauses,
        vec![
            phrase(&["before", "someday"]),
            phrase(&["has", "cats"]),
            word("in"),
            word("from"),
            phrase(&["https", "example", "com"]),
        ]
    );
    let bad_day = SearchQuery::parse("after:2024-02-30");
    assert_eq!(bad_day.filters.after, None);
}

#[test]
fn punctuation_brackets_and_stars_alone_are_nothing() {
    for input in [
        "",
        "   ",
        "*",
        "**",
        "-",
        "\"",
        "\"\"",
        "()",
        "((()",
        "!!! ??? ...",
        "-*",
        "\"*",
    ] {
        let q = SearchQuery::parse(input);
        assert!(q.is_empty(), "{input:?} gave {q:?}");
        assert_eq!(q.fts5_match(), None);
    }
    assert_eq!(
        SearchQuery::parse("(a (b) c))").clauses,
        vec![word("a"), word("b"), word("c")]
    );
}

#[test]
fn nul_and_control_characters_separate_words() {
    let q = SearchQuery::parse("a\0b\r\nc\u{1b}d");
    assert_eq!(q.clauses, ["a", "b", "c", "d"].map(word).to_vec());
}

#[test]
fn very_long_input_is_cut_to_bounds() {
    let q = SearchQuery::parse(&"word ".repeat(10_000));
    assert_eq!(q.clauses.len(), MAX_TERMS);
    let phrase = format!("\"{}\"", "w ".repeat(1000));
    let q = SearchQuery::parse(&phrase);
    assert_eq!(
        q.clauses,
        vec![Clause::Term(term(&["w"; MAX_PHRASE_WORDS], false))]
    );
    let long_word = SearchQuery::parse(&"x".repeat(100_000));
    assert_eq!(
        long_word.clauses,
        vec![word(&"x".repeat(crate::search::MAX_WORD_CHARS))]
    );
    let rooms = (0..50)
        .map(|i| format!("in:r{i}"))
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(
        SearchQuery::parse(&rooms).filters.rooms.len(),
        MAX_FILTER_VALUES
    );
}
