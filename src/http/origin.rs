//! Which sites may act here, and which host names this server answers for:
//! origins compared whole (scheme, host, port; case, default ports and
//! international names normalised), and, with a public URL, the `Host` of
//! every request checked, so a DNS-rebinding page gets no same-origin
//! treatment.

use anyhow::Context;
use axum::http::{header, HeaderMap};
use url::{Host, Origin, Url};

/// The origin rules, made once from the configuration.
#[derive(Debug, Clone)]
pub struct OriginPolicy {
    /// Origins that may make state-changing requests and open the stream:
    /// the public URL's and every `--allowed-origin`.
    trusted: Vec<Origin>,
    /// With a public URL: the host names requests may name in `Host` (the
    /// public URL's and the allowed origins'). `None`: any, as the server
    /// does not know its own name.
    hosts: Option<Vec<String>>,
    /// The public URL's origin, to say where to go instead.
    public: Option<String>,
}

impl OriginPolicy {
    /// `trusted` holds the public URL's origin (when there is one) and the
    /// allowed origins; a value that is not an http(s) origin is an error
    /// naming it.
    pub fn new(public_url: Option<&str>, trusted: &[String]) -> anyhow::Result<Self> {
        let parse = |text: &str| -> anyhow::Result<Url> {
            let url = Url::parse(text.trim()).with_context(|| {
                format!("{text} is not an origin like https://chat.example.com")
            })?;
            if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
                anyhow::bail!("{text} is not an origin like https://chat.example.com");
            }
            Ok(url)
        };
        let urls = trusted
            .iter()
            .map(|t| parse(t))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let public = public_url.map(parse).transpose()?;
        let hosts = public.as_ref().map(|p| {
            let mut names: Vec<String> = urls
                .iter()
                .chain([p])
                .filter_map(|u| u.host().map(|h| host_name(&h)))
                .collect();
            names.dedup();
            names
        });
        Ok(Self {
            trusted: urls.iter().chain(&public).map(Url::origin).collect(),
            hosts,
            public: public.map(|p| p.origin().ascii_serialization()),
        })
    }

    /// Whether the request is addressed to a name this server answers for.
    /// Without a public URL every name is. With one, `Host` must be its
    /// host or an allowed origin's — or an IP address or `localhost`, which
    /// no web page can rebind to another server (health checks and local
    /// tools reach the server that way).
    pub fn host_allowed(&self, headers: &HeaderMap) -> bool {
        let Some(hosts) = &self.hosts else {
            return true;
        };
        match request_host(headers) {
            Some(Host::Domain(name)) => name == "localhost" || hosts.contains(&name),
            Some(Host::Ipv4(_) | Host::Ipv6(_)) => true,
            None => false,
        }
    }

    /// The sentence for a request to another name.
    pub fn wrong_host_message(&self) -> String {
        match &self.public {
            Some(public) => {
                format!("This server does not answer for that host name; open {public}.")
            }
            None => "This server does not answer for that host name.".to_owned(),
        }
    }

    /// Whether a browser sent the request from a page this server trusts:
    /// `Origin` equal to a trusted origin, or — without a public URL — to
    /// the server's own (`http://` and the `Host` it was asked by, as
    /// natter itself speaks plain HTTP). Without `Origin`, the browser's
    /// `Sec-Fetch-Site` decides; a request with neither is not from a
    /// browser (a bot with its own token) and passes.
    pub fn same_origin(&self, headers: &HeaderMap) -> bool {
        let Some(origin) = headers.get(header::ORIGIN) else {
            return match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
                Some(site) => site == "same-origin" || site == "none",
                None => true,
            };
        };
        // `null`, non-http schemes and garbage parse to an opaque origin
        // (equal to nothing) or not at all.
        let Some(origin) = origin.to_str().ok().and_then(|o| Url::parse(o).ok()) else {
            return false;
        };
        let origin = origin.origin();
        if !origin.is_tuple() {
            return false;
        }
        if self.trusted.contains(&origin) {
            return true;
        }
        self.public.is_none() && own_origin(headers).is_some_and(|own| own == origin)
    }
}

/// What to warn about at start-up, if anything. `https` is whether any
/// request can arrive over HTTPS (natter's own TLS, or a trusted proxy
/// that says so), which makes its cookies `Secure`. Over plain HTTP they
/// are not; and without a public URL the server answers for every host
/// name (no defence against DNS rebinding).
pub fn start_up_warning(public_url: Option<&str>, https: bool) -> Option<&'static str> {
    let https_url =
        public_url.is_some_and(|u| u.trim_start().to_ascii_lowercase().starts_with("https://"));
    match (public_url.is_some(), https || https_url) {
        (false, false) => Some(
            "plain HTTP and no --public-url: session cookies are not marked Secure and requests \
             for any host name are served; behind HTTPS, set --public-url https://<your host>",
        ),
        (false, true) => Some(
            "no --public-url: requests for any host name are served; set --public-url \
             https://<your host> so that other names are refused",
        ),
        (true, false) => Some(
            "the public URL is plain http://: session cookies are not marked Secure and travel \
             unencrypted",
        ),
        (true, true) => None,
    }
}

/// The origin a page served by this server over plain HTTP has, from the
/// request's `Host`.
fn own_origin(headers: &HeaderMap) -> Option<Origin> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    Some(host_url(host)?.origin())
}

/// `Host` as a URL (`http://<host>/`), or `None` when it is not a bare
/// host with an optional port.
fn host_url(host: &str) -> Option<Url> {
    if host.is_empty() || host.contains(['/', '?', '#', '@', '\\', ' ']) {
        return None;
    }
    let url = Url::parse(&format!("http://{host}/")).ok()?;
    url.host()?;
    Some(url)
}

/// The host the request names, normalised (lower case, international names
/// as punycode, no trailing dot).
fn request_host(headers: &HeaderMap) -> Option<Host<String>> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let url = host_url(host)?;
    Some(match url.host()? {
        Host::Domain(name) => Host::Domain(name.trim_end_matches('.').to_owned()),
        Host::Ipv4(ip) => Host::Ipv4(ip),
        Host::Ipv6(ip) => Host::Ipv6(ip),
    })
}

fn host_name(host: &Host<&str>) -> String {
    match host {
        Host::Domain(name) => name.trim_end_matches('.').to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn public(url: &str, allowed: &[&str]) -> OriginPolicy {
        let mut trusted: Vec<String> = allowed.iter().map(|s| (*s).to_owned()).collect();
        trusted.push(url.to_owned());
        OriginPolicy::new(Some(url), &trusted).unwrap()
    }

    #[test]
    fn without_a_public_url_the_own_origin_is_plain_http_on_the_requested_host() {
        let p = OriginPolicy::new(None, &[]).unwrap();
        let own = |origin: &str, host: &str| {
            p.same_origin(&headers(&[("host", host), ("origin", origin)]))
        };
        assert!(own("http://127.0.0.1:8080", "127.0.0.1:8080"));
        assert!(
            own("http://CHAT.example:80", "chat.example"),
            "case and default port"
        );
        assert!(
            !own("https://127.0.0.1:8080", "127.0.0.1:8080"),
            "another scheme"
        );
        assert!(
            !own("http://127.0.0.1:8081", "127.0.0.1:8080"),
            "another port"
        );
        assert!(!own("http://evil.example", "127.0.0.1:8080"));
        assert!(!own("null", "127.0.0.1:8080"));
        assert!(!own("http://127.0.0.1:8080", "127.0.0.1:8080/x@evil"));
    }

    #[test]
    fn with_a_public_url_only_its_whole_origin_and_the_allowed_ones_pass() {
        let p = public("https://chat.test/app", &["https://Bücher.example:8443"]);
        let from =
            |origin: &str| p.same_origin(&headers(&[("host", "chat.test"), ("origin", origin)]));
        assert!(from("https://chat.test"));
        assert!(from("https://chat.test:443"));
        assert!(!from("http://chat.test"), "the scheme counts");
        assert!(!from("https://chat.test:8443"), "the port counts");
        assert!(
            from("https://xn--bcher-kva.example:8443"),
            "IDN as the browser sends it"
        );
        let rebound = headers(&[("host", "evil.example"), ("origin", "http://evil.example")]);
        assert!(
            !p.same_origin(&rebound),
            "the Host is not the server's origin"
        );
    }

    #[test]
    fn with_a_public_url_other_host_names_are_refused() {
        let p = public("https://Chat.Test", &["https://bücher.example"]);
        let host = |h: &str| p.host_allowed(&headers(&[("host", h)]));
        assert!(host("chat.test") && host("CHAT.TEST:443") && host("chat.test."));
        assert!(host("xn--bcher-kva.example"));
        assert!(host("127.0.0.1:8080") && host("[::1]:8080") && host("localhost:8080"));
        assert!(!host("evil.example") && !host("chat.test.evil.example"));
        assert!(!p.host_allowed(&HeaderMap::new()), "no Host at all");
        assert!(OriginPolicy::new(None, &[])
            .unwrap()
            .host_allowed(&headers(&[("host", "evil.example")])));
    }

    #[test]
    fn without_origin_the_fetch_site_header_decides() {
        let p = OriginPolicy::new(None, &[]).unwrap();
        assert!(!p.same_origin(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(p.same_origin(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(p.same_origin(&HeaderMap::new()));
    }

    #[test]
    fn plain_http_is_warned_about_and_https_is_not() {
        let cookies = |w: Option<&str>| w.is_some_and(|w| w.contains("not marked Secure"));
        assert!(cookies(start_up_warning(None, false)));
        assert!(cookies(start_up_warning(Some("http://chat.test"), false)));
        assert!(
            !cookies(start_up_warning(None, true)),
            "TLS or a trusted proxy"
        );
        assert!(start_up_warning(None, true)
            .unwrap()
            .contains("any host name"));
        assert_eq!(start_up_warning(Some("https://chat.test"), false), None);
    }

    #[test]
    fn a_configured_origin_that_is_not_one_is_an_error() {
        assert!(OriginPolicy::new(None, &["chat.example.com".into()]).is_err());
        assert!(OriginPolicy::new(Some("ftp://chat.example.com"), &[]).is_err());
    }
}
