//! Failed gateway authentications per client address: past 30 within a minute, the address's
//! failed attempts are answered 429 with `Retry-After` for the rest of that minute. Kept in
//! memory: it slows token guessing and needs no coordination.
//!
//! Only failures are limited, never a token that verifies: behind a proxy or a shared NAT,
//! one client's bad attempts must not lock out everyone else on that address.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

const WINDOW: Duration = Duration::from_secs(60);
const MAX_FAILURES: u32 = 30;
/// Bounds memory under a flood from many addresses.
const MAX_ADDRESSES: usize = 100_000;

#[derive(Clone, Default)]
pub struct AuthFailures(Arc<Mutex<HashMap<IpAddr, (u32, Instant)>>>);

impl AuthFailures {
    /// Counts a failure from `ip`. Returns how long the address must wait when this failure
    /// is over the limit.
    pub fn record(&self, ip: IpAddr) -> Option<Duration> {
        let mut failures = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if failures.len() >= MAX_ADDRESSES {
            failures.retain(|_, (_, since)| since.elapsed() < WINDOW);
        }
        let entry = failures.entry(ip).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= WINDOW {
            *entry = (0, Instant::now());
        }
        entry.0 = entry.0.saturating_add(1);
        (entry.0 > MAX_FAILURES).then(|| WINDOW.saturating_sub(entry.1.elapsed()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_past_thirty_are_locked_out() {
        let failures = AuthFailures::default();
        let (a, b): (IpAddr, IpAddr) = ("127.0.0.1".parse().unwrap(), "127.0.0.2".parse().unwrap());
        for _ in 0..30 {
            assert!(failures.record(a).is_none());
        }
        let wait = failures.record(a).unwrap();
        assert!(wait <= WINDOW && wait > Duration::from_secs(50));
        assert!(failures.record(b).is_none(), "other addresses are not affected");
    }
}
