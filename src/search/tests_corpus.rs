//! What the backend tests search: a few messages in three rooms, a reader
//! who is in two of them, and a generator of hostile queries.

use proptest::prelude::*;

/// (room, body); message ids are positions from 1.
pub const CORPUS: &[(i64, &str)] = &[
    (1, "Le café est ouvert"),
    (2, "Un CAFÉ noir, s'il vous plaît"),
    (1, "L'école de demain"),
    (2, "The deployment is done"),
    (1, "We deploy on friday"),
    (2, "Release notes for version 2"),
    (3, "The secret plan"),
];

/// The reader, a member of rooms 1 and 2 only.
pub const MEMBER: i64 = 10;
pub const MEMBER_ROOMS: [i64; 2] = [1, 2];

/// What the member finds, newest first: the same on both backends.
pub const EXPECTED: &[(&str, &[i64])] = &[
    ("cafe", &[2, 1]),
    ("CAFÉ", &[2, 1]),
    ("ecole", &[3]),
    ("deploy*", &[5, 4]),
    ("de*", &[5, 4, 3]),
    ("\"release notes\"", &[6]),
    ("\"notes release\"", &[]),
    ("deployment OR ecole", &[4, 3]),
    ("deploy* -friday", &[4]),
    ("-friday", &[5]),
    ("(((cafe", &[2, 1]),
    // Only said in room 3, which the member is not in.
    ("secret", &[]),
    ("secret*", &[]),
    ("secret OR cafe", &[2, 1]),
];

/// Queries made of the operators and oddities of both query languages,
/// some words of the corpus and unusual characters, in any order.
pub fn hostile_input() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "\"",
        "*",
        "-",
        "OR",
        "AND",
        "NOT",
        "NEAR",
        "(",
        ")",
        ":",
        "'",
        "\\",
        "\0",
        "&",
        "|",
        "!",
        "<->",
        "<2>",
        ":*",
        "in:",
        "from:@",
        "before:",
        "after:2024-01-01",
        "has:file",
        "^",
        "+",
        "{",
        "}",
        ",",
        "café",
        "ÉCOLE",
        "日本",
        "deploy",
        "x",
        "e\u{301}",
        "\u{202E}",
        "ﬁ",
        "²",
        "٣",
        "\u{FFFF}",
        "🙂",
        "ß",
        "ﬀ",
        "\r\n",
    ]);
    let gap = prop::sample::select(vec!["", " ", "  "]);
    prop::collection::vec((piece, gap), 0..40)
        .prop_map(|parts| parts.into_iter().flat_map(|(p, g)| [p, g]).collect())
}
