//! API tokens as the console page sees them. The secret appears in exactly one response:
//! `create_api_token`'s (or, for a form posted without JavaScript, `take_revealed_token`'s,
//! once).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::AppError;
use crate::domain::AccessType;

pub const PAGE_SIZE: u32 = 50;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub is_user: bool,
    pub is_developer: bool,
    /// For User tokens: the deployments it may call.
    pub deployments: Vec<GrantedDeployment>,
    pub created_by: Option<String>,
    pub created_by_email: Option<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub expires_at: Option<i64>,
    /// The non-secret beginning of the token, e.g. `bcst_AbCd`.
    pub prefix: String,
}

impl ApiToken {
    pub fn is_expired(&self, now: i64) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantedDeployment {
    pub id: i64,
    pub name: String,
    pub access: AccessType,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenPage {
    pub items: Vec<ApiToken>,
    /// Tokens matching the search, over all pages.
    pub total: i64,
    pub page: u32,
    pub search: String,
    pub now: i64,
}

/// A token just created, with its secret and ready-to-paste usage built from real values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub token: ApiToken,
    pub secret: String,
    /// `bentoml cloud login …`, for Developer tokens.
    pub login_command: Option<String>,
    /// `curl …` per reachable granted deployment, for User tokens.
    pub curl_examples: Vec<(String, String)>,
}

#[server(prefix = "/rpc", endpoint = "list_api_tokens")]
pub async fn list_api_tokens(search: String, page: u32) -> Result<TokenPage, AppError> {
    use crate::server::{auth, tokens};
    let (state, actor) = auth::require_actor().await?;
    tokens::page(&state.pool, &actor, &search, page).await
}

#[server(prefix = "/rpc", endpoint = "create_api_token")]
pub async fn create_api_token(
    name: String,
    description: String,
    user: Option<String>,
    developer: Option<String>,
    deployment_ids: Option<Vec<i64>>,
    expiration: String,
    expires_on: Option<String>,
) -> Result<CreatedToken, AppError> {
    use crate::domain::{Description, Expiration, TokenName, TokenTypes};
    use crate::server::{auth, db, tokens};
    let (state, actor) = auth::require_actor().await?;
    let new = tokens::NewToken {
        name: TokenName::parse(&name)?,
        description: Description::parse(&description)?,
        types: TokenTypes::parse(user.is_some(), developer.is_some(), deployment_ids.unwrap_or_default())?,
        expiration: Expiration::parse(&expiration, expires_on.as_deref(), db::now())?,
    };
    let created = tokens::create(&state.pool, &actor, new).await?;
    let created = tokens::with_usage(created, &state.settings, &actor);
    if crate::server::is_plain_form_post() {
        // Without JavaScript the browser is redirected and the response is dropped: keep the
        // reveal in memory (never in the database) for the next page render of this session.
        state.reveals.put(&auth::AuthSession::from_context().await?, created.clone()).await;
        leptos_axum::redirect("/api_tokens?created");
    }
    Ok(created)
}

/// The token created by this session's last no-JavaScript form post, once.
#[server(prefix = "/rpc", endpoint = "take_revealed_token")]
pub async fn take_revealed_token() -> Result<Option<CreatedToken>, AppError> {
    use crate::server::{auth, AppState};
    let state = AppState::from_context()?;
    Ok(state.reveals.take(&auth::AuthSession::from_context().await?).await)
}

#[server(prefix = "/rpc", endpoint = "delete_api_token")]
pub async fn delete_api_token(id: i64) -> Result<(), AppError> {
    use crate::server::{auth, tokens};
    let (state, actor) = auth::require_actor().await?;
    tokens::delete(&state.pool, &state.caches.tokens, &actor, id).await?;
    leptos_axum::redirect("/api_tokens");
    Ok(())
}
