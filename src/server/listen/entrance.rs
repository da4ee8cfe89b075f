//! The first thing every request meets: deployment hosts go to the gateway and everything
//! else to the console, so deployment traffic never pays for the console's sessions and pages.

use std::{convert::Infallible, future::Future, net::SocketAddr, pin::Pin, sync::Arc};

use axum::{
    body::Body,
    extract::{ConnectInfo, Request},
    http::StatusCode,
    response::Response,
    Router,
};
use hyper::body::Incoming;
use tower::ServiceExt;

use super::Reach;
use crate::server::{gateway, AppState};

/// Everything a connection needs to answer requests. Shared by all connections of a listener.
pub struct Entrance {
    pub state: AppState,
    pub console: Router,
    pub reach: Reach,
    /// `http` or `https`, as this listener speaks it (for `X-Forwarded-Proto`).
    pub scheme: &'static str,
}

pub type ResponseFuture = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

impl Entrance {
    pub fn dispatch(self: &Arc<Self>, peer: SocketAddr, request: Request<Incoming>) -> ResponseFuture {
        let mut request = request.map(Body::new);
        let target = gateway::target_of_request(&request, &self.state.settings.apps_domain);
        match (target, self.reach) {
            (Some(target), reach) => {
                let entrance = Arc::clone(self);
                let caller = gateway::Caller { ip: peer.ip(), scheme: self.scheme, reach };
                Box::pin(async move { Ok(gateway::handle(&entrance.state, target, caller, request).await) })
            }
            (None, Reach::Internal) => {
                Box::pin(async { Ok(gateway::error(StatusCode::NOT_FOUND, "This address serves deployments only.")) })
            }
            (None, Reach::Public) => {
                request.extensions_mut().insert(ConnectInfo(peer));
                Box::pin(self.console.clone().oneshot(request))
            }
        }
    }
}
