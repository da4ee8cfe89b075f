//! Deployments as the console page sees them.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::AppError;
use crate::domain::AccessType;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    pub id: i64,
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

/// The page's list, with the server's clock so relative times render the same on the server
/// and in the browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentList {
    pub items: Vec<Deployment>,
    pub now: i64,
}

#[server(prefix = "/rpc", endpoint = "list_deployments")]
pub async fn list_deployments() -> Result<DeploymentList, AppError> {
    use crate::server::{auth, db, deployments};
    let (state, actor) = auth::require_actor().await?;
    let items = deployments::list(&state.pool, &state.settings, &actor).await?;
    Ok(DeploymentList { items, now: db::now() })
}

#[server(prefix = "/rpc", endpoint = "create_deployment")]
pub async fn create_deployment(
    name: String,
    description: String,
    upstream_url: String,
    access: String,
) -> Result<(), AppError> {
    use crate::domain::DeploymentName;
    use crate::server::{auth, deployments};
    let (state, actor) = auth::require_actor().await?;
    let name = DeploymentName::parse(&name)?;
    let input = parse_input(&description, &upstream_url, &access)?;
    deployments::create(&state.pool, &state.settings, &state.caches, &actor, name, input).await?;
    leptos_axum::redirect("/deployments");
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "update_deployment")]
pub async fn update_deployment(
    id: i64,
    description: String,
    upstream_url: String,
    access: String,
) -> Result<(), AppError> {
    use crate::server::{auth, deployments};
    let (state, actor) = auth::require_actor().await?;
    let input = parse_input(&description, &upstream_url, &access)?;
    deployments::update(&state.pool, &state.settings, &state.caches, &actor, id, input).await?;
    leptos_axum::redirect("/deployments");
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "delete_deployment")]
pub async fn delete_deployment(id: i64) -> Result<(), AppError> {
    use crate::server::{auth, deployments};
    let (state, actor) = auth::require_actor().await?;
    deployments::delete(&state.pool, &state.caches, &actor, id).await?;
    leptos_axum::redirect("/deployments");
    Ok(())
}

#[cfg(feature = "ssr")]
fn parse_input(
    description: &str,
    upstream_url: &str,
    access: &str,
) -> Result<crate::server::deployments::DeploymentInput, AppError> {
    use crate::domain::{Description, UpstreamUrl};
    Ok(crate::server::deployments::DeploymentInput {
        upstream_url: UpstreamUrl::parse(upstream_url)?,
        access: AccessType::parse(access)?,
        description: Description::parse(description)?,
    })
}
