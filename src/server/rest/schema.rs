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
    /// What `bentoml deployment update` reads back before it sends its changes: one target
    /// whose `config.access_authorization` is the endpoint access (true for Protected) and
    /// whose `bento` is a placeholder (the console runs no Bentos; see [`Bento`]).
    pub latest_revision: Revision,
    /// The external URL; empty for Private deployments.
    pub urls: Vec<String>,
    pub description: String,
    pub upstream_url: String,
    /// `private`, `protected` or `public`.
    pub access_type: String,
}

/// A deployment's one revision, as BentoCloud shapes it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Revision {
    #[serde(flatten)]
    pub resource: Resource,
    pub creator: User,
    /// Always `active`.
    pub status: String,
    pub targets: Vec<Target>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Target {
    #[serde(flatten)]
    pub resource: Resource,
    pub creator: User,
    pub config: TargetConfig,
    pub bento: Bento,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TargetConfig {
    /// Whether callers need a token: true for Protected deployments.
    pub access_authorization: bool,
}

/// The placeholder that stands for a deployment's upstream service where the `bentoml` CLI
/// expects a Bento: repository `<deployment>`, version `upstream`. The console runs no Bentos;
/// the CLI only reads this to send it back unchanged.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Bento {
    #[serde(flatten)]
    pub resource: Resource,
    pub description: String,
    pub version: String,
    pub image_build_status: String,
    pub upload_status: String,
    pub upload_finished_reason: String,
    pub presigned_upload_url: String,
    pub presigned_download_url: String,
    pub manifest: BentoManifest,
    pub repository: BentoRepository,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BentoManifest {
    pub service: String,
    pub entry_service: String,
    pub bentoml_version: String,
    pub size_bytes: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BentoRepository {
    #[serde(flatten)]
    pub resource: Resource,
    pub description: String,
    #[schema(value_type = Option<Object>)]
    pub latest_bento: Option<()>,
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
    /// Names of the deployments a User token may call (none when `all_deployments`).
    pub deployments: Vec<String>,
    /// A User token for every Protected deployment of the organization, including later ones.
    pub all_deployments: bool,
    /// The address the token was last used from.
    pub last_used_from: Option<String>,
    /// Belongs to the organization (visible to every member, managed by admins, unaffected by
    /// its creator leaving) rather than to the member in `user`, who then only created it.
    pub is_organization_token: bool,
    /// The secret: only in the responses that create or regenerate the token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// A new browser sign-in code for the `bentoml` CLI.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LoginCode {
    pub code: String,
}

/// The token a browser sign-in created, handed to the CLI once.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LoginToken {
    pub token: String,
}

/// Why a poll for a browser sign-in's token got none.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LoginRefusal {
    pub error: String,
    /// `authorization_pending`, `access_denied`, `expired_token`, `already_used`,
    /// `token_deleted`, `unknown_code` or `slow_down`.
    pub status: String,
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

/// What `bentoml deployment update` sends (BentoCloud's update schema), and the console's own
/// fields. Keys left out keep their values. Unknown keys are ignored, as BentoCloud ignores
/// them, so that other versions of the CLI keep working.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ReplaceDeployment {
    /// true: Protected; false: Public, except that a Private deployment stays Private (the
    /// CLI sends false for it on every update). `access_type` says it exactly and wins.
    pub access_authorization: Option<bool>,
    #[schema(pattern = "^(private|protected|public)$")]
    pub access_type: Option<String>,
    #[schema(max_length = 500)]
    pub description: Option<String>,
    #[schema(pattern = "^https?://[^/?#@\\s]+(/[^?#\\s]*)?$")]
    pub upstream_url: Option<String>,
    /// The placeholder Bento the deployment reports (`<deployment>:upstream`); another Bento
    /// is refused: the console runs none.
    pub bento: Option<String>,
    /// BentoCloud's environment variables, secrets and labels: refused unless empty.
    #[schema(value_type = Option<Vec<Object>>)]
    pub envs: Option<Vec<serde_json::Map<String, serde_json::Value>>>,
    pub secrets: Option<Vec<String>>,
    #[schema(value_type = Option<Vec<Object>>)]
    pub labels: Option<Vec<serde_json::Map<String, serde_json::Value>>>,
    /// BentoCloud's scaling and rollout settings: ignored (the console forwards to one
    /// upstream and does not scale it; the CLI always sends defaults).
    #[schema(value_type = Option<Object>)]
    pub services: Option<serde_json::Map<String, serde_json::Value>>,
    #[schema(value_type = Option<Object>)]
    pub canary: Option<serde_json::Map<String, serde_json::Value>>,
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
    /// A User token for every Protected deployment of the organization, including ones created
    /// later (instead of `deployments`).
    #[serde(default)]
    pub all_deployments: Option<bool>,
    /// An organization token (admins only) instead of a personal one.
    #[serde(default)]
    pub is_organization_token: Option<bool>,
}

/// An edit of an API token: what is given changes, the rest stays. A token's types cannot
/// change (regenerate it or create another).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateApiToken {
    #[serde(default)]
    #[schema(min_length = 1, max_length = 64)]
    pub name: Option<String>,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub description: Option<String>,
    /// User tokens only: the deployments (names) it may call, replacing the current ones.
    #[serde(default)]
    pub deployments: Option<Vec<String>>,
    /// User tokens only: `true` for every Protected deployment; `false` with `deployments`.
    #[serde(default)]
    pub all_deployments: Option<bool>,
}

/// A new secret for an API token; everything else stays.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegenerateApiToken {
    /// Omitted: the expiry stays as it is. `null`: no expiry. Otherwise a new expiry, in the
    /// forms `expired_at` takes when creating a token.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub expired_at: Option<Option<String>>,
}

/// Tells an omitted field (`None`, through `default`) from an explicit `null` (`Some(None)`).
fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

pub fn rfc3339(at: i64) -> String {
    iso8601(at)
}

/// An entry of the activity log.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Event {
    pub uid: String,
    /// When, RFC 3339.
    pub created_at: String,
    /// `signed_in`, `sign_in_failed`, `member_invited`, `invitation_revoked`, `member_joined`,
    /// `role_changed`, `member_removed`, `token_created`, `token_edited`, `token_regenerated`,
    /// `token_deleted`, `token_revoked`, `deployment_created`, `deployment_changed` or
    /// `deployment_deleted`.
    pub kind: String,
    /// Who: a member's name (as it was), `command line`, or an organization token.
    pub actor: String,
    /// The member's id, `usr-<n>`, when a member acted.
    pub actor_uid: Option<String>,
    /// The display prefix of the API token acted through, if any.
    pub token_prefix: Option<String>,
    /// What it was done to: a member, token or deployment name.
    pub subject: String,
    /// More about it, such as `access Protected → Public`.
    pub detail: String,
    /// The address the request came from.
    pub client: Option<String>,
}
