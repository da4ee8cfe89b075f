//! The typed session: the only code that reads or writes session keys.

use anyhow::Context;
use tower_sessions::Session;

use crate::domain::UserId;
use crate::server::error::ServiceResult;

const USER_ID: &str = "user_id";

#[derive(Clone)]
pub struct AuthSession(Session);

impl AuthSession {
    pub fn new(session: Session) -> Self {
        Self(session)
    }

    /// Signs `user_id` in under a fresh session id, so an id planted before sign-in
    /// (session fixation) is worthless.
    pub async fn sign_in(&self, user_id: UserId) -> ServiceResult<()> {
        self.0.cycle_id().await.context("could not renew the session id")?;
        Ok(self.0.insert(USER_ID, user_id).await.context("could not store the session")?)
    }

    /// The session's id, once it has one (after sign-in). Server-side only; never logged.
    pub fn id(&self) -> Option<String> {
        self.0.id().map(|id| id.to_string())
    }

    pub async fn user_id(&self) -> ServiceResult<Option<UserId>> {
        Ok(self.0.get::<UserId>(USER_ID).await.context("could not load the session")?)
    }

    /// Deletes the session from the store and expires the cookie.
    pub async fn sign_out(&self) -> ServiceResult<()> {
        Ok(self.0.flush().await.context("could not delete the session")?)
    }
}

/// Deletes every stored session signed in as `user_id`; how many. The store keeps sessions
/// opaque, so each one is read: for the rare moments a member is removed, or a removed member
/// joins again (whose sessions from before the removal must not come back to life).
pub async fn delete_all_of(pool: &crate::server::db::Pool, user_id: UserId) -> ServiceResult<u64> {
    use crate::server::db::{Pool, SessionStore};
    use tower_sessions::{session::Id, session_store::SessionStore as _};
    let ids: Vec<String> = match pool {
        Pool::Sqlite(pool, _) => sqlx::query_scalar("select id from tower_sessions").fetch_all(pool).await?,
        Pool::Postgres(pool) => sqlx::query_scalar("select id from tower_sessions.session").fetch_all(pool).await?,
    };
    let store = SessionStore::new(pool);
    let mut deleted = 0;
    for id in ids.iter().filter_map(|id| id.parse::<Id>().ok()) {
        let Some(record) = store.load(&id).await.context("could not load a session")? else { continue };
        let owner = record.data.get(USER_ID).and_then(|value| serde_json::from_value::<UserId>(value.clone()).ok());
        if owner == Some(user_id) {
            store.delete(&id).await.context("could not delete a session")?;
            deleted += 1;
        }
    }
    Ok(deleted)
}
