//! Who is calling: a Developer token, and the user and organization it belongs to.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::request::Parts,
    Json,
};

use super::{schema, RestError};
use crate::server::{
    accounts::{repo, AccountRow, Actor},
    error::ServiceError,
    telemetry,
    tokens::{self, Rejection},
    AppState,
};

/// A request authenticated by a valid Developer token.
pub struct Developer {
    pub account: AccountRow,
    pub actor: Actor,
}

const NO_TOKEN: &str =
    "Missing API token: send a Developer token in the X-YATAI-API-TOKEN header or as Authorization: Bearer.";
const BAD_TOKEN: &str = "Bad credentials: the API token is invalid, expired or deleted.";
const USER_TOKEN: &str =
    "Bad credentials: this is a User token, which calls deployments but not the API. Use a Developer token.";

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
        // A User token is not a credential for the API at all: 401, as the CLI expects.
        if !verified.is_developer {
            return Err(RestError::unauthorized(USER_TOKEN));
        }
        let user_id = verified.user_id.ok_or_else(|| RestError::unauthorized(BAD_TOKEN))?;
        let account = repo::find_account(&state.pool, user_id)
            .await
            .map_err(ServiceError::from)?
            .ok_or_else(|| RestError::unauthorized(BAD_TOKEN))?;
        Ok(Self { actor: Actor::from(&account), account })
    }
}

fn presented_token(parts: &Parts) -> Option<&str> {
    if let Some(token) = parts.headers.get("x-yatai-api-token") {
        return token.to_str().ok().map(str::trim);
    }
    tokens::bearer_token(&parts.headers)
}

pub fn user(account: &AccountRow) -> schema::User {
    schema::User {
        name: account.user_name.clone(),
        email: account.email.clone(),
        first_name: String::new(),
        last_name: String::new(),
    }
}

pub fn organization(account: &AccountRow) -> schema::Organization {
    schema::Organization {
        resource: schema::Resource::new(
            "organization",
            format!("org-{}", account.organization_id),
            account.organization_name.clone(),
            account.organization_created_at,
            None,
        ),
        description: String::new(),
    }
}

/// The user the token belongs to.
#[utoipa::path(get, path = "/api/v1/auth/current", tag = "auth", operation_id = "current_user",
    responses((status = 200, body = schema::User), (status = 401, body = schema::ErrorBody)))]
pub async fn current_user(developer: Developer) -> Json<schema::User> {
    Json(user(&developer.account))
}

/// The organization the token belongs to.
#[utoipa::path(get, path = "/api/v1/current_org", tag = "auth", operation_id = "current_organization",
    responses((status = 200, body = schema::Organization), (status = 401, body = schema::ErrorBody)))]
pub async fn current_organization(developer: Developer) -> Json<schema::Organization> {
    Json(organization(&developer.account))
}
