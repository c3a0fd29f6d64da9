//! Highlighting a result: the part of a message around its matches, as a
//! list of fragments marked hit or not. Done here rather than with FTS5's
//! `snippet()` or PostgreSQL's `ts_headline()` so that both backends
//! highlight alike, and so that no markup is ever built from user text:
//! the client puts each fragment in with `textContent` and wraps hits in
//! `<mark>`.

use serde::Serialize;

use super::words::{fold, words};
use super::{SearchQuery, Term};

/// The most characters a snippet holds (the ellipses aside).
pub const MAX_SNIPPET_CHARS: usize = 300;
const ELLIPSIS: &str = "…";

/// A piece of a snippet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fragment {
    pub text: String,
    /// A word that matched the query.
    pub hit: bool,
}

/// The `max_words` words of `body` with the most matches (the first such
/// stretch), as fragments; line breaks become spaces.
pub fn snippet(body: &str, query: &SearchQuery, max_words: usize) -> Vec<Fragment> {
    let found: Vec<(std::ops::Range<usize>, bool)> = words(body)
        .map(|(range, word)| {
            let folded = fold(word);
            let hit = query.wanted_terms().any(|t| matches(t, &folded));
            (range, hit)
        })
        .collect();
    let max_words = max_words.max(1);
    // The window of `max_words` words with the most hits.
    let mut best = (0, 0);
    let mut hits = 0;
    for end in 0..found.len() {
        hits += usize::from(found[end].1);
        if end >= max_words {
            hits -= usize::from(found[end - max_words].1);
        }
        let start = (end + 1).saturating_sub(max_words);
        if hits > best.1 {
            best = (start, hits);
        }
    }
    let first = best.0;
    let last = (first + max_words).min(found.len());
    let from = if first == 0 { 0 } else { found[first].0.start };
    let to = if last == found.len() {
        body.len()
    } else {
        found[last - 1].0.end
    };
    let mut out = Builder::default();
    if from > 0 {
        out.push(ELLIPSIS, false);
    }
    let mut at = from;
    for (range, hit) in &found[first..last] {
        out.push(&body[at..range.start], false);
        out.push(&body[range.clone()], *hit);
        at = range.end;
    }
    out.push(&body[at..to], false);
    if to < body.len() {
        out.push(ELLIPSIS, false);
    }
    out.fragments
}

/// Whether a folded word of a message matches a word of `term`.
fn matches(term: &Term, word: &str) -> bool {
    let last = term.words.len() - 1;
    term.words.iter().enumerate().any(|(i, w)| {
        if term.prefix && i == last {
            word.starts_with(w.as_str())
        } else {
            word == w
        }
    })
}

#[derive(Default)]
struct Builder {
    fragments: Vec<Fragment>,
    chars: usize,
}

impl Builder {
    /// Adds text, merged with the fragment before when both are or are not
    /// hits, until `MAX_SNIPPET_CHARS` are used.
    fn push(&mut self, text: &str, hit: bool) {
        if text.is_empty() || (self.chars >= MAX_SNIPPET_CHARS && text != ELLIPSIS) {
            return;
        }
        let room = MAX_SNIPPET_CHARS.saturating_sub(self.chars);
        let mut clean: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(if text == ELLIPSIS { 1 } else { room })
            .collect();
        self.chars += clean.chars().count();
        if self.chars >= MAX_SNIPPET_CHARS && text != ELLIPSIS {
            clean.push_str(ELLIPSIS);
        }
        match self.fragments.last_mut() {
            Some(last) if last.hit == hit => last.text.push_str(&clean),
            _ => self.fragments.push(Fragment { text: clean, hit }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The snippet written with [brackets] around hits.
    fn marked(body: &str, query: &str, max_words: usize) -> String {
        snippet(body, &SearchQuery::parse(query), max_words)
            .into_iter()
            .map(|f| {
                if f.hit {
                    format!("[{}]", f.text)
                } else {
                    f.text
                }
            })
            .collect()
    }

    #[test]
    fn matched_words_are_marked_as_they_were_written() {
        assert_eq!(
            marked("Le Café ouvre à 8h, café compris.", "cafe", 20),
            "Le [Café] ouvre à 8h, [café] compris."
        );
        assert_eq!(
            marked("deployment deploys deployed", "deploy*", 20),
            "[deployment] [deploys] [deployed]"
        );
    }

    #[test]
    fn a_long_message_is_cut_around_its_best_stretch() {
        let body = format!(
            "{}the release is friday {}",
            "a ".repeat(50),
            "b ".repeat(50)
        );
        assert_eq!(
            marked(&body, "release friday", 6),
            "…a a the [release] is [friday]…"
        );
    }

    #[test]
    fn excluded_words_are_not_marked_and_markup_stays_text() {
        assert_eq!(
            marked("<b>draft</b> plan\nnext", "plan -draft", 20),
            "<b>draft</b> [plan] next"
        );
    }

    #[test]
    fn a_snippet_never_passes_its_length() {
        let body = "word ".repeat(10_000);
        let text: String = snippet(&body, &SearchQuery::parse("word"), 10_000)
            .into_iter()
            .map(|f| f.text)
            .collect();
        assert!(
            text.chars().count() <= MAX_SNIPPET_CHARS + 2,
            "{}",
            text.len()
        );
    }
}
