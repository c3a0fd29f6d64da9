//! How an option's text (a flag, an environment variable, a value in the
//! TOML file) becomes a typed value, and how a value is shown again by
//! `--print-config`. A new kind of value implements [`Scalar`]; `Option<T>`
//! (may be unset) and `Vec<T>` (a list) come with it.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::bus::BusUrl;
use crate::ops::logs::LogFormat;
use crate::ops::proxy::Cidr;
use crate::storage::backend::DatabaseUrl;

/// A value an option can hold.
pub trait Value: Sized {
    /// A list: the flag repeats, the variable is comma-separated, the file
    /// holds an array.
    const LIST: bool = false;
    /// A switch: the flag alone means `true`.
    const SWITCH: bool = false;
    /// Never shown: not in `--print-config`, not in `Debug`.
    const SECRET: bool = false;
    /// What to write after the flag in `--help` (`ADDR`, `N`, ...).
    const METAVAR: &'static str;
    /// From the texts given (one unless `LIST`); the error says what a good
    /// value looks like.
    fn parse(texts: &[String]) -> Result<Self, String>;
    /// As a TOML value, or `None` when unset.
    fn show(&self) -> Option<String>;
}

/// One value (not a list, never unset).
pub trait Scalar: Sized {
    const METAVAR: &'static str;
    /// What a good value looks like: "a whole number", ...
    const EXPECTED: &'static str;
    const SWITCH: bool = false;
    const SECRET: bool = false;
    fn parse_one(text: &str) -> Option<Self>;
    /// As a TOML value.
    fn show_one(&self) -> String;
}

fn bad(expected: &str, text: &str) -> String {
    format!("expected {expected}, got \"{text}\"")
}

/// Every plain scalar is a `Value` (a macro, as a blanket impl would
/// overlap with the ones for `Option` and `Vec`).
macro_rules! plain_values {
    ($($t:ty),* $(,)?) => {$(
        impl Value for $t {
            const SWITCH: bool = <$t as Scalar>::SWITCH;
            const SECRET: bool = <$t as Scalar>::SECRET;
            const METAVAR: &'static str = <$t as Scalar>::METAVAR;
            fn parse(texts: &[String]) -> Result<Self, String> {
                let text = texts.last().map_or("", String::as_str);
                Self::parse_one(text.trim()).ok_or_else(|| bad(Self::EXPECTED, text))
            }
            fn show(&self) -> Option<String> {
                Some(self.show_one())
            }
        }
    )*};
}

impl<T: Scalar> Value for Option<T> {
    const SWITCH: bool = T::SWITCH;
    const SECRET: bool = T::SECRET;
    const METAVAR: &'static str = T::METAVAR;
    fn parse(texts: &[String]) -> Result<Self, String> {
        let text = texts.last().map_or("", String::as_str);
        T::parse_one(text.trim())
            .map(Some)
            .ok_or_else(|| bad(T::EXPECTED, text))
    }
    fn show(&self) -> Option<String> {
        self.as_ref().map(Scalar::show_one)
    }
}

impl<T: Scalar> Value for Vec<T> {
    const LIST: bool = true;
    const SECRET: bool = T::SECRET;
    const METAVAR: &'static str = T::METAVAR;
    fn parse(texts: &[String]) -> Result<Self, String> {
        texts
            .iter()
            .map(|t| T::parse_one(t.trim()).ok_or_else(|| bad(T::EXPECTED, t)))
            .collect()
    }
    fn show(&self) -> Option<String> {
        let items: Vec<String> = self.iter().map(Scalar::show_one).collect();
        Some(format!("[{}]", items.join(", ")))
    }
}

/// A TOML string literal.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// Scalars read with `FromStr` and shown with `Display`.
macro_rules! from_str_scalars {
    ($($t:ty: $metavar:literal, $expected:literal, $quote:expr;)*) => {$(
        impl Scalar for $t {
            const METAVAR: &'static str = $metavar;
            const EXPECTED: &'static str = $expected;
            fn parse_one(text: &str) -> Option<Self> {
                text.parse().ok()
            }
            fn show_one(&self) -> String {
                let text = self.to_string();
                if $quote { quoted(&text) } else { text }
            }
        }
    )*};
}

from_str_scalars! {
    SocketAddr: "ADDR", "an address with a port, such as 127.0.0.1:8080", true;
    usize: "N", "a whole number", false;
    u32: "N", "a whole number", false;
    u64: "N", "a whole number", false;
    String: "TEXT", "some text", true;
    LogFormat: "FORMAT", "text or json", true;
    Cidr: "CIDR", "an address or a block such as 10.0.0.0/8 or ::1", true;
    DatabaseUrl: "URL", "sqlite://PATH or postgres://USER@HOST/DB", true;
    BusUrl: "URL", "none or nats://HOST:PORT", true;
}

impl Scalar for bool {
    const METAVAR: &'static str = "BOOL";
    const EXPECTED: &'static str = "true or false";
    const SWITCH: bool = true;
    fn parse_one(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" => Some(true),
            "false" | "no" | "off" | "0" => Some(false),
            _ => None,
        }
    }
    fn show_one(&self) -> String {
        self.to_string()
    }
}

impl Scalar for PathBuf {
    const METAVAR: &'static str = "PATH";
    const EXPECTED: &'static str = "a path";
    fn parse_one(text: &str) -> Option<Self> {
        (!text.is_empty()).then(|| PathBuf::from(text))
    }
    fn show_one(&self) -> String {
        quoted(&self.display().to_string())
    }
}

/// A duration given in whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Secs(pub u64);

impl From<Secs> for Duration {
    fn from(s: Secs) -> Self {
        Duration::from_secs(s.0)
    }
}

impl From<Duration> for Secs {
    fn from(d: Duration) -> Self {
        Secs(d.as_secs())
    }
}

impl Scalar for Secs {
    const METAVAR: &'static str = "SECS";
    const EXPECTED: &'static str = "a whole number of seconds";
    fn parse_one(text: &str) -> Option<Self> {
        text.parse().ok().map(Secs)
    }
    fn show_one(&self) -> String {
        self.0.to_string()
    }
}

/// A value that must never reach a log, `Debug` output or
/// `--print-config`: a token or a password.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(redacted)")
    }
}

impl Scalar for Secret {
    const METAVAR: &'static str = "SECRET";
    const EXPECTED: &'static str = "a secret of at least 16 characters";
    const SECRET: bool = true;
    fn parse_one(text: &str) -> Option<Self> {
        // Short secrets are guessable; refuse them rather than run weakly.
        (text.chars().count() >= 16).then(|| Secret(text.to_owned()))
    }
    fn show_one(&self) -> String {
        quoted("(redacted)")
    }
}

plain_values!(
    SocketAddr,
    usize,
    u32,
    u64,
    String,
    bool,
    PathBuf,
    Secs,
    Secret,
    LogFormat,
    DatabaseUrl,
    BusUrl
);

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_bad_number_says_what_was_expected_and_what_came() {
        let err = <usize as Value>::parse(&texts(&["ten"])).unwrap_err();
        assert_eq!(err, "expected a whole number, got \"ten\"");
    }

    #[test]
    fn switches_take_the_usual_words_for_yes_and_no() {
        for yes in ["true", "YES", "on", "1"] {
            assert!(<bool as Value>::parse(&texts(&[yes])).unwrap());
        }
        assert!(!<bool as Value>::parse(&texts(&["off"])).unwrap());
        assert!(<bool as Value>::parse(&texts(&["maybe"])).is_err());
    }

    #[test]
    fn a_secret_is_never_shown_nor_debugged_and_a_short_one_is_refused() {
        let s = <Option<Secret> as Value>::parse(&texts(&["0123456789abcdefXYZ"])).unwrap();
        assert_eq!(s.show().unwrap(), "\"(redacted)\"");
        assert!(!format!("{s:?}").contains("0123"));
        assert!(<Option<Secret> as Value>::parse(&texts(&["short"])).is_err());
    }

    #[test]
    fn lists_show_as_toml_arrays() {
        let v = <Vec<String> as Value>::parse(&texts(&["a", " b "])).unwrap();
        assert_eq!(v.show().unwrap(), "[\"a\", \"b\"]");
    }
}
