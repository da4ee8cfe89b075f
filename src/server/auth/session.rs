//! The typed session: the only code that reads or writes session keys.

use tower_sessions::Session;

use crate::api::AppError;
use crate::server::error::internal;

const USER_ID: &str = "user_id";

#[derive(Clone)]
pub struct AuthSession(Session);

impl AuthSession {
    pub fn new(session: Session) -> Self {
        Self(session)
    }

    /// The session of the request a server function is handling.
    pub async fn from_context() -> Result<Self, AppError> {
        leptos_axum::extract::<Session>().await.map(Self).map_err(internal)
    }

    /// Signs `user_id` in under a fresh session id, so an id planted before sign-in
    /// (session fixation) is worthless.
    pub async fn sign_in(&self, user_id: i64) -> Result<(), AppError> {
        self.0.cycle_id().await.map_err(internal)?;
        self.0.insert(USER_ID, user_id).await.map_err(internal)
    }

    /// The session's id, once it has one (after sign-in). Server-side only; never logged.
    pub fn id(&self) -> Option<String> {
        self.0.id().map(|id| id.to_string())
    }

    pub async fn user_id(&self) -> Result<Option<i64>, AppError> {
        self.0.get::<i64>(USER_ID).await.map_err(internal)
    }

    /// Deletes the session from the store and expires the cookie.
    pub async fn sign_out(&self) -> Result<(), AppError> {
        self.0.flush().await.map_err(internal)
    }
}
