//! Words as search sees them: runs of letters and digits (as SQLite's
//! `unicode61` tokenizer splits), folded to lower case without diacritics
//! ("Café" and "cafe" are one word, as with `remove_diacritics 2`). The
//! PostgreSQL index is built from `index_text`, so both backends split and
//! fold alike: PostgreSQL's own parser then only ever sees plain words.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Longest word kept, in characters: longer runs (a pasted hash, a URL
/// without separators) are cut, well under PostgreSQL's 2,047-byte cap.
pub const MAX_WORD_CHARS: usize = 64;

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

/// The words of `text`, each with its byte range in `text`.
pub fn words(text: &str) -> impl Iterator<Item = (std::ops::Range<usize>, &str)> {
    let mut rest = text.char_indices().peekable();
    std::iter::from_fn(move || {
        let start = loop {
            let (i, c) = rest.next()?;
            if c.is_alphanumeric() {
                break i;
            }
        };
        let mut end = text.len();
        while let Some(&(i, c)) = rest.peek() {
            if !is_word_char(c) {
                end = i;
                break;
            }
            rest.next();
        }
        Some((start..end, &text[start..end]))
    })
}

/// One word folded: compatibility-decomposed (ligatures, full-width and
/// superscript forms become plain letters), accents dropped, lower-cased,
/// cut to `MAX_WORD_CHARS`.
pub fn fold(word: &str) -> String {
    word.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .take(MAX_WORD_CHARS)
        .collect()
}

/// The text to index a message body by on PostgreSQL:
/// `to_tsvector('simple', index_text(body))`. Folded words joined by
/// spaces; punctuation, markup and accents are gone.
pub fn index_text(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    for (_, word) in words(body) {
        let folded = fold(word);
        if !folded.is_empty() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&folded);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<&str> {
        words(text).map(|(_, w)| w).collect()
    }

    #[test]
    fn words_are_runs_of_letters_and_digits() {
        assert_eq!(
            split("Hello, world! e-mail 3.14"),
            ["Hello", "world", "e", "mail", "3", "14"]
        );
        assert_eq!(split("  ...  "), Vec::<&str>::new());
        assert_eq!(split("日本語 テスト"), ["日本語", "テスト"]);
        let text = "a «quoted» word";
        let ranges: Vec<_> = words(text).map(|(r, _)| &text[r]).collect();
        assert_eq!(ranges, ["a", "quoted", "word"]);
    }

    #[test]
    fn folding_drops_case_and_accents() {
        assert_eq!(fold("Café"), "cafe");
        // The same word typed with a combining accent.
        assert_eq!(fold("Cafe\u{301}"), "cafe");
        assert_eq!(fold("ÉCOLE"), "ecole");
        assert_eq!(fold("naïve"), "naive");
        assert_eq!(fold("ﬁle"), "file");
        assert_eq!(fold("ＡＢＣ"), "abc");
        assert_eq!(fold("Straße"), "straße");
        assert_eq!(fold(&"x".repeat(500)).len(), MAX_WORD_CHARS);
    }

    #[test]
    fn the_index_text_is_folded_words_and_nothing_else() {
        assert_eq!(
            index_text("**Déjà vu**: see <https://example.com/a_b>!"),
            "deja vu see https example com a b"
        );
        assert_eq!(index_text("\0\r\n'\"\\"), "");
    }
}
