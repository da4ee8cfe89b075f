//! Deployments: the rules for creating, changing and deleting them, shared by the console,
//! the REST API and the command line.

pub mod repo;

use repo::DeploymentRow;

use super::{
    accounts::Actor,
    activity,
    caches::{Caches, Change},
    db,
    error::{ServiceError, ServiceResult},
    Settings,
};
use crate::domain::{
    AccessType, DeploymentId, DeploymentName, Description, EventKind, Field, InvalidInput, Permission, UpstreamUrl,
};

pub const NOT_FOUND: &str = "This deployment does not exist; it may have been deleted.";

/// A deployment as the services hand it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    pub id: DeploymentId,
    pub name: String,
    pub description: String,
    pub upstream_url: String,
    pub access: AccessType,
    /// `None` for Private deployments: they are not exposed.
    pub external_url: Option<String>,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// How many API tokens are granted access to it.
    pub token_count: i64,
}

/// What creating a deployment takes, parsed from any adapter's raw input in this one place.
pub struct NewDeployment {
    pub name: DeploymentName,
    pub description: Description,
    pub upstream_url: UpstreamUrl,
    pub access: AccessType,
}

impl NewDeployment {
    /// `access` defaults to Protected when not given.
    pub fn parse(
        name: &str,
        description: &str,
        upstream_url: &str,
        access: Option<&str>,
    ) -> Result<Self, InvalidInput> {
        Ok(Self {
            name: DeploymentName::parse(name)?,
            description: Description::parse(description)?,
            upstream_url: UpstreamUrl::parse(upstream_url)?,
            access: access.map(AccessType::parse).transpose()?.unwrap_or_default(),
        })
    }
}

/// A change to a deployment (its name is fixed at creation). Only the fields given are
/// parsed and written: a stored value that today's rules would refuse does not block a
/// change to another field.
#[derive(Default)]
pub struct DeploymentChanges {
    pub description: Option<Description>,
    pub upstream_url: Option<UpstreamUrl>,
    pub access: Option<AccessType>,
}

impl DeploymentChanges {
    pub fn parse(
        description: Option<&str>,
        upstream_url: Option<&str>,
        access: Option<&str>,
    ) -> Result<Self, InvalidInput> {
        Ok(Self {
            description: description.map(Description::parse).transpose()?,
            upstream_url: upstream_url.map(UpstreamUrl::parse).transpose()?,
            access: access.map(AccessType::parse).transpose()?,
        })
    }
}

pub async fn list(pool: &db::Pool, settings: &Settings, actor: &Actor) -> ServiceResult<Vec<Deployment>> {
    let rows = repo::list(pool, actor.organization_id).await?;
    Ok(rows.into_iter().map(|row| to_deployment(row, settings, actor)).collect())
}

pub async fn create(
    pool: &db::Pool,
    settings: &Settings,
    caches: &Caches,
    actor: &Actor,
    new: NewDeployment,
) -> ServiceResult<Deployment> {
    actor.require(Permission::ManageDeployments)?;
    let row = repo::NewRow {
        organization_id: actor.organization_id,
        name: &new.name,
        description: &new.description,
        upstream_url: &new.upstream_url,
        access: new.access,
        created_by: actor.user_id,
        now: db::now(),
    };
    let mut tx = db::begin_write(pool).await?;
    let id = repo::insert(&mut tx, row)
        .await?
        .ok_or_else(|| InvalidInput::new(Field::Name, format!("A deployment named {} already exists.", new.name)))?;
    activity::record(&mut tx, actor, EventKind::DeploymentCreated, new.name.as_ref(), new.access.label()).await?;
    tx.commit().await?;
    caches.invalidate(pool, Change::Deployments).await?;
    tracing::info!(deployment_id = %id, name = %new.name, access = new.access.as_str(), "deployment created");
    find(pool, settings, actor, id).await
}

/// Changes take effect on the gateway's next request, on every replica (see `caches`).
pub async fn update(
    pool: &db::Pool,
    settings: &Settings,
    caches: &Caches,
    actor: &Actor,
    id: DeploymentId,
    changes: DeploymentChanges,
) -> ServiceResult<Deployment> {
    actor.require(Permission::ManageDeployments)?;
    let access = changes.access;
    let mut tx = db::begin_write(pool).await?;
    let before = repo::find(&mut tx, actor.organization_id, id).await?.ok_or(ServiceError::NotFound(NOT_FOUND))?;
    let detail = change_summary(&before, &changes);
    let changes = repo::Changes {
        description: changes.description.as_ref(),
        upstream_url: changes.upstream_url.as_ref(),
        access: changes.access,
        now: db::now(),
    };
    if !repo::update(&mut tx, actor.organization_id, id, changes).await? {
        return Err(ServiceError::NotFound(NOT_FOUND));
    }
    activity::record(&mut tx, actor, EventKind::DeploymentChanged, &before.name, &detail).await?;
    tx.commit().await?;
    caches.invalidate(pool, Change::Deployments).await?;
    tracing::info!(deployment_id = %id, access = access.map(AccessType::as_str), "deployment updated");
    find(pool, settings, actor, id).await
}

/// Deletes the deployment; its token grants go with it, so cached tokens and routes are
/// forgotten everywhere.
pub async fn delete(pool: &db::Pool, caches: &Caches, actor: &Actor, id: DeploymentId) -> ServiceResult<()> {
    actor.require(Permission::ManageDeployments)?;
    let mut tx = db::begin_write(pool).await?;
    let before = repo::find(&mut tx, actor.organization_id, id).await?.ok_or(ServiceError::NotFound(NOT_FOUND))?;
    if !repo::delete(&mut tx, actor.organization_id, id).await? {
        return Err(ServiceError::NotFound(NOT_FOUND));
    }
    activity::record(&mut tx, actor, EventKind::DeploymentDeleted, &before.name, before.access.label()).await?;
    tx.commit().await?;
    caches.invalidate(pool, Change::Deployments).await?;
    tracing::info!(deployment_id = %id, "deployment deleted");
    Ok(())
}

pub async fn find(pool: &db::Pool, settings: &Settings, actor: &Actor, id: DeploymentId) -> ServiceResult<Deployment> {
    let row = repo::find(pool, actor.organization_id, id).await?.ok_or(ServiceError::NotFound(NOT_FOUND))?;
    Ok(to_deployment(row, settings, actor))
}

/// The deployment a caller names (REST paths, the command line). A name that cannot exist is
/// simply not found.
pub async fn find_by_name(
    pool: &db::Pool,
    settings: &Settings,
    actor: &Actor,
    name: &str,
) -> ServiceResult<Deployment> {
    let name = DeploymentName::parse(name).map_err(|_| ServiceError::NotFound(NOT_FOUND))?;
    let row = repo::find_by_name(pool, actor.organization_id, &name).await?.ok_or(ServiceError::NotFound(NOT_FOUND))?;
    Ok(to_deployment(row, settings, actor))
}

/// The ids of the deployments `names` name, for grants given by name (REST API). A name that
/// matches nothing is the caller's mistake; a failing database is not.
pub async fn ids_by_name(pool: &db::Pool, actor: &Actor, names: &[String]) -> ServiceResult<Vec<DeploymentId>> {
    let mut ids = Vec::with_capacity(names.len());
    for name in names {
        let missing = || InvalidInput::new(Field::Deployments, format!("There is no deployment named {name:?}."));
        let parsed = DeploymentName::parse(name).map_err(|_| missing())?;
        let row = repo::find_by_name(pool, actor.organization_id, &parsed).await?.ok_or_else(missing)?;
        ids.push(row.id);
    }
    Ok(ids)
}

/// What a change does, for the activity log: "access Protected → Public; upstream URL".
fn change_summary(before: &DeploymentRow, changes: &DeploymentChanges) -> String {
    let mut parts = Vec::new();
    if let Some(access) = changes.access.filter(|access| *access != before.access) {
        parts.push(format!("access {} → {}", before.access.label(), access.label()));
    }
    if changes.upstream_url.as_ref().is_some_and(|url| url.as_ref() != before.upstream_url) {
        parts.push("upstream URL".to_owned());
    }
    if changes.description.as_ref().is_some_and(|text| text.as_ref() != before.description) {
        parts.push("description".to_owned());
    }
    parts.join("; ")
}

fn to_deployment(row: DeploymentRow, settings: &Settings, actor: &Actor) -> Deployment {
    let external_url =
        (row.access != AccessType::Private).then(|| settings.external_url(&row.name, &actor.organization_slug));
    Deployment {
        id: row.id,
        name: row.name,
        description: row.description,
        upstream_url: row.upstream_url,
        access: row.access,
        external_url,
        created_by: row.created_by_name,
        created_at: row.created_at,
        updated_at: row.updated_at,
        token_count: row.token_count,
    }
}
