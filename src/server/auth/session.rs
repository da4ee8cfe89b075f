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
