//! `/api/v2/deployments`: the same rules and messages as the console's Deployments page.

use axum::{
    extract::{rejection::JsonRejection, Path, Query, State},
    http::StatusCode,
    Json,
};

use super::{auth, schema, Developer, Paging, RestError};
use crate::server::{
    deployments::{self, Deployment, DeploymentChanges, NewDeployment},
    AppState,
};

fn to_schema(d: Deployment, developer: &Developer) -> schema::Deployment {
    let creator = auth::user(&developer.account);
    let org = auth::organization(&developer.account);
    let org_name = org.resource.name.clone();
    schema::Deployment {
        resource: schema::Resource::new(
            "deployment",
            format!("dep-{}", d.id),
            d.name,
            d.created_at,
            Some(d.updated_at),
        ),
        status: "unknown".into(),
        kube_namespace: "default".into(),
        creator: creator.clone(),
        cluster: schema::Cluster {
            resource: schema::Resource {
                uid: "cl-1".into(),
                name: "default".into(),
                resource_type: "cluster".into(),
                ..org.resource
            },
            description: "This console's deployments".into(),
            organization_name: org_name,
            creator,
        },
        latest_revision: None,
        urls: d.external_url.into_iter().collect(),
        description: d.description,
        upstream_url: d.upstream_url,
        access_type: d.access.as_str().into(),
    }
}

/// Deployments, by name, `start`/`count` paging, filtered by `search` (or `q`).
#[utoipa::path(get, path = "/api/v2/deployments", tag = "deployments", operation_id = "list_deployments", params(Paging),
    responses((status = 200, body = schema::List<schema::Deployment>), (status = 400, body = schema::ErrorBody), (status = 401, body = schema::ErrorBody)))]
pub async fn list(
    developer: Developer,
    State(state): State<AppState>,
    Query(paging): Query<Paging>,
) -> Result<Json<schema::List<schema::Deployment>>, RestError> {
    let (start, count, search) = (paging.start()?, paging.count()?, paging.search().to_lowercase());
    let all = deployments::list(&state.pool, &state.settings, &developer.actor).await?;
    let matching: Vec<Deployment> = all.into_iter().filter(|d| d.name.contains(&search)).collect();
    let total = matching.len() as i64;
    let items: Vec<schema::Deployment> =
        matching.into_iter().skip(start as usize).take(count as usize).map(|d| to_schema(d, &developer)).collect();
    Ok(Json(schema::List { start, count: items.len() as i64, total, items }))
}

/// One deployment by name.
#[utoipa::path(get, path = "/api/v2/deployments/{name}", tag = "deployments", operation_id = "get_deployment", params(("name" = String, Path)),
    responses((status = 200, body = schema::Deployment), (status = 401, body = schema::ErrorBody), (status = 404, body = schema::ErrorBody)))]
pub async fn get_one(
    developer: Developer,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<schema::Deployment>, RestError> {
    let deployment = find(&state, &developer, &name).await?;
    Ok(Json(to_schema(deployment, &developer)))
}

/// Registers a deployment.
#[utoipa::path(post, path = "/api/v2/deployments", tag = "deployments", operation_id = "create_deployment", request_body = schema::CreateDeployment,
    responses((status = 201, body = schema::Deployment), (status = 400, body = schema::ErrorBody), (status = 401, body = schema::ErrorBody),
        (status = 413, body = schema::ErrorBody), (status = 415, body = schema::ErrorBody), (status = 422, body = schema::ErrorBody)))]
pub async fn create(
    developer: Developer,
    State(state): State<AppState>,
    body: Result<Json<schema::CreateDeployment>, JsonRejection>,
) -> Result<(StatusCode, Json<schema::Deployment>), RestError> {
    let Json(body) = body?;
    let new = NewDeployment::parse(&body.name, &body.description, &body.upstream_url, body.access_type.as_deref())?;
    let created = deployments::create(&state.pool, &state.settings, &state.caches, &developer.actor, new).await?;
    Ok((StatusCode::CREATED, Json(to_schema(created, &developer))))
}

/// Changes a deployment's description, upstream URL or endpoint access type (takes effect at
/// once); the fields left out keep their values.
#[utoipa::path(patch, path = "/api/v2/deployments/{name}", tag = "deployments", operation_id = "update_deployment", params(("name" = String, Path)),
    request_body = schema::UpdateDeployment,
    responses((status = 200, body = schema::Deployment), (status = 400, body = schema::ErrorBody), (status = 401, body = schema::ErrorBody),
        (status = 404, body = schema::ErrorBody), (status = 413, body = schema::ErrorBody), (status = 415, body = schema::ErrorBody),
        (status = 422, body = schema::ErrorBody)))]
pub async fn update(
    developer: Developer,
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: Result<Json<schema::UpdateDeployment>, JsonRejection>,
) -> Result<Json<schema::Deployment>, RestError> {
    let Json(body) = body?;
    let changes = DeploymentChanges::parse(
        body.description.as_deref(),
        body.upstream_url.as_deref(),
        body.access_type.as_deref(),
    )?;
    let current = find(&state, &developer, &name).await?;
    let updated =
        deployments::update(&state.pool, &state.settings, &state.caches, &developer.actor, current.id, changes).await?;
    Ok(Json(to_schema(updated, &developer)))
}

/// Deletes a deployment; tokens lose their access to it.
#[utoipa::path(delete, path = "/api/v2/deployments/{name}", tag = "deployments", operation_id = "delete_deployment", params(("name" = String, Path)),
    responses((status = 200, body = schema::Deployment), (status = 401, body = schema::ErrorBody), (status = 404, body = schema::ErrorBody)))]
pub async fn delete(
    developer: Developer,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<schema::Deployment>, RestError> {
    let deployment = find(&state, &developer, &name).await?;
    deployments::delete(&state.pool, &state.caches, &developer.actor, deployment.id).await?;
    Ok(Json(to_schema(deployment, &developer)))
}

async fn find(state: &AppState, developer: &Developer, name: &str) -> Result<Deployment, RestError> {
    Ok(deployments::find_by_name(&state.pool, &state.settings, &developer.actor, name).await?)
}
