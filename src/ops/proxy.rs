//! Who the client is behind reverse proxies. Only a connection from a
//! trusted proxy (`--trusted-proxy CIDR`) has its `Forwarded` /
//! `X-Forwarded-For` / `X-Forwarded-Proto` headers believed; anyone else
//! could write them, and would then pick their own rate-limit key.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use axum::http::HeaderMap;

/// An address block such as `10.0.0.0/8`, `::1/128` or one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// `::ffff:1.2.3.4` is 1.2.3.4 (a dual-stack listener reports it so).
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 @ IpAddr::V4(_) => v4,
    }
}

impl FromStr for Cidr {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().map_err(|_| ())?)),
            None => (s, None),
        };
        let network = canonical(addr.parse::<IpAddr>().map_err(|_| ())?);
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return Err(());
        }
        Ok(Self { network, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// Where a request really came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client {
    pub ip: IpAddr,
    /// Reached us over HTTPS (our own TLS, or a trusted proxy's word).
    pub https: bool,
}

/// The proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<Cidr>);

impl From<Vec<Cidr>> for TrustedProxies {
    fn from(blocks: Vec<Cidr>) -> Self {
        Self(blocks)
    }
}

impl From<TrustedProxies> for Vec<Cidr> {
    fn from(proxies: TrustedProxies) -> Self {
        proxies.0
    }
}

impl TrustedProxies {
    /// No proxy is trusted: requests reach the server as they were sent.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn new(blocks: Vec<Cidr>) -> Self {
        Self(blocks)
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|c| c.contains(ip))
    }

    /// The client of a request that came from `peer` (over TLS if `tls`).
    /// Behind trusted proxies, the chain of forwarded addresses is read
    /// from the nearest hop back, skipping trusted proxies: the first
    /// address not trusted is the client (anything further left could be
    /// made up by that client).
    pub fn client(&self, peer: IpAddr, tls: bool, headers: &HeaderMap) -> Client {
        let mut client = Client {
            ip: canonical(peer),
            https: tls,
        };
        if !self.trusts(client.ip) {
            return client;
        }
        let (chain, proto) = forwarded(headers);
        for ip in chain.iter().rev() {
            client.ip = *ip;
            if !self.trusts(*ip) {
                break;
            }
        }
        if let Some(proto) = proto {
            client.https = proto.eq_ignore_ascii_case("https");
        }
        client
    }
}

/// The forwarded-for chain (oldest first) and the protocol the nearest
/// proxy says the client used: `Forwarded` (RFC 7239) when present, else
/// `X-Forwarded-For` and `X-Forwarded-Proto`.
fn forwarded(headers: &HeaderMap) -> (Vec<IpAddr>, Option<String>) {
    let values = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let elements = values("forwarded");
    if !elements.is_empty() {
        let mut chain = Vec::new();
        let mut proto = None;
        for element in &elements {
            for pair in element.split(';') {
                let Some((key, value)) = pair.trim().split_once('=') else {
                    continue;
                };
                let value = value.trim().trim_matches('"');
                if key.trim().eq_ignore_ascii_case("for") {
                    if let Some(ip) = node_ip(value) {
                        chain.push(ip);
                    }
                } else if key.trim().eq_ignore_ascii_case("proto") {
                    proto = Some(value.to_owned());
                }
            }
        }
        return (chain, proto);
    }
    let chain = values("x-forwarded-for")
        .iter()
        .filter_map(|v| node_ip(v))
        .collect();
    (chain, values("x-forwarded-proto").pop())
}

/// `1.2.3.4`, `1.2.3.4:5678`, `[2001:db8::1]:443` or `2001:db8::1`.
fn node_ip(node: &str) -> Option<IpAddr> {
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok().map(canonical);
    }
    node.rsplit_once(':')?.0.parse().ok().map(canonical)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn blocks_contain_what_they_should() {
        let net: Cidr = "10.1.0.0/16".parse().unwrap();
        assert!(net.contains(ip("10.1.200.3")));
        assert!(!net.contains(ip("10.2.0.1")));
        assert!(net.contains(ip("::ffff:10.1.0.9")));
        let one: Cidr = "::1".parse().unwrap();
        assert!(one.contains(ip("::1")) && !one.contains(ip("::2")));
        assert!("0.0.0.0/0".parse::<Cidr>().unwrap().contains(ip("8.8.8.8")));
        assert!("10.0.0.0/33".parse::<Cidr>().is_err());
        assert!("ten".parse::<Cidr>().is_err());
    }

    #[test]
    fn an_untrusted_sender_s_forwarding_headers_are_ignored() {
        let proxies = TrustedProxies::new(vec!["127.0.0.1".parse().unwrap()]);
        let h = headers(&[
            ("x-forwarded-for", "6.6.6.6"),
            ("x-forwarded-proto", "https"),
        ]);
        let c = proxies.client(ip("192.0.2.7"), false, &h);
        assert_eq!(
            c,
            Client {
                ip: ip("192.0.2.7"),
                https: false
            }
        );
    }

    #[test]
    fn a_trusted_proxy_s_chain_is_read_from_the_nearest_hop_back() {
        let proxies = TrustedProxies::new(vec!["10.0.0.0/8".parse().unwrap()]);
        // The client made up the first entry; 203.0.113.5 reached our proxies.
        let h = headers(&[
            ("x-forwarded-for", "6.6.6.6, 203.0.113.5"),
            ("x-forwarded-for", "10.0.0.2"),
            ("x-forwarded-proto", "https"),
        ]);
        let c = proxies.client(ip("10.0.0.1"), false, &h);
        assert_eq!(
            c,
            Client {
                ip: ip("203.0.113.5"),
                https: true
            }
        );
    }

    #[test]
    fn the_standard_forwarded_header_wins_over_the_x_headers() {
        let proxies = TrustedProxies::new(vec!["127.0.0.1".parse().unwrap()]);
        let h = headers(&[
            (
                "forwarded",
                "for=\"[2001:db8::7]:4711\";proto=https, for=127.0.0.1",
            ),
            ("x-forwarded-for", "6.6.6.6"),
        ]);
        let c = proxies.client(ip("127.0.0.1"), false, &h);
        assert_eq!(
            c,
            Client {
                ip: ip("2001:db8::7"),
                https: true
            }
        );
    }
}
