//! The deployment gateway: requests for `<deployment>.<organization>.<apps domain>` are
//! checked against the deployment's endpoint access type and forwarded to its upstream;
//! everything else on the listener is the console.
//!
//! One module per phase, as in pingora, each depending only on the ones before it:
//! `host` (Host → target, within DNS limits), `route` (target → deployment, through
//! `route_cache`), `authorize` (access type × User token, with the failure `limiter`), and
//! `forward` (the upstream request: `path` for its URI, `headers` for what may reach the
//! upstream and the client, `idle_body` for stalled bodies; streaming both ways). `refusal`
//! holds the gateway's own answers: JSON, or a gRPC status to gRPC calls.

mod authorize;
mod forward;
mod headers;
pub mod health;
mod host;
mod idle_body;
mod limiter;
mod path;
mod refusal;
mod route;
mod route_cache;

use std::net::IpAddr;

use axum::{
    extract::Request,
    http::{header, HeaderMap, HeaderValue},
    response::Response,
};
use tokio_rustls::rustls::ClientConfig;

use super::{listen::Reach, AppState};
pub use forward::Timeouts;
pub use host::{target_of_request, Target};
pub use limiter::AuthFailures;
pub use refusal::error;
pub use route::Route;
pub use route_cache::{Budget, CacheStats, RouteCache};

/// The gateway's long-lived parts: upstream connection pools, the failure limiter and the
/// upstreams' health.
pub struct Gateway {
    upstreams: forward::Upstreams,
    pub failures: AuthFailures,
    /// What the last probe of each upstream found.
    pub health: health::HealthBoard,
}

impl Gateway {
    pub fn new(timeouts: Timeouts, tls: ClientConfig) -> Self {
        Self {
            upstreams: forward::Upstreams::new(timeouts, tls),
            failures: AuthFailures::default(),
            health: health::HealthBoard::default(),
        }
    }

    /// A document the upstream serves at `path` (see [`forward::Upstreams::fetch`]).
    pub async fn fetch(
        &self,
        upstream_url: &str,
        path: &'static str,
        limit: usize,
        wait: std::time::Duration,
    ) -> Option<axum::body::Bytes> {
        self.upstreams.fetch(upstream_url, path, limit, wait).await
    }
}

/// Who is calling: their address, the scheme of the listener they reached, that listener's
/// reach, and the request's id (passed on upstream).
#[derive(Clone, Debug)]
pub struct Caller {
    pub ip: IpAddr,
    pub scheme: &'static str,
    pub reach: Reach,
    pub request_id: HeaderValue,
}

/// Answers a request for a deployment host: route, authorize, forward.
pub async fn handle(state: &AppState, target: Option<Target>, caller: &Caller, request: Request) -> Response {
    let grpc = is_grpc(request.headers());
    let route = match route::route_for(state, target.as_ref(), caller).await {
        Ok(route) => route,
        Err(refused) => return refused.into_response(grpc),
    };
    let authorized = match caller.reach {
        Reach::Internal => authorize::Authorized::Unchecked,
        Reach::Public => match authorize::authorize(state, &route, caller.ip, request.headers()).await {
            Ok(authorized) => authorized,
            Err(refused) => return refused.into_response(grpc),
        },
    };
    forward::forward(&state.gateway.upstreams, &route, caller, authorized, grpc, request).await
}

fn is_grpc(headers: &HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).is_some_and(|ct| ct.as_bytes().starts_with(b"application/grpc"))
}
