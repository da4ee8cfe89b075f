//! Deployment routes kept in memory: the gateway looks one up per request, and a database
//! round trip would cost more than the whole proxying. Any change to deployments clears the
//! cache before it is acknowledged (create, update, delete all go through
//! `server::deployments`); entries also lapse after `TTL` for changes made by another process.
//!
//! Names that match no deployment are cached too ("misses"), so an unknown name asked for
//! again costs no database lookup. Anyone can make up names, so misses have their own budget,
//! in entries and in bytes, and when it is full the least recently used misses make room:
//! a flood of made-up names never evicts a deployment that exists. Found routes come from the
//! database, not from callers, and have a larger budget of their own.

use std::{
    collections::HashMap,
    mem::size_of,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, RwLock,
    },
    time::{Duration, Instant},
};

use crate::server::deployments::repo::Route;

const TTL: Duration = Duration::from_secs(10);

/// Budgets: `(entries, bytes)`. A miss's key is at most 127 bytes (two DNS labels, see
/// `host`), about 200 bytes with its entry, so both limits can bind.
const MISSES: Budget = Budget { entries: 10_000, bytes: 512 << 10 };
const ROUTES: Budget = Budget { entries: 100_000, bytes: 64 << 20 };

#[derive(Clone, Copy, Debug)]
pub struct Budget {
    pub entries: usize,
    pub bytes: usize,
}

/// How full the cache is, for tests and diagnostics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub misses: usize,
    pub miss_bytes: usize,
    pub routes: usize,
    pub route_bytes: usize,
}

/// `<deployment>.<organization slug>` (see `Target::key`) → the route, or `None` for names
/// that do not exist.
#[derive(Clone)]
pub struct RouteCache(Arc<Shared>);

struct Shared {
    table: RwLock<Table>,
    /// Goes up with every `clear`, under the write lock: a route read from the database
    /// before a change is not cached after it (see `insert`).
    generation: AtomicU64,
    /// Recency is kept as milliseconds since this instant, so it fits an atomic that a reader
    /// can update under the read lock.
    epoch: Instant,
    budgets: [Budget; 2],
}

#[derive(Default)]
struct Table {
    entries: HashMap<Box<str>, Entry>,
    /// Indexed by `Kind`.
    usage: [Usage; 2],
}

#[derive(Default, Clone, Copy)]
struct Usage {
    entries: usize,
    bytes: usize,
}

struct Entry {
    route: Option<Arc<Route>>,
    cached_at: Instant,
    last_used: AtomicU64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Miss = 0,
    Found = 1,
}

impl Default for RouteCache {
    fn default() -> Self {
        Self::with_budgets(MISSES, ROUTES)
    }
}

impl RouteCache {
    pub fn with_budgets(misses: Budget, routes: Budget) -> Self {
        let shared = Shared {
            table: RwLock::default(),
            generation: AtomicU64::new(0),
            epoch: Instant::now(),
            budgets: [misses, routes],
        };
        Self(Arc::new(shared))
    }

    pub fn get(&self, key: &str) -> Option<Option<Arc<Route>>> {
        let now = Instant::now();
        let table = self.0.table.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = table.entries.get(key)?;
        if now.duration_since(entry.cached_at) >= TTL {
            return None;
        }
        // Only when it changed: a store to a line every serving thread reads would bounce it
        // between their caches on each request.
        let tick = self.0.tick(now);
        if entry.last_used.load(Ordering::Relaxed) != tick {
            entry.last_used.store(tick, Ordering::Relaxed);
        }
        Some(entry.route.clone())
    }

    /// To note before reading what [`insert`](Self::insert) will cache.
    pub fn generation(&self) -> u64 {
        self.0.generation.load(Ordering::Acquire)
    }

    /// Caches `route` under `key`, unless the cache was cleared since `seen`.
    pub fn insert(&self, key: &str, route: Option<Arc<Route>>, seen: u64) {
        let now = Instant::now();
        let kind = Kind::of(&route);
        let entry = Entry { route, cached_at: now, last_used: AtomicU64::new(self.0.tick(now)) };
        let mut table = self.0.table.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if self.0.generation.load(Ordering::Acquire) != seen {
            return;
        }
        if let Some(old) = table.entries.remove(key) {
            table.usage[Kind::of(&old.route) as usize].sub(cost(key, &old));
        }
        table.usage[kind as usize].add(cost(key, &entry));
        table.entries.insert(key.into(), entry);
        let budget = self.0.budgets[kind as usize];
        if table.usage[kind as usize].exceeds(budget) {
            table.evict(kind, budget, now);
        }
    }

    pub fn clear(&self) {
        let mut table = self.0.table.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        self.0.generation.fetch_add(1, Ordering::AcqRel);
        *table = Table::default();
    }

    pub fn stats(&self) -> CacheStats {
        let table = self.0.table.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        let [misses, routes] = table.usage;
        CacheStats {
            misses: misses.entries,
            miss_bytes: misses.bytes,
            routes: routes.entries,
            route_bytes: routes.bytes,
        }
    }
}

impl Shared {
    fn tick(&self, now: Instant) -> u64 {
        u64::try_from(now.duration_since(self.epoch).as_millis()).unwrap_or(u64::MAX)
    }
}

impl Table {
    /// Makes room among entries of one kind: the expired go first, then the least recently
    /// used, down to 7/8 of the budget so that a flood pays for a sort once per eighth of the
    /// budget instead of once per insert.
    fn evict(&mut self, kind: Kind, budget: Budget, now: Instant) {
        let mut usage = self.usage[kind as usize];
        self.entries.retain(|key, entry| {
            let expired = Kind::of(&entry.route) == kind && now.duration_since(entry.cached_at) >= TTL;
            if expired {
                usage.sub(cost(key, entry));
            }
            !expired
        });
        let target = Budget { entries: budget.entries / 8 * 7, bytes: budget.bytes / 8 * 7 };
        if usage.exceeds(target) {
            let mut candidates: Vec<(u64, &str, usize)> = self
                .entries
                .iter()
                .filter(|(_, entry)| Kind::of(&entry.route) == kind)
                .map(|(key, entry)| (entry.last_used.load(Ordering::Relaxed), &**key, cost(key, entry)))
                .collect();
            candidates.sort_unstable_by_key(|(last_used, _, _)| *last_used);
            let mut evicted = Vec::new();
            for (_, key, cost) in candidates {
                if !usage.exceeds(target) {
                    break;
                }
                usage.sub(cost);
                evicted.push(Box::<str>::from(key));
            }
            for key in evicted {
                self.entries.remove(&key);
            }
        }
        self.usage[kind as usize] = usage;
    }
}

impl Kind {
    fn of(route: &Option<Arc<Route>>) -> Self {
        if route.is_some() {
            Kind::Found
        } else {
            Kind::Miss
        }
    }
}

impl Usage {
    fn add(&mut self, bytes: usize) {
        self.entries += 1;
        self.bytes += bytes;
    }

    fn sub(&mut self, bytes: usize) {
        self.entries = self.entries.saturating_sub(1);
        self.bytes = self.bytes.saturating_sub(bytes);
    }

    fn exceeds(self, budget: Budget) -> bool {
        self.entries > budget.entries || self.bytes > budget.bytes
    }
}

/// Approximate heap bytes an entry holds: its key, the entry in the table (with the table's
/// per-slot control byte), and a found route with its strings.
fn cost(key: &str, entry: &Entry) -> usize {
    let route =
        entry.route.as_ref().map_or(0, |route| size_of::<Route>() + 2 * size_of::<usize>() + route.upstream_url.len());
    key.len() + size_of::<Box<str>>() + size_of::<Entry>() + 1 + route
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(id: i64) -> Option<Arc<Route>> {
        Some(Arc::new(Route {
            id: crate::domain::DeploymentId::new(id),
            organization_id: crate::domain::OrganizationId::new(1),
            upstream_url: "http://u".into(),
            access: crate::domain::AccessType::Public,
        }))
    }

    fn is_cached(cache: &RouteCache, key: &str) -> bool {
        cache.get(key).is_some()
    }

    #[test]
    fn a_route_read_before_a_change_is_not_cached_after_it() {
        let cache = RouteCache::default();
        let seen = cache.generation();
        cache.clear();
        cache.insert("s.acme", route(1), seen);
        assert!(cache.get("s.acme").is_none());
    }

    #[test]
    fn caches_found_and_missing_routes_until_cleared() {
        let cache = RouteCache::default();
        assert_eq!(cache.get("summarize.acme").map(|r| r.is_some()), None);
        cache.insert("summarize.acme", route(1), cache.generation());
        cache.insert("nope.acme", None, cache.generation());
        assert_eq!(cache.get("summarize.acme").unwrap().unwrap().id.get(), 1);
        assert!(cache.get("nope.acme").unwrap().is_none());
        let stats = cache.stats();
        assert_eq!((stats.routes, stats.misses), (1, 1));
        assert!(stats.miss_bytes >= "nope.acme".len() && stats.route_bytes > stats.miss_bytes);
        cache.clear();
        assert!(cache.get("summarize.acme").is_none());
        assert_eq!(cache.stats(), CacheStats::default());
    }

    #[test]
    fn replacing_an_entry_keeps_the_accounting_right() {
        let cache = RouteCache::default();
        cache.insert("s.acme", None, cache.generation());
        cache.insert("s.acme", route(1), cache.generation());
        cache.insert("s.acme", route(2), cache.generation());
        let stats = cache.stats();
        assert_eq!((stats.routes, stats.misses, stats.miss_bytes), (1, 0, 0));
        assert_eq!(cache.get("s.acme").unwrap().unwrap().id.get(), 2);
    }

    #[test]
    fn a_flood_of_misses_stays_within_its_budget_and_never_evicts_found_routes() {
        let misses = Budget { entries: 100, bytes: 100 * 1024 };
        let cache = RouteCache::with_budgets(misses, ROUTES);
        cache.insert("real.acme", route(1), cache.generation());
        for i in 0..10_000 {
            cache.insert(&format!("unknown-{i}.acme"), None, cache.generation());
            let stats = cache.stats();
            assert!(stats.misses <= misses.entries, "{stats:?}");
        }
        assert_eq!(cache.get("real.acme").unwrap().unwrap().id.get(), 1, "the flood evicted a real route");
        assert!(is_cached(&cache, "unknown-9999.acme"), "the newest miss is kept");
        assert!(!is_cached(&cache, "unknown-0.acme"));
    }

    #[test]
    fn the_byte_budget_binds_for_long_names() {
        let misses = Budget { entries: 10_000, bytes: 16 * 1024 };
        let cache = RouteCache::with_budgets(misses, ROUTES);
        for i in 0..1_000 {
            cache.insert(&format!("{i:0>63}.{}", "o".repeat(63)), None, cache.generation());
            assert!(cache.stats().miss_bytes <= misses.bytes);
        }
        assert!(cache.stats().misses < 100, "{:?}", cache.stats());
    }

    #[test]
    fn the_least_recently_used_misses_go_first() {
        let cache = RouteCache::with_budgets(Budget { entries: 8, bytes: usize::MAX }, ROUTES);
        for i in 0..8 {
            cache.insert(&format!("m{i}.acme"), None, cache.generation());
            // Distinct recency ticks (milliseconds).
            std::thread::sleep(Duration::from_millis(2));
        }
        // m0 is the oldest insert but was just used: it must outlive m1.
        assert!(is_cached(&cache, "m0.acme"));
        std::thread::sleep(Duration::from_millis(2));
        cache.insert("m8.acme", None, cache.generation());
        assert!(is_cached(&cache, "m0.acme"), "recently used");
        assert!(!is_cached(&cache, "m1.acme"), "least recently used");
        assert!(is_cached(&cache, "m8.acme"));
        assert_eq!(cache.stats().misses, 7, "evicted down to 7/8 of the budget");
    }

    #[test]
    fn found_routes_have_a_budget_of_their_own() {
        let cache = RouteCache::with_budgets(MISSES, Budget { entries: 16, bytes: usize::MAX });
        for i in 0..100 {
            cache.insert(&format!("d{i}.acme"), route(i), cache.generation());
        }
        assert!(cache.stats().routes <= 16);
        assert!(is_cached(&cache, "d99.acme"));
    }
}
