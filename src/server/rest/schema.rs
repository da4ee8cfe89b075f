//! The JSON shapes of the Developer API, matching what the `bentoml` CLI decodes (every key
//! present; see `shared/reference/bentoml-cli-contract.md`). Times are RFC 3339 strings.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::time::iso8601;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct User {
    pub name: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Label {
    pub key: String,
    pub value: String,
}

/// The keys every BentoCloud resource has.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Resource {
    pub uid: String,
    pub created_at: String,
    pub updated_at: Option<String>,
    pub deleted_at: Option<String>,
    pub name: String,
    /// `organization`, `cluster`, `deployment` or `api_token`.
    pub resource_type: String,
    pub labels: Vec<Label>,
}

impl Resource {
    pub fn new(resource_type: &str, uid: String, name: String, created_at: i64, updated_at: Option<i64>) -> Self {
        Self {
            uid,
            created_at: rfc3339(created_at),
            updated_at: updated_at.map(rfc3339),
            deleted_at: None,
            name,
            resource_type: resource_type.into(),
            labels: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Organization {
    #[serde(flatten)]
    pub resource: Resource,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Cluster {
    #[serde(flatten)]
    pub resource: Resource,
    pub description: String,
    pub organization_name: String,
    pub creator: User,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Deployment {
    #[serde(flatten)]
    pub resource: Resource,
    /// The console does not probe upstreams, so this is `unknown`.
    pub status: String,
    pub kube_namespace: String,
    pub creator: User,
    pub cluster: Cluster,
    /// Always null: the console does not build or roll out Bentos.
    #[schema(value_type = Option<Object>)]
    pub latest_revision: Option<()>,
    /// The external URL; empty for Private deployments.
    pub urls: Vec<String>,
    pub description: String,
    pub upstream_url: String,
    /// `private`, `protected` or `public`.
    pub access_type: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiToken {
    #[serde(flatten)]
    pub resource: Resource,
    pub description: String,
    /// Developer tokens carry BentoCloud's API scopes; User tokens `deployment_endpoint_access`.
    pub scopes: Vec<String>,
    pub user: User,
    pub organization: Organization,
    pub expired_at: Option<String>,
    pub last_used_at: Option<String>,
    pub is_expired: bool,
    /// Names of the deployments a User token may call.
    pub deployments: Vec<String>,
    /// The secret: only in the response that creates the token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// A page of a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct List<T> {
    pub start: i64,
    pub count: i64,
    pub total: i64,
    pub items: Vec<T>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: String,
    /// The request field the error is about, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDeployment {
    /// A DNS label; upper case is lowered.
    #[schema(pattern = "^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$", max_length = 63)]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub description: String,
    /// `http` or `https`, with a host.
    #[schema(pattern = "^https?://[^/?#@\\s]+(/[^?#\\s]*)?$")]
    pub upstream_url: String,
    /// `private`, `protected` (default) or `public`.
    #[serde(default)]
    #[schema(pattern = "^(private|protected|public)$")]
    pub access_type: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDeployment {
    #[schema(max_length = 500)]
    pub description: Option<String>,
    #[schema(pattern = "^https?://[^/?#@\\s]+(/[^?#\\s]*)?$")]
    pub upstream_url: Option<String>,
    #[schema(pattern = "^(private|protected|public)$")]
    pub access_type: Option<String>,
}

/// What `bentoml api-token create` sends: every key present, `null` when not given.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiToken {
    #[schema(min_length = 1, max_length = 64)]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub description: Option<String>,
    /// `api`, `read_organization`, `write_organization`, `read_cluster` or `write_cluster` make
    /// it a Developer token; `deployment_endpoint_access` (with `deployments`) a User token.
    /// Any other scope is refused.
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    /// When the token stops working: a time with an offset (RFC 3339), a time without one
    /// (`2027-01-31 12:00:00[.ffffff]` or with `T`, taken as UTC; the `bentoml` CLI sends its
    /// local clock this way), or a date (`2027-01-31`: through the end of that day, UTC).
    /// Omitted or null for no expiry.
    #[serde(default)]
    pub expired_at: Option<String>,
    /// Deployment names: makes it a User token for them.
    #[serde(default)]
    pub deployments: Option<Vec<String>>,
}

pub fn rfc3339(at: i64) -> String {
    iso8601(at)
}
