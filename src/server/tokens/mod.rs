//! API tokens: creating them (the only place a secret is made), listing, deleting, and
//! verifying a presented token for the gateway and the REST API.

mod cache;
pub mod repo;
mod reveal;
pub mod secret;

use std::collections::HashMap;

use anyhow::Context;
pub use cache::TokenCache;
pub use reveal::Reveals;
use secret::TokenSecret;

use super::{accounts::Actor, db, error::internal, Settings};
use crate::api::tokens::{ApiToken, CreatedToken, GrantedDeployment, TokenPage, PAGE_SIZE};
use crate::api::AppError;
use crate::domain::{AccessType, Description, Expiration, Field, InvalidInput, TokenName, TokenTypes};

/// `last_used_at` is written at most once a minute per token, so verification stays a read.
pub const LAST_USED_INTERVAL: i64 = 60;

pub struct NewToken {
    pub name: TokenName,
    pub description: Description,
    pub types: TokenTypes,
    pub expiration: Expiration,
}

pub fn not_found() -> AppError {
    AppError::NotFound("This API token does not exist; it may have been deleted.".into())
}

pub async fn page(pool: &db::Pool, actor: &Actor, search: &str, page: u32) -> Result<TokenPage, AppError> {
    let page = page.max(1);
    let offset = i64::from(page - 1) * i64::from(PAGE_SIZE);
    let (items, total) = list(pool, actor, search, offset, i64::from(PAGE_SIZE)).await?;
    Ok(TokenPage { items, total, page, search: search.trim().to_owned(), now: db::now() })
}

/// Tokens newest first, `limit` from `offset`, whose name contains `search`; and how many
/// match in all.
pub async fn list(
    pool: &db::Pool,
    actor: &Actor,
    search: &str,
    offset: i64,
    limit: i64,
) -> Result<(Vec<ApiToken>, i64), AppError> {
    let search = search.trim();
    let total = repo::count(pool, actor.organization_id, search).await.map_err(internal)?;
    let rows = repo::page(pool, actor.organization_id, search, limit, offset).await.map_err(internal)?;
    Ok((with_grants(pool, rows).await?, total))
}

/// Creates the token and its grants in one transaction and returns the secret, which is not
/// stored anywhere.
pub async fn create(pool: &db::Pool, actor: &Actor, new: NewToken) -> Result<(ApiToken, TokenSecret), AppError> {
    let secret = TokenSecret::generate();
    let mut tx = db::begin_write(pool).await.map_err(internal)?;
    let grants = new.types.deployments();
    if repo::count_deployments(&mut tx, actor.organization_id, grants).await.map_err(internal)? != grants.len() as i64 {
        return Err(AppError::Invalid(InvalidInput::new(
            Field::Deployments,
            "A chosen deployment does not exist; it may have been deleted. Choose again.",
        )));
    }
    let row = repo::NewRow {
        organization_id: actor.organization_id,
        created_by: actor.user_id,
        name: new.name.as_ref(),
        name_key: &new.name.key(),
        description: new.description.as_ref(),
        is_user: new.types.is_user(),
        is_developer: new.types.is_developer(),
        digest: &secret.digest(),
        prefix: secret.display_prefix(),
        expires_at: new.expiration.expires_at(),
        now: db::now(),
    };
    let id = repo::insert(&mut tx, row).await.map_err(internal)?.ok_or_else(|| {
        AppError::Invalid(InvalidInput::new(
            Field::Name,
            format!("A token named {:?} already exists. Choose another name.", new.name.as_ref()),
        ))
    })?;
    for deployment_id in grants {
        repo::insert_grant(&mut tx, id, *deployment_id).await.map_err(internal)?;
    }
    tx.commit().await.context("could not commit the new token").map_err(internal)?;
    tracing::info!(token_id = id, prefix = secret.display_prefix(), "API token created");
    let token = find(pool, actor, id).await?;
    Ok((token, secret))
}

/// Adds the ready-to-paste usage for the reveal: the CLI login for Developer tokens, a `curl`
/// per granted deployment with an external URL for User tokens.
pub fn with_usage((token, secret): (ApiToken, TokenSecret), settings: &Settings, actor: &Actor) -> CreatedToken {
    let secret = secret.expose().to_owned();
    let login_command = token
        .is_developer
        .then(|| format!("bentoml cloud login --api-token {secret} --endpoint {}", settings.public_url_text()));
    let curl_examples = token
        .deployments
        .iter()
        .filter(|d| d.access != AccessType::Private)
        .map(|d| {
            let url = settings.external_url(&d.name, &actor.organization_slug);
            let example = format!(
                "curl \"{url}\" \\\n  -H \"Content-Type: application/json\" \\\n  -H \"Authorization: Bearer {secret}\" \\\n  --data '{{\"prompt\": \"What state is Los Angeles in?\", \"max_length\": 100}}'"
            );
            (d.name.clone(), example)
        })
        .collect();
    CreatedToken { token, secret, login_command, curl_examples }
}

pub async fn delete(pool: &db::Pool, cache: &TokenCache, actor: &Actor, id: i64) -> Result<(), AppError> {
    if !repo::delete(pool, actor.organization_id, id).await.map_err(internal)? {
        return Err(not_found());
    }
    cache.forget_token(id);
    tracing::info!(token_id = id, "API token deleted");
    Ok(())
}

pub async fn find(pool: &db::Pool, actor: &Actor, id: i64) -> Result<ApiToken, AppError> {
    let row = repo::find(pool, actor.organization_id, id).await.map_err(internal)?.ok_or_else(not_found)?;
    Ok(with_grants(pool, vec![row]).await?.remove(0))
}

async fn with_grants(pool: &db::Pool, rows: Vec<repo::TokenRow>) -> Result<Vec<ApiToken>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let mut grants: HashMap<i64, Vec<GrantedDeployment>> = HashMap::new();
    for grant in repo::grants(pool, &ids).await.map_err(internal)? {
        grants.entry(grant.token_id).or_default().push(GrantedDeployment {
            id: grant.deployment_id,
            name: grant.name,
            access: AccessType::parse(&grant.access).unwrap_or_default(),
        });
    }
    Ok(rows
        .into_iter()
        .map(|row| ApiToken {
            deployments: grants.remove(&row.id).unwrap_or_default(),
            id: row.id,
            name: row.name,
            description: row.description,
            is_user: row.is_user,
            is_developer: row.is_developer,
            created_by: row.created_by_name,
            created_by_email: row.created_by_email,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            expires_at: row.expires_at,
            prefix: row.prefix,
        })
        .collect())
}

/// Who a valid token belongs to and what it grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    pub id: i64,
    pub organization_id: i64,
    pub user_id: Option<i64>,
    pub is_user: bool,
    pub is_developer: bool,
    /// Deployments a User token may call (empty for Developer-only tokens).
    pub deployment_ids: Vec<i64>,
}

/// Why a presented token was refused. Callers answer all of them the same way (401), so the
/// variants exist for logs and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("malformed token")]
    Malformed,
    #[error("unknown token")]
    Unknown,
    #[error("expired token")]
    Expired,
}

/// The one place a presented token is checked: format and checksum (no database), then the
/// digest in the cache or, on a miss, in the database (unique index) with its grants; then
/// expiry. A use is recorded in the background, at most once a minute.
pub async fn verify(
    pool: &db::Pool,
    cache: &TokenCache,
    presented: &str,
) -> Result<Result<VerifiedToken, Rejection>, AppError> {
    let Ok(secret) = TokenSecret::parse(presented) else { return Ok(Err(Rejection::Malformed)) };
    let digest = secret.digest();
    let entry = match cache.get(&digest) {
        Some(entry) => entry,
        None => {
            let Some(credential) = repo::find_credential(pool, &digest).await.map_err(internal)? else {
                return Ok(Err(Rejection::Unknown));
            };
            let deployment_ids = if credential.is_user {
                repo::granted_deployment_ids(pool, credential.id).await.map_err(internal)?
            } else {
                Vec::new()
            };
            let token = VerifiedToken {
                id: credential.id,
                organization_id: credential.organization_id,
                user_id: credential.created_by,
                is_user: credential.is_user,
                is_developer: credential.is_developer,
                deployment_ids,
            };
            cache.insert(&digest, token, credential.expires_at, credential.last_used_at.unwrap_or(i64::MIN / 2))
        }
    };
    let now = db::now();
    if entry.expires_at.is_some_and(|at| at <= now) {
        return Ok(Err(Rejection::Expired));
    }
    if entry.claim_use(now, LAST_USED_INTERVAL) {
        let (pool, id) = (pool.clone(), entry.token.id);
        tokio::spawn(async move {
            if let Err(err) = repo::touch(&pool, id, now, LAST_USED_INTERVAL).await {
                tracing::warn!(token_id = id, error = %err, "could not record token use");
            }
        });
    }
    Ok(Ok(entry.token.clone()))
}
