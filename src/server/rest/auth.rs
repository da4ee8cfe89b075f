//! Who is calling: a Developer token, and the user and organization it belongs to.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{request::Parts, StatusCode},
    Json,
};

use super::{schema, RestError};
use crate::domain::{OrganizationId, Role};
use crate::server::{
    accounts::{self, AccountRow, Actor},
    telemetry,
    tokens::{self, Rejection},
    AppState,
};

/// A request authenticated by a valid Developer token: who acts (the token's owner with their
/// role, or for an organization token the organization with the Developer role), and how the
/// API shows them.
pub struct Developer {
    pub actor: Actor,
    pub user: schema::User,
    pub organization: schema::Organization,
}

const NO_TOKEN: &str =
    "Missing API token: send a Developer token in the X-YATAI-API-TOKEN header or as Authorization: Bearer.";
const BAD_TOKEN: &str = "Bad credentials: the API token is invalid, expired or deleted.";
const USER_TOKEN: &str =
    "Bad credentials: this is a User token, which calls deployments but not the API. Use a Developer token.";
const WITHHELD: &str = "This token's Developer access is suspended: its owner's role no longer allows Developer \
                        tokens. An admin can change the role back; the token works again at once.";

impl FromRequestParts<AppState> for Developer {
    type Rejection = RestError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, RestError> {
        let presented = presented_token(parts).ok_or_else(|| RestError::unauthorized(NO_TOKEN))?;
        let client = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip());
        let verified = match tokens::verify(&state.pool, state.caches.tokens(), presented, client).await {
            Ok(verified) => {
                if let Some(telemetry::RequestSpan(span)) = parts.extensions.get() {
                    telemetry::record_token(span, presented);
                }
                verified
            }
            Err(Rejection::Unexpected(err)) => return Err(err.into()),
            Err(rejection) => {
                tracing::info!(%rejection, "API request refused");
                return Err(RestError::unauthorized(BAD_TOKEN));
            }
        };
        if verified.developer_withheld {
            return Err(RestError::new(StatusCode::FORBIDDEN, WITHHELD));
        }
        // A User token is not a credential for the API at all: 401, as the CLI expects.
        if !verified.is_developer {
            return Err(RestError::unauthorized(USER_TOKEN));
        }
        let developer = match verified.owner {
            Some(owner) => {
                let account = accounts::find(&state.pool, &state.caches, owner)
                    .await?
                    .ok_or_else(|| RestError::unauthorized(BAD_TOKEN))?;
                Self {
                    actor: Actor::member(&account, client),
                    user: user(&account),
                    organization: organization(&account),
                }
            }
            None => {
                let org = accounts::find_organization(&state.pool, &state.caches, verified.organization_id)
                    .await?
                    .ok_or_else(|| RestError::unauthorized(BAD_TOKEN))?;
                let name = format!("organization token {}", verified.name);
                let actor = Actor {
                    user_id: None,
                    name: name.clone(),
                    role: Role::Developer,
                    organization_id: org.id,
                    organization_slug: org.slug.clone(),
                    token_prefix: None,
                    client,
                };
                let user =
                    schema::User { name, email: String::new(), first_name: String::new(), last_name: String::new() };
                let organization = organization_schema(&org.name, org.id, org.created_at);
                Self { actor, user, organization }
            }
        };
        Ok(Self { actor: Actor { token_prefix: Some(verified.prefix), ..developer.actor }, ..developer })
    }
}

fn presented_token(parts: &Parts) -> Option<&str> {
    if let Some(token) = parts.headers.get("x-yatai-api-token") {
        return token.to_str().ok().map(str::trim);
    }
    tokens::bearer_token(&parts.headers)
}

fn user(account: &AccountRow) -> schema::User {
    schema::User {
        name: account.user_name.clone(),
        email: account.email.clone(),
        first_name: String::new(),
        last_name: String::new(),
    }
}

fn organization(account: &AccountRow) -> schema::Organization {
    organization_schema(&account.organization_name, account.organization_id, account.organization_created_at)
}

fn organization_schema(name: &str, id: OrganizationId, created_at: i64) -> schema::Organization {
    schema::Organization {
        resource: schema::Resource::new("organization", format!("org-{id}"), name.to_owned(), created_at, None),
        description: String::new(),
    }
}

/// The user the token belongs to.
#[utoipa::path(get, path = "/api/v1/auth/current", tag = "auth", operation_id = "current_user",
    responses((status = 200, body = schema::User), (status = 401, body = schema::ErrorBody)))]
pub async fn current_user(developer: Developer) -> Json<schema::User> {
    Json(developer.user)
}

/// The organization the token belongs to.
#[utoipa::path(get, path = "/api/v1/current_org", tag = "auth", operation_id = "current_organization",
    responses((status = 200, body = schema::Organization), (status = 401, body = schema::ErrorBody)))]
pub async fn current_organization(developer: Developer) -> Json<schema::Organization> {
    Json(developer.organization)
}
