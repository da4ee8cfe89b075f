//! Deployments as the console page sees them.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::{AppError, Notice};

/// What notices call a deployment.
pub const DEPLOYMENT: &str = "Deployment";
use crate::domain::{AccessType, DeploymentId};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// What the last probe of its upstream found; `None` before the first.
    pub health: Option<UpstreamHealth>,
}

/// Whether the upstream answered its last health check (`GET /healthz`), and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpstreamHealth {
    pub answered: bool,
    pub checked_at: i64,
    /// The status it answered with, or why it did not.
    pub detail: String,
}

/// The page's list, with the server's clock so relative times render the same on the server
/// and in the browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentList {
    pub items: Vec<Deployment>,
    pub now: i64,
    /// Whether the viewer's role may create, change and delete deployments.
    pub may_manage: bool,
}

#[cfg(feature = "ssr")]
impl From<crate::server::deployments::Deployment> for Deployment {
    fn from(d: crate::server::deployments::Deployment) -> Self {
        Self {
            id: d.id,
            name: d.name,
            description: d.description,
            upstream_url: d.upstream_url,
            access: d.access,
            external_url: d.external_url,
            created_by: d.created_by,
            created_at: d.created_at,
            updated_at: d.updated_at,
            token_count: d.token_count,
            health: None,
        }
    }
}

#[server(prefix = "/rpc", endpoint = "list_deployments")]
pub async fn list_deployments() -> Result<DeploymentList, AppError> {
    use crate::server::{db, deployments};
    let (state, actor) = super::context::require_actor().await?;
    let items = deployments::list(&state.pool, &state.settings, &actor).await?;
    let health = |id| {
        state.gateway.health.get(id).map(|h| UpstreamHealth {
            answered: h.answered,
            checked_at: h.checked_at,
            detail: h.detail,
        })
    };
    Ok(DeploymentList {
        items: items.into_iter().map(|d| Deployment { health: health(d.id), ..Deployment::from(d) }).collect(),
        now: db::now(),
        may_manage: actor.may(crate::domain::Permission::ManageDeployments),
    })
}

#[server(prefix = "/rpc", endpoint = "create_deployment")]
pub async fn create_deployment(
    name: String,
    description: String,
    upstream_url: String,
    access: String,
) -> Result<Notice, AppError> {
    use crate::domain::{AllValid, DeploymentName, Description, UpstreamUrl};
    use crate::server::deployments::{self, NewDeployment};
    let (state, actor) = super::context::require_actor().await?;
    let (name, description, upstream_url, access) = (
        DeploymentName::parse(&name),
        Description::parse(&description),
        UpstreamUrl::parse(&upstream_url),
        AccessType::parse(&access),
    )
        .all_valid()?;
    let new = NewDeployment { name, description, upstream_url, access };
    let created = deployments::create(&state.pool, &state.settings, &state.caches, &actor, new).await?;
    leptos_axum::redirect("/deployments");
    Ok(Notice::created(DEPLOYMENT, &created.name))
}

#[server(prefix = "/rpc", endpoint = "update_deployment")]
pub async fn update_deployment(
    id: DeploymentId,
    description: String,
    upstream_url: String,
    access: String,
) -> Result<Notice, AppError> {
    use crate::domain::{AllValid, Description, UpstreamUrl};
    use crate::server::deployments::{self, DeploymentChanges};
    let (state, actor) = super::context::require_actor().await?;
    let (description, upstream_url, access) =
        (Description::parse(&description), UpstreamUrl::parse(&upstream_url), AccessType::parse(&access))
            .all_valid()?;
    let changes =
        DeploymentChanges { description: Some(description), upstream_url: Some(upstream_url), access: Some(access) };
    let updated = deployments::update(&state.pool, &state.settings, &state.caches, &actor, id, changes).await?;
    leptos_axum::redirect("/deployments");
    Ok(Notice::saved(DEPLOYMENT, &updated.name))
}

#[server(prefix = "/rpc", endpoint = "delete_deployment")]
pub async fn delete_deployment(id: DeploymentId) -> Result<Notice, AppError> {
    use crate::server::deployments;
    let (state, actor) = super::context::require_actor().await?;
    // The name, for the notice.
    let deployment = deployments::find(&state.pool, &state.settings, &actor, id).await?;
    deployments::delete(&state.pool, &state.caches, &actor, id).await?;
    leptos_axum::redirect("/deployments");
    Ok(Notice::deleted(DEPLOYMENT, &deployment.name))
}
