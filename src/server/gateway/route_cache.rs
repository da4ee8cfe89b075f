//! Deployment routes kept in memory: the gateway looks one up per request, and a database
//! round trip would cost more than the whole proxying. Any change to deployments clears the
//! cache before it is acknowledged (create, update, delete all go through
//! `server::deployments`); entries also lapse after `TTL` for changes made by another process.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use crate::server::deployments::repo::Route;

const TTL: Duration = Duration::from_secs(10);
const CAPACITY: usize = 10_000;

/// The route (or its absence) and when it was read.
type Entry = (Option<Arc<Route>>, Instant);

/// `<deployment>.<organization slug>` (see `Target::key`) → the route, or `None` for names
/// that do not exist.
#[derive(Clone, Default)]
pub struct RouteCache(Arc<RwLock<HashMap<Box<str>, Entry>>>);

impl RouteCache {
    pub fn get(&self, key: &str) -> Option<Option<Arc<Route>>> {
        let entries = self.0.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (route, at) = entries.get(key)?;
        (at.elapsed() < TTL).then(|| route.clone())
    }

    pub fn insert(&self, key: &str, route: Option<Arc<Route>>) {
        let mut entries = self.0.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(key.into(), (route, Instant::now()));
    }

    pub fn clear(&self) {
        self.0.write().unwrap_or_else(|poisoned| poisoned.into_inner()).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caches_found_and_missing_routes_until_cleared() {
        let cache = RouteCache::default();
        assert_eq!(cache.get("summarize.acme").map(|r| r.is_some()), None);
        let route = Route { id: 1, upstream_url: "http://u".into(), access: "public".into() };
        cache.insert("summarize.acme", Some(Arc::new(route)));
        cache.insert("nope.acme", None);
        assert_eq!(cache.get("summarize.acme").unwrap().unwrap().id, 1);
        assert!(cache.get("nope.acme").unwrap().is_none());
        cache.clear();
        assert!(cache.get("summarize.acme").is_none());
    }
}
