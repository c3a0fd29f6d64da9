//! The bounded HTTP client for user-given URLs: guarded resolution, connect
//! and total timeouts, a cap on how much of a response is read, redirects
//! only to checked addresses, no proxies from the environment.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use reqwest::{redirect, StatusCode};
use url::{Host, Url};

use super::guard::AddressPolicy;
use super::resolve::{GuardedResolver, ResolveError, Resolver, SystemResolver};

/// How outgoing requests are bounded. `Default` is what production uses
/// with only the admin's allow list to fill in.
#[derive(Debug, Clone)]
pub struct OutboundConfig {
    /// Which addresses may be reached (the admin's allowed CIDRs).
    pub policy: AddressPolicy,
    /// Time to set up TCP (and TLS) with one address.
    pub connect_timeout: Duration,
    /// Time for the whole exchange, from connecting to the end of the body.
    pub total_timeout: Duration,
    /// At most this many bytes of a response body are read; the rest is
    /// dropped with the connection and the reply is marked `truncated`.
    pub max_response_bytes: usize,
    /// Redirects followed (each to a checked address); 0 returns the 3xx.
    /// A followed 301/302/303 turns the POST into a GET without its body
    /// (as browsers do), so webhooks keep 0 and report the 3xx.
    pub max_redirects: usize,
    /// Sent as `User-Agent`.
    pub user_agent: String,
    /// Extra trust roots (PEM), for push services or receivers behind a
    /// private CA. The Mozilla roots (webpki-roots) are always trusted.
    pub extra_roots_pem: Vec<Vec<u8>>,
}

impl Default for OutboundConfig {
    fn default() -> Self {
        Self {
            policy: AddressPolicy::public_only(),
            connect_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(15),
            max_response_bytes: 64 * 1024,
            max_redirects: 0,
            user_agent: concat!("Natter/", env!("CARGO_PKG_VERSION")).to_owned(),
            extra_roots_pem: Vec::new(),
        }
    }
}

/// What went wrong with an outgoing request, by what the caller does next.
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    /// Not an absolute http(s) URL with a host (or has a user:password part).
    #[error("{0}")]
    InvalidUrl(String),
    /// The SSRF guard refused the target (or a redirect's target).
    #[error(transparent)]
    Refused(ResolveError),
    /// The name did not resolve.
    #[error(transparent)]
    Resolve(ResolveError),
    #[error("the request to {host} timed out")]
    Timeout { host: String },
    /// Connecting, TLS, or the exchange failed.
    #[error("the request to {host} failed: {detail}")]
    Transport { host: String, detail: String },
    /// The client could not be built (a bad extra root, say).
    #[error("outgoing HTTP client: {0}")]
    Setup(String),
}

impl OutboundError {
    /// True when the target itself is not allowed: retrying cannot help.
    pub fn is_refused(&self) -> bool {
        matches!(self, Self::Refused(_) | Self::InvalidUrl(_))
    }
}

/// A URL refused when a person enters it becomes a 400 with the refusal's
/// sentence; failing to reach a URL is the receiver's problem, never the
/// caller's request's, so it is internal.
impl From<OutboundError> for crate::error::Error {
    fn from(err: OutboundError) -> Self {
        match err {
            OutboundError::InvalidUrl(_)
            | OutboundError::Refused(_)
            | OutboundError::Resolve(_) => Self::Invalid {
                code: "url_not_allowed",
                message: err.to_string(),
            },
            _ => Self::Internal(anyhow::Error::new(err)),
        }
    }
}

/// A response, read up to the cap.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// At most `max_response_bytes` of the body.
    pub body: Vec<u8>,
    /// The body was longer than the cap.
    pub truncated: bool,
    /// From sending the request to the end of the body read.
    pub elapsed: Duration,
}

/// The client every outgoing request to a user-given URL goes through.
/// Cheap to clone (one connection pool shared by the clones).
#[derive(Clone)]
pub struct OutboundClient {
    http: reqwest::Client,
    resolver: GuardedResolver,
    max_response_bytes: usize,
    total_timeout: Duration,
}

impl OutboundClient {
    /// A client over the system resolver.
    pub fn new(config: OutboundConfig) -> Result<Self, OutboundError> {
        Self::with_resolver(config, Arc::new(SystemResolver))
    }

    /// A client over `resolver` (tests pass a [`super::StaticResolver`]).
    pub fn with_resolver(
        config: OutboundConfig,
        resolver: Arc<dyn Resolver>,
    ) -> Result<Self, OutboundError> {
        let resolver = GuardedResolver::new(resolver, config.policy.clone());
        let redirects = if config.max_redirects == 0 {
            redirect::Policy::none()
        } else {
            let (policy, max) = (config.policy.clone(), config.max_redirects);
            // Names in a redirect go through the guarded resolver when the
            // client connects; address literals never reach a resolver, so
            // they are checked here.
            redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() > max {
                    return attempt.error(format!("more than {max} redirects"));
                }
                match literal_refusal(attempt.url(), &policy) {
                    Some(err) => attempt.error(err),
                    None => attempt.follow(),
                }
            })
        };
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .dns_resolver(Arc::new(resolver.clone()))
            // A proxy from HTTP_PROXY would connect instead of the checked address.
            .no_proxy()
            .redirect(redirects)
            .referer(false)
            .connect_timeout(config.connect_timeout)
            .timeout(config.total_timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            .user_agent(config.user_agent);
        for pem in &config.extra_roots_pem {
            let cert = reqwest::Certificate::from_pem(pem)
                .map_err(|e| OutboundError::Setup(e.to_string()))?;
            builder = builder.add_root_certificate(cert);
        }
        let http = builder
            .build()
            .map_err(|e| OutboundError::Setup(e.to_string()))?;
        Ok(Self {
            http,
            resolver,
            max_response_bytes: config.max_response_bytes,
            total_timeout: config.total_timeout,
        })
    }

    /// The address policy in force.
    pub fn policy(&self) -> &AddressPolicy {
        self.resolver.policy()
    }

    /// Checks a URL as a person enters it (when a hook is made): an absolute
    /// http(s) URL, without credentials, whose host resolves now to at
    /// least one allowed address. Sending checks again, since DNS changes.
    pub async fn check_url(&self, url: &str) -> Result<Url, OutboundError> {
        let url = parse_target(url)?;
        let host = url.host_str().unwrap_or_default();
        // A resolver that never answers must not hold the person's request.
        tokio::time::timeout(self.total_timeout, self.resolver.resolve_checked(host))
            .await
            .map_err(|_| OutboundError::Timeout {
                host: host.to_owned(),
            })?
            .map_err(classify_resolve)?;
        Ok(url)
    }

    /// POSTs `body` to `url` with `headers` and reads the reply up to the
    /// cap. Any status is a `Reply`; only failing to get one is an error.
    /// `body` is anything reqwest sends without copying (a `Vec<u8>`, or
    /// `Bytes` sharing a webhook event's encoded JSON).
    pub async fn post(
        &self,
        url: &Url,
        headers: HeaderMap,
        body: impl Into<reqwest::Body>,
    ) -> Result<Reply, OutboundError> {
        self.send(url, self.http.post(url.clone()).headers(headers).body(body))
            .await
    }

    /// GETs `url` with `headers` (an OpenID provider's discovery document
    /// or keys, say), bounded and checked like [`Self::post`].
    pub async fn get(&self, url: &Url, headers: HeaderMap) -> Result<Reply, OutboundError> {
        self.send(url, self.http.get(url.clone()).headers(headers))
            .await
    }

    async fn send(
        &self,
        url: &Url,
        request: reqwest::RequestBuilder,
    ) -> Result<Reply, OutboundError> {
        check_target(url)?;
        let host = url.host_str().unwrap_or_default().to_owned();
        // reqwest does not resolve address literals, so judge them here.
        if let Some(refusal) = literal_refusal(url, self.policy()) {
            return Err(OutboundError::Refused(refusal));
        }
        let started = Instant::now();
        let mut response = request.send().await.map_err(|e| classify(&host, &e))?;
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        let mut body = Vec::new();
        let mut truncated = false;
        while let Some(chunk) = response.chunk().await.map_err(|e| classify(&host, &e))? {
            let room = self.max_response_bytes - body.len();
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                truncated = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Reply {
            status,
            headers,
            body,
            truncated,
            elapsed: started.elapsed(),
        })
    }
}

/// An absolute http(s) URL with a host and no credentials.
pub fn parse_target(text: &str) -> Result<Url, OutboundError> {
    let url = Url::parse(text)
        .map_err(|_| OutboundError::InvalidUrl(format!("{text:?} is not a valid URL")))?;
    check_target(&url)?;
    Ok(url)
}

/// What [`parse_target`] checks, on a parsed URL (no second parse per send).
fn check_target(url: &Url) -> Result<(), OutboundError> {
    let invalid = |why: &str| OutboundError::InvalidUrl(format!("{:?} {why}", url.as_str()));
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("must start with http:// or https://"));
    }
    if url.host().is_none() {
        return Err(invalid("has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("must not contain a user name or password"));
    }
    Ok(())
}

/// The refusal for a URL whose host is an address literal the policy does
/// not allow. Names (`localhost` too) are judged by the guarded resolver
/// when reqwest connects; literals never reach a resolver.
fn literal_refusal(url: &Url, policy: &AddressPolicy) -> Option<ResolveError> {
    let addr: IpAddr = match url.host()? {
        Host::Ipv4(v4) => v4.into(),
        Host::Ipv6(v6) => v6.into(),
        Host::Domain(_) => return None,
    };
    let refused = policy.check(addr).err()?;
    Some(ResolveError::Refused {
        host: addr.to_string(),
        refused,
    })
}

fn classify_resolve(err: ResolveError) -> OutboundError {
    match err {
        ResolveError::Refused { .. } => OutboundError::Refused(err),
        ResolveError::Lookup { .. } | ResolveError::Empty { .. } => OutboundError::Resolve(err),
    }
}

/// Finds our resolver's verdict inside reqwest's error chain, so a refusal
/// reads as one rather than as "error sending request".
fn classify(host: &str, err: &reqwest::Error) -> OutboundError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        if let Some(resolve) = e.downcast_ref::<ResolveError>() {
            return classify_resolve(resolve.clone());
        }
        source = e.source();
    }
    if err.is_timeout() {
        return OutboundError::Timeout {
            host: host.to_owned(),
        };
    }
    let mut detail = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(e) = source {
        detail = format!("{detail}: {e}");
        source = e.source();
    }
    OutboundError::Transport {
        host: host.to_owned(),
        detail,
    }
}
