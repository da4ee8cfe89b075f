//! API tokens as the console page sees them. The secret appears in exactly one response:
//! `create_api_token`'s (or, for a form posted without JavaScript, `take_revealed_token`'s,
//! once).

// A server function's arguments are its form's fields (create_api_token has nine), and the
// `#[server]` macro does not pass an item-level `allow` on to the code it generates.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::{AppError, Notice};
use crate::domain::AccessType;

pub const PAGE_SIZE: u32 = 50;

/// A place in the list: a page of a search. Its links and the redirects after Create and Delete
/// keep it, so a dialog opened from page 3 of a search comes back to page 3 of that search.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ListPosition {
    pub page: u32,
    pub search: String,
}

impl ListPosition {
    pub fn new(page: Option<u32>, search: Option<String>) -> Self {
        Self { page: page.unwrap_or(1).max(1), search: search.unwrap_or_default() }
    }

    /// `/api_tokens?page=…&q=…`, then `dialog` (`create`, `delete=7`) when there is one.
    pub fn href(&self, dialog: Option<&str>) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        if self.page > 1 {
            query.append_pair("page", &self.page.to_string());
        }
        if !self.search.is_empty() {
            query.append_pair("q", &self.search);
        }
        let mut query = query.finish();
        if let Some(dialog) = dialog {
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(dialog);
        }
        if query.is_empty() {
            "/api_tokens".to_owned()
        } else {
            format!("/api_tokens?{query}")
        }
    }

    pub fn at_page(&self, page: u32) -> Self {
        Self { page, search: self.search.clone() }
    }
}

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

impl TokenPage {
    /// Where this page is in the list.
    pub fn position(&self) -> ListPosition {
        ListPosition { page: self.page, search: self.search.clone() }
    }

    /// The last page that has tokens on it (1 when there are none).
    pub fn last_page(&self) -> u32 {
        u32::try_from((self.total + i64::from(PAGE_SIZE) - 1) / i64::from(PAGE_SIZE)).unwrap_or(u32::MAX).max(1)
    }
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
    // Where the list was, for the redirect after a form posted without JavaScript.
    page: Option<u32>,
    q: Option<String>,
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
        // Without JavaScript the browser is redirected and the response is dropped: the reveal
        // travels with the redirect in an encrypted cookie (never in the database).
        let settings = &state.settings;
        super::reveal::put(&settings.secret_key, &context::session().await?, settings.is_https(), created.clone())?;
        leptos_axum::redirect(&ListPosition::new(page, q).href(Some("created")));
    }
    Ok(created)
}

/// The token created by this session's last no-JavaScript form post, once.
#[server(prefix = "/rpc", endpoint = "take_revealed_token")]
pub async fn take_revealed_token() -> Result<Option<CreatedToken>, AppError> {
    use super::context;
    let settings = context::state()?.settings;
    super::reveal::take(&settings.secret_key, &context::session().await?, settings.is_https())
}

/// One token, whatever page of the list it is on (the Delete dialog names it).
#[server(prefix = "/rpc", endpoint = "find_api_token")]
pub async fn find_api_token(id: i64) -> Result<ApiToken, AppError> {
    use crate::server::tokens;
    let (state, actor) = super::context::require_actor().await?;
    Ok(tokens::find(&state.pool, &actor, id).await?.into())
}

/// Deletes the token and goes back to where the list was (`page` and `q`).
#[server(prefix = "/rpc", endpoint = "delete_api_token")]
pub async fn delete_api_token(id: i64, page: Option<u32>, q: Option<String>) -> Result<Notice, AppError> {
    use crate::server::tokens;
    let (state, actor) = super::context::require_actor().await?;
    // The name, for the notice.
    let token = tokens::find(&state.pool, &actor, id).await?;
    tokens::delete(&state.pool, &state.caches, &actor, id).await?;
    leptos_axum::redirect(&ListPosition::new(page, q).href(None));
    Ok(Notice::deleted(TOKEN, &token.name))
}

/// What notices call a token.
pub const TOKEN: &str = "Token";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_keep_page_and_search_in_links() {
        assert_eq!(ListPosition::new(None, None).href(None), "/api_tokens");
        assert_eq!(ListPosition::new(Some(1), Some(String::new())).href(Some("create")), "/api_tokens?create");
        let at = ListPosition::new(Some(2), Some("ci & co".into()));
        assert_eq!(at.href(None), "/api_tokens?page=2&q=ci+%26+co");
        assert_eq!(at.href(Some("delete=7")), "/api_tokens?page=2&q=ci+%26+co&delete=7");
        assert_eq!(ListPosition::new(Some(0), None).page, 1);
    }

    #[test]
    fn the_last_page_has_tokens_on_it() {
        let page = |total| TokenPage { items: vec![], total, page: 1, search: String::new(), now: 0 };
        assert_eq!(page(0).last_page(), 1);
        assert_eq!(page(50).last_page(), 1);
        assert_eq!(page(51).last_page(), 2);
    }
}
