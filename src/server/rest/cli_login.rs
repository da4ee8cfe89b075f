//! `/api/v1/auth/code` and `/api/v1/auth/token`: the CLI's side of a browser sign-in (see
//! `server::cli_login`). No credentials: the code is the credential, and both are limited per
//! client address.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, Query, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};

use super::{schema, RestError};
use crate::server::{
    cli_login::{self, NoToken},
    error::ServiceError,
    AppState,
};

/// A new sign-in code. The CLI then opens `/api_tokens?code=<code>` and polls
/// `/api/v1/auth/token?code=<code>`. The code works for 10 minutes, once.
#[utoipa::path(get, path = "/api/v1/auth/code", tag = "auth", operation_id = "cli_login_code", security(()),
    responses((status = 200, body = schema::LoginCode), (status = 429, body = schema::ErrorBody)))]
pub async fn code(State(state): State<AppState>, ConnectInfo(client): ConnectInfo<SocketAddr>) -> Response {
    match cli_login::issue(&state.pool, client.ip()).await {
        Ok(code) => no_store(Json(schema::LoginCode { code: code.expose().to_owned() })),
        Err(ServiceError::RateLimited(seconds)) => {
            let message =
                format!("Too many sign-in codes asked for from your address. Try again in {seconds} seconds.");
            no_store(RestError::new(StatusCode::TOO_MANY_REQUESTS, message))
        }
        Err(err) => no_store(RestError::from(err)),
    }
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Poll {
    /// The code from `/api/v1/auth/code`.
    #[serde(default)]
    code: String,
}

/// The token of a confirmed sign-in: 200 `{"token": …}` once, to the first poll after the
/// browser confirmed. Otherwise a JSON error whose `status` says why: 400
/// `authorization_pending` (poll again in a second), 403 `access_denied` (declined in the
/// browser), 410 `expired_token` or `already_used` or `token_deleted`, 404 `unknown_code`,
/// 429 `slow_down`.
#[utoipa::path(get, path = "/api/v1/auth/token", tag = "auth", operation_id = "cli_login_token", security(()), params(Poll),
    responses((status = 200, body = schema::LoginToken), (status = 400, body = schema::LoginRefusal),
        (status = 403, body = schema::LoginRefusal), (status = 404, body = schema::LoginRefusal),
        (status = 410, body = schema::LoginRefusal), (status = 429, body = schema::LoginRefusal)))]
pub async fn token(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Query(poll): Query<Poll>,
) -> Response {
    match cli_login::collect(&state.pool, client.ip(), &poll.code).await {
        Ok(secret) => no_store(Json(schema::LoginToken { token: secret.expose().to_owned() })),
        Err(NoToken::Unexpected(err)) => no_store(RestError::from(err)),
        Err(refusal) => {
            let (status, code) = match &refusal {
                NoToken::Pending => (StatusCode::BAD_REQUEST, "authorization_pending"),
                NoToken::Declined => (StatusCode::FORBIDDEN, "access_denied"),
                NoToken::Expired => (StatusCode::GONE, "expired_token"),
                NoToken::Used => (StatusCode::GONE, "already_used"),
                NoToken::TokenDeleted => (StatusCode::GONE, "token_deleted"),
                NoToken::Unknown => (StatusCode::NOT_FOUND, "unknown_code"),
                NoToken::SlowDown(_) | NoToken::Unexpected(_) => (StatusCode::TOO_MANY_REQUESTS, "slow_down"),
            };
            let body = schema::LoginRefusal { error: refusal.to_string(), status: code.into() };
            no_store((status, Json(body)))
        }
    }
}

/// Codes and tokens must not be kept by any cache.
fn no_store(answer: impl IntoResponse) -> Response {
    let mut response = answer.into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
