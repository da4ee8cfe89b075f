//! The Developer API: a BentoCloud-compatible REST API under `/api`, authenticated by a
//! Developer token (`X-YATAI-API-TOKEN`, as the `bentoml` CLI sends it, or
//! `Authorization: Bearer`). Handlers are thin: they parse, call the same services as the
//! console, and shape the answer.

mod auth;
mod body;
mod cli_login;
mod deployments;
mod error;
mod events;
pub mod schema;
mod tokens;

use axum::{
    routing::{get, post},
    Json, Router,
};
use tower_http::limit::RequestBodyLimitLayer;
use utoipa::OpenApi;

pub use auth::Developer;
pub use body::JsonObject;
pub use error::RestError;

use super::AppState;

/// Request bodies are small JSON documents; anything larger is refused with 413.
const BODY_LIMIT: usize = 64 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(title = "bento-console Developer API", description = "BentoCloud-compatible API for Developer tokens."),
    paths(
        auth::current_user,
        auth::current_organization,
        cli_login::code,
        cli_login::token,
        deployments::list,
        deployments::get_one,
        deployments::create,
        deployments::update,
        deployments::replace,
        deployments::delete,
        deployments::placeholder,
        tokens::list,
        tokens::get_one,
        tokens::create,
        tokens::update,
        tokens::regenerate,
        tokens::delete,
        events::list,
    ),
    modifiers(&SecuritySchemes),
    security(("api_token" = []), ("bearer" = []))
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-YATAI-API-TOKEN"))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The routes, relative to `/api` where they are nested.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
        .route("/v1/auth/current", get(auth::current_user))
        .route("/v1/current_org", get(auth::current_organization))
        .route("/v1/auth/code", get(cli_login::code))
        .route("/v1/auth/token", get(cli_login::token))
        .route("/v2/deployments", get(deployments::list).post(deployments::create))
        .route(
            "/v2/deployments/{name}",
            get(deployments::get_one).patch(deployments::update).put(deployments::replace).delete(deployments::delete),
        )
        .route("/v1/bento_repositories/{repository}/bentos/{version}", get(deployments::placeholder))
        .route("/v1/api_tokens", get(tokens::list).post(tokens::create))
        .route("/v1/api_tokens/{uid}", get(tokens::get_one).patch(tokens::update).delete(tokens::delete))
        .route("/v1/api_tokens/{uid}/regenerate", post(tokens::regenerate))
        .route("/v1/events", get(events::list))
        .fallback(|| async { RestError::not_found("No such API endpoint.") })
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
}

/// `start`/`count` paging as the CLI sends it: unset parameters arrive as empty strings.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// Offset of the first item (default 0).
    #[serde(default)]
    pub start: String,
    /// Items per page (default 20, at most 1000).
    #[serde(default)]
    pub count: String,
    /// Only items whose name contains this text.
    #[serde(default)]
    pub search: String,
    /// Same as `search` (the CLI sends both).
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    #[param(ignore)]
    pub cluster: String,
    #[serde(default)]
    #[param(ignore)]
    pub all: String,
}

pub const MAX_COUNT: i64 = 1000;

impl Paging {
    pub fn start(&self) -> Result<i64, RestError> {
        parse_non_negative(&self.start, "start", 0)
    }

    pub fn count(&self) -> Result<i64, RestError> {
        parse_non_negative(&self.count, "count", 20).map(|n| n.min(MAX_COUNT))
    }

    pub fn search(&self) -> &str {
        if self.search.is_empty() {
            self.q.trim()
        } else {
            self.search.trim()
        }
    }
}

pub(super) fn parse_non_negative(raw: &str, name: &str, default: i64) -> Result<i64, RestError> {
    if raw.trim().is_empty() {
        return Ok(default);
    }
    match raw.trim().parse::<i64>() {
        Ok(n) if n >= 0 => Ok(n),
        Ok(_) => Err(RestError::bad_request(format!("{name} must not be negative."))),
        Err(_) => Err(RestError::bad_request(format!("{name} must be a whole number, not {raw:?}."))),
    }
}
