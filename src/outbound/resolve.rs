//! Name resolution for outgoing requests, and the guard applied to its
//! answers: the HTTP client connects only to addresses that came out of
//! [`GuardedResolver`], so the address checked is the address connected to
//! (one resolution per connection: no DNS rebinding between check and use).

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use async_trait::async_trait;

use super::guard::{is_localhost_name, AddressPolicy, Refused, LOCALHOST};

/// Turns a host name into addresses. The real one asks the system
/// ([`SystemResolver`]); tests use [`StaticResolver`] so no query leaves the
/// machine.
#[async_trait]
pub trait Resolver: Send + Sync + 'static {
    async fn resolve(&self, host: &str) -> io::Result<Vec<IpAddr>>;
}

/// The operating system's resolver (getaddrinfo on a blocking thread).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemResolver;

#[async_trait]
impl Resolver for SystemResolver {
    async fn resolve(&self, host: &str) -> io::Result<Vec<IpAddr>> {
        let addrs = tokio::net::lookup_host((host, 0)).await?;
        Ok(addrs.map(|a| a.ip()).collect())
    }
}

/// A fixed table of names; any other name fails as "not found". For tests,
/// and for pinning names in a closed network.
#[derive(Debug, Clone, Default)]
pub struct StaticResolver {
    names: HashMap<String, Vec<IpAddr>>,
}

impl StaticResolver {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) `host`'s answer.
    #[must_use]
    pub fn with(mut self, host: &str, addrs: &[IpAddr]) -> Self {
        self.names.insert(host.to_ascii_lowercase(), addrs.to_vec());
        self
    }
}

#[async_trait]
impl Resolver for StaticResolver {
    async fn resolve(&self, host: &str) -> io::Result<Vec<IpAddr>> {
        self.names
            .get(&host.to_ascii_lowercase())
            .cloned()
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("{host} is not in the static table"),
                )
            })
    }
}

/// Why a name gave no address a request may use.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ResolveError {
    #[error("could not resolve {host}: {detail}")]
    Lookup { host: String, detail: String },
    #[error("{host} resolved to no address")]
    Empty { host: String },
    /// Every address the name resolved to was refused (the first is named).
    #[error("{}", describe_refusal(.host, .refused))]
    Refused { host: String, refused: Refused },
}

fn describe_refusal(host: &str, refused: &Refused) -> String {
    if host.parse::<IpAddr>().ok() == Some(refused.addr) {
        refused.to_string()
    } else {
        format!(
            "{host} resolves to {}, {}; {}",
            refused.addr,
            refused.reason,
            super::guard::REFUSAL_HINT
        )
    }
}

/// A [`Resolver`] whose answers pass through an [`AddressPolicy`]. Refused
/// addresses are dropped; if none is left the name is refused. `localhost`
/// names resolve to loopback without asking the resolver.
#[derive(Clone)]
pub struct GuardedResolver {
    inner: Arc<dyn Resolver>,
    policy: AddressPolicy,
}

impl GuardedResolver {
    pub fn new(inner: Arc<dyn Resolver>, policy: AddressPolicy) -> Self {
        Self { inner, policy }
    }

    pub fn policy(&self) -> &AddressPolicy {
        &self.policy
    }

    /// The addresses of `host` that a request may connect to, in the
    /// resolver's order; never empty.
    pub async fn resolve_checked(&self, host: &str) -> Result<Vec<IpAddr>, ResolveError> {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let addrs = if is_localhost_name(host) {
            LOCALHOST.to_vec()
        } else if let Ok(ip) = host.parse::<IpAddr>() {
            vec![ip]
        } else {
            self.inner
                .resolve(host)
                .await
                .map_err(|e| ResolveError::Lookup {
                    host: host.to_owned(),
                    detail: e.to_string(),
                })?
        };
        let mut first_refusal = None;
        let allowed: Vec<IpAddr> = addrs
            .into_iter()
            .filter(|&addr| match self.policy.check(addr) {
                Ok(_) => true,
                Err(refused) => {
                    first_refusal.get_or_insert(refused);
                    false
                }
            })
            .collect();
        match (allowed.is_empty(), first_refusal) {
            (false, _) => Ok(allowed),
            (true, Some(refused)) => Err(ResolveError::Refused {
                host: host.to_owned(),
                refused,
            }),
            (true, None) => Err(ResolveError::Empty {
                host: host.to_owned(),
            }),
        }
    }
}

/// The seam into reqwest's connector: every connection the client makes
/// resolves here, and reqwest connects to exactly these socket addresses.
impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let this = self.clone();
        Box::pin(async move {
            let addrs = this.resolve_checked(name.as_str()).await?;
            let addrs: reqwest::dns::Addrs =
                Box::new(addrs.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn stub() -> StaticResolver {
        StaticResolver::new()
            .with("loopback.test", &[ip("127.0.0.1")])
            .with("private.test", &[ip("10.0.0.7")])
            .with("metadata.test", &[ip("169.254.169.254")])
            .with("v6-loopback.test", &[ip("::1")])
            .with("mapped.test", &[ip("::ffff:127.0.0.1")])
            .with("public.test", &[ip("93.184.216.34")])
            .with("mixed.test", &[ip("10.0.0.7"), ip("93.184.216.34")])
    }

    fn guarded(policy: AddressPolicy) -> GuardedResolver {
        GuardedResolver::new(Arc::new(stub()), policy)
    }

    #[tokio::test]
    async fn a_name_resolving_to_a_non_public_address_is_refused() {
        let guard = guarded(AddressPolicy::public_only());
        for host in [
            "loopback.test",
            "private.test",
            "metadata.test",
            "v6-loopback.test",
            "mapped.test",
        ] {
            let err = guard.resolve_checked(host).await.unwrap_err();
            assert!(matches!(err, ResolveError::Refused { .. }), "{host}: {err}");
            assert!(
                err.to_string().starts_with(&format!("{host} resolves to ")),
                "{err}"
            );
            assert!(
                err.to_string().ends_with("unless an admin allows it"),
                "{err}"
            );
        }
    }

    #[tokio::test]
    async fn address_literals_and_localhost_are_judged_without_the_resolver() {
        let guard = guarded(AddressPolicy::public_only());
        for host in [
            "127.0.0.1",
            "10.1.1.1",
            "169.254.1.1",
            "[::1]",
            "::ffff:127.0.0.1",
            "localhost",
            "x.localhost",
        ] {
            assert!(
                matches!(
                    guard.resolve_checked(host).await,
                    Err(ResolveError::Refused { .. })
                ),
                "{host}"
            );
        }
    }

    #[tokio::test]
    async fn allowing_loopback_lets_loopback_names_through_but_not_private_ones() {
        let guard = guarded(AddressPolicy::parse(&["127.0.0.0/8", "::1/128"]).unwrap());
        assert_eq!(
            guard.resolve_checked("loopback.test").await.unwrap(),
            [ip("127.0.0.1")]
        );
        assert_eq!(
            guard.resolve_checked("mapped.test").await.unwrap(),
            [ip("::ffff:127.0.0.1")]
        );
        assert_eq!(guard.resolve_checked("localhost").await.unwrap(), LOCALHOST);
        assert!(guard.resolve_checked("private.test").await.is_err());
        assert!(guard.resolve_checked("metadata.test").await.is_err());
    }

    #[tokio::test]
    async fn refused_addresses_are_dropped_from_a_mixed_answer() {
        let guard = guarded(AddressPolicy::public_only());
        assert_eq!(
            guard.resolve_checked("mixed.test").await.unwrap(),
            [ip("93.184.216.34")]
        );
        assert_eq!(
            guard.resolve_checked("public.test").await.unwrap(),
            [ip("93.184.216.34")]
        );
    }

    #[tokio::test]
    async fn an_unknown_name_is_a_lookup_error() {
        let err = guarded(AddressPolicy::public_only())
            .resolve_checked("nowhere.test")
            .await
            .unwrap_err();
        assert!(matches!(err, ResolveError::Lookup { .. }), "{err}");
    }

    /// A resolver that answers differently every time, as a rebinding
    /// attacker's DNS would; counts the questions.
    struct Rebinding(AtomicUsize);

    #[async_trait]
    impl Resolver for Rebinding {
        async fn resolve(&self, _host: &str) -> io::Result<Vec<IpAddr>> {
            let n = self.0.fetch_add(1, Ordering::SeqCst);
            Ok(vec![if n.is_multiple_of(2) {
                ip("93.184.216.34")
            } else {
                ip("127.0.0.1")
            }])
        }
    }

    #[tokio::test]
    async fn the_checked_answer_is_the_one_handed_to_the_connector() {
        let rebinding = Arc::new(Rebinding(AtomicUsize::new(0)));
        let guard = GuardedResolver::new(rebinding.clone(), AddressPolicy::public_only());
        let name: reqwest::dns::Name = "rebind.test".parse().unwrap();
        let addrs: Vec<SocketAddr> = reqwest::dns::Resolve::resolve(&guard, name)
            .await
            .unwrap()
            .collect();
        assert_eq!(addrs, [SocketAddr::new(ip("93.184.216.34"), 0)]);
        assert_eq!(
            rebinding.0.load(Ordering::SeqCst),
            1,
            "one question per connection"
        );
        let name: reqwest::dns::Name = "rebind.test".parse().unwrap();
        assert!(
            reqwest::dns::Resolve::resolve(&guard, name).await.is_err(),
            "the rebound answer is refused"
        );
    }
}
