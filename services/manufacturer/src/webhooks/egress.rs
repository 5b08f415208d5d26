//! Where webhooks may go: never inward.
//!
//! A manufacturer names its endpoint's URL, and this service then POSTs to it from inside the
//! operator's network. Without a check the deliveries listing would report what answers on
//! `127.0.0.1:5432`, `169.254.169.254` or `10.0.0.7` — a port scanner run by any manufacturer.
//! So every URL is checked at registration **and again at every send**:
//!
//! - only `http` and `https`, no credentials in the URL;
//! - the host is parsed the way the HTTP client will see it (the `url` crate's WHATWG host
//!   parser, which turns `2130706433`, `0x7f.0.0.1`, `0177.0.0.1` and `127.1` into
//!   `127.0.0.1` and `[::ffff:127.0.0.1]` into an IPv6 address), and the request is built from
//!   that normalised URL;
//! - a name is resolved, and every address it resolves to must be public ([`forbidden`] says
//!   why one is not: loopback, private, link-local (the cloud metadata address), CGNAT,
//!   unique-local, unspecified, multicast, broadcast, documentation and other reserved ranges,
//!   and IPv4 addresses hidden in IPv6 ones: mapped, compatible, NAT64, 6to4);
//! - at a send, the client connects only to the addresses that were just checked
//!   ([`PinnedResolver`]): the name is resolved once, by the check, and the connection goes to
//!   that IP with the name kept for the `Host` header and TLS SNI. There is no second lookup a
//!   DNS-rebinding server could answer differently. A pooled connection is reused only for the
//!   same host and port and goes to an address checked when it was opened, and each send is
//!   checked anew before it is made: a name that now resolves inward is refused, no request.
//!
//! An explicit allow-list ([`ALLOW_HOSTS_VAR`], empty by default) lets tests and development
//! send to receivers on their own machine: CIDRs or addresses (`127.0.0.1`, `10.1.0.0/16`,
//! `::1`) allow those addresses on any port; `host:port` (`localhost:9000`,
//! `hooks.internal:443`, `[::1]:8080`) allows exactly that host name and port, whatever it
//! resolves to.
//!
//! Proxies: with `HTTPS_PROXY`/`HTTP_PROXY` set, the deliveries go through that proxy as a
//! `CONNECT` tunnel ([`super::delivery`]); this check still runs first, on the receiver's host,
//! and a refused URL never reaches the proxy. The proxy resolves the name again, so where egress
//! must go through a proxy, that proxy is the second place to enforce the same rules.

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use hyper_util::client::legacy::connect::dns::Name;
use ipnet::IpNet;
use url::{Host, Url};

/// The allow-list: CIDRs, addresses or `host:port`, separated by commas or white space.
pub const ALLOW_HOSTS_VAR: &str = "KUMMERER_WEBHOOK_ALLOW_HOSTS";

/// What the deliveries may reach beyond the public internet. Empty (the default): nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    allow: Vec<Allow>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Allow {
    /// These addresses, any port.
    Net(IpNet),
    /// This host (a lower-case name, or an address as the URL parser writes it) and port.
    HostPort(String, u16),
}

impl Policy {
    /// Parses the allow-list (empty or blank: nothing allowed); an entry that is neither a
    /// CIDR, an address nor `host:port` is an error naming it.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut allow = Vec::new();
        for entry in list
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|e| !e.is_empty())
        {
            allow.push(
                Allow::parse(entry).ok_or_else(|| {
                    format!("{entry:?} is not a CIDR, an IP address or host:port")
                })?,
            );
        }
        Ok(Self { allow })
    }

    /// Loopback allowed (`127.0.0.0/8`, `::1`): receivers on this machine, for tests and
    /// development.
    pub fn loopback() -> Self {
        Self {
            allow: ["127.0.0.0/8", "::1/128"]
                .into_iter()
                .filter_map(|n| n.parse().ok())
                .map(Allow::Net)
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.allow.is_empty()
    }

    /// Whether a connection to `ip:port`, for the URL host `host`, may be made; `Err` says why
    /// not.
    pub fn permits(&self, host: &str, ip: IpAddr, port: u16) -> Result<(), &'static str> {
        let allowed = self.allow.iter().any(|a| match a {
            Allow::Net(net) => net.contains(&canonical(ip)),
            Allow::HostPort(h, p) => *p == port && h.eq_ignore_ascii_case(host),
        });
        match forbidden(ip) {
            Some(why) if !allowed => Err(why),
            _ => Ok(()),
        }
    }
}

impl Allow {
    fn parse(entry: &str) -> Option<Self> {
        if let Ok(net) = entry.parse::<IpNet>() {
            return Some(Self::Net(net.trunc()));
        }
        if let Ok(ip) = entry.parse::<IpAddr>() {
            return Some(Self::Net(IpNet::from(ip)));
        }
        if let Ok(sa) = entry.parse::<SocketAddr>() {
            let host = match sa.ip() {
                IpAddr::V4(v4) => v4.to_string(),
                IpAddr::V6(v6) => format!("[{v6}]"),
            };
            return Some(Self::HostPort(host, sa.port()));
        }
        let (host, port) = entry.rsplit_once(':')?;
        let port = port.parse::<u16>().ok()?;
        // The host as the URL parser would write it (lower case, IPv4 forms normalised).
        let parsed = Url::parse(&format!("http://{host}/")).ok()?;
        let host = parsed
            .host_str()?
            .trim_end_matches('.')
            .to_ascii_lowercase();
        (!host.is_empty()).then_some(Self::HostPort(host, port))
    }
}

/// An IPv4 address hidden in an IPv6 one (mapped `::ffff:a.b.c.d`), as itself.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// Why `ip` is no address a webhook may be sent to, or `None` for a public one.
pub fn forbidden(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], bits: u32) -> bool {
    let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
    u32::from(ip) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    const RANGES: [([u8; 4], u32, &str); 16] = [
        ([0, 0, 0, 0], 8, "unspecified (0.0.0.0/8)"),
        ([127, 0, 0, 0], 8, "loopback"),
        ([10, 0, 0, 0], 8, "private (10/8)"),
        ([172, 16, 0, 0], 12, "private (172.16/12)"),
        ([192, 168, 0, 0], 16, "private (192.168/16)"),
        (
            [169, 254, 0, 0],
            16,
            "link-local (169.254/16, incl. cloud metadata)",
        ),
        (
            [100, 64, 0, 0],
            10,
            "shared address space (CGNAT, 100.64/10)",
        ),
        ([192, 0, 0, 0], 24, "IETF protocol assignments (192.0.0/24)"),
        ([192, 0, 2, 0], 24, "documentation (192.0.2/24)"),
        ([198, 51, 100, 0], 24, "documentation (198.51.100/24)"),
        ([203, 0, 113, 0], 24, "documentation (203.0.113/24)"),
        ([198, 18, 0, 0], 15, "benchmarking (198.18/15)"),
        ([192, 88, 99, 0], 24, "6to4 relay anycast (192.88.99/24)"),
        ([224, 0, 0, 0], 4, "multicast"),
        ([255, 255, 255, 255], 32, "broadcast"),
        ([240, 0, 0, 0], 4, "reserved (240/4)"),
    ];
    RANGES
        .iter()
        .find(|(net, bits, _)| in_v4(ip, *net, *bits))
        .map(|(_, _, why)| *why)
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    let v4_at = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    if ip.is_unspecified() {
        return Some("unspecified (::)");
    }
    if ip.is_loopback() {
        return Some("loopback (::1)");
    }
    if let Some(v4) = ip.to_ipv4_mapped() {
        return forbidden_v4(v4);
    }
    // IPv4-compatible `::a.b.c.d` (deprecated): judged as the IPv4 address, and refused anyway.
    if s[..6] == [0; 6] {
        return Some(forbidden_v4(v4_at(s[6], s[7])).unwrap_or("IPv4-compatible IPv6 (::/96)"));
    }
    // NAT64 `64:ff9b::a.b.c.d`: reaches the IPv4 address through the translator.
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return forbidden_v4(v4_at(s[6], s[7]));
    }
    if s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1 {
        return Some("local-use NAT64 (64:ff9b:1::/48)");
    }
    // 6to4 `2002:AABB:CCDD::/48` carries the IPv4 address AA.BB.CC.DD.
    if s[0] == 0x2002 {
        return forbidden_v4(v4_at(s[1], s[2]));
    }
    // (mask of the first segment, its value, why)
    const RANGES: [(u16, u16, &str); 5] = [
        (0xfe00, 0xfc00, "unique-local (fc00::/7)"),
        (0xffc0, 0xfe80, "link-local (fe80::/10)"),
        (0xffc0, 0xfec0, "site-local (fec0::/10)"),
        (0xff00, 0xff00, "multicast (ff00::/8)"),
        (0xffff, 0x0100, "discard-only (100::/64)"),
    ];
    if let Some((_, _, why)) = RANGES.iter().find(|(mask, value, _)| s[0] & mask == *value) {
        return Some(why);
    }
    if s[0] == 0x2001 {
        // 2001:db8::/32 documentation; 2001::/32 Teredo (tunnels to a hidden IPv4 host);
        // 2001:10::/28 and 2001:20::/28 ORCHID; the rest of 2001::/23 IETF special purpose.
        if s[1] == 0x0db8 {
            return Some("documentation (2001:db8::/32)");
        }
        if s[1] < 0x0200 {
            return Some("IETF special purpose (2001::/23, incl. Teredo)");
        }
    }
    None
}

/// Why a webhook URL was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not an absolute `http`/`https` URL with a host, or it carries credentials.
    Malformed(&'static str),
    /// The host is, or resolves to, an address the deliveries must not reach.
    Forbidden {
        host: String,
        address: IpAddr,
        why: &'static str,
    },
    /// The name did not resolve (or to nothing).
    Unresolvable { host: String, error: String },
}

impl Refusal {
    /// The problem code of a refused registration.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Malformed(_) => "validation_failed",
            Refusal::Forbidden { .. } => "webhook_url_forbidden",
            Refusal::Unresolvable { .. } => "webhook_url_unresolvable",
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Malformed(why) => f.write_str(why),
            Refusal::Forbidden { host, address, why } if host == &address.to_string() => {
                write!(
                    f,
                    "{address} is {why}: webhooks are sent to public addresses only"
                )
            }
            Refusal::Forbidden { host, address, why } => write!(
                f,
                "{host} resolves to {address}, {why}: webhooks are sent to public addresses only"
            ),
            Refusal::Unresolvable { host, error } => write!(f, "{host} does not resolve: {error}"),
        }
    }
}

/// A URL that passed the check: the normalised URL to send to and, for a name, the addresses
/// it resolved to (all of them checked).
#[derive(Debug, Clone)]
pub struct Target {
    pub url: Url,
    /// The name and its checked addresses; `None` when the host is an address.
    pub pinned: Option<(String, Vec<IpAddr>)>,
}

/// Checks `url` against `policy`: parses it, resolves its host and checks every address.
pub async fn check(url: &str, policy: &Policy) -> Result<Target, Refusal> {
    let url = Url::parse(url.trim())
        .map_err(|_| Refusal::Malformed("must be an absolute http or https URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Refusal::Malformed("must be an http or https URL"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refusal::Malformed("must not carry credentials"));
    }
    let port = url
        .port_or_known_default()
        .ok_or(Refusal::Malformed("must be an http or https URL"))?;
    let host_str = url
        .host_str()
        .ok_or(Refusal::Malformed("must name a host"))?
        .to_owned();
    let forbidden = |address: IpAddr, why| Refusal::Forbidden {
        host: match url.host() {
            Some(Host::Ipv6(_)) => address.to_string(),
            _ => host_str.clone(),
        },
        address,
        why,
    };
    let domain = match url.host() {
        Some(Host::Ipv4(v4)) => {
            policy
                .permits(&host_str, IpAddr::V4(v4), port)
                .map_err(|why| forbidden(IpAddr::V4(v4), why))?;
            return Ok(Target { url, pinned: None });
        }
        Some(Host::Ipv6(v6)) => {
            policy
                .permits(&host_str, IpAddr::V6(v6), port)
                .map_err(|why| forbidden(IpAddr::V6(v6), why))?;
            return Ok(Target { url, pinned: None });
        }
        Some(Host::Domain(d)) if !d.is_empty() => d.to_owned(),
        _ => return Err(Refusal::Malformed("must name a host")),
    };
    let unresolvable = |error: String| Refusal::Unresolvable {
        host: domain.clone(),
        error,
    };
    // `localhost` and `*.localhost` are loopback whatever a resolver says (RFC 6761).
    let bare = domain.trim_end_matches('.');
    let mut addresses: Vec<IpAddr> = if bare == "localhost" || bare.ends_with(".localhost") {
        vec![
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
        ]
    } else {
        tokio::net::lookup_host((domain.as_str(), port))
            .await
            .map_err(|e| unresolvable(e.to_string()))?
            .map(|sa| sa.ip())
            .collect()
    };
    addresses.sort();
    addresses.dedup();
    if addresses.is_empty() {
        return Err(unresolvable("no addresses".to_owned()));
    }
    // Every address, not just one: a name with one public and one internal address could
    // otherwise reach the internal one.
    for &ip in &addresses {
        policy
            .permits(&domain, ip, port)
            .map_err(|why| forbidden(ip, why))?;
    }
    Ok(Target {
        url,
        pinned: Some((domain, addresses)),
    })
}

/// The client's resolver: answers only with the addresses [`check`] just approved for a name
/// (pinned by the send before its request), and refuses any name it was not given. So the
/// connection goes exactly where the check looked, with no second DNS lookup.
#[derive(Debug, Clone, Default)]
pub struct PinnedResolver {
    pins: Arc<Mutex<HashMap<String, Vec<IpAddr>>>>,
}

impl PinnedResolver {
    /// Pins `name` to `addresses` (already checked) for the next connections.
    pub fn pin(&self, name: &str, addresses: Vec<IpAddr>) {
        let mut pins = self.pins.lock().unwrap_or_else(|p| p.into_inner());
        pins.insert(name.to_owned(), addresses);
    }
}

impl tower_service::Service<Name> for PinnedResolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = std::io::Error;
    type Future = std::future::Ready<Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let pins = self.pins.lock().unwrap_or_else(|p| p.into_inner());
        let addresses = pins.get(name.as_str()).filter(|a| !a.is_empty());
        std::future::ready(match addresses {
            // The connector sets the port.
            Some(a) => Ok(a
                .iter()
                .map(|ip| SocketAddr::new(*ip, 0))
                .collect::<Vec<_>>()
                .into_iter()),
            None => Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                format!(
                    "{} was not checked by the webhook egress policy",
                    name.as_str()
                ),
            )),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn internal_addresses_are_forbidden_public_ones_are_not() {
        for bad in [
            "127.0.0.1",
            "127.255.0.9",
            "0.0.0.0",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.2.1",
            "::",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
            "2001:db8::1",
            "2001::1",
        ] {
            assert!(forbidden(ip(bad)).is_some(), "{bad}");
        }
        for good in [
            "93.184.216.34",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "169.253.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::",
        ] {
            assert_eq!(forbidden(ip(good)), None, "{good}");
        }
    }

    #[test]
    fn the_allow_list_takes_cidrs_addresses_and_host_ports() {
        assert!(Policy::parse("").unwrap().is_empty());
        assert!(Policy::parse("  ").unwrap().is_empty());
        let p = Policy::parse("127.0.0.1, 10.1.0.0/16 localhost:9000 [::1]:8080").unwrap();
        assert_eq!(p.permits("127.0.0.1", ip("127.0.0.1"), 1), Ok(()));
        assert!(p.permits("127.0.0.2", ip("127.0.0.2"), 1).is_err());
        assert_eq!(p.permits("10.1.9.9", ip("10.1.9.9"), 443), Ok(()));
        assert!(p.permits("10.2.0.1", ip("10.2.0.1"), 443).is_err());
        assert_eq!(p.permits("LocalHost", ip("127.0.0.5"), 9000), Ok(()));
        assert!(p.permits("localhost", ip("127.0.0.5"), 9001).is_err());
        assert_eq!(p.permits("[::1]", ip("::1"), 8080), Ok(()));
        assert!(p.permits("[::1]", ip("::1"), 8081).is_err());
        // Mapped IPv4 is judged as the IPv4 address, allowed or not.
        assert_eq!(
            p.permits("[::ffff:127.0.0.1]", ip("::ffff:127.0.0.1"), 1),
            Ok(())
        );
        // Public addresses need no entry.
        assert_eq!(Policy::default().permits("x", ip("8.8.8.8"), 443), Ok(()));
        for bad in ["nonsense", "host:port", "10.0.0.0/33", ":80"] {
            assert!(Policy::parse(bad).unwrap_err().contains(bad), "{bad}");
        }
    }

    #[tokio::test]
    async fn every_encoding_of_an_internal_host_is_refused() {
        let strict = Policy::default();
        for url in [
            "http://127.0.0.1/",
            "http://2130706433/",
            "http://0x7f.0.0.1/",
            "http://0177.0.0.1/",
            "http://127.1/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
            "http://169.254.169.254/latest/meta-data/",
            "http://0/",
            "http://10.0.0.1:8080/",
            "https://192.168.0.1/",
            "http://[fd00::1]/",
            "http://[fe80::1%25eth0]/",
            "http://localhost:5432/",
        ] {
            let r = check(url, &strict).await;
            assert!(
                matches!(
                    r,
                    Err(Refusal::Forbidden { .. }) | Err(Refusal::Malformed(_))
                ),
                "{url}: {r:?}"
            );
        }
        let r = check("http://0x7f.1/", &strict).await.unwrap_err();
        assert_eq!(
            r.to_string(),
            "127.0.0.1 is loopback: webhooks are sent to public addresses only"
        );
        for url in [
            "ftp://8.8.8.8/",
            "http://u:p@8.8.8.8/",
            "file:///etc/passwd",
            "8.8.8.8",
        ] {
            assert!(
                matches!(check(url, &strict).await, Err(Refusal::Malformed(_))),
                "{url}"
            );
        }
        let t = check("https://8.8.8.8/x", &strict).await.unwrap();
        assert!(t.pinned.is_none());
        let t = check("http://localhost:9000/x", &Policy::loopback())
            .await
            .unwrap();
        let (name, addrs) = t.pinned.unwrap();
        assert_eq!(name, "localhost");
        assert!(addrs.iter().all(|a| a.is_loopback()));
    }

    #[test]
    fn the_resolver_answers_only_pinned_names() {
        use tower_service::Service;
        let mut r = PinnedResolver::default();
        let name = |s: &str| s.parse::<Name>().unwrap();
        let out = r.call(name("hooks.example.com")).into_inner();
        assert_eq!(
            out.unwrap_err().kind(),
            std::io::ErrorKind::PermissionDenied
        );
        r.pin("hooks.example.com", vec![ip("93.184.216.34")]);
        let out: Vec<_> = r
            .call(name("hooks.example.com"))
            .into_inner()
            .unwrap()
            .collect();
        assert_eq!(out, [SocketAddr::new(ip("93.184.216.34"), 0)]);
    }
}
