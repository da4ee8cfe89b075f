//! Failed gateway authentications per client address: 30 within a minute lock the address
//! out for the rest of that minute (429 with `Retry-After`). Kept in memory: it protects this
//! process's CPU and the database from token guessing, and needs no coordination.

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
    pub fn record(&self, ip: IpAddr) {
        let mut failures = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if failures.len() >= MAX_ADDRESSES {
            failures.retain(|_, (_, since)| since.elapsed() < WINDOW);
        }
        let entry = failures.entry(ip).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= WINDOW {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
    }

    /// How long `ip` must wait, if it is locked out.
    pub fn locked_for(&self, ip: IpAddr) -> Option<Duration> {
        let failures = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (count, since) = failures.get(&ip)?;
        (*count >= MAX_FAILURES && since.elapsed() < WINDOW).then(|| WINDOW - since.elapsed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirty_failures_lock_an_address_out() {
        let failures = AuthFailures::default();
        let (a, b): (IpAddr, IpAddr) = ("127.0.0.1".parse().unwrap(), "127.0.0.2".parse().unwrap());
        for _ in 0..29 {
            failures.record(a);
        }
        assert!(failures.locked_for(a).is_none());
        failures.record(a);
        let wait = failures.locked_for(a).unwrap();
        assert!(wait <= WINDOW && wait > Duration::from_secs(50));
        assert!(failures.locked_for(b).is_none(), "other addresses are not affected");
    }
}
