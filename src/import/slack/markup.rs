//! Slack's `mrkdwn` to Natter's Markdown subset: `<@U1>` -> `@name`,
//! `<#C1|name>` -> `#name`, `<url|text>` -> `[text](url)`, `*b*` -> `**b**`,
//! `_i_` -> `*i*`, `~s~` -> `~~s~~`, `&amp;` `&lt;` `&gt;` unescaped; code
//! spans and blocks kept as written.

use std::collections::HashMap;

/// Names to put where Slack writes ids.
#[derive(Debug, Default, Clone)]
pub struct Directory {
    /// Slack user id -> Natter username.
    pub users: HashMap<String, String>,
    /// Slack channel id -> room name.
    pub channels: HashMap<String, String>,
}

/// One element of a line: a character of text, or a converted `<…>` token
/// that emphasis must treat as one opaque word.
#[derive(Debug, Clone)]
enum Piece {
    Char(char),
    Token(String),
}

/// Converts one message's text.
pub fn to_markdown(text: &str, names: &Directory) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("```") {
            if let Some(end) = after.find("```") {
                code_block(&mut out, &plain(&after[..end], names));
                rest = &after[end + 3..];
                continue;
            }
        }
        // Prose up to the next fence that opens a block.
        let first = rest.chars().next().map_or(1, char::len_utf8);
        let next = rest[first..].find("```").map_or(rest.len(), |i| i + first);
        prose(&mut out, &rest[..next], names);
        rest = &rest[next..];
    }
    out
}

/// A fenced block on lines of its own, as Natter's renderer wants it.
fn code_block(out: &mut String, code: &str) {
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    let code = code.trim_matches('\n');
    out.push_str("```\n");
    out.push_str(code);
    out.push_str("\n```\n");
}

/// Text outside code blocks, line by line (emphasis never spans lines).
fn prose(out: &mut String, text: &str, names: &Directory) {
    // A block just closed already ended its line.
    let text = if out.ends_with("```\n") {
        text.strip_prefix('\n').unwrap_or(text)
    } else {
        text
    };
    for (n, line) in text.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let mut rest = line;
        // Inline code spans are copied with only tokens and entities undone.
        while let Some(start) = rest.find('`') {
            let Some(len) = rest[start + 1..].find('`') else {
                break;
            };
            emphasis(out, &pieces(&rest[..start], names));
            out.push('`');
            out.push_str(&plain(&rest[start + 1..start + 1 + len], names));
            out.push('`');
            rest = &rest[start + 2 + len..];
        }
        emphasis(out, &pieces(rest, names));
    }
}

/// Code: tokens become their plain text, entities are undone, nothing else.
fn plain(text: &str, names: &Directory) -> String {
    pieces(text, names)
        .into_iter()
        .map(|piece| match piece {
            Piece::Char(c) => c.to_string(),
            Piece::Token(t) => t,
        })
        .collect()
}

/// Splits text into characters (entities decoded) and converted tokens.
fn pieces(text: &str, names: &Directory) -> Vec<Piece> {
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            if let Some(end) = rest.find('>') {
                out.push(Piece::Token(token(&rest[1..end], names)));
                rest = &rest[end + 1..];
                continue;
            }
        }
        if c == '&' {
            let entity = [("&amp;", '&'), ("&lt;", '<'), ("&gt;", '>')]
                .into_iter()
                .find(|(e, _)| rest.starts_with(e));
            if let Some((e, decoded)) = entity {
                out.push(Piece::Char(decoded));
                rest = &rest[e.len()..];
                continue;
            }
        }
        out.push(Piece::Char(c));
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// One `<…>` token (without the brackets) in Natter's terms.
fn token(inner: &str, names: &Directory) -> String {
    let (target, label) = match inner.split_once('|') {
        Some((target, label)) => (target, Some(unescape(label))),
        None => (inner, None),
    };
    if let Some(id) = target.strip_prefix('@') {
        return match names.users.get(id) {
            Some(name) => format!("@{name}"),
            None => format!(
                "@{}",
                label.as_deref().unwrap_or(id).trim_start_matches('@')
            ),
        };
    }
    if let Some(id) = target.strip_prefix('#') {
        let name = names
            .channels
            .get(id)
            .cloned()
            .or(label)
            .unwrap_or_else(|| id.to_owned());
        return format!("#{name}");
    }
    if let Some(special) = target.strip_prefix('!') {
        return match special {
            "here" | "channel" | "everyone" => format!("@{special}"),
            _ => label.unwrap_or_else(|| special.split('^').next().unwrap_or(special).to_owned()),
        };
    }
    let url = unescape(target);
    let linkable = ["http://", "https://", "mailto:"]
        .iter()
        .any(|s| url.starts_with(s));
    if !linkable {
        return label.unwrap_or(url);
    }
    let label = label.unwrap_or_else(|| url.trim_start_matches("mailto:").to_owned());
    // Natter links bare http(s) URLs itself.
    if label == url && !url.starts_with("mailto:") {
        return url;
    }
    // Natter's link syntax allows neither `]` in the label nor parentheses
    // or spaces in the target.
    let target = url
        .replace('(', "%28")
        .replace(')', "%29")
        .replace(' ', "%20");
    if label.contains(']') || label.trim().is_empty() {
        format!("{label} ({target})")
    } else {
        format!("[{label}]({target})")
    }
}

fn is_word(piece: Option<&Piece>) -> bool {
    match piece {
        Some(Piece::Char(c)) => c.is_alphanumeric(),
        Some(Piece::Token(_)) => true,
        None => false,
    }
}

fn is_space(piece: Option<&Piece>) -> bool {
    matches!(piece, Some(Piece::Char(c)) if c.is_whitespace())
}

/// Writes `line`, turning Slack's emphasis into Natter's. Slack's rules: a
/// marker opens after a non-word and before a non-space, and closes after
/// a non-space and before a non-word (so `snake_case` and `2*3*4` stay).
fn emphasis(out: &mut String, line: &[Piece]) {
    nested_emphasis(out, line, 0);
}

/// Spans longer than this are left alone, and nesting stops at
/// `MAX_DEPTH`, so a hostile line of markers costs linear time.
const MAX_SPAN: usize = 1000;
const MAX_DEPTH: usize = 8;

fn nested_emphasis(out: &mut String, line: &[Piece], depth: usize) {
    let mut i = 0;
    while i < line.len() {
        if let Piece::Char(marker @ ('*' | '_' | '~')) = line[i] {
            let opens = !is_word(i.checked_sub(1).and_then(|j| line.get(j)))
                && line.get(i + 1).is_some_and(|p| !is_space(Some(p)));
            let close = (opens && depth < MAX_DEPTH)
                .then(|| {
                    (i + 2..line.len().min(i + MAX_SPAN)).find(|&j| {
                        matches!(line[j], Piece::Char(c) if c == marker)
                            && !is_space(line.get(j - 1))
                            && !is_word(line.get(j + 1))
                    })
                })
                .flatten();
            if let Some(close) = close {
                let natter = match marker {
                    '*' => "**",
                    '_' => "*",
                    _ => "~~",
                };
                out.push_str(natter);
                nested_emphasis(out, &line[i + 1..close], depth + 1);
                out.push_str(natter);
                i = close + 1;
                continue;
            }
        }
        match &line[i] {
            Piece::Char(c) => out.push(*c),
            Piece::Token(t) => out.push_str(t),
        }
        i += 1;
    }
}
