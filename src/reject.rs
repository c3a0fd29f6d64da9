//! Why input did not parse — a request's JSON body or query string, a
//! stream command — as a sentence a person understands. serde's own
//! messages name Rust types ("expected u32", "struct SignUpRequest"); these
//! name JSON kinds and ranges instead, and never repeat the value that was
//! sent (it may be a password).

use serde::de::DeserializeOwned;
use serde_json::error::Category;

/// Where the bad value sat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Body,
    Query,
    Command,
}

/// Why a JSON text was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not JSON at all.
    NotJson(String),
    /// JSON, but not of the shape wanted.
    WrongShape(String),
}

/// Parses `bytes` as one JSON value of type `T`, or says why not. Sends
/// come this way, so the good case is serde_json's own parse; only input
/// that fails is read again, keeping track of where it failed.
pub fn from_json<T: DeserializeOwned>(bytes: &[u8], part: Part) -> Result<T, Refusal> {
    if let Ok(value) = serde_json::from_slice(bytes) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| refusal(part, &e.path().to_string(), e.inner()))?;
    de.end().map_err(|e| refusal(part, ".", &e))?;
    Ok(value)
}

fn refusal(part: Part, path: &str, e: &serde_json::Error) -> Refusal {
    let position = format!(" at line {} column {}", e.line(), e.column());
    let text = e.to_string();
    let text = text.strip_suffix(&position).unwrap_or(&text);
    match e.classify() {
        Category::Data => Refusal::WrongShape(wrong_shape(part, path, text)),
        Category::Syntax | Category::Eof | Category::Io => {
            Refusal::NotJson(not_json(part, text, e.line(), e.column()))
        }
    }
}

/// The sentence for a value that parsed as JSON (or as a query string) but
/// had the wrong shape: `path` is where (`serde_path_to_error`'s form,
/// `.` for the whole body), `message` serde's message without its position.
pub fn wrong_shape(part: Part, path: &str, message: &str) -> String {
    let field = match (part, path) {
        (Part::Body | Part::Command, "." | "") => None,
        (_, p) => Some(p),
    };
    let subject = match (part, field) {
        (Part::Body, None) => "The request body".to_owned(),
        // Commands are told apart by `type`; serde reads the rest of an
        // internally tagged value without telling which field failed.
        (Part::Command, None) if message.starts_with("unknown variant") => {
            "The field `type`".to_owned()
        }
        (Part::Command, None) => "A field of the command".to_owned(),
        (Part::Body | Part::Command, Some(f)) => format!("The field `{f}`"),
        (Part::Query, f) => format!("The query parameter `{}`", f.unwrap_or("?")),
    };
    if let Some(missing) = between(message, "missing field `", "`") {
        let whole = match field {
            Some(parent) if part != Part::Query => format!("{parent}.{missing}"),
            _ => missing.to_owned(),
        };
        return match part {
            Part::Body | Part::Command => format!("The field `{whole}` is required."),
            Part::Query => format!("The query parameter `{whole}` is required."),
        };
    }
    if let Some(twice) = between(message, "duplicate field `", "`") {
        return format!("`{twice}` is given twice.");
    }
    if message.starts_with("unknown variant") {
        let allowed = quoted_after(message, "expected");
        return if allowed.is_empty() {
            format!("{subject} has no allowed values.")
        } else {
            format!("{subject} must be one of: {}.", allowed.join(", "))
        };
    }
    if let Some(rest) = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))
    {
        let (got, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        let want = kind_of_expected(expected);
        let subject = if part == Part::Command && field.is_none() && want == "a JSON object" {
            "The command".to_owned()
        } else {
            subject
        };
        return match kind_of_value(got) {
            Some(got) if message.starts_with("invalid type") => {
                format!("{subject} must be {want}, not {got}.")
            }
            _ => format!("{subject} must be {want}."),
        };
    }
    if message.starts_with("invalid length") {
        // serde takes a list for a struct too, and then counts its items.
        return if message.contains("expected struct") {
            format!("{subject} must be a JSON object.")
        } else {
            format!("{subject} has the wrong number of items.")
        };
    }
    // Query values are parsed with `FromStr`; these are its messages.
    match message {
        "invalid digit found in string" | "cannot parse integer from empty string" => {
            format!("{subject} must be a whole number.")
        }
        "number too large to fit in target type" => format!("{subject} is too large."),
        "number too small to fit in target type" => format!("{subject} is too small."),
        "provided string was not `true` or `false`" => {
            format!("{subject} must be true or false.")
        }
        "invalid float literal" => format!("{subject} must be a number."),
        _ => format!("{subject} is not valid."),
    }
}

/// Input that is not JSON at all: serde's description of where and what
/// (these name no types: "expected value", "trailing characters").
fn not_json(part: Part, message: &str, line: usize, column: usize) -> String {
    let what = match part {
        Part::Command => "The command",
        Part::Body | Part::Query => "The request body",
    };
    format!("{what} is not valid JSON: {message} (line {line}, column {column}).")
}

/// The text between `start` and the next `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = &text[text.find(start)? + start.len()..];
    Some(&rest[..rest.find(end)?])
}

/// The backquoted words after `marker` ("expected `a`, `b` or `c`").
fn quoted_after<'a>(text: &'a str, marker: &str) -> Vec<&'a str> {
    let Some(at) = text.find(marker) else {
        return Vec::new();
    };
    text[at..].split('`').skip(1).step_by(2).collect()
}

/// serde's "expected ..." in JSON's words.
fn kind_of_expected(expected: &str) -> &'static str {
    match expected.trim() {
        "a string" | "a borrowed string" | "string" => "text",
        "a boolean" | "bool" => "true or false",
        "u8" => "a whole number from 0 to 255",
        "u16" => "a whole number from 0 to 65535",
        "u32" => "a whole number from 0 to 4294967295",
        "u64" | "u128" | "usize" => "a whole number of 0 or more",
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "a whole number",
        "f32" | "f64" => "a number",
        "a character" | "char" => "a single character",
        "unit" => "null",
        e if e.starts_with("a sequence") || e.starts_with("a tuple") || e.starts_with("tuple") => {
            "a list"
        }
        e if e.starts_with("struct ")
            || e.starts_with("a map")
            || e == "map"
            || e.starts_with("internally tagged enum") =>
        {
            "a JSON object"
        }
        e if e.starts_with("enum ") || e.starts_with("one of") => "one of the allowed words",
        _ => "a value of another kind",
    }
}

/// serde's description of what was sent, as a kind (never the value).
fn kind_of_value(got: &str) -> Option<&'static str> {
    let got = got.trim();
    Some(
        if got.starts_with("integer") || got.starts_with("floating point") {
            "a number"
        } else if got.starts_with("boolean") {
            "true or false"
        } else if got.starts_with("string") || got.starts_with("character") {
            "text"
        } else if got == "null" || got == "unit value" {
            "null"
        } else if got == "sequence" {
            "a list"
        } else if got == "map" {
            "an object"
        } else {
            return None;
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sentence a JSON body `json` read as `T` is answered with.
    fn body_error<T: serde::de::DeserializeOwned + std::fmt::Debug>(json: &str) -> String {
        match from_json::<T>(json.as_bytes(), Part::Body).unwrap_err() {
            Refusal::NotJson(s) | Refusal::WrongShape(s) => s,
        }
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Request {
        body: String,
        seconds: u32,
        kind: crate::domain::RoomKind,
        members: Vec<String>,
        seq: crate::domain::Seq,
    }

    const GOOD: &str = r#""body":"x","seconds":1,"kind":"public","members":[],"seq":1"#;

    fn with(field: &str, value: &str) -> String {
        let rest: Vec<&str> = GOOD
            .split(',')
            .filter(|kv| !kv.starts_with(&format!("\"{field}\"")))
            .collect();
        format!("{{{},\"{field}\":{value}}}", rest.join(","))
    }

    #[test]
    fn wrong_kinds_of_value_are_named_in_json_words_without_the_value() {
        assert_eq!(
            body_error::<Request>(&with("body", "42")),
            "The field `body` must be text, not a number."
        );
        assert_eq!(
            body_error::<Request>(&with("seconds", "\"hunter2\"")),
            "The field `seconds` must be a whole number from 0 to 4294967295, not text."
        );
        assert_eq!(
            body_error::<Request>(&with("seconds", "-1")),
            "The field `seconds` must be a whole number from 0 to 4294967295."
        );
        assert_eq!(
            body_error::<Request>(&with("seq", "true")),
            "The field `seq` must be a whole number, not true or false."
        );
        assert_eq!(
            body_error::<Request>(&with("members", "[1]")),
            "The field `members[0]` must be text, not a number."
        );
        assert_eq!(
            body_error::<Request>("\"hello\""),
            "The request body must be a JSON object, not text."
        );
        assert_eq!(
            body_error::<Request>("[]"),
            "The request body must be a JSON object."
        );
    }

    #[test]
    fn missing_fields_and_unknown_words_say_what_is_wanted() {
        assert_eq!(
            body_error::<Request>(r#"{"body":"x"}"#),
            "The field `seconds` is required."
        );
        assert_eq!(
            body_error::<Request>(&with("kind", "\"secret\"")),
            "The field `kind` must be one of: public, private, direct."
        );
    }

    #[test]
    fn a_body_that_is_not_json_says_where() {
        let e = body_error::<Request>("{not json");
        assert!(
            e.starts_with(
                "The request body is not valid JSON: key must be a string (line 1, column 2)"
            ),
            "{e}"
        );
        let e = body_error::<Request>(&format!("{{{GOOD}}} x"));
        assert!(e.contains("trailing characters"), "{e}");
    }

    #[test]
    fn a_stream_command_of_the_wrong_shape_is_named_in_json_words() {
        use crate::realtime::wire::Command;
        let refused = |json: &str| match from_json::<Command>(json.as_bytes(), Part::Command) {
            Err(Refusal::NotJson(s) | Refusal::WrongShape(s)) => s,
            Ok(c) => panic!("{json} parsed as {c:?}"),
        };
        assert_eq!(
            refused(r#"{"type":"typing","room_id":"seven"}"#),
            "A field of the command must be a whole number, not text."
        );
        assert_eq!(
            refused(r#"{"type":"send","room_id":1}"#),
            "The field `client_id` is required."
        );
        assert_eq!(
            refused(r#"{"type":"dance"}"#),
            "The field `type` must be one of: subscribe, unsubscribe, send, typing, typing.stopped, ping."
        );
        assert!(refused("{").starts_with("The command is not valid JSON"));
        assert_eq!(
            refused("\"hello\""),
            "The command must be a JSON object, not text."
        );
    }

    #[test]
    fn query_values_that_are_not_numbers_are_named() {
        assert_eq!(
            wrong_shape(Part::Query, "before", "invalid digit found in string"),
            "The query parameter `before` must be a whole number."
        );
        assert_eq!(
            wrong_shape(Part::Query, "after", "missing field `after`"),
            "The query parameter `after` is required."
        );
    }

    #[test]
    fn an_unknown_message_is_not_repeated() {
        assert_eq!(
            wrong_shape(
                Part::Body,
                "when",
                "premature end of input in std::time::Instant"
            ),
            "The field `when` is not valid."
        );
    }
}
