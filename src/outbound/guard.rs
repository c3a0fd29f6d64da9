//! The SSRF guard: which IP addresses an outgoing request to a user-given URL
//! may reach. Checked on the *resolved* address, never on the name alone.
//!
//! Everything that is not globally reachable is refused: loopback, private
//! (RFC 1918, fc00::/7), link-local, unspecified, multicast, broadcast,
//! carrier-grade NAT (100.64/10), documentation, benchmarking and reserved
//! ranges, and IPv6 forms that carry one of those IPv4 addresses
//! (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`, NAT64
//! `64:ff9b::/96`, 6to4 `2002::/16`, Teredo). An admin may allow listed CIDRs
//! (an intranet webhook receiver, or loopback in tests); an allowed CIDR wins
//! over every refusal.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

pub(crate) const REFUSAL_HINT: &str =
    "outgoing requests may only go to public addresses unless an admin allows it";

/// Why an address was refused, in a sentence a person understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{addr} is {reason}; {REFUSAL_HINT}")]
pub struct Refused {
    /// The address as resolved (before unwrapping an IPv4-mapped form).
    pub addr: IpAddr,
    /// What kind of address it is ("a loopback address", ...).
    pub reason: String,
}

/// The admin's policy for outgoing addresses: public addresses, plus the
/// listed CIDRs. Cheap to clone.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct AddressPolicy {
    allow: Vec<IpNet>,
}

impl fmt::Debug for AddressPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.allow.iter().map(ToString::to_string))
            .finish()
    }
}

impl AddressPolicy {
    /// Public addresses only: the default, and what every deployment should
    /// run with unless it knows why not.
    pub fn public_only() -> Self {
        Self::default()
    }

    /// Public addresses plus `allow` (checked first, so `127.0.0.0/8` here
    /// lets tests reach a local receiver).
    pub fn allowing(allow: Vec<IpNet>) -> Self {
        Self { allow }
    }

    /// Parses an admin's list such as `["10.1.0.0/16", "::1/128"]`; a bare
    /// address means just that address.
    pub fn parse<S: AsRef<str>>(cidrs: &[S]) -> Result<Self, String> {
        let allow = cidrs
            .iter()
            .map(|text| {
                let text = text.as_ref().trim();
                text.parse::<IpNet>()
                    .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        format!("{text:?} is not an IP address or CIDR range (like 10.1.0.0/16)")
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { allow })
    }

    /// The CIDRs the admin allowed.
    pub fn allowed(&self) -> &[IpNet] {
        &self.allow
    }

    /// `Ok(addr)` when a request may connect to `addr`. An IPv4-mapped IPv6
    /// address is judged (and allowed) as the IPv4 address it carries.
    pub fn check(&self, addr: IpAddr) -> Result<IpAddr, Refused> {
        let canonical = match addr {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(addr, IpAddr::V4),
            IpAddr::V4(_) => addr,
        };
        if self
            .allow
            .iter()
            .any(|net| net.contains(&canonical) || net.contains(&addr))
        {
            return Ok(addr);
        }
        match special_reason(canonical) {
            None => Ok(addr),
            Some(reason) => Err(Refused { addr, reason }),
        }
    }
}

/// True for `localhost` and `*.localhost` (RFC 6761): such names are taken to
/// mean loopback without asking DNS, so they are refused exactly when
/// loopback is.
pub fn is_localhost_name(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost" || host.ends_with(".localhost")
}

/// The addresses a localhost name stands for.
pub(crate) const LOCALHOST: [IpAddr; 2] = [
    IpAddr::V4(Ipv4Addr::LOCALHOST),
    IpAddr::V6(Ipv6Addr::LOCALHOST),
];

fn special_reason(addr: IpAddr) -> Option<String> {
    match addr {
        IpAddr::V4(v4) => v4_reason(v4).map(str::to_owned),
        IpAddr::V6(v6) => v6_reason(v6),
    }
}

fn v4_reason(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        _ if ip.is_broadcast() => "the broadcast address",
        (0, _, _) => "an unspecified (\"this network\") address",
        (10, _, _) | (172, 16..=31, _) | (192, 168, _) => "a private address (RFC 1918)",
        (100, 64..=127, _) => "a carrier-grade NAT address (100.64.0.0/10)",
        (127, _, _) => "a loopback address",
        (169, 254, _) => "a link-local address",
        (192, 0, 0) => "an IETF protocol address (192.0.0.0/24)",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "a documentation address",
        (198, 18..=19, _) => "a benchmarking address (198.18.0.0/15)",
        (224..=239, _, _) => "a multicast address",
        (240..=255, _, _) => "a reserved address (240.0.0.0/4)",
        _ => return None,
    })
}

fn v6_reason(ip: Ipv6Addr) -> Option<String> {
    let embedded = |high: u16, low: u16| {
        let [first, second] = high.to_be_bytes();
        let [third, fourth] = low.to_be_bytes();
        Ipv4Addr::new(first, second, third, fourth)
    };
    let carries = |kind: &str, v4: Ipv4Addr| {
        v4_reason(v4).map(|why| format!("{kind} of {v4}, which is {why}"))
    };
    if ip.is_unspecified() {
        return Some("the unspecified address".into());
    }
    if ip.is_loopback() {
        return Some("a loopback address".into());
    }
    Some(match ip.segments() {
        // ::a.b.c.d, deprecated and never routed.
        [0, 0, 0, 0, 0, 0, _, _] => "an IPv4-compatible address (::/96)".into(),
        // NAT64 gateways translate these to the IPv4 address they carry.
        [0x64, 0xff9b, 0, 0, 0, 0, h, l] => return carries("a NAT64 address", embedded(h, l)),
        [0x64, 0xff9b, 1, ..] => "a local-use NAT64 address (64:ff9b:1::/48)".into(),
        [0x2002, h, l, ..] => return carries("a 6to4 address", embedded(h, l)),
        [0x2001, 0, ..] => "a Teredo tunnel address (2001::/32)".into(),
        [0x2001, 0xdb8, ..] => "a documentation address (2001:db8::/32)".into(),
        [0x100, 0, 0, 0, ..] => "a discard-only address (100::/64)".into(),
        [first, ..] if first & 0xfe00 == 0xfc00 => {
            "a private address (unique local, fc00::/7)".into()
        }
        [first, ..] if first & 0xffc0 == 0xfe80 => "a link-local address (fe80::/10)".into(),
        [first, ..] if first & 0xffc0 == 0xfec0 => "a site-local address (fec0::/10)".into(),
        [first, ..] if first & 0xff00 == 0xff00 => "a multicast address".into(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(policy: &AddressPolicy, addr: &str) -> bool {
        policy.check(addr.parse().unwrap()).is_err()
    }

    #[test]
    fn loopback_private_and_link_local_addresses_are_refused() {
        let policy = AddressPolicy::public_only();
        for addr in [
            "127.0.0.1",
            "127.1.2.3",
            "10.0.0.5",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "240.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a00:1",
            "2002:a00:1::1",
            "2001::1",
        ] {
            assert!(refused(&policy, addr), "{addr} must be refused");
        }
    }

    #[test]
    fn public_addresses_pass() {
        let policy = AddressPolicy::public_only();
        for addr in [
            "93.184.216.34",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "169.255.0.1",
            "2606:4700::1111",
            "::ffff:93.184.216.34",
            "64:ff9b::5db8:d822",
            "2002:5db8:d822::1",
        ] {
            assert!(!refused(&policy, addr), "{addr} must pass");
        }
    }

    #[test]
    fn the_refusal_says_what_kind_of_address_it_was() {
        let err = AddressPolicy::public_only()
            .check("10.1.2.3".parse().unwrap())
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("10.1.2.3 is a private address (RFC 1918)"),
            "{err}"
        );
        let err = AddressPolicy::public_only()
            .check("::ffff:127.0.0.1".parse().unwrap())
            .unwrap_err();
        assert!(err.to_string().contains("loopback"), "{err}");
        let err = AddressPolicy::public_only()
            .check("64:ff9b::7f00:1".parse().unwrap())
            .unwrap_err();
        assert!(
            err.to_string().contains("NAT64 address of 127.0.0.1"),
            "{err}"
        );
    }

    #[test]
    fn an_allowed_cidr_lets_its_addresses_through_and_no_others() {
        let policy = AddressPolicy::parse(&["127.0.0.0/8", "::1", "10.1.0.0/16"]).unwrap();
        for addr in ["127.0.0.1", "::1", "::ffff:127.0.0.1", "10.1.2.3"] {
            assert!(!refused(&policy, addr), "{addr} must be allowed");
        }
        for addr in ["10.2.0.1", "192.168.1.1", "169.254.169.254", "fe80::1"] {
            assert!(refused(&policy, addr), "{addr} must still be refused");
        }
    }

    #[test]
    fn a_bad_allow_list_entry_is_named_in_the_error() {
        let err = AddressPolicy::parse(&["10.0.0.0/8", "intranet"]).unwrap_err();
        assert!(err.contains("\"intranet\""), "{err}");
    }

    #[test]
    fn localhost_names_are_recognised_in_any_case_and_with_a_trailing_dot() {
        for name in ["localhost", "LOCALHOST.", "api.localhost", "a.b.Localhost"] {
            assert!(is_localhost_name(name), "{name}");
        }
        for name in ["localhost.example.com", "mylocalhost", "example.com"] {
            assert!(!is_localhost_name(name), "{name}");
        }
    }
}
