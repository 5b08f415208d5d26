//! Failed sign-ins per client address: the second half of the throttle (the first is the
//! per-account lock, [`crate::after_failure`]).
//!
//! An address (an IPv4 address; for IPv6 its /64, which one subscriber usually holds whole)
//! that failed [`ADDRESS_MAX_FAILURES`] sign-ins within [`ADDRESS_WINDOW_MINUTES`] on one page
//! is refused — before any account is looked up or any password checked, so it neither learns
//! anything nor counts further failures against anyone's account — until the oldest of those
//! failures is out of the window. One address can so lock out at most a few accounts per
//! window instead of all of them.
//!
//! In-process: each replica keeps its own counts, so with N replicas behind a balancer an
//! address gets up to N times the budget (the per-account lock, kept in the database, is
//! shared by all replicas). Nothing is persisted; a restart forgets the counts. The address is
//! the TCP peer's: behind a reverse proxy every client shares the proxy's address, so a
//! deployment behind one needs the proxy to throttle too (or this to learn to trust the
//! proxy's `Forwarded` header, which it does not yet).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{LazyLock, Mutex};

use chrono::{DateTime, Duration, Utc};

/// Failed sign-ins from one address within the window before it is refused.
pub const ADDRESS_MAX_FAILURES: usize = 20;
/// The window of [`ADDRESS_MAX_FAILURES`].
pub const ADDRESS_WINDOW_MINUTES: i64 = 15;
/// Addresses remembered at most; past it, the ones with no failure in the window are dropped.
const MAX_TRACKED: usize = 100_000;

/// The times of the last failures of each (page, client address).
type Failures = HashMap<(&'static str, IpAddr), VecDeque<DateTime<Utc>>>;

/// Failed sign-ins per (page, client address) in a sliding window.
#[derive(Debug)]
pub struct Throttle {
    max_failures: usize,
    window: Duration,
    failures: Mutex<Failures>,
}

/// The process's throttle, shared by every page's sign-in.
pub static SIGN_INS: LazyLock<Throttle> = LazyLock::new(|| {
    Throttle::new(
        ADDRESS_MAX_FAILURES,
        Duration::minutes(ADDRESS_WINDOW_MINUTES),
    )
});

/// What an address is counted as: an IPv4 address (also when mapped into IPv6) or an IPv6 /64.
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

impl Throttle {
    pub fn new(max_failures: usize, window: Duration) -> Self {
        Self {
            max_failures,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Failures> {
        self.failures.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// When `ip` may try again on `page`, if it may not at `now`.
    pub fn blocked_until(
        &self,
        page: &'static str,
        ip: IpAddr,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let mut map = self.lock();
        let key = (page, client_key(ip));
        let times = map.get_mut(&key)?;
        while times.front().is_some_and(|t| *t + self.window <= now) {
            times.pop_front();
        }
        if times.is_empty() {
            map.remove(&key);
            return None;
        }
        (times.len() >= self.max_failures)
            .then(|| times.front().map(|t| *t + self.window))
            .flatten()
    }

    /// Counts one failed sign-in of `ip` on `page`.
    pub fn failed(&self, page: &'static str, ip: IpAddr, now: DateTime<Utc>) {
        let mut map = self.lock();
        if map.len() >= MAX_TRACKED {
            let window = self.window;
            map.retain(|_, times| times.back().is_some_and(|t| *t + window > now));
        }
        let times = map.entry((page, client_key(ip))).or_default();
        times.push_back(now);
        // Only the last `max_failures` matter.
        while times.len() > self.max_failures {
            times.pop_front();
        }
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
    fn an_address_is_refused_after_too_many_failures_until_the_window_passes() {
        let t = Throttle::new(3, Duration::minutes(15));
        let now = Utc::now();
        let a = ip("203.0.113.7");
        for i in 0..3 {
            assert_eq!(t.blocked_until("desk", a, now), None);
            t.failed("desk", a, now + Duration::minutes(i));
        }
        let later = now + Duration::minutes(3);
        assert_eq!(
            t.blocked_until("desk", a, later),
            Some(now + Duration::minutes(15))
        );
        // Another address, another page: not affected.
        assert_eq!(t.blocked_until("desk", ip("203.0.113.8"), later), None);
        assert_eq!(t.blocked_until("crew", a, later), None);
        // When the oldest failure leaves the window, one more try.
        assert_eq!(
            t.blocked_until("desk", a, now + Duration::minutes(15)),
            None
        );
    }

    #[test]
    fn ipv6_counts_per_64_and_mapped_ipv4_as_ipv4() {
        let t = Throttle::new(2, Duration::minutes(15));
        let now = Utc::now();
        t.failed("crew", ip("2001:db8:1:2::1"), now);
        t.failed("crew", ip("2001:db8:1:2:ffff::9"), now);
        assert!(
            t.blocked_until("crew", ip("2001:db8:1:2::77"), now)
                .is_some()
        );
        assert!(
            t.blocked_until("crew", ip("2001:db8:1:3::1"), now)
                .is_none()
        );
        t.failed("crew", ip("::ffff:192.0.2.1"), now);
        t.failed("crew", ip("192.0.2.1"), now);
        assert!(t.blocked_until("crew", ip("192.0.2.1"), now).is_some());
    }
}
