//! API tokens as the console page sees them. The secret appears in exactly one response:
//! `create_api_token`'s (or, for a form posted without JavaScript, `take_revealed_token`'s,
//! once).

// A server function's arguments are its form's fields (create_api_token has twelve), and the
// `#[server]` macro does not pass an item-level `allow` on to the code it generates.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::{AppError, Notice};
use crate::domain::{AccessType, DeploymentId, TokenId};

/// A choice the list's URL carries (`status=expired`): each value with its word in the URL
/// (empty for the default, which the URL leaves out) and its label.
pub trait QueryChoice: Copy + Default + PartialEq + Send + Sync + 'static {
    const CHOICES: &'static [(Self, &'static str, &'static str)];

    /// Anything unknown is the default.
    fn parse(raw: &str) -> Self {
        Self::CHOICES.iter().find(|(_, word, _)| !word.is_empty() && *word == raw).map_or_else(Self::default, |c| c.0)
    }

    fn as_query(self) -> &'static str {
        Self::CHOICES.iter().find(|(choice, _, _)| *choice == self).map_or("", |c| c.1)
    }
}

/// How many tokens a page shows: the choices, and the first.
pub const PAGE_SIZES: [u32; 3] = [20, 50, 100];
pub const PAGE_SIZE: u32 = 50;

/// The order of the list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TokenSort {
    #[default]
    Newest,
    Name,
    LastUsed,
    Expiry,
}

/// Each order with its value in the URL and its label. Anything unknown is the newest first.
impl QueryChoice for TokenSort {
    const CHOICES: &'static [(Self, &'static str, &'static str)] = &[
        (TokenSort::Newest, "", "Newest first"),
        (TokenSort::Name, "name", "Name"),
        (TokenSort::LastUsed, "last_used", "Recently used"),
        (TokenSort::Expiry, "expires", "Expiring first"),
    ];
}

/// A page size from the URL: one of [`PAGE_SIZES`], else [`PAGE_SIZE`].
pub fn page_size(raw: Option<&str>) -> u32 {
    raw.and_then(|raw| raw.parse().ok()).filter(|size| PAGE_SIZES.contains(size)).unwrap_or(PAGE_SIZE)
}

/// Which tokens the list shows, by expiry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TokenStatus {
    #[default]
    All,
    Active,
    ExpiringSoon,
    Expired,
}

/// Each status with its value in the URL and its label. Anything unknown shows every token.
impl QueryChoice for TokenStatus {
    const CHOICES: &'static [(Self, &'static str, &'static str)] = &[
        (TokenStatus::All, "", "All tokens"),
        (TokenStatus::Active, "active", "Active"),
        (TokenStatus::ExpiringSoon, "expiring", "Expiring within 7 days"),
        (TokenStatus::Expired, "expired", "Expired"),
    ];
}

/// Whose tokens the list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TokenOwner {
    #[default]
    All,
    Personal,
    Organization,
}

/// Each choice with its value in the URL and its label. Anything unknown shows both.
impl QueryChoice for TokenOwner {
    const CHOICES: &'static [(Self, &'static str, &'static str)] = &[
        (TokenOwner::All, "", "Personal and organization"),
        (TokenOwner::Personal, "personal", "Personal"),
        (TokenOwner::Organization, "organization", "Organization"),
    ];
}

/// A place in the list: a page of a search and a status filter. Its links and the redirects
/// after Create and Delete keep it, so a dialog opened from page 3 of a search comes back to
/// page 3 of that search.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ListPosition {
    pub page: u32,
    pub search: String,
    pub status: TokenStatus,
    pub owner: TokenOwner,
    pub sort: TokenSort,
    pub per_page: u32,
}

impl Default for ListPosition {
    fn default() -> Self {
        Self::from_query(|_| None)
    }
}

impl ListPosition {
    /// From the list's query parameters (`page`, `q`, `status`, `owner`, `sort`, `per_page`),
    /// as the page's URL or a form's hidden fields carry them; anything unknown is the default.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Self {
        let text = |key| get(key).unwrap_or_default();
        Self {
            page: get("page").and_then(|page| page.parse().ok()).unwrap_or(1).max(1),
            search: text("q"),
            status: TokenStatus::parse(&text("status")),
            owner: TokenOwner::parse(&text("owner")),
            sort: TokenSort::parse(&text("sort")),
            per_page: page_size(get("per_page").as_deref()),
        }
    }

    /// `/api_tokens?page=…&q=…&status=…`, then `dialog` (`create`, `delete=7`) when there is one.
    pub fn href(&self, dialog: Option<&str>) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        if self.page > 1 {
            query.append_pair("page", &self.page.to_string());
        }
        if !self.search.is_empty() {
            query.append_pair("q", &self.search);
        }
        if self.status != TokenStatus::All {
            query.append_pair("status", self.status.as_query());
        }
        if self.owner != TokenOwner::All {
            query.append_pair("owner", self.owner.as_query());
        }
        if self.sort != TokenSort::Newest {
            query.append_pair("sort", self.sort.as_query());
        }
        if self.per_page != PAGE_SIZE {
            query.append_pair("per_page", &self.per_page.to_string());
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
        Self { page, ..self.clone() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: TokenId,
    pub name: String,
    pub description: String,
    pub is_user: bool,
    pub is_developer: bool,
    /// For User tokens: every Protected deployment of the organization, now and later.
    pub all_deployments: bool,
    /// For User tokens: the deployments it may call (none when `all_deployments`).
    pub deployments: Vec<GrantedDeployment>,
    pub created_by: Option<String>,
    pub created_by_email: Option<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub last_used_from: Option<String>,
    pub expires_at: Option<i64>,
    /// The non-secret beginning of the token, e.g. `bcst_AbCd`.
    pub prefix: String,
    /// Belongs to the organization; `created_by` then only created it.
    pub is_organization: bool,
    /// Whether the viewer may edit, regenerate and delete it.
    pub can_manage: bool,
}

impl TokenPage {
    /// Where this page is in the list.
    pub fn position(&self) -> ListPosition {
        ListPosition {
            page: self.page,
            search: self.search.clone(),
            status: self.status,
            owner: self.owner,
            sort: self.sort,
            per_page: self.per_page,
        }
    }

    /// The last page that has tokens on it (1 when there are none).
    pub fn last_page(&self) -> u32 {
        let size = i64::from(self.per_page.max(1));
        u32::try_from((self.total + size - 1) / size).unwrap_or(u32::MAX).max(1)
    }
}

impl ApiToken {
    pub fn is_expired(&self, now: i64) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }

    pub fn expires_soon(&self, now: i64) -> bool {
        crate::domain::Expiration::expires_soon(self.expires_at, now)
    }

    /// `/api_tokens/<id>`, the token's own page.
    pub fn href(&self) -> String {
        token_href(self.id)
    }
}

pub fn token_href(id: TokenId) -> String {
    format!("/api_tokens/{id}")
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantedDeployment {
    pub id: DeploymentId,
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
    pub status: TokenStatus,
    pub owner: TokenOwner,
    pub sort: TokenSort,
    pub per_page: u32,
    /// How many of the tokens the viewer sees expire within a week, whatever the filter.
    pub expiring_soon: i64,
    pub now: i64,
    pub may: TokenAbilities,
}

/// What the viewer's role lets them create, so the Create dialog offers only that.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenAbilities {
    pub create_developer: bool,
    pub create_organization: bool,
}

/// A token just created, with its secret and ready-to-paste usage built from real values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub token: ApiToken,
    pub secret: String,
    /// `bentoml cloud login …`, for Developer tokens.
    pub login_command: Option<String>,
    /// A `curl` call per reachable granted deployment, for User tokens.
    pub curl_examples: Vec<CurlExample>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurlExample {
    pub deployment: String,
    pub command: String,
    /// What to fill in, when the deployment's upstream did not say which routes it serves.
    pub note: Option<String>,
}

#[cfg(feature = "ssr")]
impl TokenAbilities {
    fn of(actor: &crate::server::accounts::Actor) -> Self {
        use crate::domain::Permission;
        Self {
            create_developer: actor.may(Permission::CreateDeveloperTokens),
            create_organization: actor.may(Permission::ManageOrganizationTokens),
        }
    }
}

#[cfg(feature = "ssr")]
impl ApiToken {
    /// The token as `viewer` sees it.
    fn for_viewer(t: crate::server::tokens::Token, viewer: &crate::server::accounts::Actor) -> Self {
        Self {
            can_manage: t.manageable_by(viewer).is_ok(),
            is_organization: t.is_organization,
            id: t.id,
            name: t.name,
            description: t.description,
            is_user: t.is_user,
            is_developer: t.is_developer,
            all_deployments: t.all_deployments,
            deployments: t
                .deployments
                .into_iter()
                .map(|g| GrantedDeployment { id: g.id, name: g.name, access: g.access })
                .collect(),
            created_by: t.created_by,
            created_by_email: t.created_by_email,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            last_used_from: t.last_used_from,
            expires_at: t.expires_at,
            prefix: t.prefix,
        }
    }
}

#[server(prefix = "/rpc", endpoint = "list_api_tokens")]
pub async fn list_api_tokens(
    search: String,
    page: u32,
    #[server(default)] status: TokenStatus,
    #[server(default)] owner: TokenOwner,
    #[server(default)] sort: TokenSort,
    #[server(default)] per_page: u32,
) -> Result<TokenPage, AppError> {
    use crate::server::{db, tokens};
    let (state, actor) = super::context::require_actor().await?;
    let page = page.max(1);
    let per_page = page_size(Some(&per_page.to_string()));
    let offset = i64::from(page - 1) * i64::from(per_page);
    let now = db::now();
    let filter = match status {
        TokenStatus::All => tokens::Status::Any,
        TokenStatus::Active => tokens::Status::Active,
        TokenStatus::ExpiringSoon => tokens::Status::ExpiringSoon,
        TokenStatus::Expired => tokens::Status::Expired,
    };
    let ownership = match owner {
        TokenOwner::All => tokens::Ownership::Any,
        TokenOwner::Personal => tokens::Ownership::Personal,
        TokenOwner::Organization => tokens::Ownership::Organization,
    };
    let order = match sort {
        TokenSort::Newest => tokens::Order::Newest,
        TokenSort::Name => tokens::Order::Name,
        TokenSort::LastUsed => tokens::Order::LastUsed,
        TokenSort::Expiry => tokens::Order::Expiry,
    };
    let selection = tokens::Selection { search: &search, status: filter, ownership, order, now };
    let listed = tokens::list(&state.pool, &actor, selection, offset, i64::from(per_page)).await?;
    Ok(TokenPage {
        items: listed.tokens.into_iter().map(|token| ApiToken::for_viewer(token, &actor)).collect(),
        total: listed.total,
        page,
        search: search.trim().to_owned(),
        status,
        owner,
        sort,
        per_page,
        expiring_soon: listed.expiring_soon,
        now,
        may: TokenAbilities::of(&actor),
    })
}

/// What the signed-in member's role lets them create (for the Create dialog).
#[server(prefix = "/rpc", endpoint = "token_permissions")]
pub async fn token_permissions() -> Result<TokenAbilities, AppError> {
    let (_, actor) = super::context::require_actor().await?;
    Ok(TokenAbilities::of(&actor))
}

#[server(prefix = "/rpc", endpoint = "create_api_token")]
pub async fn create_api_token(
    name: String,
    description: String,
    user: Option<String>,
    developer: Option<String>,
    all_deployments: Option<String>,
    deployment_ids: Option<Vec<DeploymentId>>,
    expiration: String,
    expires_on: Option<String>,
    confirm_never: Option<String>,
    organization: Option<String>,
    // Where the list was, for the redirect after a form posted without JavaScript.
    page: Option<u32>,
    q: Option<String>,
    status: Option<String>,
    owner: Option<String>,
    sort: Option<String>,
    per_page: Option<String>,
) -> Result<CreatedToken, AppError> {
    use crate::domain::{AllValid, Description, Expiration, TokenName, TokenTypes};
    use crate::server::{db, tokens};
    let (state, actor) = super::context::require_actor().await?;
    let (name, description, types, expiration) = (
        TokenName::parse(&name),
        Description::parse(&description),
        TokenTypes::parse(
            user.is_some(),
            developer.is_some(),
            all_deployments.is_some(),
            deployment_ids.unwrap_or_default(),
        ),
        Expiration::parse(&expiration, expires_on.as_deref(), db::now())
            .and_then(|expiration| expiration.confirm_never(confirm_never.is_some())),
    )
        .all_valid()?;
    let new = tokens::NewToken { name, description, types, expiration, organization: organization.is_some() };
    let (token, secret) = tokens::create(&state.pool, &actor, new).await?;
    let at = position(page, q, status, owner, sort, per_page);
    let then = at.href(Some("created"));
    reveal(&state, &actor, token, secret, &then).await
}

/// The reveal of a token just made (created or regenerated). Without JavaScript the browser
/// is redirected to `then` and the response is dropped: the reveal travels with the redirect
/// in an encrypted cookie (never in the database).
#[cfg(feature = "ssr")]
async fn reveal(
    state: &crate::server::AppState,
    actor: &crate::server::accounts::Actor,
    token: crate::server::tokens::Token,
    secret: crate::server::tokens::secret::TokenSecret,
    then: &str,
) -> Result<CreatedToken, AppError> {
    use super::context;
    let usage = crate::server::tokens::usage(&token, &secret, &state.settings, &state.gateway, actor).await;
    let created = CreatedToken {
        token: ApiToken::for_viewer(token, actor),
        secret: secret.expose().to_owned(),
        login_command: usage.login_command,
        curl_examples: usage
            .curl_examples
            .into_iter()
            .map(|c| CurlExample { deployment: c.deployment, command: c.command, note: c.note })
            .collect(),
    };
    if context::is_plain_form_post() {
        let settings = &state.settings;
        super::reveal::put(
            &super::reveal::TOKENS,
            &settings.secret_key,
            &context::session().await?,
            settings.is_https(),
            created.clone(),
        )?;
        leptos_axum::redirect(then);
    }
    Ok(created)
}

/// A new secret for the token; everything else stays, and its expiry too unless `expiration`
/// is something other than `keep`. Revealed once, like a new token's.
#[server(prefix = "/rpc", endpoint = "regenerate_api_token")]
pub async fn regenerate_api_token(
    id: TokenId,
    expiration: String,
    expires_on: Option<String>,
    confirm_never: Option<String>,
) -> Result<CreatedToken, AppError> {
    use crate::domain::Expiration;
    use crate::server::{db, tokens};
    let (state, actor) = super::context::require_actor().await?;
    let expiration = match expiration.as_str() {
        KEEP_EXPIRY => None,
        choice => {
            Some(Expiration::parse(choice, expires_on.as_deref(), db::now())?.confirm_never(confirm_never.is_some())?)
        }
    };
    let (token, secret) = tokens::regenerate(&state.pool, &state.caches, &actor, id, expiration).await?;
    let then = format!("{}?created", token_href(id));
    reveal(&state, &actor, token, secret, &then).await
}

/// The Expiration choice that leaves a regenerated token's expiry as it is.
pub const KEEP_EXPIRY: &str = "keep";

/// Edits name, description and, for a User token (`grants` is then posted), its
/// deployments. Goes back to the token's page.
#[server(prefix = "/rpc", endpoint = "update_api_token")]
pub async fn update_api_token(
    id: TokenId,
    name: String,
    description: String,
    grants: Option<String>,
    all_deployments: Option<String>,
    deployment_ids: Option<Vec<DeploymentId>>,
) -> Result<Notice, AppError> {
    use crate::domain::{AllValid, Description, Grants, TokenName};
    use crate::server::tokens;
    let (state, actor) = super::context::require_actor().await?;
    let grants = match grants {
        Some(_) => Grants::parse(all_deployments.is_some(), deployment_ids.unwrap_or_default()).map(Some),
        None => Ok(None),
    };
    let (name, description, grants) =
        (TokenName::parse(&name), Description::parse(&description), grants).all_valid()?;
    let changes = tokens::TokenChanges { name: Some(name), description: Some(description), grants };
    let token = tokens::update(&state.pool, &state.caches, &actor, id, changes).await?;
    leptos_axum::redirect(&token_href(id));
    Ok(Notice::saved(TOKEN, &token.name))
}

/// The token created by this session's last no-JavaScript form post, once.
#[server(prefix = "/rpc", endpoint = "take_revealed_token")]
pub async fn take_revealed_token() -> Result<Option<CreatedToken>, AppError> {
    use super::context;
    let settings = context::state()?.settings;
    super::reveal::take(&super::reveal::TOKENS, &settings.secret_key, &context::session().await?, settings.is_https())
}

/// One token, with the server's clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundToken {
    pub token: ApiToken,
    pub now: i64,
    pub may: TokenAbilities,
}

/// One token, whatever page of the list it is on (its page, and the Delete dialog).
#[server(prefix = "/rpc", endpoint = "find_api_token")]
pub async fn find_api_token(id: TokenId) -> Result<FoundToken, AppError> {
    use crate::server::{db, tokens};
    let (state, actor) = super::context::require_actor().await?;
    let token = ApiToken::for_viewer(tokens::find(&state.pool, &actor, id).await?, &actor);
    Ok(FoundToken { token, now: db::now(), may: TokenAbilities::of(&actor) })
}

/// Deletes the token and goes back to where the list was (`page` and `q`).
#[server(prefix = "/rpc", endpoint = "delete_api_token")]
pub async fn delete_api_token(
    id: TokenId,
    page: Option<u32>,
    q: Option<String>,
    status: Option<String>,
    owner: Option<String>,
    sort: Option<String>,
    per_page: Option<String>,
) -> Result<Notice, AppError> {
    use crate::server::tokens;
    let (state, actor) = super::context::require_actor().await?;
    let token = tokens::delete(&state.pool, &state.caches, &actor, id).await?;
    leptos_axum::redirect(&position(page, q, status, owner, sort, per_page).href(None));
    Ok(Notice::deleted(TOKEN, &token.name))
}

/// The list position a form posted, for its redirect without JavaScript.
#[cfg(feature = "ssr")]
fn position(
    page: Option<u32>,
    q: Option<String>,
    status: Option<String>,
    owner: Option<String>,
    sort: Option<String>,
    per_page: Option<String>,
) -> ListPosition {
    ListPosition::from_query(|key| match key {
        "page" => page.map(|page| page.to_string()),
        "q" => q.clone(),
        "status" => status.clone(),
        "owner" => owner.clone(),
        "sort" => sort.clone(),
        "per_page" => per_page.clone(),
        _ => None,
    })
}

pub const NOT_FOUND: &str = "This API token does not exist; it may have been deleted.";

/// What notices call a token.
pub const TOKEN: &str = "Token";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_keep_page_and_search_in_links() {
        let at = |pairs: &[(&str, &str)]| {
            let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            ListPosition::from_query(|key| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()))
        };
        assert_eq!(ListPosition::default().href(None), "/api_tokens");
        assert_eq!(at(&[("page", "1"), ("q", "")]).href(Some("create")), "/api_tokens?create");
        let there =
            at(&[("page", "2"), ("q", "ci & co"), ("status", "expiring"), ("sort", "name"), ("per_page", "20")]);
        assert_eq!(there.href(None), "/api_tokens?page=2&q=ci+%26+co&status=expiring&sort=name&per_page=20");
        assert_eq!(
            there.href(Some("delete=7")),
            "/api_tokens?page=2&q=ci+%26+co&status=expiring&sort=name&per_page=20&delete=7"
        );
        assert_eq!(there.at_page(3).status, TokenStatus::ExpiringSoon, "pages keep the filter");
        assert_eq!(there.at_page(3).sort, TokenSort::Name, "and the order");
        let odd = at(&[("page", "0"), ("status", "bogus"), ("sort", "random"), ("per_page", "7")]);
        assert_eq!(odd, ListPosition::default());
    }

    #[test]
    fn the_last_page_has_tokens_on_it() {
        let page = |total| TokenPage {
            items: vec![],
            total,
            page: 1,
            search: String::new(),
            status: TokenStatus::All,
            owner: TokenOwner::All,
            sort: TokenSort::Newest,
            per_page: PAGE_SIZE,
            expiring_soon: 0,
            now: 0,
            may: TokenAbilities::default(),
        };
        assert_eq!(page(0).last_page(), 1);
        assert_eq!(page(50).last_page(), 1);
        assert_eq!(page(51).last_page(), 2);
    }
}
