//! Phase 3, authorize: the deployment's access type against the caller's User token.

use std::net::IpAddr;

use axum::http::{HeaderMap, StatusCode};

use super::{refusal::Refused, Route};
use crate::{
    domain::AccessType,
    server::{telemetry, tokens, AppState},
};

/// What authorization did with the request's credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authorized {
    /// Public deployment: nothing was checked.
    Unchecked,
    /// A User token was checked (its header is then not passed on).
    ByToken,
}

/// Applies the access type.
///
/// A token that verifies always gets its true answer, even from an address over the failure
/// limit: telling a valid token from a guess takes the verification anyway (format and
/// checksum, then the token cache, then one indexed lookup), and refusing valid tokens would
/// let one bad client behind a shared address lock out everyone else there. Every failure is
/// counted, and once the address is over the limit, missing and invalid tokens get 429 instead
/// of 401. A request without a well-formed token costs no lookup, locked or not.
pub async fn authorize(
    state: &AppState,
    route: &Route,
    client: IpAddr,
    headers: &HeaderMap,
) -> Result<Authorized, Refused> {
    if route.access == AccessType::Public {
        return Ok(Authorized::Unchecked);
    }
    let presented = tokens::bearer_token(headers);
    let verified = match presented {
        Some(token) => tokens::verify(&state.pool, state.caches.tokens(), token, Some(client)).await,
        None => Err(tokens::Rejection::Malformed),
    };
    if let Err(tokens::Rejection::Unexpected(err)) = verified {
        err.log_if_unexpected();
        return Err(Refused::new(StatusCode::INTERNAL_SERVER_ERROR, "The gateway could not check the token."));
    }
    if let (Some(presented), Ok(_)) = (presented, &verified) {
        // The gateway enters no span of its own: the current one is the request's.
        telemetry::record_token(&tracing::Span::current(), presented);
    }
    let refused = match verified {
        Ok(token) if token.may_call(route.organization_id, route.id) => return Ok(Authorized::ByToken),
        Ok(_) => Refused::new(StatusCode::FORBIDDEN, "This token does not grant access to this deployment."),
        Err(_) if presented.is_none() => {
            Refused::new(StatusCode::UNAUTHORIZED, "A User token is required: send Authorization: Bearer <token>.")
        }
        Err(_) => Refused::new(StatusCode::UNAUTHORIZED, "The token is invalid, expired or deleted."),
    };
    match state.gateway.failures.record(client) {
        Some(retry_after) if refused.status == StatusCode::UNAUTHORIZED => {
            let message = "Too many failed authentications. Try again later.";
            Err(Refused { retry_after: Some(retry_after), ..Refused::new(StatusCode::TOO_MANY_REQUESTS, message) })
        }
        _ => Err(refused),
    }
}
