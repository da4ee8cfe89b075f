//! What a server function knows about the request it is handling: the application's state,
//! the session, the caller's address and account. Server-side only.

use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
};

use axum::extract::ConnectInfo;
use leptos::prelude::*;

use super::AppError;
use crate::server::{
    accounts::{AccountRow, Actor},
    auth::{self, AuthSession},
    AppState,
};

/// The application state (provided by `leptos_routes_with_context`).
pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>()
        .ok_or_else(|| AppError::unexpected(anyhow::anyhow!("AppState missing from the server-function context")))
}

pub async fn session() -> Result<AuthSession, AppError> {
    leptos_axum::extract::<tower_sessions::Session>().await.map(AuthSession::new).map_err(AppError::unexpected)
}

/// The address of the client calling the current server function.
pub async fn client_address() -> Result<IpAddr, AppError> {
    leptos_axum::extract::<ConnectInfo<SocketAddr>>()
        .await
        .map(|ConnectInfo(addr)| addr.ip())
        .map_err(AppError::unexpected)
}

/// The signed-in account of the current call, or `Unauthorized`.
pub async fn require_account() -> Result<Arc<AccountRow>, AppError> {
    let state = state()?;
    auth::signed_in_account(&state.pool, &state.caches, &session().await?).await?.ok_or(AppError::Unauthorized)
}

/// The state and the acting member of the current call, with their role and address.
pub async fn require_actor() -> Result<(AppState, Actor), AppError> {
    let account = require_account().await?;
    Ok((state()?, Actor::member(&account, client_address().await.ok())))
}

/// Whether the current call is a plain HTML form post (no JavaScript), which gets a redirect
/// instead of the function's response.
pub fn is_plain_form_post() -> bool {
    use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.headers.get(axum::http::header::ACCEPT)?.to_str().ok().map(|a| a.contains("text/html")))
        .unwrap_or(false)
}
