//! Turns whatever a user typed into a `SearchQuery`. Never fails: every
//! character is either part of a word, an operator, a filter, or ignored.
//!
//! - words are ANDed: `deploy friday`
//! - `"…"` is a phrase; an unclosed quote runs to the end
//! - `word*` (or `"a phrase"*`) matches words starting so
//! - `-word` / `-"a phrase"` excludes; a query of exclusions only searches
//!   for them instead (neither backend can list "everything but")
//! - `OR` (upper case) between two terms: either; `or` is a word
//! - `in:room`, `in:#room`, `from:user`, `from:@user`, `before:2024-05-01`,
//!   `after:2024-05-01` (UTC days, both ends exclusive), `has:file`;
//!   `in:"two words"` for a name with spaces. A filter that does not parse
//!   (`before:someday`) is searched as words.
//! - brackets and any other punctuation separate words.

use time::macros::format_description;
use time::{Date, Time};

use super::words::{fold, words};
use super::{Clause, Filters, SearchQuery, Term};
use crate::domain::Timestamp;

/// Input beyond this many characters is ignored.
pub const MAX_QUERY_CHARS: usize = 500;
/// Terms beyond this many (clauses and exclusions) are ignored.
pub const MAX_TERMS: usize = 16;
/// Words of one phrase beyond this many are ignored.
pub const MAX_PHRASE_WORDS: usize = 16;
/// Values of one filter kind beyond this many are ignored.
pub const MAX_FILTER_VALUES: usize = 10;

/// One piece of the input.
#[derive(Debug)]
enum Piece {
    Term { term: Term, negated: bool },
    Or,
}

impl SearchQuery {
    pub fn parse(input: &str) -> Self {
        let text: String = input
            .chars()
            .take(MAX_QUERY_CHARS)
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let mut filters = Filters::default();
        let pieces = lex(&text, &mut filters);
        let (mut clauses, mut excluded) = combine(pieces);
        if clauses.is_empty() {
            clauses = excluded.drain(..).map(Clause::Term).collect();
        }
        clauses.truncate(MAX_TERMS);
        excluded.truncate(MAX_TERMS.saturating_sub(clauses.len()));
        Self {
            clauses,
            excluded,
            filters,
        }
    }
}

fn lex(text: &str, filters: &mut Filters) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '(' || c == ')');
        if rest.is_empty() {
            return pieces;
        }
        let negated = rest.starts_with('-') && rest.len() > 1;
        if negated {
            rest = &rest[1..];
        }
        if let Some(quoted) = rest.strip_prefix('"') {
            let (inside, after) = quoted.split_once('"').unwrap_or((quoted, ""));
            let prefix = after.starts_with('*');
            rest = after.trim_start_matches('*');
            if let Some(term) = Term::of(inside, prefix) {
                pieces.push(Piece::Term { term, negated });
            }
            continue;
        }
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '"' || c == '(' || c == ')')
            .unwrap_or(rest.len());
        let (word, after) = rest.split_at(end);
        rest = after;
        if word == "OR" && !negated {
            pieces.push(Piece::Or);
            continue;
        }
        if !negated {
            if let Some((key, value)) = word.split_once(':') {
                // `in:"team room"`: the value is the quoted text that follows.
                if value.is_empty() && rest.starts_with('"') {
                    let quoted = &rest[1..];
                    let (inside, after) = quoted.split_once('"').unwrap_or((quoted, ""));
                    if filters.add(key, inside) {
                        rest = after;
                        continue;
                    }
                } else if filters.add(key, value) {
                    continue;
                }
            }
        }
        let prefix = word.ends_with('*');
        if let Some(term) = Term::of(word, prefix) {
            pieces.push(Piece::Term { term, negated });
        }
    }
}

/// Joins `a OR b` into one clause; an `OR` without a term on both sides
/// is dropped, as are exclusions inside one.
fn combine(pieces: Vec<Piece>) -> (Vec<Clause>, Vec<Term>) {
    let mut clauses: Vec<Clause> = Vec::new();
    let mut excluded = Vec::new();
    let mut or_pending = false;
    for piece in pieces {
        match piece {
            Piece::Or => or_pending = !clauses.is_empty(),
            Piece::Term {
                term,
                negated: true,
            } => {
                excluded.push(term);
                or_pending = false;
            }
            Piece::Term {
                term,
                negated: false,
            } => {
                match (or_pending, clauses.pop()) {
                    (true, Some(Clause::AnyOf(mut terms))) => {
                        terms.push(term);
                        clauses.push(Clause::AnyOf(terms));
                    }
                    (true, Some(Clause::Term(left))) => {
                        clauses.push(Clause::AnyOf(vec![left, term]));
                    }
                    (_, last) => {
                        clauses.extend(last);
                        clauses.push(Clause::Term(term));
                    }
                }
                or_pending = false;
            }
        }
    }
    for clause in &mut clauses {
        if let Clause::AnyOf(terms) = clause {
            terms.truncate(MAX_TERMS);
        }
    }
    (clauses, excluded)
}

impl Term {
    /// The words of `text` as one term; `None` when it has no word.
    fn of(text: &str, prefix: bool) -> Option<Self> {
        let folded: Vec<String> = words(text)
            .map(|(_, w)| fold(w))
            .filter(|w| !w.is_empty())
            .take(MAX_PHRASE_WORDS)
            .collect();
        (!folded.is_empty()).then_some(Self {
            words: folded,
            prefix,
        })
    }
}

impl Filters {
    /// Takes `key:value` as a filter; false when it is not one.
    fn add(&mut self, key: &str, value: &str) -> bool {
        let value = value.trim();
        match key.to_ascii_lowercase().as_str() {
            "in" => push_name(&mut self.rooms, value.trim_start_matches('#')),
            "from" => push_name(&mut self.authors, value.trim_start_matches('@')),
            "has" if value.eq_ignore_ascii_case("file") => {
                self.has_file = true;
                true
            }
            "before" => day_start(value).is_some_and(|day| {
                self.before = Some(self.before.map_or(day, |b| b.min(day)));
                true
            }),
            "after" => day_start(value).is_some_and(|day| {
                // After the whole of that day.
                let next = Timestamp(day.0 + 86_400_000);
                self.after = Some(self.after.map_or(next, |a| a.max(next)));
                true
            }),
            _ => false,
        }
    }
}

fn push_name(names: &mut Vec<String>, name: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    if names.len() < MAX_FILTER_VALUES && !names.iter().any(|n| n == name) {
        names.push(name.to_owned());
    }
    true
}

/// The start (UTC) of a `YYYY-MM-DD` day.
fn day_start(text: &str) -> Option<Timestamp> {
    let date = Date::parse(text, format_description!("[year]-[month]-[day]")).ok()?;
    let seconds = date.with_time(Time::MIDNIGHT).assume_utc().unix_timestamp();
    Some(Timestamp(seconds * 1000))
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
