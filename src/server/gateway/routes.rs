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

type Key = (String, String);
/// The route (or its absence) and when it was read.
type Entry = (Option<Route>, Instant);

/// `(organization slug, deployment name)` → the route, or `None` for names that do not exist.
#[derive(Clone, Default)]
pub struct RouteCache(Arc<RwLock<HashMap<Key, Entry>>>);

impl RouteCache {
    pub fn get(&self, organization: &str, name: &str) -> Option<Option<Route>> {
        let entries = self.0.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        // A tuple of borrowed strs cannot look up owned keys; the map is small, so build one.
        let (route, at) = entries.get(&(organization.to_owned(), name.to_owned()))?;
        (at.elapsed() < TTL).then(|| route.clone())
    }

    pub fn insert(&self, organization: &str, name: &str, route: Option<Route>) {
        let mut entries = self.0.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert((organization.to_owned(), name.to_owned()), (route, Instant::now()));
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
        assert_eq!(cache.get("acme", "summarize").map(|r| r.is_some()), None);
        cache.insert(
            "acme",
            "summarize",
            Some(Route { id: 1, upstream_url: "http://u".into(), access: "public".into() }),
        );
        cache.insert("acme", "nope", None);
        assert_eq!(cache.get("acme", "summarize").unwrap().unwrap().id, 1);
        assert!(cache.get("acme", "nope").unwrap().is_none());
        cache.clear();
        assert!(cache.get("acme", "summarize").is_none());
    }
}
