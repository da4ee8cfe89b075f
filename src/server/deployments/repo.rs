//! SQL for deployments. Nothing else in the crate writes this table.

use sqlx::FromRow;

use crate::domain::{AccessType, DeploymentId, DeploymentName, Description, OrganizationId, UpstreamUrl, UserId};
use crate::server::db::{run, Db};

#[derive(Debug, Clone, FromRow)]
pub struct DeploymentRow {
    pub id: DeploymentId,
    pub name: String,
    pub description: String,
    pub upstream_url: String,
    pub access: AccessType,
    pub created_by_name: Option<String>,
    pub created_by_email: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// How many tokens are granted access to it.
    pub token_count: i64,
}

const SELECT: &str = "select d.id, d.name, d.description, d.upstream_url, d.access,
        u.name as created_by_name, u.email as created_by_email, d.created_at, d.updated_at,
        (select count(*) from api_token_deployments g where g.deployment_id = d.id) as token_count
    from deployments d left join users u on u.id = d.created_by";

pub async fn list(db: impl Into<Db<'_>>, organization_id: OrganizationId) -> sqlx::Result<Vec<DeploymentRow>> {
    run!(db, |e| sqlx::query_as(&format!("{SELECT} where d.organization_id = $1 order by d.name"))
        .bind(organization_id)
        .fetch_all(e)
        .await)
}

/// Every deployment's id and upstream, in every organization (for the health probe).
pub async fn upstreams(db: impl Into<Db<'_>>) -> sqlx::Result<Vec<(DeploymentId, String)>> {
    run!(db, |e| sqlx::query_as("select id, upstream_url from deployments order by id").fetch_all(e).await)
}

pub async fn find(
    db: impl Into<Db<'_>>,
    organization_id: OrganizationId,
    id: DeploymentId,
) -> sqlx::Result<Option<DeploymentRow>> {
    run!(db, |e| sqlx::query_as(&format!("{SELECT} where d.organization_id = $1 and d.id = $2"))
        .bind(organization_id)
        .bind(id)
        .fetch_optional(e)
        .await)
}

pub async fn find_by_name(
    db: impl Into<Db<'_>>,
    organization_id: OrganizationId,
    name: &DeploymentName,
) -> sqlx::Result<Option<DeploymentRow>> {
    run!(db, |e| sqlx::query_as(&format!("{SELECT} where d.organization_id = $1 and d.name = $2"))
        .bind(organization_id)
        .bind(name.as_ref())
        .fetch_optional(e)
        .await)
}

pub struct NewRow<'a> {
    pub organization_id: OrganizationId,
    pub name: &'a DeploymentName,
    pub description: &'a Description,
    pub upstream_url: &'a UpstreamUrl,
    pub access: AccessType,
    pub created_by: Option<UserId>,
    pub now: i64,
}

/// Inserts, returning the new id; `None` when the name is taken in the organization.
pub async fn insert(db: impl Into<Db<'_>>, row: NewRow<'_>) -> sqlx::Result<Option<DeploymentId>> {
    let inserted = run!(db, |e| {
        sqlx::query_scalar(
        "insert into deployments (organization_id, name, description, upstream_url, access, created_by, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $7) returning id",
    )
    .bind(row.organization_id)
    .bind(row.name.as_ref())
    .bind(row.description.as_ref())
    .bind(row.upstream_url.as_ref())
    .bind(row.access)
    .bind(row.created_by)
    .bind(row.now)
    .fetch_one(e)
    .await
    });
    crate::server::db::none_if_taken(inserted)
}

/// The fields to change; `None` keeps the stored value.
pub struct Changes<'a> {
    pub description: Option<&'a Description>,
    pub upstream_url: Option<&'a UpstreamUrl>,
    pub access: Option<AccessType>,
    pub now: i64,
}

/// Updates; `false` when no such deployment exists in the organization.
pub async fn update(
    db: impl Into<Db<'_>>,
    organization_id: OrganizationId,
    id: DeploymentId,
    changes: Changes<'_>,
) -> sqlx::Result<bool> {
    let result = run!(db, |e| sqlx::query(
        "update deployments set description = coalesce($3, description), upstream_url = coalesce($4, upstream_url),
                                access = coalesce($5, access), updated_at = $6
         where organization_id = $1 and id = $2",
    )
    .bind(organization_id)
    .bind(id)
    .bind(changes.description.map(AsRef::<str>::as_ref))
    .bind(changes.upstream_url.map(AsRef::<str>::as_ref))
    .bind(changes.access)
    .bind(changes.now)
    .execute(e)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(result == 1)
}

/// Deletes (its token grants go with it, by foreign key); `false` when it did not exist.
pub async fn delete(db: impl Into<Db<'_>>, organization_id: OrganizationId, id: DeploymentId) -> sqlx::Result<bool> {
    let result = run!(db, |e| sqlx::query("delete from deployments where organization_id = $1 and id = $2")
        .bind(organization_id)
        .bind(id)
        .execute(e)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(result == 1)
}

/// Where the gateway sends a deployment's requests, and how it is exposed.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Route {
    pub id: DeploymentId,
    pub organization_id: OrganizationId,
    pub upstream_url: String,
    pub access: AccessType,
}

/// The deployment named `name` in the organization whose slug is `organization_slug`.
pub async fn find_route(db: impl Into<Db<'_>>, organization_slug: &str, name: &str) -> sqlx::Result<Option<Route>> {
    run!(db, |e| sqlx::query_as(
        "select d.id, d.organization_id, d.upstream_url, d.access from deployments d
         join organizations o on o.id = d.organization_id
         where o.slug = $1 and d.name = $2",
    )
    .bind(organization_slug)
    .bind(name)
    .fetch_optional(e)
    .await)
}
