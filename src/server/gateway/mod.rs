//! The deployment gateway: requests for `<deployment>.<organization>.<apps domain>` are
//! checked against the deployment's endpoint access type and forwarded to its upstream;
//! everything else on the listener is the console.
//!
//! Phases, as in pingora: route (Host → deployment), authorize (access type × User token),
//! rewrite (headers), forward (stream both ways), answer errors as JSON (or, to gRPC calls, as
//! a gRPC status).

mod hop;
mod limiter;
mod routes;

use std::{net::IpAddr, sync::Arc, time::Duration};

use axum::{
    body::Body,
    extract::Request,
    http::{header, uri::PathAndQuery, HeaderMap, HeaderValue, StatusCode, Uri, Version},
    response::{IntoResponse, Response},
    Json,
};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::{
    client::legacy::{connect::HttpConnector, Client},
    rt::TokioExecutor,
};
use serde_json::json;
use tokio_rustls::rustls::ClientConfig;

use super::{
    deployments::repo::Route,
    error::{ServiceError, ServiceResult},
    listen::{self, Reach},
    tokens, AppState,
};
use crate::domain::AccessType;
pub use limiter::AuthFailures;
pub use routes::RouteCache;

type Upstream = Client<HttpsConnector<HttpConnector>, Body>;

/// Forwards requests upstream. Each serving thread (see `listen::serve_on_each_core`) has its
/// own connection pools, so an upstream connection is driven by the thread that uses it.
pub struct Gateway {
    pools: Vec<Pools>,
    response_timeout: Duration,
    pub failures: AuthFailures,
}

/// Pooled upstream clients (`http` and `https`): HTTP/1.1 for ordinary requests, HTTP/2 for
/// gRPC (with prior knowledge, h2c, on `http`; negotiated by ALPN on `https`).
struct Pools {
    http1: Upstream,
    http2: Upstream,
}

impl Gateway {
    pub fn new(connect_timeout: Duration, response_timeout: Duration, tls: ClientConfig) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(connect_timeout));
        connector.set_nodelay(true);
        connector.enforce_http(false);
        let pools = move || {
            let https = HttpsConnectorBuilder::new().with_tls_config(tls.clone()).https_or_http();
            let http1 = Client::builder(TokioExecutor::new())
                .pool_idle_timeout(Duration::from_secs(60))
                .build(https.enable_http1().wrap_connector(connector.clone()));
            let https = HttpsConnectorBuilder::new().with_tls_config(tls.clone()).https_or_http();
            let http2 = Client::builder(TokioExecutor::new())
                .http2_only(true)
                .build(https.enable_http2().wrap_connector(connector.clone()));
            Pools { http1, http2 }
        };
        let pools = std::iter::repeat_with(pools).take(listen::serving_threads()).collect();
        Self { pools, response_timeout, failures: AuthFailures::default() }
    }

    fn upstream(&self, grpc: bool) -> &Upstream {
        let pools = &self.pools[listen::thread_index() % self.pools.len()];
        if grpc {
            &pools.http2
        } else {
            &pools.http1
        }
    }
}

/// Who is calling: their address, the scheme of the listener they reached, and that
/// listener's reach.
#[derive(Clone, Copy, Debug)]
pub struct Caller {
    pub ip: IpAddr,
    pub scheme: &'static str,
    pub reach: Reach,
}

/// Which deployment a request is for, from its `Host` (HTTP/1.1) or `:authority` (HTTP/2):
/// `<deployment>.<organization>`, lower-cased.
#[derive(Debug, PartialEq, Eq)]
pub struct Target {
    name: String,
    dot: usize,
}

impl Target {
    pub fn deployment(&self) -> &str {
        &self.name[..self.dot]
    }

    pub fn organization(&self) -> &str {
        &self.name[self.dot + 1..]
    }

    /// `<deployment>.<organization>`: the route cache's key.
    fn key(&self) -> &str {
        &self.name
    }
}

/// `Some` when the request's host is under the apps domain (then the gateway answers, even if
/// the name matches nothing); `None` for the console's own host.
pub fn target_of_request(request: &Request, apps_domain: &str) -> Option<Option<Target>> {
    let host = match request.uri().authority() {
        Some(authority) => authority.as_str(),
        None => request.headers().get(header::HOST)?.to_str().ok()?,
    };
    target_of(host, apps_domain)
}

fn target_of(host: &str, apps_domain: &str) -> Option<Option<Target>> {
    let host =
        host.rsplit_once(':').filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit())).map_or(host, |(h, _)| h);
    let host = host.strip_suffix('.').unwrap_or(host);
    let prefix = strip_suffix_ignore_case(host, apps_domain)?.strip_suffix('.')?;
    let dot = prefix.find('.').filter(|&dot| dot > 0 && dot + 1 < prefix.len() && !prefix[dot + 1..].contains('.'));
    Some(dot.map(|dot| Target { name: prefix.to_ascii_lowercase(), dot }))
}

fn strip_suffix_ignore_case<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let split = text.len().checked_sub(suffix.len())?;
    (text.is_char_boundary(split) && text[split..].eq_ignore_ascii_case(suffix)).then(|| &text[..split])
}

/// Answers a request for a deployment host: route, authorize, forward.
pub async fn handle(state: &AppState, target: Option<Target>, caller: Caller, request: Request) -> Response {
    let grpc = is_grpc(request.headers());
    let route = match target {
        Some(target) => find_route(state, &target).await,
        None => Ok(None),
    };
    let route = match route {
        Ok(Some(route)) if caller.reach == Reach::Internal || route.access != AccessType::Private => route,
        // Private and unknown look the same from outside.
        Ok(_) => return refusal(grpc, StatusCode::NOT_FOUND, "No deployment is served at this address."),
        Err(err) => {
            if let ServiceError::Unexpected(cause) = &err {
                ServiceError::log_unexpected(cause);
            }
            return refusal(grpc, StatusCode::INTERNAL_SERVER_ERROR, "The gateway could not look up the deployment.");
        }
    };
    let consumed_authorization = match caller.reach {
        Reach::Internal => false,
        Reach::Public => match authorize(state, &route, caller.ip, request.headers()).await {
            Ok(consumed) => consumed,
            Err(refused) => return refused.into_response(grpc),
        },
    };
    forward(state, &route, caller, consumed_authorization, grpc, request).await
}

async fn find_route(state: &AppState, target: &Target) -> ServiceResult<Option<Arc<Route>>> {
    let routes = &state.caches.routes;
    if let Some(route) = routes.get(target.key()) {
        return Ok(route);
    }
    let route = super::deployments::repo::find_route(&state.pool, target.organization(), target.deployment())
        .await?
        .map(Arc::new);
    routes.insert(target.key(), route.clone());
    Ok(route)
}

/// Why a request was not forwarded.
struct Refused {
    status: StatusCode,
    message: &'static str,
    retry_after: Option<Duration>,
}

impl Refused {
    fn new(status: StatusCode, message: &'static str) -> Self {
        Self { status, message, retry_after: None }
    }

    fn into_response(self, grpc: bool) -> Response {
        let mut response = refusal(grpc, self.status, self.message);
        let headers = response.headers_mut();
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(retry_after) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after.as_secs().max(1)));
        }
        response
    }
}

/// Applies the access type. `Ok(true)` when a token was checked (its header is then not
/// passed on).
async fn authorize(state: &AppState, route: &Route, client: IpAddr, headers: &HeaderMap) -> Result<bool, Refused> {
    if route.access == AccessType::Public {
        return Ok(false);
    }
    let gateway = &state.gateway;
    if let Some(retry_after) = gateway.failures.locked_for(client) {
        let message = "Too many failed authentications. Try again later.";
        return Err(Refused { retry_after: Some(retry_after), ..Refused::new(StatusCode::TOO_MANY_REQUESTS, message) });
    }
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    let verified = match presented {
        Some(token) => tokens::verify(&state.pool, &state.caches.tokens, token).await,
        None => Err(tokens::Rejection::Malformed),
    };
    if let Err(tokens::Rejection::Unexpected(err)) = &verified {
        if let ServiceError::Unexpected(cause) = err {
            ServiceError::log_unexpected(cause);
        }
        return Err(Refused::new(StatusCode::INTERNAL_SERVER_ERROR, "The gateway could not check the token."));
    }
    let refused = match verified {
        Ok(token) if token.is_user && token.deployment_ids.contains(&route.id) => return Ok(true),
        Ok(_) => Refused::new(StatusCode::FORBIDDEN, "This token does not grant access to this deployment."),
        Err(_) if presented.is_none() => {
            Refused::new(StatusCode::UNAUTHORIZED, "A User token is required: send Authorization: Bearer <token>.")
        }
        Err(_) => Refused::new(StatusCode::UNAUTHORIZED, "The token is invalid, expired or deleted."),
    };
    gateway.failures.record(client);
    Err(refused)
}

async fn forward(
    state: &AppState,
    route: &Route,
    caller: Caller,
    consumed_authorization: bool,
    grpc: bool,
    request: Request,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let Some(uri) = upstream_uri(&route.upstream_url, parts.uri.path_and_query()) else {
        return refusal(grpc, StatusCode::BAD_GATEWAY, "The deployment's upstream URL cannot be used.");
    };
    let host = match parts.uri.authority() {
        Some(authority) => HeaderValue::from_str(authority.as_str()).ok(),
        None => parts.headers.remove(header::HOST),
    };
    let trailers = hop::wants_trailers(&parts.headers);
    hop::strip_hop_by_hop(&mut parts.headers);
    parts.headers.remove(header::HOST);
    if consumed_authorization {
        parts.headers.remove(header::AUTHORIZATION);
    }
    if trailers {
        parts.headers.insert(header::TE, HeaderValue::from_static("trailers"));
    }
    add_forwarded(&mut parts.headers, caller, host);
    parts.uri = uri;
    parts.version = if grpc { Version::HTTP_2 } else { Version::HTTP_11 };
    let upstream = state.gateway.upstream(grpc);
    let request = Request::from_parts(parts, body);
    match tokio::time::timeout(state.gateway.response_timeout, upstream.request(request)).await {
        Ok(Ok(response)) => {
            let (mut parts, body) = response.into_parts();
            hop::strip_hop_by_hop(&mut parts.headers);
            Response::from_parts(parts, Body::new(body))
        }
        Ok(Err(err)) => {
            tracing::warn!(deployment_id = route.id, error = %err, "upstream request failed");
            refusal(grpc, StatusCode::BAD_GATEWAY, "The deployment did not answer: its upstream is unreachable.")
        }
        Err(_) => refusal(grpc, StatusCode::GATEWAY_TIMEOUT, "The deployment did not answer in time."),
    }
}

/// The upstream URL with the request's path appended (after the upstream's own path, if any).
fn upstream_uri(upstream: &str, path_and_query: Option<&PathAndQuery>) -> Option<Uri> {
    let suffix = path_and_query.map_or("/", PathAndQuery::as_str);
    format!("{}{suffix}", upstream.trim_end_matches('/')).parse().ok()
}

fn add_forwarded(headers: &mut HeaderMap, caller: Caller, host: Option<HeaderValue>) {
    let forwarded_for = match headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
        Some(earlier) => format!("{earlier}, {}", caller.ip),
        None => caller.ip.to_string(),
    };
    if let Ok(value) = HeaderValue::from_str(&forwarded_for) {
        headers.insert("x-forwarded-for", value);
    }
    if let Some(host) = host {
        headers.insert("x-forwarded-host", host);
    }
    headers.insert("x-forwarded-proto", HeaderValue::from_static(caller.scheme));
}

fn is_grpc(headers: &HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).is_some_and(|ct| ct.as_bytes().starts_with(b"application/grpc"))
}

/// The gateway's own answer: a short JSON error, or for gRPC calls a gRPC status (a
/// "trailers-only" response), so clients report the message instead of a bare HTTP code.
fn refusal(grpc: bool, status: StatusCode, message: &str) -> Response {
    if !grpc {
        return error(status, message);
    }
    let mut response = Response::new(Body::empty());
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
    headers.insert("grpc-status", HeaderValue::from(grpc_code(status)));
    if let Ok(message) = HeaderValue::from_str(&grpc_message(message)) {
        headers.insert("grpc-message", message);
    }
    response
}

/// The gRPC status for an HTTP status, as gRPC's own HTTP-to-gRPC mapping has it.
fn grpc_code(status: StatusCode) -> u16 {
    match status {
        StatusCode::UNAUTHORIZED => 16,      // UNAUTHENTICATED
        StatusCode::FORBIDDEN => 7,          // PERMISSION_DENIED
        StatusCode::NOT_FOUND => 12,         // UNIMPLEMENTED
        StatusCode::TOO_MANY_REQUESTS => 14, // UNAVAILABLE
        StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT => 14,
        _ => 13, // INTERNAL
    }
}

/// `grpc-message` is percent-encoded: `%` and bytes outside printable ASCII.
fn grpc_message(message: &str) -> String {
    message
        .bytes()
        .map(|b| if (0x20..0x7f).contains(&b) && b != b'%' { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

pub fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(deployment: &str, organization: &str) -> Option<Option<(String, String)>> {
        Some(Some((deployment.into(), organization.into())))
    }

    fn target_of(host: &str, domain: &str) -> Option<Option<(String, String)>> {
        super::target_of(host, domain)
            .map(|target| target.map(|t| (t.deployment().to_owned(), t.organization().to_owned())))
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
        assert_eq!(target_of(".acme.apps.localhost", domain), Some(None), "empty deployment label");
        assert_eq!(target_of("s..apps.localhost", domain), Some(None), "empty organization label");
        assert_eq!(target_of("é.acme.apps.localhost", domain), target("é", "acme"), "no panic on non-ASCII");
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
        let caller = Caller { ip: "127.0.0.1".parse().unwrap(), scheme: "http", reach: Reach::Public };
        add_forwarded(&mut headers, caller, Some(HeaderValue::from_static("s.acme.apps.localhost:3000")));
        assert_eq!(headers["x-forwarded-for"], "10.0.0.1, 127.0.0.1");
        assert_eq!(headers["x-forwarded-host"], "s.acme.apps.localhost:3000");
        assert_eq!(headers["x-forwarded-proto"], "http");
    }

    #[test]
    fn grpc_refusals_carry_a_grpc_status_and_an_encoded_message() {
        let response = refusal(true, StatusCode::UNAUTHORIZED, "100% wrong\n");
        assert_eq!(response.status(), StatusCode::OK, "gRPC errors travel in grpc-status");
        assert_eq!(response.headers()["grpc-status"], "16");
        assert_eq!(response.headers()["grpc-message"], "100%25 wrong%0A");
        assert_eq!(refusal(false, StatusCode::UNAUTHORIZED, "x").status(), StatusCode::UNAUTHORIZED);
    }
}
