//! Verified tokens kept in memory, so checking a token costs a hash and a map lookup instead
//! of a database round trip.
//!
//! Correctness comes from invalidation, not from waiting: deleting, regenerating or re-granting
//! a token forgets it, a change to a member's role or membership forgets their tokens, and a deployment change (which can remove grants) clears everything,
//! before the change is acknowledged, here and (through `server::caches`) on every replica.
//! Expiry is checked on every use. Entries also lapse after `TTL`, which bounds how long a
//! change made by the `bento-console` command line on SQLite (another process, no NOTIFY) can
//! go unseen.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicI64, AtomicU64, Ordering},
        Arc, RwLock,
    },
    time::{Duration, Instant},
};

use super::{secret::TokenDigest, VerifiedToken};

const TTL: Duration = Duration::from_secs(10);
/// Past this many entries the cache starts afresh, bounding memory under a flood of tokens.
const CAPACITY: usize = 100_000;

pub struct Entry {
    pub token: VerifiedToken,
    pub expires_at: Option<i64>,
    /// When a use was last recorded, shared by every request that sees this entry.
    pub last_used_at: AtomicI64,
    cached_at: Instant,
}

#[derive(Clone, Default)]
pub struct TokenCache(Arc<Shared>);

#[derive(Default)]
struct Shared {
    entries: RwLock<HashMap<[u8; 32], Arc<Entry>>>,
    /// Goes up with every invalidation, under the write lock. A reader notes it before going
    /// to the database and caches what it read only if no invalidation happened meanwhile:
    /// otherwise a row read just before a deletion could be cached just after it.
    generation: AtomicU64,
}

impl TokenCache {
    pub fn get(&self, digest: &TokenDigest) -> Option<Arc<Entry>> {
        let entries = self.0.entries.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        entries.get(&digest.0).filter(|entry| entry.cached_at.elapsed() < TTL).cloned()
    }

    /// To note before reading what [`insert`](Self::insert) will cache.
    pub fn generation(&self) -> u64 {
        self.0.generation.load(Ordering::Acquire)
    }

    /// Caches `token` unless an invalidation happened since `seen` (then the entry is only
    /// returned, for this one use).
    pub fn insert(
        &self,
        digest: &TokenDigest,
        token: VerifiedToken,
        expires_at: Option<i64>,
        last_used_at: i64,
        seen: u64,
    ) -> Arc<Entry> {
        let entry = Arc::new(Entry::new(token, expires_at, last_used_at));
        let mut entries = self.0.entries.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if self.0.generation.load(Ordering::Acquire) != seen {
            return entry;
        }
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(digest.0, entry.clone());
        entry
    }

    /// A token was deleted.
    pub fn forget_token(&self, id: crate::domain::TokenId) {
        let mut entries = self.0.entries.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        self.0.generation.fetch_add(1, Ordering::AcqRel);
        entries.retain(|_, entry| entry.token.id != id);
    }

    /// A member's role changed or they were removed: what their tokens grant is read again.
    pub fn forget_owner(&self, owner: crate::domain::UserId) {
        let mut entries = self.0.entries.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        self.0.generation.fetch_add(1, Ordering::AcqRel);
        entries.retain(|_, entry| entry.token.owner != Some(owner));
    }

    /// Grants changed (a deployment was deleted), or changes may have been missed.
    pub fn clear(&self) {
        let mut entries = self.0.entries.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        self.0.generation.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }
}

impl Entry {
    pub fn new(token: VerifiedToken, expires_at: Option<i64>, last_used_at: i64) -> Self {
        Self { token, expires_at, last_used_at: AtomicI64::new(last_used_at), cached_at: Instant::now() }
    }

    /// Claims the right to record a use at `now` if the last one is at least `interval` old;
    /// only one of many concurrent requests wins.
    pub fn claim_use(&self, now: i64, interval: i64) -> bool {
        let last = self.last_used_at.load(Ordering::Relaxed);
        now - last >= interval
            && self.last_used_at.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(id: i64) -> VerifiedToken {
        use crate::domain::{DeploymentId, OrganizationId, TokenId, UserId};
        VerifiedToken {
            id: TokenId::new(id),
            organization_id: OrganizationId::new(1),
            name: format!("token {id}"),
            prefix: "bcst_AbCd".into(),
            owner: Some(UserId::new(1)),
            is_user: true,
            is_developer: false,
            developer_withheld: false,
            all_deployments: false,
            deployment_ids: vec![DeploymentId::new(7)],
        }
    }

    #[test]
    fn entries_are_found_by_digest_and_forgotten_on_change() {
        let cache = TokenCache::default();
        let (a, b) = (TokenDigest([1; 32]), TokenDigest([2; 32]));
        cache.insert(&a, token(1), None, 0, cache.generation());
        cache.insert(&b, token(2), Some(100), 0, cache.generation());
        assert_eq!(cache.get(&a).unwrap().token, token(1));
        assert_eq!(cache.get(&b).unwrap().expires_at, Some(100));
        cache.forget_token(crate::domain::TokenId::new(1));
        assert!(cache.get(&a).is_none());
        assert!(cache.get(&b).is_some());
        cache.insert(&a, token(1), None, 0, cache.generation());
        cache.forget_owner(crate::domain::UserId::new(2));
        assert!(cache.get(&a).is_some(), "another member's tokens stay");
        cache.forget_owner(crate::domain::UserId::new(1));
        assert!(cache.get(&a).is_none() && cache.get(&b).is_none());
        cache.insert(&b, token(2), Some(100), 0, cache.generation());
        cache.clear();
        assert!(cache.get(&b).is_none());
    }

    #[test]
    fn a_row_read_before_an_invalidation_is_not_cached_after_it() {
        let cache = TokenCache::default();
        let seen = cache.generation();
        // ... the database is read; meanwhile the token is deleted ...
        cache.forget_token(crate::domain::TokenId::new(4));
        let entry = cache.insert(&TokenDigest([4; 32]), token(4), None, 0, seen);
        assert_eq!(entry.token, token(4), "the caller still gets what it read");
        assert!(cache.get(&TokenDigest([4; 32])).is_none(), "but it is not cached");
    }

    #[test]
    fn one_use_is_recorded_per_interval() {
        let cache = TokenCache::default();
        let entry = cache.insert(&TokenDigest([3; 32]), token(3), None, 1_000, cache.generation());
        assert!(!entry.claim_use(1_030, 60), "30 s after the last record");
        assert!(entry.claim_use(1_060, 60));
        assert!(!entry.claim_use(1_061, 60), "already claimed");
        assert_eq!(entry.last_used_at.load(Ordering::Relaxed), 1_060);
    }
}
