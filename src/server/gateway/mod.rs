//! The deployment gateway: requests for `<deployment>.<organization>.<apps domain>` are
//! checked against the deployment's endpoint access type and forwarded to its upstream;
//! everything else on the listener is the console.
//!
//! Phases, as in pingora: route (Host → deployment), authorize (access type × User token),
//! rewrite (headers), forward (stream both ways), answer errors as JSON.

mod hop;
mod limiter;
mod routes;

use std::{
    net::{IpAddr, SocketAddr},
    time::Duration,
};

use axum::{
    body::Body,
    extract::{ConnectInfo, Request, State},
    http::{header, uri::PathAndQuery, HeaderValue, StatusCode, Uri},
    middleware::Next,
    response::{IntoResponse, Response},
    Json,
};
use hyper_util::{
    client::legacy::{connect::HttpConnector, Client},
    rt::TokioExecutor,
};
use serde_json::json;

use super::{deployments::repo::Route, error::internal, tokens, AppState};
use crate::domain::AccessType;
pub use limiter::AuthFailures;
pub use routes::RouteCache;

/// Pooled upstream clients: HTTP/1.1 for ordinary requests, HTTP/2 with prior knowledge (h2c)
/// for gRPC.
pub struct Gateway {
    http1: Client<HttpConnector, Body>,
    http2: Client<HttpConnector, Body>,
    response_timeout: Duration,
    pub failures: AuthFailures,
}

impl Gateway {
    pub fn new(connect_timeout: Duration, response_timeout: Duration) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(connect_timeout));
        connector.set_nodelay(true);
        let http1 =
            Client::builder(TokioExecutor::new()).pool_idle_timeout(Duration::from_secs(60)).build(connector.clone());
        let http2 = Client::builder(TokioExecutor::new()).http2_only(true).build(connector);
        Self { http1, http2, response_timeout, failures: AuthFailures::default() }
    }
}

/// Which deployment a request is for, from its `Host` (HTTP/1.1) or `:authority` (HTTP/2).
#[derive(Debug, PartialEq, Eq)]
pub struct Target {
    pub deployment: String,
    pub organization: String,
}

/// `Some` when the host is under the apps domain (then the gateway answers, even if the name
/// matches nothing); `None` for the console's own host.
pub fn target_of(host: &str, apps_domain: &str) -> Option<Option<Target>> {
    let host =
        host.rsplit_once(':').filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit())).map_or(host, |(h, _)| h);
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let prefix = host.strip_suffix(apps_domain)?.strip_suffix('.')?;
    Some(prefix.split_once('.').filter(|(_, org)| !org.contains('.')).map(|(deployment, organization)| Target {
        deployment: deployment.to_owned(),
        organization: organization.to_owned(),
    }))
}

/// The outermost layer: deployment hosts go to the gateway, the rest to the console.
pub async fn route(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let host = request
        .uri()
        .authority()
        .map(|a| a.as_str().to_owned())
        .or_else(|| request.headers().get(header::HOST).and_then(|h| h.to_str().ok()).map(str::to_owned));
    let Some(target) = host.as_deref().and_then(|host| target_of(host, &state.settings.apps_domain)) else {
        return next.run(request).await;
    };
    let client = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip());
    handle(&state, target, client, request).await
}

async fn handle(state: &AppState, target: Option<Target>, client: Option<IpAddr>, request: Request) -> Response {
    let route = match target {
        Some(target) => find_route(state, &target).await,
        None => Ok(None),
    };
    let route = match route {
        // Private and unknown look the same from outside.
        Ok(Some(route)) if route.access != AccessType::Private.as_str() => route,
        Ok(_) => return error(StatusCode::NOT_FOUND, "No deployment is served at this address."),
        Err(_) => return error(StatusCode::INTERNAL_SERVER_ERROR, "The gateway could not look up the deployment."),
    };
    let consumed_authorization = match authorize(state, &route, client, request.headers()).await {
        Ok(consumed) => consumed,
        Err(response) => return response,
    };
    forward(state, &route, client, consumed_authorization, request).await
}

async fn find_route(state: &AppState, target: &Target) -> Result<Option<Route>, crate::api::AppError> {
    let routes = &state.caches.routes;
    if let Some(route) = routes.get(&target.organization, &target.deployment) {
        return Ok(route);
    }
    let route = super::deployments::repo::find_route(&state.pool, &target.organization, &target.deployment)
        .await
        .map_err(internal)?;
    routes.insert(&target.organization, &target.deployment, route.clone());
    Ok(route)
}

/// Applies the access type. `Ok(true)` when a token was checked (its header is then not
/// passed on); `Err` is the response to send instead.
async fn authorize(
    state: &AppState,
    route: &Route,
    client: Option<IpAddr>,
    headers: &axum::http::HeaderMap,
) -> Result<bool, Response> {
    if route.access == AccessType::Public.as_str() {
        return Ok(false);
    }
    let gateway = &state.gateway;
    if let Some(retry_after) = client.and_then(|ip| gateway.failures.locked_for(ip)) {
        let mut response = error(StatusCode::TOO_MANY_REQUESTS, "Too many failed authentications. Try again later.");
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after.as_secs().max(1)));
        return Err(response);
    }
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    let verified = match presented {
        Some(token) => tokens::verify(&state.pool, &state.caches.tokens, token)
            .await
            .map_err(|_| error(StatusCode::INTERNAL_SERVER_ERROR, "The gateway could not check the token."))?,
        None => Err(tokens::Rejection::Malformed),
    };
    let refusal = match verified {
        Ok(token) if token.is_user && token.deployment_ids.contains(&route.id) => return Ok(true),
        Ok(_) => error(StatusCode::FORBIDDEN, "This token does not grant access to this deployment."),
        Err(_) if presented.is_none() => unauthorized("A User token is required: send Authorization: Bearer <token>."),
        Err(_) => unauthorized("The token is invalid, expired or deleted."),
    };
    if let Some(ip) = client {
        gateway.failures.record(ip);
    }
    Err(refusal)
}

async fn forward(
    state: &AppState,
    route: &Route,
    client: Option<IpAddr>,
    consumed_authorization: bool,
    request: Request,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let Some(uri) = upstream_uri(&route.upstream_url, parts.uri.path_and_query()) else {
        return error(StatusCode::BAD_GATEWAY, "The deployment's upstream URL cannot be used.");
    };
    let host = parts
        .uri
        .authority()
        .map(|a| a.to_string())
        .or_else(|| parts.headers.get(header::HOST).and_then(|h| h.to_str().ok()).map(str::to_owned));
    let grpc = parts.headers.get(header::CONTENT_TYPE).is_some_and(|ct| ct.as_bytes().starts_with(b"application/grpc"));
    let trailers = hop::wants_trailers(&parts.headers);
    hop::strip_hop_by_hop(&mut parts.headers);
    parts.headers.remove(header::HOST);
    if consumed_authorization {
        parts.headers.remove(header::AUTHORIZATION);
    }
    if trailers {
        parts.headers.insert(header::TE, HeaderValue::from_static("trailers"));
    }
    add_forwarded(&mut parts.headers, client, host.as_deref(), state.settings.public_url.scheme());
    parts.uri = uri;
    parts.version = if grpc { axum::http::Version::HTTP_2 } else { axum::http::Version::HTTP_11 };
    let upstream = if grpc { &state.gateway.http2 } else { &state.gateway.http1 };
    let request = Request::from_parts(parts, body);
    match tokio::time::timeout(state.gateway.response_timeout, upstream.request(request)).await {
        Ok(Ok(response)) => {
            let (mut parts, body) = response.into_parts();
            hop::strip_hop_by_hop(&mut parts.headers);
            Response::from_parts(parts, Body::new(body))
        }
        Ok(Err(err)) => {
            tracing::warn!(deployment_id = route.id, error = %err, "upstream request failed");
            error(StatusCode::BAD_GATEWAY, "The deployment did not answer: its upstream is unreachable.")
        }
        Err(_) => error(StatusCode::GATEWAY_TIMEOUT, "The deployment did not answer in time."),
    }
}

/// The upstream URL with the request's path appended (after the upstream's own path, if any).
fn upstream_uri(upstream: &str, path_and_query: Option<&PathAndQuery>) -> Option<Uri> {
    let suffix = path_and_query.map_or("/", PathAndQuery::as_str);
    format!("{}{suffix}", upstream.trim_end_matches('/')).parse().ok()
}

fn add_forwarded(headers: &mut axum::http::HeaderMap, client: Option<IpAddr>, host: Option<&str>, proto: &str) {
    if let Some(ip) = client {
        let forwarded_for = match headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
            Some(earlier) => format!("{earlier}, {ip}"),
            None => ip.to_string(),
        };
        if let Ok(value) = HeaderValue::from_str(&forwarded_for) {
            headers.insert("x-forwarded-for", value);
        }
    }
    if let Some(value) = host.and_then(|h| HeaderValue::from_str(h).ok()) {
        headers.insert("x-forwarded-host", value);
    }
    if let Ok(value) = HeaderValue::from_str(proto) {
        headers.insert("x-forwarded-proto", value);
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

fn unauthorized(message: &str) -> Response {
    let mut response = error(StatusCode::UNAUTHORIZED, message);
    response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(deployment: &str, organization: &str) -> Option<Option<Target>> {
        Some(Some(Target { deployment: deployment.into(), organization: organization.into() }))
    }

    #[test]
    fn hosts_under_the_apps_domain_name_a_deployment() {
        let domain = "apps.localhost";
        assert_eq!(target_of("summarize.acme.apps.localhost", domain), target("summarize", "acme"));
        assert_eq!(target_of("Summarize.ACME.Apps.Localhost:3000", domain), target("summarize", "acme"));
        assert_eq!(target_of("summarize.acme.apps.localhost.", domain), target("summarize", "acme"));
        assert_eq!(target_of("apps.localhost", domain), None, "the bare domain is not under it");
        assert_eq!(target_of("acme.apps.localhost", domain), Some(None), "no deployment part");
        assert_eq!(target_of("a.b.acme.apps.localhost", domain), Some(None), "too many labels");
        assert_eq!(target_of("127.0.0.1:3000", domain), None);
        assert_eq!(target_of("evilapps.localhost", domain), None);
    }

    #[test]
    fn upstream_uris_keep_the_upstream_path_and_the_query() {
        let pq = |s: &str| s.parse::<PathAndQuery>().unwrap();
        assert_eq!(
            upstream_uri("http://127.0.0.1:3001", Some(&pq("/generate?x=1"))).unwrap(),
            "http://127.0.0.1:3001/generate?x=1"
        );
        assert_eq!(upstream_uri("http://svc/v1", Some(&pq("/generate"))).unwrap(), "http://svc/v1/generate");
        assert_eq!(upstream_uri("http://svc/", None).unwrap(), "http://svc/");
    }

    #[test]
    fn forwarded_headers_append_to_earlier_proxies() {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_static("10.0.0.1"));
        add_forwarded(&mut headers, Some("127.0.0.1".parse().unwrap()), Some("s.acme.apps.localhost:3000"), "http");
        assert_eq!(headers["x-forwarded-for"], "10.0.0.1, 127.0.0.1");
        assert_eq!(headers["x-forwarded-host"], "s.acme.apps.localhost:3000");
        assert_eq!(headers["x-forwarded-proto"], "http");
    }
}
