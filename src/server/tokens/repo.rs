//! SQL for API tokens and their deployment grants. Nothing else in the crate writes these
//! tables.

use sqlx::FromRow;

use super::secret::TokenDigest;
use crate::domain::{AccessType, DeploymentId, OrganizationId, Role, TokenId, UserId};
use crate::server::db::{run, Db, Tx};

/// A token as listed: never its secret, which is not stored.
#[derive(Debug, Clone, FromRow)]
pub struct TokenRow {
    pub id: TokenId,
    pub name: String,
    pub description: String,
    pub is_user: bool,
    pub is_developer: bool,
    pub all_deployments: bool,
    pub is_organization: bool,
    pub prefix: String,
    /// The owner of a personal token; who created an organization token.
    pub created_by: Option<UserId>,
    pub created_by_name: Option<String>,
    pub created_by_email: Option<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub last_used_from: Option<String>,
    pub expires_at: Option<i64>,
}

/// A deployment a token is granted, for display.
#[derive(Debug, Clone, FromRow)]
pub struct GrantRow {
    pub token_id: TokenId,
    pub deployment_id: DeploymentId,
    pub name: String,
    pub access: AccessType,
    pub upstream_url: String,
}

/// What verification needs, found by digest.
#[derive(Debug, Clone, FromRow)]
pub struct Credential {
    pub id: TokenId,
    pub organization_id: OrganizationId,
    pub name: String,
    pub prefix: String,
    pub created_by: Option<UserId>,
    /// The creator's role, unless they were removed.
    pub owner_role: Option<Role>,
    pub is_organization: bool,
    pub is_user: bool,
    pub is_developer: bool,
    pub all_deployments: bool,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

const SELECT: &str = "select t.id, t.name, t.description, t.is_user, t.is_developer, t.all_deployments,
        t.is_organization, t.prefix, t.created_by, u.name as created_by_name, u.email as created_by_email, t.created_at, t.last_used_at, t.last_used_from,
        t.expires_at
    from api_tokens t left join users u on u.id = t.created_by";

/// Which tokens a list shows, by their expiry at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Any,
    /// Not expired.
    Active,
    /// Not expired, but within `soon` seconds of it.
    ExpiringSoon,
    Expired,
}

/// The order of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Newest,
    Name,
    /// Most recently used first; never used last.
    LastUsed,
    /// Soonest expiry first; no expiry last.
    Expiry,
}

impl Order {
    /// The `order by` clause. `(x is null)` sorts nulls last on both engines.
    fn sql(self) -> &'static str {
        match self {
            Order::Newest => "t.created_at desc, t.id desc",
            Order::Name => "t.name_key asc, t.id asc",
            Order::LastUsed => "(t.last_used_at is null), t.last_used_at desc, t.id desc",
            Order::Expiry => "(t.expires_at is null), t.expires_at asc, t.id asc",
        }
    }
}

/// Whose tokens a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ownership {
    Any,
    Personal,
    Organization,
}

/// What a list of tokens is filtered by: a search on the name or the display prefix, the
/// expiry status at `now` (`soon`: the expiring-soon window, in seconds), whose tokens, and
/// whose personal tokens the reader may see (`None`: everyone's, for admins).
pub struct Filter<'a> {
    pub search: &'a str,
    pub status: Status,
    pub now: i64,
    pub soon: i64,
    pub ownership: Ownership,
    pub visible_to: Option<UserId>,
    pub order: Order,
}

/// Organization tokens and `reader`'s own; everything when `None`. The id is inlined: an
/// integer of our own.
fn visible_sql(reader: Option<UserId>) -> String {
    reader.map(|user| format!(" and (t.is_organization or t.created_by = {user})")).unwrap_or_default()
}

/// The where-clause of a filtered list: `$1` organization, `$2` search pattern, `$3` now, `$4`
/// the end of the expiring-soon window.
fn filter_sql(filter: &Filter<'_>) -> String {
    let ownership = match filter.ownership {
        Ownership::Any => "",
        Ownership::Personal => " and not t.is_organization",
        Ownership::Organization => " and t.is_organization",
    };
    let visible = visible_sql(filter.visible_to);
    let status = match filter.status {
        Status::Any => "",
        Status::Active => " and (t.expires_at is null or t.expires_at > $3)",
        Status::ExpiringSoon => " and t.expires_at > $3 and t.expires_at <= $4",
        Status::Expired => " and t.expires_at <= $3",
    };
    // Without a search (`$2` empty), the two LIKEs are skipped for every row.
    format!(
        "t.organization_id = $1 and ($2 = '' or t.name_key like $2 escape '\\' or lower(t.prefix) like $2 escape '\\'){status}{ownership}{visible}"
    )
}

/// One page of tokens, in the filter's order.
pub async fn page(
    db: impl Into<Db<'_>>,
    organization_id: OrganizationId,
    filter: &Filter<'_>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<TokenRow>> {
    run!(db, |e| sqlx::query_as(&format!(
        "{SELECT} where {} order by {} limit $5 offset $6",
        filter_sql(filter),
        filter.order.sql()
    ))
    .bind(organization_id)
    .bind(like_pattern(filter.search))
    .bind(filter.now)
    .bind(filter.now + filter.soon)
    .bind(limit)
    .bind(offset)
    .fetch_all(e)
    .await)
}

/// How many tokens match the filter, and how many of the organization's tokens (whatever the
/// filter) expire soon: one statement for both. Two counts rather than one pass with a `case`
/// per row: the second is a range of the (organization, expiry) index, and the first a plain
/// count, less than half the time of the single pass over 1,000 tokens on SQLite.
pub async fn count(
    db: impl Into<Db<'_>>,
    organization_id: OrganizationId,
    filter: &Filter<'_>,
) -> sqlx::Result<(i64, i64)> {
    let matching = filter_sql(filter);
    let visible = visible_sql(filter.visible_to);
    run!(db, |e| sqlx::query_as(&format!(
        "select (select count(*) from api_tokens t where {matching}),
                (select count(*) from api_tokens t
                 where t.organization_id = $1 and t.expires_at > $3 and t.expires_at <= $4{visible})"
    ))
    .bind(organization_id)
    .bind(like_pattern(filter.search))
    .bind(filter.now)
    .bind(filter.now + filter.soon)
    .fetch_one(e)
    .await)
}

pub async fn find(
    db: impl Into<Db<'_>>,
    organization_id: OrganizationId,
    id: TokenId,
) -> sqlx::Result<Option<TokenRow>> {
    run!(db, |e| sqlx::query_as(&format!("{SELECT} where t.organization_id = $1 and t.id = $2"))
        .bind(organization_id)
        .bind(id)
        .fetch_optional(e)
        .await)
}

/// The grants of the given tokens, for display.
pub async fn grants(db: impl Into<Db<'_>>, token_ids: &[TokenId]) -> sqlx::Result<Vec<GrantRow>> {
    if token_ids.is_empty() {
        return Ok(Vec::new());
    }
    // The ids are integers from our own query, so inlining them is safe; it keeps this one
    // query for a whole page on any database.
    let ids = token_ids.iter().map(TokenId::to_string).collect::<Vec<_>>().join(",");
    run!(db, |e| sqlx::query_as(&format!(
        "select g.token_id, g.deployment_id, d.name, d.access, d.upstream_url
         from api_token_deployments g join deployments d on d.id = g.deployment_id
         where g.token_id in ({ids}) order by d.name"
    ))
    .fetch_all(e)
    .await)
}

/// `search` as a LIKE pattern matching names that contain it; `%`, `_` and `\` match literally.
fn like_pattern(search: &str) -> String {
    if search.is_empty() {
        return String::new();
    }
    let escaped = search.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

pub struct NewRow<'a> {
    pub organization_id: OrganizationId,
    pub created_by: Option<UserId>,
    pub name: &'a str,
    pub name_key: &'a str,
    pub description: &'a str,
    pub is_user: bool,
    pub is_developer: bool,
    pub all_deployments: bool,
    pub is_organization: bool,
    pub digest: &'a TokenDigest,
    pub prefix: &'a str,
    pub expires_at: Option<i64>,
    pub now: i64,
}

/// Inserts, returning the id; `None` when the name is taken in the organization.
pub async fn insert(db: &mut Tx, row: NewRow<'_>) -> sqlx::Result<Option<TokenId>> {
    let inserted = run!(db, |e| sqlx::query_scalar(
        "insert into api_tokens (organization_id, created_by, name, name_key, description, is_user, is_developer,
                                 all_deployments, is_organization, digest, prefix, expires_at, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) returning id",
    )
    .bind(row.organization_id)
    .bind(row.created_by)
    .bind(row.name)
    .bind(row.name_key)
    .bind(row.description)
    .bind(row.is_user)
    .bind(row.is_developer)
    .bind(row.all_deployments)
    .bind(row.is_organization)
    .bind(&row.digest.0[..])
    .bind(row.prefix)
    .bind(row.expires_at)
    .bind(row.now)
    .fetch_one(e)
    .await);
    crate::server::db::none_if_taken(inserted)
}

pub async fn name_taken(db: impl Into<Db<'_>>, organization_id: OrganizationId, name_key: &str) -> sqlx::Result<bool> {
    run!(db, |e| sqlx::query_scalar(
        "select exists (select 1 from api_tokens where organization_id = $1 and name_key = $2)"
    )
    .bind(organization_id)
    .bind(name_key)
    .fetch_one(e)
    .await)
}

/// How many of `deployment_ids` exist in the organization.
pub async fn count_deployments(
    db: &mut Tx,
    organization_id: OrganizationId,
    deployment_ids: &[DeploymentId],
) -> sqlx::Result<i64> {
    let mut found = 0;
    for id in deployment_ids {
        let exists: bool = run!(&mut *db, |e| sqlx::query_scalar(
            "select exists (select 1 from deployments where organization_id = $1 and id = $2)"
        )
        .bind(organization_id)
        .bind(id)
        .fetch_one(e)
        .await)?;
        found += i64::from(exists);
    }
    Ok(found)
}

pub async fn insert_grant(db: &mut Tx, token_id: TokenId, deployment_id: DeploymentId) -> sqlx::Result<()> {
    run!(db, |e| sqlx::query("insert into api_token_deployments (token_id, deployment_id) values ($1, $2)")
        .bind(token_id)
        .bind(deployment_id)
        .execute(e)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(())
}

/// Deletes (grants go with it); `false` when it did not exist.
pub async fn delete(db: impl Into<Db<'_>>, organization_id: OrganizationId, id: TokenId) -> sqlx::Result<bool> {
    let result = run!(db, |e| sqlx::query("delete from api_tokens where organization_id = $1 and id = $2")
        .bind(organization_id)
        .bind(id)
        .execute(e)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(result == 1)
}

/// Deletes a member's personal tokens (they were removed); how many.
pub async fn delete_personal(db: &mut Tx, organization_id: OrganizationId, owner: UserId) -> sqlx::Result<u64> {
    run!(db, |e| sqlx::query(
        "delete from api_tokens where organization_id = $1 and created_by = $2 and not is_organization"
    )
    .bind(organization_id)
    .bind(owner)
    .execute(e)
    .await
    .map(|done| done.rows_affected()))
}

pub async fn find_credential(db: impl Into<Db<'_>>, digest: &TokenDigest) -> sqlx::Result<Option<Credential>> {
    run!(db, |e| sqlx::query_as(
        "select t.id, t.organization_id, t.name, t.prefix, t.created_by, u.role as owner_role, t.is_organization,
                t.is_user, t.is_developer, t.all_deployments, t.expires_at, t.last_used_at
         from api_tokens t left join users u on u.id = t.created_by and u.removed_at is null
         where t.digest = $1",
    )
    .bind(&digest.0[..])
    .fetch_optional(e)
    .await)
}

pub async fn granted_deployment_ids(db: impl Into<Db<'_>>, token_id: TokenId) -> sqlx::Result<Vec<DeploymentId>> {
    run!(db, |e| sqlx::query_scalar(
        "select deployment_id from api_token_deployments where token_id = $1 order by deployment_id"
    )
    .bind(token_id)
    .fetch_all(e)
    .await)
}

/// Records use (and the caller's address, when known), at most once per `min_interval` seconds
/// per token (the `where` makes concurrent updates harmless).
pub async fn touch(
    db: impl Into<Db<'_>>,
    id: TokenId,
    now: i64,
    from: Option<&str>,
    min_interval: i64,
) -> sqlx::Result<()> {
    run!(db, |e| sqlx::query(
        "update api_tokens set last_used_at = $2, last_used_from = $3
         where id = $1 and (last_used_at is null or last_used_at <= $4)",
    )
    .bind(id)
    .bind(now)
    .bind(from)
    .bind(now - min_interval)
    .execute(e)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}

/// Changes name and description; `None` when the new name is taken in the organization,
/// `Some(false)` when the token does not exist.
pub async fn update_details(
    db: &mut Tx,
    organization_id: OrganizationId,
    id: TokenId,
    name: &str,
    name_key: &str,
    description: &str,
) -> sqlx::Result<Option<bool>> {
    let updated = run!(db, |e| sqlx::query(
        "update api_tokens set name = $3, name_key = $4, description = $5 where organization_id = $1 and id = $2",
    )
    .bind(organization_id)
    .bind(id)
    .bind(name)
    .bind(name_key)
    .bind(description)
    .execute(e)
    .await
    .map(|done| done.rows_affected() == 1));
    crate::server::db::none_if_taken(updated)
}

/// Replaces a User token's grants: every deployment (`all`), or exactly `deployment_ids`.
pub async fn replace_grants(
    db: &mut Tx,
    token_id: TokenId,
    all: bool,
    deployment_ids: &[DeploymentId],
) -> sqlx::Result<()> {
    run!(&mut *db, |e| sqlx::query("update api_tokens set all_deployments = $2 where id = $1")
        .bind(token_id)
        .bind(all)
        .execute(e)
        .await
        .map(|done| done.rows_affected()))?;
    run!(&mut *db, |e| sqlx::query("delete from api_token_deployments where token_id = $1")
        .bind(token_id)
        .execute(e)
        .await
        .map(|done| done.rows_affected()))?;
    for deployment_id in deployment_ids {
        insert_grant(db, token_id, *deployment_id).await?;
    }
    Ok(())
}

/// Gives the token a new secret (the old digest stops matching at once) and, when
/// `expires_at` is given, a new expiry; `false` when it does not exist.
pub async fn replace_secret(
    db: impl Into<Db<'_>>,
    organization_id: OrganizationId,
    id: TokenId,
    digest: &TokenDigest,
    prefix: &str,
    expires_at: Option<Option<i64>>,
) -> sqlx::Result<bool> {
    let done = run!(db, |e| sqlx::query(
        "update api_tokens set digest = $3, prefix = $4,
             expires_at = case when $5 then $6 else expires_at end
         where organization_id = $1 and id = $2",
    )
    .bind(organization_id)
    .bind(id)
    .bind(&digest.0[..])
    .bind(prefix)
    .bind(expires_at.is_some())
    .bind(expires_at.flatten())
    .execute(e)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(done == 1)
}
