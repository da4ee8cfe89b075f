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

#[cfg(feature = "ssr")]
impl From<crate::server::tokens::Token> for ApiToken {
    fn from(t: crate::server::tokens::Token) -> Self {
        Self {
            id: t.id,
            name: t.name,
            description: t.description,
            is_user: t.is_user,
            is_developer: t.is_developer,
            deployments: t
                .deployments
                .into_iter()
                .map(|g| GrantedDeployment { id: g.id, name: g.name, access: g.access })
                .collect(),
            created_by: t.created_by,
            created_by_email: t.created_by_email,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            expires_at: t.expires_at,
            prefix: t.prefix,
        }
    }
}

#[server(prefix = "/rpc", endpoint = "list_api_tokens")]
pub async fn list_api_tokens(search: String, page: u32) -> Result<TokenPage, AppError> {
    use crate::server::{db, tokens};
    let (state, actor) = super::context::require_actor().await?;
    let page = page.max(1);
    let offset = i64::from(page - 1) * i64::from(PAGE_SIZE);
    let (items, total) = tokens::list(&state.pool, &actor, &search, offset, i64::from(PAGE_SIZE)).await?;
    let items = items.into_iter().map(ApiToken::from).collect();
    Ok(TokenPage { items, total, page, search: search.trim().to_owned(), now: db::now() })
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
    use super::context;
    use crate::domain::{Description, Expiration, TokenName, TokenTypes};
    use crate::server::{db, tokens};
    let (state, actor) = context::require_actor().await?;
    let new = tokens::NewToken {
        name: TokenName::parse(&name)?,
        description: Description::parse(&description)?,
        types: TokenTypes::parse(user.is_some(), developer.is_some(), deployment_ids.unwrap_or_default())?,
        expiration: Expiration::parse(&expiration, expires_on.as_deref(), db::now())?,
    };
    let (token, secret) = tokens::create(&state.pool, &actor, new).await?;
    let usage = tokens::usage(&token, &secret, &state.settings, &actor);
    let created = CreatedToken {
        token: token.into(),
        secret: secret.expose().to_owned(),
        login_command: usage.login_command,
        curl_examples: usage.curl_examples,
    };
    if context::is_plain_form_post() {
        // Without JavaScript the browser is redirected and the response is dropped: keep the
        // reveal in memory (never in the database) for the next page render of this session.
        state.reveals.put(&context::session().await?, created.clone()).await;
        leptos_axum::redirect("/api_tokens?created");
    }
    Ok(created)
}

/// The token created by this session's last no-JavaScript form post, once.
#[server(prefix = "/rpc", endpoint = "take_revealed_token")]
pub async fn take_revealed_token() -> Result<Option<CreatedToken>, AppError> {
    use super::context;
    let state = context::state()?;
    Ok(state.reveals.take(&context::session().await?).await)
}

#[server(prefix = "/rpc", endpoint = "delete_api_token")]
pub async fn delete_api_token(id: i64) -> Result<(), AppError> {
    use crate::server::tokens;
    let (state, actor) = super::context::require_actor().await?;
    tokens::delete(&state.pool, &state.caches.tokens, &actor, id).await?;
    leptos_axum::redirect("/api_tokens");
    Ok(())
}
