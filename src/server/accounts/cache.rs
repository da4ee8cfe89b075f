//! Accounts and organizations kept in memory: every page, every server function and every
//! Developer API request asks who is calling, and a database round trip for it would cost more
//! than the rest of a small request.
//!
//! Like the token cache, it is correct by invalidation: a role change or a removal forgets the
//! member (`Change::Member`, here and on every replica) before it is acknowledged. Only accounts
//! that exist are kept, so a removed member is looked up again on every request until their
//! session ends. Entries lapse after `TTL`, which bounds how long a change made by the command
//! line on SQLite (another process, no NOTIFY) goes unseen.

use std::{
    collections::HashMap,
    hash::Hash,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, RwLock,
    },
    time::{Duration, Instant},
};

use super::repo::{AccountRow, Organization};
use crate::domain::{OrganizationId, UserId};

const TTL: Duration = Duration::from_secs(10);
/// Past this many entries a map starts afresh. Entries are made only for members and
/// organizations that exist, so this bounds memory, not an outsider's reach.
const CAPACITY: usize = 100_000;

#[derive(Clone, Default)]
pub struct AccountCache {
    accounts: Arc<Lapsing<UserId, AccountRow>>,
    organizations: Arc<Lapsing<OrganizationId, Organization>>,
}

impl AccountCache {
    pub fn account(&self, id: UserId) -> Option<Arc<AccountRow>> {
        self.accounts.get(&id)
    }

    /// To note before reading what [`keep_account`](Self::keep_account) will keep.
    pub fn generation(&self) -> u64 {
        self.accounts.generation.load(Ordering::Acquire)
    }

    /// Keeps `account` unless a member changed since `seen`.
    pub fn keep_account(&self, account: AccountRow, seen: u64) -> Arc<AccountRow> {
        self.accounts.insert(account.user_id, account, seen)
    }

    pub fn organization(&self, id: OrganizationId) -> Option<Arc<Organization>> {
        self.organizations.get(&id)
    }

    pub fn keep_organization(&self, organization: Organization) -> Arc<Organization> {
        // Organizations never change once created: no invalidation can race this read.
        let seen = self.organizations.generation.load(Ordering::Acquire);
        self.organizations.insert(organization.id, organization, seen)
    }

    /// A member's role changed, they were removed or they joined again.
    pub fn forget(&self, id: UserId) {
        self.accounts.forget(&id);
    }

    pub fn clear(&self) {
        self.accounts.clear();
        self.organizations.clear();
    }
}

/// A map whose entries lapse after `TTL`.
struct Lapsing<K, V> {
    entries: RwLock<HashMap<K, (Arc<V>, Instant)>>,
    /// Goes up with every invalidation, under the write lock. A reader notes it before going to
    /// the database and keeps what it read only if nothing was invalidated meanwhile: otherwise
    /// a row read just before a change could be kept just after it.
    generation: AtomicU64,
}

impl<K, V> Default for Lapsing<K, V> {
    fn default() -> Self {
        Self { entries: RwLock::default(), generation: AtomicU64::new(0) }
    }
}

impl<K: Eq + Hash, V> Lapsing<K, V> {
    fn get(&self, key: &K) -> Option<Arc<V>> {
        let entries = self.entries.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        entries.get(key).filter(|(_, kept_at)| kept_at.elapsed() < TTL).map(|(value, _)| value.clone())
    }

    fn insert(&self, key: K, value: V, seen: u64) -> Arc<V> {
        let value = Arc::new(value);
        let mut entries = self.entries.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if self.generation.load(Ordering::Acquire) == seen {
            if entries.len() >= CAPACITY {
                entries.clear();
            }
            entries.insert(key, (value.clone(), Instant::now()));
        }
        value
    }

    fn forget(&self, key: &K) {
        let mut entries = self.entries.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.remove(key);
    }

    fn clear(&self) {
        let mut entries = self.entries.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;

    fn account(id: i64, role: Role) -> AccountRow {
        AccountRow {
            user_id: UserId::new(id),
            user_name: format!("member {id}"),
            email: format!("m{id}@example.com"),
            role,
            organization_id: OrganizationId::new(1),
            organization_name: "Acme".into(),
            organization_slug: "acme".into(),
            organization_created_at: 0,
        }
    }

    #[test]
    fn a_member_is_kept_until_forgotten() {
        let cache = AccountCache::default();
        cache.keep_account(account(1, Role::Admin), cache.generation());
        cache.keep_account(account(2, Role::Developer), cache.generation());
        assert_eq!(cache.account(UserId::new(1)).unwrap().role, Role::Admin);
        cache.forget(UserId::new(1));
        assert!(cache.account(UserId::new(1)).is_none());
        assert!(cache.account(UserId::new(2)).is_some(), "other members stay");
        cache.clear();
        assert!(cache.account(UserId::new(2)).is_none());
    }

    #[test]
    fn an_account_read_before_a_change_is_not_kept_after_it() {
        let cache = AccountCache::default();
        let seen = cache.generation();
        // ... the database is read; meanwhile the member's role changes ...
        cache.forget(UserId::new(3));
        let returned = cache.keep_account(account(3, Role::Admin), seen);
        assert_eq!(returned.role, Role::Admin, "the caller still gets what it read");
        assert!(cache.account(UserId::new(3)).is_none(), "but it is not kept");
    }
}
