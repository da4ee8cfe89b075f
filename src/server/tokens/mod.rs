//! API tokens: creating them (the only place a secret is made), listing, deleting, and
//! verifying a presented token for the gateway and the REST API.

mod cache;
pub mod example;
pub mod repo;
pub mod secret;

use std::collections::HashMap;

pub use cache::TokenCache;
use secret::TokenSecret;

use super::{
    accounts::Actor,
    activity,
    caches::{Caches, Change},
    db,
    error::{ServiceError, ServiceResult},
    gateway::Gateway,
    Settings,
};
use crate::domain::{
    AccessType, DeploymentId, Description, EventKind, Expiration, Field, Grants, InvalidInput, OrganizationId,
    Permission, Role, TokenId, TokenName, TokenTypes, UserId,
};

/// `last_used_at` is written at most once a minute per token, so verification stays a read.
pub const LAST_USED_INTERVAL: i64 = 60;

pub const NOT_FOUND: &str = "This API token does not exist; it may have been deleted.";

/// A token as the services hand it out: never its secret, which is not stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub id: TokenId,
    pub name: String,
    pub description: String,
    pub is_user: bool,
    pub is_developer: bool,
    /// For User tokens: every Protected deployment of the organization, now and later.
    pub all_deployments: bool,
    /// For User tokens: the deployments it may call (none when `all_deployments`).
    pub deployments: Vec<Grant>,
    /// Belongs to the organization rather than to a member: visible to every member, managed
    /// by admins, and unaffected by its creator leaving.
    pub is_organization: bool,
    /// The owner of a personal token; who created an organization token.
    pub created_by_id: Option<UserId>,
    pub created_by: Option<String>,
    pub created_by_email: Option<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    /// The address of the call that last recorded a use.
    pub last_used_from: Option<String>,
    pub expires_at: Option<i64>,
    /// The non-secret beginning of the token, e.g. `bcst_AbCd`.
    pub prefix: String,
}

impl Token {
    pub fn is_expired(&self, now: i64) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }

    pub fn expires_soon(&self, now: i64) -> bool {
        Expiration::expires_soon(self.expires_at, now)
    }

    /// Whether `actor` may see it: organization tokens and their own, or every token for admins.
    pub fn visible_to(&self, actor: &Actor) -> bool {
        self.is_organization || self.is_owned_by(actor) || actor.may(Permission::ManageAllTokens)
    }

    fn is_owned_by(&self, actor: &Actor) -> bool {
        !self.is_organization && actor.user_id.is_some() && self.created_by_id == actor.user_id
    }

    /// Whether `actor` may edit, regenerate or delete it: a personal token by its owner or an
    /// admin, an organization token by an admin.
    pub fn manageable_by(&self, actor: &Actor) -> ServiceResult<()> {
        match () {
            _ if self.is_organization => actor.require(Permission::ManageOrganizationTokens),
            _ if self.is_owned_by(actor) => Ok(()),
            _ => actor.require(Permission::ManageAllTokens),
        }
    }

    fn summary(&self) -> String {
        summary(self.is_developer, self.is_user, self.is_organization, &self.prefix)
    }
}

/// What kind of token, for the activity log: "Developer and User, organization, bcst_AbCd".
fn summary(is_developer: bool, is_user: bool, is_organization: bool, prefix: &str) -> String {
    let types = match (is_developer, is_user) {
        (true, true) => "Developer and User",
        (true, false) => "Developer",
        _ => "User",
    };
    let owner = if is_organization { "organization" } else { "personal" };
    format!("{types}, {owner}, {prefix}")
}

/// A deployment a User token may call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub id: DeploymentId,
    pub name: String,
    pub access: AccessType,
    pub upstream_url: String,
}

pub struct NewToken {
    pub name: TokenName,
    pub description: Description,
    pub types: TokenTypes,
    pub expiration: Expiration,
    /// An organization token (admins only) rather than the creator's personal one.
    pub organization: bool,
}

pub const ORGANIZATION_TOKENS_ONLY: &str =
    "Without a member (the command line, an organization token), only organization tokens can be created.";

/// Whether `actor` may create `new`: Developer access and organization tokens need their
/// permissions, and a personal token needs a member to own it.
fn check_may_create(actor: &Actor, new: &NewToken) -> ServiceResult<()> {
    if new.types.is_developer() {
        actor.require(Permission::CreateDeveloperTokens)?;
    }
    if new.organization {
        actor.require(Permission::ManageOrganizationTokens)?;
    } else if actor.user_id.is_none() {
        return Err(ServiceError::Forbidden(ORGANIZATION_TOKENS_ONLY.into()));
    }
    Ok(())
}

/// Ready-to-paste usage for a token's one-time reveal, built from real values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage {
    /// `bentoml cloud login …`, for Developer tokens.
    pub login_command: Option<String>,
    /// A `curl` call per granted deployment with an external URL, for User tokens.
    pub curl_examples: Vec<CurlExample>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurlExample {
    pub deployment: String,
    pub command: String,
    /// Set when the deployment's upstream serves no OpenAPI document: what to fill in.
    pub note: Option<String>,
}

/// How many granted deployments get a `curl` call in the reveal, and how long all their
/// OpenAPI documents may take to arrive.
const CURL_EXAMPLES: usize = 5;
const DOCUMENTS_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

pub use repo::{Order, Ownership, Status};

/// A page of the token list.
pub struct Listed {
    pub tokens: Vec<Token>,
    /// How many match, over all pages.
    pub total: i64,
    /// How many of the organization's tokens expire soon, whatever the filter.
    pub expiring_soon: i64,
}

/// Which tokens a list shows.
#[derive(Debug, Clone, Copy)]
pub struct Selection<'a> {
    /// Name or display prefix contains it.
    pub search: &'a str,
    /// Expiry status at `now`.
    pub status: Status,
    pub ownership: Ownership,
    pub order: Order,
    pub now: i64,
}

/// The tokens `actor` may see (organization tokens and their own; every token for admins),
/// in the selection's order, `limit` from `offset`.
pub async fn list(
    pool: &db::Pool,
    actor: &Actor,
    selection: Selection<'_>,
    offset: i64,
    limit: i64,
) -> ServiceResult<Listed> {
    let filter = repo::Filter {
        search: selection.search.trim(),
        status: selection.status,
        now: selection.now,
        soon: Expiration::WARN_DAYS * crate::domain::time::DAY,
        ownership: selection.ownership,
        order: selection.order,
        // Without a member (an organization token's caller) there are no personal tokens to
        // see: no user has id 0.
        visible_to: (!actor.may(Permission::ManageAllTokens)).then(|| actor.user_id.unwrap_or(UserId::new(0))),
    };
    // Three reads on one connection: one trip to the pool instead of three.
    let mut conn = pool.acquire().await?;
    let (total, expiring_soon) = repo::count(&mut conn, actor.organization_id, &filter).await?;
    let rows = repo::page(&mut conn, actor.organization_id, &filter, limit, offset).await?;
    Ok(Listed { tokens: with_grants(&mut conn, rows).await?, total, expiring_soon })
}

/// Creates the token and its grants in one transaction and returns the secret, which is not
/// stored anywhere.
pub async fn create(pool: &db::Pool, actor: &Actor, new: NewToken) -> ServiceResult<(Token, TokenSecret)> {
    let mut tx = db::begin_write(pool).await?;
    let (id, secret) = insert(&mut tx, actor, &new).await?;
    let token = find_in(&mut tx, actor, id).await?;
    tx.commit().await?;
    tracing::info!(token_id = %id, prefix = secret.display_prefix(), "API token created");
    Ok((token, secret))
}

/// Inserts a new token and its grants in `tx` (which the caller commits), and records it in
/// the activity log; its id and secret.
pub async fn insert(tx: &mut db::Tx, actor: &Actor, new: &NewToken) -> ServiceResult<(TokenId, TokenSecret)> {
    check_may_create(actor, new)?;
    let secret = TokenSecret::generate();
    let grants = new.types.grants().map(Grants::deployments).unwrap_or_default();
    check_deployments_exist(tx, actor, grants).await?;
    let row = repo::NewRow {
        organization_id: actor.organization_id,
        created_by: actor.user_id,
        name: new.name.as_ref(),
        name_key: &new.name.key(),
        description: new.description.as_ref(),
        is_user: new.types.is_user(),
        is_developer: new.types.is_developer(),
        all_deployments: new.types.grants().is_some_and(Grants::is_all),
        is_organization: new.organization,
        digest: &secret.digest(),
        prefix: secret.display_prefix(),
        expires_at: new.expiration.expires_at(),
        now: db::now(),
    };
    let id = repo::insert(tx, row).await?.ok_or_else(|| name_taken(&new.name))?;
    for deployment_id in grants {
        repo::insert_grant(tx, id, *deployment_id).await?;
    }
    let detail = summary(new.types.is_developer(), new.types.is_user(), new.organization, secret.display_prefix());
    activity::record(&mut *tx, actor, EventKind::TokenCreated, new.name.as_ref(), &detail).await?;
    Ok((id, secret))
}

async fn check_deployments_exist(tx: &mut db::Tx, actor: &Actor, ids: &[DeploymentId]) -> ServiceResult<()> {
    if repo::count_deployments(tx, actor.organization_id, ids).await? != ids.len() as i64 {
        let message = "A chosen deployment does not exist; it may have been deleted. Choose again.";
        return Err(InvalidInput::new(Field::Deployments, message).into());
    }
    Ok(())
}

/// What an edit changes; `None` leaves a part as it is. A token's types cannot change:
/// regenerate it or create another.
#[derive(Debug, Default)]
pub struct TokenChanges {
    pub name: Option<TokenName>,
    pub description: Option<Description>,
    /// Only for User tokens.
    pub grants: Option<Grants>,
}

pub const ONLY_USER_TOKENS_HAVE_DEPLOYMENTS: &str =
    "Only User tokens call deployments; this is a Developer token. Create a User token instead.";

/// Edits name, description and (User tokens) grants in one transaction. Takes effect on the
/// next request, on every replica.
pub async fn update(
    pool: &db::Pool,
    caches: &Caches,
    actor: &Actor,
    id: TokenId,
    changes: TokenChanges,
) -> ServiceResult<Token> {
    let mut tx = db::begin_write(pool).await?;
    let current = find_in(&mut tx, actor, id).await?;
    current.manageable_by(actor)?;
    if changes.grants.is_some() && !current.is_user {
        return Err(InvalidInput::new(Field::Deployments, ONLY_USER_TOKENS_HAVE_DEPLOYMENTS).into());
    }
    let name = changes.name.as_ref().map_or(current.name.as_str(), AsRef::as_ref);
    let name_key = changes.name.as_ref().map_or_else(|| current.name.to_lowercase(), TokenName::key);
    let description = changes.description.as_ref().map_or(current.description.as_str(), AsRef::as_ref);
    let updated = repo::update_details(&mut tx, actor.organization_id, id, name, &name_key, description).await?;
    match (updated, &changes.name) {
        (Some(true), _) => {}
        (Some(false), _) => return Err(ServiceError::NotFound(NOT_FOUND)),
        (None, Some(name)) => return Err(name_taken(name).into()),
        (None, None) => return Err(ServiceError::Unexpected(anyhow::anyhow!("unchanged token name became taken"))),
    }
    if let Some(grants) = &changes.grants {
        check_deployments_exist(&mut tx, actor, grants.deployments()).await?;
        repo::replace_grants(&mut tx, id, grants.is_all(), grants.deployments()).await?;
    }
    let detail = if changes.grants.is_some() { "deployments changed" } else { "" };
    activity::record(&mut tx, actor, EventKind::TokenEdited, name, detail).await?;
    tx.commit().await?;
    if changes.grants.is_some() {
        caches.invalidate(pool, Change::Token(id)).await?;
    }
    tracing::info!(token_id = %id, grants_changed = changes.grants.is_some(), "API token edited");
    find(pool, actor, id).await
}

/// A new secret for the token, keeping everything else (and its expiry, unless `expiration`
/// gives a new one). The old secret stops working on the next request, on every replica.
pub async fn regenerate(
    pool: &db::Pool,
    caches: &Caches,
    actor: &Actor,
    id: TokenId,
    expiration: Option<Expiration>,
) -> ServiceResult<(Token, TokenSecret)> {
    let secret = TokenSecret::generate();
    let expires_at = expiration.map(Expiration::expires_at);
    let mut tx = db::begin_write(pool).await?;
    let current = find_in(&mut tx, actor, id).await?;
    current.manageable_by(actor)?;
    if current.is_developer {
        // A new Developer secret is a new Developer token.
        actor.require(Permission::CreateDeveloperTokens)?;
    }
    let (digest, prefix) = (secret.digest(), secret.display_prefix());
    if !repo::replace_secret(&mut tx, actor.organization_id, id, &digest, prefix, expires_at).await? {
        return Err(ServiceError::NotFound(NOT_FOUND));
    }
    activity::record(
        &mut tx,
        actor,
        EventKind::TokenRegenerated,
        &current.name,
        &format!("{} → {prefix}", current.prefix),
    )
    .await?;
    tx.commit().await?;
    caches.invalidate(pool, Change::Token(id)).await?;
    tracing::info!(token_id = %id, prefix, "API token regenerated");
    Ok((find(pool, actor, id).await?, secret))
}

fn name_taken(name: &TokenName) -> InvalidInput {
    InvalidInput::new(Field::Name, format!("A token named {:?} already exists. Choose another name.", name.as_ref()))
}

/// `base`, or `base` with the time or a number after it, whichever no token of the
/// organization has: a default name that does not fail Create.
pub async fn free_name(pool: &db::Pool, actor: &Actor, base: &str, now: i64) -> ServiceResult<String> {
    let seconds = now.rem_euclid(crate::domain::time::DAY);
    let candidates = [base.to_owned(), format!("{base} {:02}:{:02} UTC", seconds / 3600, seconds % 3600 / 60)];
    for candidate in candidates.into_iter().chain((2..100).map(|n| format!("{base} ({n})"))) {
        let Ok(name) = TokenName::parse(&candidate) else { continue };
        if !repo::name_taken(pool, actor.organization_id, &name.key()).await? {
            return Ok(candidate);
        }
    }
    Ok(base.to_owned())
}

/// The ready-to-paste usage for the reveal: the CLI login for Developer tokens, a `curl` per
/// granted deployment with an external URL for User tokens. Each call is to a real route with
/// a body from its schema when the deployment's upstream serves an OpenAPI document (read
/// concurrently, within [`DOCUMENTS_WAIT`] in all).
pub async fn usage(
    token: &Token,
    secret: &TokenSecret,
    settings: &Settings,
    gateway: &std::sync::Arc<Gateway>,
    actor: &Actor,
) -> Usage {
    let secret = secret.expose();
    let login_command = token
        .is_developer
        .then(|| format!("bentoml cloud login --api-token {secret} --endpoint {}", settings.public_url_text()));
    let reachable: Vec<&Grant> =
        token.deployments.iter().filter(|d| d.access != AccessType::Private).take(CURL_EXAMPLES).collect();
    let mut documents = tokio::task::JoinSet::new();
    for (i, grant) in reachable.iter().enumerate() {
        let (gateway, upstream) = (gateway.clone(), grant.upstream_url.clone());
        documents.spawn(async move {
            let body = gateway.fetch(&upstream, example::DOCUMENT_PATH, example::DOCUMENT_LIMIT, DOCUMENTS_WAIT).await;
            (i, body.and_then(|body| serde_json::from_slice(&body).ok()))
        });
    }
    let mut calls = vec![None; reachable.len()];
    while let Some(Ok((i, document))) = documents.join_next().await {
        calls[i] = document.as_ref().and_then(example::from_document);
    }
    let curl_examples = reachable
        .iter()
        .zip(calls)
        .map(|(grant, call)| {
            let url = settings.external_url(&grant.name, &actor.organization_slug);
            let note = call.is_none().then(|| {
                format!(
                    "{}{} did not answer with an OpenAPI document: replace YOUR_ROUTE with one of the service's routes.",
                    grant.upstream_url.trim_end_matches('/'),
                    example::DOCUMENT_PATH
                )
            });
            CurlExample { deployment: grant.name.clone(), command: example::curl(&url, secret, call.as_ref()), note }
        })
        .collect();
    Usage { login_command, curl_examples }
}

/// Deletes a token (the owner's, or an admin's revocation); it stops working on the next
/// request, on every replica. The token as it was.
pub async fn delete(pool: &db::Pool, caches: &Caches, actor: &Actor, id: TokenId) -> ServiceResult<Token> {
    let mut tx = db::begin_write(pool).await?;
    let token = find_in(&mut tx, actor, id).await?;
    token.manageable_by(actor)?;
    if !repo::delete(&mut tx, actor.organization_id, id).await? {
        return Err(ServiceError::NotFound(NOT_FOUND));
    }
    // An admin deleting a member's personal token revokes it.
    let kind = if token.is_organization || token.is_owned_by(actor) {
        EventKind::TokenDeleted
    } else {
        EventKind::TokenRevoked
    };
    let detail = match (&token.created_by, kind) {
        (Some(owner), EventKind::TokenRevoked) => format!("{}, owned by {owner}", token.summary()),
        _ => token.summary(),
    };
    activity::record(&mut tx, actor, kind, &token.name, &detail).await?;
    tx.commit().await?;
    caches.invalidate(pool, Change::Token(id)).await?;
    tracing::info!(token_id = %id, "API token deleted");
    Ok(token)
}

/// Deletes the personal tokens of `owner` (being removed) in `tx`; how many. The caller
/// invalidates the caches once it commits (`Change::Member`).
pub async fn delete_personal(tx: &mut db::Tx, actor: &Actor, owner: UserId) -> ServiceResult<u64> {
    Ok(repo::delete_personal(tx, actor.organization_id, owner).await?)
}

/// A token `actor` may see; `NotFound` for any other, so ids tell nothing.
pub async fn find(pool: &db::Pool, actor: &Actor, id: TokenId) -> ServiceResult<Token> {
    let row = repo::find(pool, actor.organization_id, id).await?.ok_or(ServiceError::NotFound(NOT_FOUND))?;
    visible(with_grants(pool, vec![row]).await?.remove(0), actor)
}

async fn find_in(tx: &mut db::Tx, actor: &Actor, id: TokenId) -> ServiceResult<Token> {
    let row = repo::find(&mut *tx, actor.organization_id, id).await?.ok_or(ServiceError::NotFound(NOT_FOUND))?;
    visible(with_grants(&mut *tx, vec![row]).await?.remove(0), actor)
}

fn visible(token: Token, actor: &Actor) -> ServiceResult<Token> {
    if token.visible_to(actor) {
        Ok(token)
    } else {
        Err(ServiceError::NotFound(NOT_FOUND))
    }
}

async fn with_grants(db: impl Into<db::Db<'_>>, rows: Vec<repo::TokenRow>) -> ServiceResult<Vec<Token>> {
    let ids: Vec<TokenId> = rows.iter().map(|row| row.id).collect();
    let mut grants: HashMap<TokenId, Vec<Grant>> = HashMap::new();
    for grant in repo::grants(db, &ids).await? {
        grants.entry(grant.token_id).or_default().push(Grant {
            id: grant.deployment_id,
            name: grant.name,
            access: grant.access,
            upstream_url: grant.upstream_url,
        });
    }
    Ok(rows
        .into_iter()
        .map(|row| Token {
            deployments: grants.remove(&row.id).unwrap_or_default(),
            id: row.id,
            name: row.name,
            description: row.description,
            is_user: row.is_user,
            is_developer: row.is_developer,
            all_deployments: row.all_deployments,
            is_organization: row.is_organization,
            created_by_id: row.created_by,
            created_by: row.created_by_name,
            created_by_email: row.created_by_email,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            last_used_from: row.last_used_from,
            expires_at: row.expires_at,
            prefix: row.prefix,
        })
        .collect())
}

/// The token of an `Authorization: Bearer <token>` header (scheme in any case), as the gateway
/// and the REST API both accept it.
pub fn bearer_token(headers: &http::HeaderMap) -> Option<&str> {
    let (scheme, token) = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Who a valid token belongs to and what it grants now: the types it was created with, less
/// what its owner's current role no longer allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    pub id: TokenId,
    pub organization_id: OrganizationId,
    pub name: String,
    /// The display prefix, for the activity log.
    pub prefix: String,
    /// The member a personal token belongs to; `None` for organization tokens.
    pub owner: Option<UserId>,
    pub is_user: bool,
    pub is_developer: bool,
    /// A Developer token whose owner's role no longer allows Developer access.
    pub developer_withheld: bool,
    /// A User token for every Protected deployment of its organization.
    pub all_deployments: bool,
    /// Deployments a User token may call (empty for Developer-only tokens).
    pub deployment_ids: Vec<DeploymentId>,
}

impl VerifiedToken {
    /// Whether this is a User token that may call the deployment `deployment_id` of the
    /// organization `organization_id`.
    pub fn may_call(&self, organization_id: OrganizationId, deployment_id: DeploymentId) -> bool {
        self.is_user
            && organization_id == self.organization_id
            && (self.all_deployments || self.deployment_ids.contains(&deployment_id))
    }
}

/// What a token grants today. A personal token works while its owner is a member, and its
/// Developer access while their role may create Developer tokens; an organization token
/// keeps working whoever created it. `None`: the token no longer works at all.
fn effective(credential: &repo::Credential, deployment_ids: Vec<DeploymentId>) -> Option<VerifiedToken> {
    let owner_role = if credential.is_organization { Some(Role::Admin) } else { credential.owner_role };
    let role = owner_role?;
    let is_developer = credential.is_developer && role.may(Permission::CreateDeveloperTokens);
    Some(VerifiedToken {
        id: credential.id,
        organization_id: credential.organization_id,
        name: credential.name.clone(),
        prefix: credential.prefix.clone(),
        owner: (!credential.is_organization).then_some(credential.created_by).flatten(),
        is_user: credential.is_user,
        is_developer,
        developer_withheld: credential.is_developer && !is_developer,
        all_deployments: credential.all_deployments,
        deployment_ids,
    })
}

/// Why a presented token was not accepted. Callers answer the rejections all the same way
/// (401), so those variants exist for logs and tests; `Unexpected` is a failure on our side.
#[derive(Debug, thiserror::Error)]
pub enum Rejection {
    #[error("malformed token")]
    Malformed,
    #[error("unknown token")]
    Unknown,
    #[error("expired token")]
    Expired,
    #[error(transparent)]
    Unexpected(#[from] ServiceError),
}

/// The one place a presented token is checked: format and checksum (no database), then the
/// digest in the cache or, on a miss, in the database (unique index) with its grants; then
/// expiry. A use (with the caller's address, when known) is recorded in the background, at
/// most once a minute.
pub async fn verify(
    pool: &db::Pool,
    cache: Option<&TokenCache>,
    presented: &str,
    client: Option<std::net::IpAddr>,
) -> Result<VerifiedToken, Rejection> {
    let Ok(secret) = TokenSecret::parse(presented) else { return Err(Rejection::Malformed) };
    let digest = secret.digest();
    let entry = match cache.and_then(|cache| cache.get(&digest)) {
        Some(entry) => entry,
        None => {
            let seen = cache.map(TokenCache::generation);
            let Some(credential) = repo::find_credential(pool, &digest).await.map_err(ServiceError::from)? else {
                return Err(Rejection::Unknown);
            };
            let deployment_ids = if credential.is_user && !credential.all_deployments {
                repo::granted_deployment_ids(pool, credential.id).await.map_err(ServiceError::from)?
            } else {
                Vec::new()
            };
            let Some(token) = effective(&credential, deployment_ids) else { return Err(Rejection::Unknown) };
            let last_used_at = credential.last_used_at.unwrap_or(i64::MIN / 2);
            match (cache, seen) {
                (Some(cache), Some(seen)) => cache.insert(&digest, token, credential.expires_at, last_used_at, seen),
                _ => std::sync::Arc::new(cache::Entry::new(token, credential.expires_at, last_used_at)),
            }
        }
    };
    let now = db::now();
    if entry.expires_at.is_some_and(|at| at <= now) {
        return Err(Rejection::Expired);
    }
    if entry.claim_use(now, LAST_USED_INTERVAL) {
        let (pool, id) = (pool.clone(), entry.token.id);
        tokio::spawn(async move {
            let from = client.map(|ip| ip.to_string());
            if let Err(err) = repo::touch(&pool, id, now, from.as_deref(), LAST_USED_INTERVAL).await {
                tracing::warn!(token_id = %id, error = %err, "could not record token use");
            }
        });
    }
    Ok(entry.token.clone())
}
