//! The in-memory caches that a change must invalidate (verified tokens, gateway routes,
//! accounts), and how a change reaches every replica.
//!
//! A service that changes what grants access calls [`Caches::invalidate`] before it answers:
//! the change is applied to this process's caches at once and, on PostgreSQL, published with
//! `NOTIFY` to every replica, whose [`listen`] task applies it when it hears it. A replica that
//! loses its listening connection cannot know what it missed, so it stops using its caches
//! (every lookup reads through to the database) until it has listened again and emptied them.
//! On SQLite there is one process; changes made by the command line, which is another process,
//! are seen when entries lapse (10 s).

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use sqlx::postgres::PgListener;

use super::{
    accounts::AccountCache,
    db::{self, Pool},
    error::ServiceResult,
    gateway::RouteCache,
    tokens::TokenCache,
};

use crate::domain::{TokenId, UserId};

/// The PostgreSQL channel replicas tell each other about changes on.
const CHANNEL: &str = "bento_console_invalidate";
/// The longest pause between attempts to listen again.
const MAX_RETRY: Duration = Duration::from_secs(5);

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A token was deleted (or otherwise stopped being valid).
    Token(TokenId),
    /// A member's role changed, or they were removed: what their tokens grant.
    Member(UserId),
    /// A deployment was created, changed or deleted: routes, and the grants tokens carry.
    Deployments,
}

impl Change {
    fn to_payload(self) -> String {
        match self {
            Change::Token(id) => format!("token {id}"),
            Change::Member(id) => format!("member {id}"),
            Change::Deployments => "deployments".into(),
        }
    }

    /// `None` for a payload this version does not know: the caller then empties everything.
    fn from_payload(payload: &str) -> Option<Self> {
        match payload.split_once(' ') {
            Some(("token", id)) => id.parse().ok().map(Change::Token),
            Some(("member", id)) => id.parse().ok().map(Change::Member),
            None if payload == "deployments" => Some(Change::Deployments),
            _ => None,
        }
    }
}

/// Cheap to clone; every clone shares the same caches.
#[derive(Clone)]
pub struct Caches {
    tokens: TokenCache,
    routes: RouteCache,
    accounts: AccountCache,
    /// Whether this process hears every change (always on SQLite; on PostgreSQL while the
    /// listener is connected).
    trusted: Arc<AtomicBool>,
}

impl Caches {
    /// Caches for `engine`: usable at once on SQLite, on PostgreSQL only once [`listen`] has
    /// started listening.
    pub fn new(engine: db::Engine) -> Self {
        let trusted = engine == db::Engine::Sqlite;
        Self {
            tokens: TokenCache::default(),
            routes: RouteCache::default(),
            accounts: AccountCache::default(),
            trusted: Arc::new(trusted.into()),
        }
    }

    /// The token cache, while it may be trusted.
    pub fn tokens(&self) -> Option<&TokenCache> {
        self.trusted.load(Ordering::Acquire).then_some(&self.tokens)
    }

    /// The route cache, while it may be trusted.
    pub fn routes(&self) -> Option<&RouteCache> {
        self.trusted.load(Ordering::Acquire).then_some(&self.routes)
    }

    /// The account cache, while it may be trusted.
    pub fn accounts(&self) -> Option<&AccountCache> {
        self.trusted.load(Ordering::Acquire).then_some(&self.accounts)
    }

    /// Applies `change` here and, on PostgreSQL, tells the other replicas. Call it after the
    /// change is committed and before it is acknowledged.
    pub async fn invalidate(&self, pool: &Pool, change: Change) -> ServiceResult<()> {
        self.apply(change);
        if let Pool::Postgres(pool) = pool {
            sqlx::query("select pg_notify($1, $2)").bind(CHANNEL).bind(change.to_payload()).execute(pool).await?;
        }
        Ok(())
    }

    fn apply(&self, change: Change) {
        match change {
            Change::Token(id) => self.tokens.forget_token(id),
            Change::Member(id) => {
                self.tokens.forget_owner(id);
                self.accounts.forget(id);
            }
            Change::Deployments => {
                self.routes.clear();
                self.tokens.clear();
            }
        }
    }

    fn clear(&self) {
        self.routes.clear();
        self.tokens.clear();
        self.accounts.clear();
    }
}

/// Hears the other replicas' changes for as long as the process runs (PostgreSQL only).
/// Reconnects after a lost connection, first after `retry` ([`Config::listen_retry`]), then
/// with a pause that doubles up to 5 s; while it is away the caches are not used.
///
/// [`Config::listen_retry`]: super::config::Config::listen_retry
pub async fn listen(pool: sqlx::PgPool, caches: Caches, retry: Duration) {
    let longest = MAX_RETRY.max(retry);
    let mut pause = retry;
    loop {
        match listening(&pool).await {
            Ok(mut listener) => {
                // Whatever was published while nobody listened is unknown: start empty.
                caches.clear();
                caches.trusted.store(true, Ordering::Release);
                tracing::info!("listening for changes made on other replicas");
                pause = retry;
                hear(&mut listener, &caches).await;
                caches.trusted.store(false, Ordering::Release);
                caches.clear();
                tracing::warn!("lost the connection that hears other replicas' changes; reading through to the database until it is back");
            }
            Err(err) => {
                tracing::warn!(error = %err, "could not listen for other replicas' changes; retrying");
            }
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(longest);
    }
}

async fn listening(pool: &sqlx::PgPool) -> sqlx::Result<PgListener> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// Applies notifications until the connection is lost.
async fn hear(listener: &mut PgListener, caches: &Caches) {
    loop {
        match listener.try_recv().await {
            Ok(Some(notification)) => match Change::from_payload(notification.payload()) {
                Some(change) => caches.apply(change),
                None => caches.clear(),
            },
            // `None`: the connection closed; `Err`: it failed. Either way changes may be missed.
            Ok(None) => return,
            Err(err) => {
                tracing::debug!(error = %err, "listener connection failed");
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_travel_as_short_payloads() {
        for change in [Change::Token(TokenId::new(42)), Change::Member(UserId::new(7)), Change::Deployments] {
            assert_eq!(Change::from_payload(&change.to_payload()), Some(change));
        }
        assert_eq!(Change::from_payload("token x"), None);
        assert_eq!(Change::from_payload("something new"), None);
    }

    #[test]
    fn on_postgres_the_caches_wait_for_the_listener() {
        assert!(Caches::new(db::Engine::Sqlite).tokens().is_some());
        let caches = Caches::new(db::Engine::Postgres);
        assert!(caches.tokens().is_none() && caches.routes().is_none());
    }
}
