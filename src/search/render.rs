//! A `SearchQuery` written in each backend's query language. Every word is
//! written quoted, so no word can be read as an operator (`NOT`, `NEAR`,
//! `&`, `:*` …) and no input can make the expression invalid.

use std::fmt::Write;

use super::{Clause, SearchQuery, Term};

impl SearchQuery {
    /// The expression for `WHERE message_search MATCH ?1` (SQLite FTS5), or
    /// `None` when there are no words (filters only). Bind it as a
    /// parameter; it is never spliced into SQL.
    ///
    /// `"déjà" "vu"* AND ("a b" OR "c") NOT "x"`: phrases are quoted
    /// strings (FTS5 tokenizes them with the table's `unicode61
    /// remove_diacritics 2`, as it did the messages), `*` after the closing
    /// quote asks for a prefix.
    pub fn fts5_match(&self) -> Option<String> {
        if self.clauses.is_empty() {
            return None;
        }
        let mut out = String::from("(");
        for (i, clause) in self.clauses.iter().enumerate() {
            if i > 0 {
                out.push_str(" AND ");
            }
            match clause {
                Clause::Term(term) => fts5_term(&mut out, term),
                Clause::AnyOf(terms) => {
                    out.push('(');
                    for (j, term) in terms.iter().enumerate() {
                        if j > 0 {
                            out.push_str(" OR ");
                        }
                        fts5_term(&mut out, term);
                    }
                    out.push(')');
                }
            }
        }
        out.push(')');
        for term in &self.excluded {
            out.push_str(" NOT ");
            fts5_term(&mut out, term);
        }
        Some(out)
    }

    /// The text for `to_tsquery('simple', $1)` (PostgreSQL), or `None` when
    /// there are no words. Matches a `tsvector` made with
    /// `to_tsvector('simple', index_text(body))`: words are already folded
    /// here as there, so `'simple'` only has to keep them as they are.
    ///
    /// `'deja' <-> 'vu':* & ( 'a' <-> 'b' | 'c' ) & !( 'x' )`.
    ///
    /// `websearch_to_tsquery` also never fails, but it cannot ask for a
    /// prefix and would read quotes and `-` by rules of its own; writing
    /// the `tsquery` from the one parser keeps both backends answering
    /// the same query the same way.
    pub fn tsquery(&self) -> Option<String> {
        if self.clauses.is_empty() {
            return None;
        }
        let mut parts = Vec::with_capacity(self.clauses.len() + self.excluded.len());
        for clause in &self.clauses {
            parts.push(match clause {
                Clause::Term(term) => ts_term(term),
                Clause::AnyOf(terms) => {
                    let any: Vec<String> = terms.iter().map(ts_term).collect();
                    format!("( {} )", any.join(" | "))
                }
            });
        }
        for term in &self.excluded {
            parts.push(format!("!( {} )", ts_term(term)));
        }
        Some(parts.join(" & "))
    }
}

/// `"w1 w2"` or `"w1 w2"*`; a `"` inside is doubled, as FTS5 asks.
fn fts5_term(out: &mut String, term: &Term) {
    out.push('"');
    out.push_str(&term.words.join(" ").replace('"', "\"\""));
    out.push('"');
    if term.prefix {
        out.push('*');
    }
}

/// `'w1' <-> 'w2'` or `'w1' <-> 'w2':*`; quotes and backslashes escaped.
fn ts_term(term: &Term) -> String {
    let mut out = String::new();
    let last = term.words.len() - 1;
    for (i, word) in term.words.iter().enumerate() {
        if i > 0 {
            out.push_str(" <-> ");
        }
        let _ = write!(out, "'{}'", word.replace('\\', "\\\\").replace('\'', "''"));
        if term.prefix && i == last {
            out.push_str(":*");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(input: &str) -> (Option<String>, Option<String>) {
        let q = SearchQuery::parse(input);
        (q.fts5_match(), q.tsquery())
    }

    #[test]
    fn plain_words_are_all_required() {
        assert_eq!(
            both("Deploy Friday"),
            (
                Some(r#"("deploy" AND "friday")"#.into()),
                Some("'deploy' & 'friday'".into())
            )
        );
    }

    #[test]
    fn phrases_prefixes_alternatives_and_exclusions() {
        assert_eq!(
            both(r#""release notes" dep* "new ver"* -draft -"old plan" (a OR b OR c)"#),
            (
                Some(
                    r#"("release notes" AND "dep"* AND "new ver"* AND ("a" OR "b" OR "c")) NOT "draft" NOT "old plan""#
                        .into()
                ),
                Some(
                    "'release' <-> 'notes' & 'dep':* & 'new' <-> 'ver':* & ( 'a' | 'b' | 'c' ) \
                     & !( 'draft' ) & !( 'old' <-> 'plan' )"
                        .into()
                )
            )
        );
    }

    #[test]
    fn words_are_folded_so_accents_and_case_do_not_matter() {
        assert_eq!(both("CAFÉ").0, Some(r#"("cafe")"#.into()));
        assert_eq!(both("CAFÉ").1, Some("'cafe'".into()));
    }

    #[test]
    fn operators_of_either_language_are_only_words() {
        let (fts, ts) = both("NOT NEAR(a b) AND & | ! <-> :* ' \\");
        assert_eq!(
            fts,
            Some(r#"("not" AND "near" AND "a" AND "b" AND "and")"#.into())
        );
        assert_eq!(ts, Some("'not' & 'near' & 'a' & 'b' & 'and'".into()));
    }

    #[test]
    fn only_filters_means_no_text_to_match() {
        assert_eq!(both("in:general has:file"), (None, None));
        assert_eq!(both(""), (None, None));
    }
}
