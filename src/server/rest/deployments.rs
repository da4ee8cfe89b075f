//! `/api/v2/deployments`: the same rules and messages as the console's Deployments page.

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    Json,
};

use super::{schema, Developer, JsonObject, Paging, RestError};
use crate::domain::AccessType;
use crate::server::{
    deployments::{self, Deployment, DeploymentChanges, NewDeployment},
    AppState,
};

/// The version of the placeholder Bento every deployment reports (see [`schema::Bento`]).
const PLACEHOLDER_VERSION: &str = "upstream";

fn to_schema(d: Deployment, developer: &Developer) -> schema::Deployment {
    let creator = developer.user.clone();
    let org = developer.organization.clone();
    let org_name = org.resource.name.clone();
    let latest_revision = revision(&d, &creator);
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
        latest_revision,
        urls: d.external_url.into_iter().collect(),
        description: d.description,
        upstream_url: d.upstream_url,
        access_type: d.access.as_str().into(),
    }
}

/// The one revision `bentoml deployment update` reads: the access, and the placeholder Bento.
fn revision(d: &Deployment, creator: &schema::User) -> schema::Revision {
    let resource = |kind: &str, uid: String, name: &str| {
        schema::Resource::new(kind, uid, name.to_owned(), d.created_at, Some(d.updated_at))
    };
    schema::Revision {
        resource: resource("deployment_revision", format!("rev-{}", d.id), &d.name),
        creator: creator.clone(),
        status: "active".into(),
        targets: vec![schema::Target {
            resource: resource("deployment_target", format!("tgt-{}", d.id), &d.name),
            creator: creator.clone(),
            config: schema::TargetConfig { access_authorization: d.access == AccessType::Protected },
            bento: placeholder_bento(d),
        }],
    }
}

fn placeholder_bento(d: &Deployment) -> schema::Bento {
    let resource = |kind: &str, uid: String, name: &str| {
        schema::Resource::new(kind, uid, name.to_owned(), d.created_at, Some(d.updated_at))
    };
    let description = format!("Stands for the upstream service at {}; this console runs no Bentos.", d.upstream_url);
    schema::Bento {
        resource: resource("bento", format!("bento-{}", d.id), PLACEHOLDER_VERSION),
        description: description.clone(),
        version: PLACEHOLDER_VERSION.into(),
        image_build_status: "success".into(),
        upload_status: "success".into(),
        upload_finished_reason: String::new(),
        presigned_upload_url: String::new(),
        presigned_download_url: String::new(),
        manifest: schema::BentoManifest {
            service: String::new(),
            entry_service: d.name.clone(),
            bentoml_version: String::new(),
            size_bytes: 0,
        },
        repository: schema::BentoRepository {
            resource: resource("bento_repository", format!("repo-{}", d.id), &d.name),
            description,
            latest_bento: None,
        },
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
    JsonObject(body): JsonObject<schema::CreateDeployment>,
) -> Result<(StatusCode, Json<schema::Deployment>), RestError> {
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
    JsonObject(body): JsonObject<schema::UpdateDeployment>,
) -> Result<Json<schema::Deployment>, RestError> {
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

/// Changes a deployment as `bentoml deployment update` does (BentoCloud's update schema):
/// `access_authorization` true makes it Protected, false Public; a Private deployment stays
/// Private unless `access_type` says otherwise. `access_type`, `description` and
/// `upstream_url` work as in PATCH; keys left out keep their values. BentoCloud settings the
/// console does not have are refused when they ask for something (`envs`, `secrets`,
/// `labels`, another `bento`) and ignored when they are the CLI's defaults (`services`,
/// `canary`).
#[utoipa::path(put, path = "/api/v2/deployments/{name}", tag = "deployments", operation_id = "replace_deployment", params(("name" = String, Path)),
    request_body = schema::ReplaceDeployment,
    responses((status = 200, body = schema::Deployment), (status = 400, body = schema::ErrorBody), (status = 401, body = schema::ErrorBody),
        (status = 404, body = schema::ErrorBody), (status = 413, body = schema::ErrorBody), (status = 415, body = schema::ErrorBody),
        (status = 422, body = schema::ErrorBody)))]
pub async fn replace(
    developer: Developer,
    State(state): State<AppState>,
    Path(name): Path<String>,
    JsonObject(body): JsonObject<schema::ReplaceDeployment>,
) -> Result<Json<schema::Deployment>, RestError> {
    let current = find(&state, &developer, &name).await?;
    refuse_bentocloud_settings(&body, &current)?;
    let mut changes = DeploymentChanges::parse(
        body.description.as_deref(),
        body.upstream_url.as_deref(),
        body.access_type.as_deref(),
    )?;
    if changes.access.is_none() {
        changes.access = body.access_authorization.map(|wanted| access_for_authorization(wanted, current.access));
    }
    let updated =
        deployments::update(&state.pool, &state.settings, &state.caches, &developer.actor, current.id, changes).await?;
    Ok(Json(to_schema(updated, &developer)))
}

/// BentoCloud's `access_authorization` as an access type: true is Protected, false Public,
/// and a Private deployment stays Private either way (the CLI sends false for it on every
/// update, and true would expose it); only `access_type` changes that.
pub fn access_for_authorization(wanted: bool, current: AccessType) -> AccessType {
    match (current, wanted) {
        (AccessType::Private, _) => AccessType::Private,
        (_, true) => AccessType::Protected,
        (_, false) => AccessType::Public,
    }
}

fn refuse_bentocloud_settings(body: &schema::ReplaceDeployment, current: &Deployment) -> Result<(), RestError> {
    let refuse = |message: String| Err(RestError::new(StatusCode::UNPROCESSABLE_ENTITY, message));
    let placeholder = format!("{}:{PLACEHOLDER_VERSION}", current.name);
    if body.bento.as_deref().is_some_and(|bento| bento.trim() != placeholder) {
        let message = format!(
            "This console runs no Bentos: deployment {} forwards to {}. Leave bento as {placeholder}, and change upstream_url instead.",
            current.name, current.upstream_url
        );
        return refuse(message);
    }
    let asked = [
        (body.envs.as_ref().is_some_and(|v| !v.is_empty()), "environment variables"),
        (body.secrets.as_ref().is_some_and(|v| !v.is_empty()), "secrets"),
        (body.labels.as_ref().is_some_and(|v| !v.is_empty()), "labels"),
    ];
    if let Some((_, what)) = asked.into_iter().find(|(given, _)| *given) {
        return refuse(format!("This console does not manage {what}: set them on the upstream service itself."));
    }
    Ok(())
}

/// The placeholder Bento of a deployment (see [`schema::Bento`]), which `bentoml deployment
/// update` looks up by the name the deployment reports.
#[utoipa::path(get, path = "/api/v1/bento_repositories/{repository}/bentos/{version}", tag = "deployments", operation_id = "get_bento",
    params(("repository" = String, Path, description = "A deployment's name"), ("version" = String, Path, description = "upstream")),
    responses((status = 200, body = schema::Bento), (status = 401, body = schema::ErrorBody), (status = 404, body = schema::ErrorBody)))]
pub async fn placeholder(
    developer: Developer,
    State(state): State<AppState>,
    Path((repository, version)): Path<(String, String)>,
) -> Result<Json<schema::Bento>, RestError> {
    if version != PLACEHOLDER_VERSION {
        return Err(RestError::not_found(
            "This console runs no Bentos; each deployment reports a placeholder named <deployment>:upstream.",
        ));
    }
    let deployment = find(&state, &developer, &repository).await?;
    Ok(Json(placeholder_bento(&deployment)))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_authorization_maps_to_protected_or_public_and_private_stays() {
        use AccessType::*;
        for (wanted, current, expected) in [
            (true, Public, Protected),
            (true, Protected, Protected),
            (false, Protected, Public),
            (false, Public, Public),
            (false, Private, Private),
            (true, Private, Private),
        ] {
            assert_eq!(access_for_authorization(wanted, current), expected, "{wanted} on {current:?}");
        }
    }
}
