//! One-time reveals for forms posted without JavaScript.
//!
//! Such a post is answered with a redirect, which drops the server function's response, so the
//! created token waits here, in memory only (never in the database or a cookie), until the
//! next render of the same session takes it, or five minutes pass. With several replicas this
//! needs sticky sessions; with JavaScript (the usual case) the reveal never comes here.

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};

use tokio::sync::Mutex;

use super::tokens::CreatedToken;
use crate::server::auth::AuthSession;

const TTL: Duration = Duration::from_secs(300);

#[derive(Clone, Default)]
pub struct Reveals(Arc<Mutex<HashMap<String, (CreatedToken, Instant)>>>);

impl Reveals {
    pub async fn put(&self, session: &AuthSession, created: CreatedToken) {
        let Some(key) = session.id() else { return };
        let mut reveals = self.0.lock().await;
        reveals.retain(|_, (_, at)| at.elapsed() < TTL);
        reveals.insert(key, (created, Instant::now()));
    }

    pub async fn take(&self, session: &AuthSession) -> Option<CreatedToken> {
        let key = session.id()?;
        let (created, at) = self.0.lock().await.remove(&key)?;
        (at.elapsed() < TTL).then_some(created)
    }
}
