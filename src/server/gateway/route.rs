//! Phase 2, route: the deployment a [`Target`] names, from the route cache or, on a miss, the
//! database; Private deployments exist only for the internal listener.

use std::sync::Arc;

use super::{host::Target, refusal::Refused, Caller};
use crate::{
    domain::AccessType,
    server::{deployments::repo, error::ServiceError, listen::Reach, AppState},
};
use axum::http::StatusCode;
pub use repo::Route;

/// The route the caller may reach, or why not. Private and unknown look the same from outside.
pub async fn route_for(state: &AppState, target: Option<&Target>, caller: &Caller) -> Result<Arc<Route>, Refused> {
    let not_found = || Refused::new(StatusCode::NOT_FOUND, "No deployment is served at this address.");
    let Some(target) = target else { return Err(not_found()) };
    match find(state, target).await {
        Ok(Some(route)) if caller.reach == Reach::Internal || route.access != AccessType::Private => Ok(route),
        Ok(_) => Err(not_found()),
        Err(()) => {
            Err(Refused::new(StatusCode::INTERNAL_SERVER_ERROR, "The gateway could not look up the deployment."))
        }
    }
}

/// `Err` when the database failed (the cause is logged).
async fn find(state: &AppState, target: &Target) -> Result<Option<Arc<Route>>, ()> {
    let routes = state.caches.routes();
    if let Some(route) = routes.and_then(|routes| routes.get(target.key())) {
        return Ok(route);
    }
    let seen = routes.map(|routes| routes.generation());
    let route = repo::find_route(&state.pool, target.organization(), target.deployment())
        .await
        .map_err(|err| ServiceError::from(err).log_if_unexpected())?
        .map(Arc::new);
    if let (Some(routes), Some(seen)) = (routes, seen) {
        routes.insert(target.key(), route.clone(), seen);
    }
    Ok(route)
}
