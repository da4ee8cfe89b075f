//! Deployments: the rules for creating, changing and deleting them, shared by the console,
//! the CLI and (later) the REST API.

pub mod repo;

use repo::DeploymentRow;

use super::{accounts::Actor, db, error::internal, Caches, Settings};
use crate::api::{deployments::Deployment, AppError};
use crate::domain::{AccessType, DeploymentName, Description, Field, InvalidInput, UpstreamUrl};

/// The editable part of a deployment (its name is fixed at creation).
pub struct DeploymentInput {
    pub description: Description,
    pub upstream_url: UpstreamUrl,
    pub access: AccessType,
}

pub fn not_found() -> AppError {
    AppError::NotFound("This deployment does not exist; it may have been deleted.".into())
}

pub async fn list(pool: &db::Pool, settings: &Settings, actor: &Actor) -> Result<Vec<Deployment>, AppError> {
    let rows = repo::list(pool, actor.organization_id).await.map_err(internal)?;
    Ok(rows.into_iter().map(|row| to_view(row, settings, actor)).collect())
}

pub async fn create(
    pool: &db::Pool,
    settings: &Settings,
    caches: &Caches,
    actor: &Actor,
    name: DeploymentName,
    input: DeploymentInput,
) -> Result<Deployment, AppError> {
    let row = repo::NewRow {
        organization_id: actor.organization_id,
        name: &name,
        description: &input.description,
        upstream_url: &input.upstream_url,
        access: input.access,
        created_by: actor.user_id,
        now: db::now(),
    };
    let id = repo::insert(pool, row).await.map_err(internal)?.ok_or_else(|| {
        AppError::Invalid(InvalidInput::new(Field::Name, format!("A deployment named {name} already exists.")))
    })?;
    caches.routes.clear();
    tracing::info!(deployment_id = id, name = %name, access = input.access.as_str(), "deployment created");
    find(pool, settings, actor, id).await
}

/// Changes take effect on the gateway's next request: its route cache is cleared first.
pub async fn update(
    pool: &db::Pool,
    settings: &Settings,
    caches: &Caches,
    actor: &Actor,
    id: i64,
    input: DeploymentInput,
) -> Result<Deployment, AppError> {
    let changes = repo::Changes {
        description: &input.description,
        upstream_url: &input.upstream_url,
        access: input.access,
        now: db::now(),
    };
    if !repo::update(pool, actor.organization_id, id, changes).await.map_err(internal)? {
        return Err(not_found());
    }
    caches.routes.clear();
    tracing::info!(deployment_id = id, access = input.access.as_str(), "deployment updated");
    find(pool, settings, actor, id).await
}

/// Deletes the deployment; its token grants go with it, so cached tokens and routes are
/// forgotten.
pub async fn delete(pool: &db::Pool, caches: &Caches, actor: &Actor, id: i64) -> Result<(), AppError> {
    if !repo::delete(pool, actor.organization_id, id).await.map_err(internal)? {
        return Err(not_found());
    }
    caches.tokens.clear();
    caches.routes.clear();
    tracing::info!(deployment_id = id, "deployment deleted");
    Ok(())
}

pub async fn find(pool: &db::Pool, settings: &Settings, actor: &Actor, id: i64) -> Result<Deployment, AppError> {
    let row = repo::find(pool, actor.organization_id, id).await.map_err(internal)?.ok_or_else(not_found)?;
    Ok(to_view(row, settings, actor))
}

pub async fn find_by_name(
    pool: &db::Pool,
    settings: &Settings,
    actor: &Actor,
    name: &DeploymentName,
) -> Result<Deployment, AppError> {
    let row = repo::find_by_name(pool, actor.organization_id, name).await.map_err(internal)?.ok_or_else(not_found)?;
    Ok(to_view(row, settings, actor))
}

fn to_view(row: DeploymentRow, settings: &Settings, actor: &Actor) -> Deployment {
    // The column has a check constraint, so anything else is a bug; fall back to the safe type.
    let access = AccessType::parse(&row.access).unwrap_or_default();
    let external_url =
        (access != AccessType::Private).then(|| settings.external_url(&row.name, &actor.organization_slug));
    Deployment {
        id: row.id,
        name: row.name,
        description: row.description,
        upstream_url: row.upstream_url,
        access,
        external_url,
        created_by: row.created_by_name,
        created_at: row.created_at,
        updated_at: row.updated_at,
        token_count: row.token_count,
    }
}
