//! `--bus-url`: `none` (the default: one node, events handed over in
//! process) or `nats://[USER:PASS@]HOST[:PORT]` (several nodes on one NATS).

use std::fmt;
use std::str::FromStr;

/// A parsed `--bus-url`. Shown and debugged without its password.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum BusUrl {
    /// One node: no bus between nodes.
    #[default]
    None,
    Nats(url::Url),
}

impl BusUrl {
    /// The NATS server's `host:port` (`None` has no address).
    pub fn address(&self) -> String {
        match self {
            Self::None => String::new(),
            Self::Nats(url) => format!(
                "{}:{}",
                url.host_str().unwrap_or_default(),
                url.port().unwrap_or(4222)
            ),
        }
    }

    pub fn user(&self) -> Option<&str> {
        match self {
            Self::Nats(url) if !url.username().is_empty() => Some(url.username()),
            _ => None,
        }
    }

    pub fn password(&self) -> Option<&str> {
        match self {
            Self::Nats(url) => url.password(),
            Self::None => None,
        }
    }

    pub fn is_none(&self) -> bool {
        *self == Self::None
    }
}

impl FromStr for BusUrl {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        if text.eq_ignore_ascii_case("none") {
            return Ok(Self::None);
        }
        let url = url::Url::parse(text).map_err(|_| ())?;
        let has_host = url.host_str().is_some_and(|h| !h.is_empty());
        if url.scheme() == "nats" && has_host && matches!(url.path(), "" | "/") {
            return Ok(Self::Nats(url));
        }
        Err(())
    }
}

impl fmt::Display for BusUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => f.write_str("none"),
            Self::Nats(url) => {
                let mut url = url.clone();
                let _ = url.set_password(None);
                write!(f, "{url}")
            }
        }
    }
}

impl fmt::Debug for BusUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BusUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn none_or_a_nats_url_is_taken_and_anything_else_refused() {
        assert_eq!("none".parse::<BusUrl>(), Ok(BusUrl::None));
        let nats: BusUrl = "nats://127.0.0.1:4222".parse().unwrap();
        assert_eq!(nats.address(), "127.0.0.1:4222");
        let default_port: BusUrl = "nats://bus.example".parse().unwrap();
        assert_eq!(default_port.address(), "bus.example:4222");
        for bad in [
            "",
            "nats://",
            "redis://x:6379",
            "127.0.0.1:4222",
            "nats://h/x",
        ] {
            assert!(bad.parse::<BusUrl>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_bus_password_is_never_shown() {
        let url: BusUrl = "nats://natter:hunter2@bus.example:4222".parse().unwrap();
        assert_eq!(url.user(), Some("natter"));
        assert_eq!(url.password(), Some("hunter2"));
        assert!(!url.to_string().contains("hunter2"));
        assert!(!format!("{url:?}").contains("hunter2"));
    }
}
