//! A cap on open connections per client address, so one client cannot take every file
//! descriptor. IPv6 clients are counted per /64, the smallest prefix a host usually gets, or
//! one host could spread its connections over 2^64 addresses.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// Refusals are logged at most this often: a flood must not become a flood of log lines.
const WARN_EVERY: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct ClientSlots(Arc<Mutex<Table>>);

struct Table {
    open: HashMap<IpAddr, u32>,
    per_address: u32,
    last_warning: Option<Instant>,
}

/// One open connection's place; given back when dropped.
pub struct Slot {
    slots: Option<(ClientSlots, IpAddr)>,
}

impl ClientSlots {
    pub fn new(per_address: u32) -> Self {
        Self(Arc::new(Mutex::new(Table { open: HashMap::new(), per_address, last_warning: None })))
    }

    /// A slot for a connection from `ip`, or `None` when that address has its fill.
    pub fn acquire(&self, ip: IpAddr) -> Option<Slot> {
        let key = address_group(ip);
        let mut table = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let per_address = table.per_address;
        let open = table.open.entry(key).or_insert(0);
        if *open >= per_address {
            if table.last_warning.is_none_or(|at| at.elapsed() >= WARN_EVERY) {
                table.last_warning = Some(Instant::now());
                tracing::warn!(client = %key, limit = per_address, "connection refused: too many open from this address");
            }
            return None;
        }
        *open += 1;
        Some(Slot { slots: Some((self.clone(), key)) })
    }

    #[cfg(test)]
    fn open(&self, ip: IpAddr) -> u32 {
        let table = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        table.open.get(&address_group(ip)).copied().unwrap_or(0)
    }
}

impl Slot {
    /// For connections the cap does not apply to (trusted proxies).
    pub fn unlimited() -> Self {
        Self { slots: None }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let Some((slots, key)) = self.slots.take() else { return };
        let mut table = slots.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(open) = table.open.get_mut(&key) {
            *open -= 1;
            if *open == 0 {
                table.open.remove(&key);
            }
        }
    }
}

/// The address itself for IPv4 (and IPv4-mapped IPv6), the /64 prefix for IPv6.
pub fn address_group(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn each_address_gets_its_share_back_when_connections_close() {
        let slots = ClientSlots::new(2);
        let (a, b) = (ip("192.0.2.1"), ip("192.0.2.2"));
        let first = slots.acquire(a).unwrap();
        let _second = slots.acquire(a).unwrap();
        assert!(slots.acquire(a).is_none(), "a third from the same address");
        assert!(slots.acquire(b).is_some(), "another address is not affected");
        drop(first);
        assert!(slots.acquire(a).is_some());
    }

    #[test]
    fn ipv6_hosts_are_counted_per_64() {
        let slots = ClientSlots::new(1);
        let _held = slots.acquire(ip("2001:db8:1:2::1")).unwrap();
        assert!(slots.acquire(ip("2001:db8:1:2:ffff::9")).is_none(), "same /64");
        assert!(slots.acquire(ip("2001:db8:1:3::1")).is_some(), "another /64");
        let _v4 = slots.acquire(ip("::ffff:192.0.2.1")).unwrap();
        assert!(slots.acquire(ip("192.0.2.1")).is_none(), "IPv4-mapped is the IPv4 address");
    }

    #[test]
    fn closed_addresses_are_forgotten() {
        let slots = ClientSlots::new(4);
        drop(slots.acquire(ip("192.0.2.1")));
        assert_eq!(slots.open(ip("192.0.2.1")), 0);
        assert!(slots.0.lock().unwrap().open.is_empty());
        drop(Slot::unlimited());
    }
}
