//! Phase 4, forward: the request rewritten for the upstream (URI, headers), sent through a
//! pooled client, and both bodies streamed.

use std::time::Duration;

use axum::{
    body::{Body, Bytes},
    extract::Request,
    http::{header, HeaderValue, StatusCode, Version},
    response::Response,
};
use hyper::body::Body as _;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::{
    client::legacy::{connect::HttpConnector, Client},
    rt::TokioExecutor,
};
use tokio_rustls::rustls::ClientConfig;

use super::{
    authorize::Authorized,
    headers::{self, Seen},
    idle_body::{self, IdleTimeout},
    path::{self, Unusable},
    refusal::refusal,
    Caller, Route,
};
use crate::server::listen;

type Upstream = Client<HttpsConnector<HttpConnector>, Body>;

/// Pooled upstream clients (`http` and `https`), one set per serving thread (see
/// `listen::serve_on_each_core`), so an upstream connection is driven by the thread that uses
/// it: HTTP/1.1 for ordinary requests, HTTP/2 for gRPC (with prior knowledge, h2c, on `http`;
/// negotiated by ALPN on `https`).
pub struct Upstreams {
    pools: Vec<Pools>,
    timeouts: Timeouts,
}

/// How long the gateway waits on an upstream (and on a client's request body).
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// To connect: then 502.
    pub connect: Duration,
    /// For the response headers: then 504.
    pub response: Duration,
    /// Between two frames of a body, either way: then the body ends with an error.
    pub body_idle: Duration,
}

struct Pools {
    http1: Upstream,
    http2: Upstream,
}

impl Upstreams {
    pub fn new(timeouts: Timeouts, tls: ClientConfig) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(timeouts.connect));
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
        Self { pools, timeouts }
    }

    /// The body of `GET <upstream><path>` when the upstream answers 200 within `wait` with at
    /// most `limit` bytes; `None` otherwise. For the console's own reads of an upstream (its
    /// OpenAPI document); no caller's headers are sent.
    pub async fn fetch(&self, upstream_url: &str, path: &'static str, limit: usize, wait: Duration) -> Option<Bytes> {
        let path = axum::http::uri::PathAndQuery::from_static(path);
        let uri = path::upstream_uri(upstream_url, Some(&path)).ok()?;
        let request =
            axum::http::Request::get(uri).header(header::ACCEPT, "application/json").body(Body::empty()).ok()?;
        let read = async {
            let response = self.client(false).request(request).await.ok()?;
            if response.status() != StatusCode::OK {
                return None;
            }
            axum::body::to_bytes(Body::new(response.into_body()), limit).await.ok()
        };
        tokio::time::timeout(wait, read).await.ok().flatten()
    }

    /// The status of `GET <upstream><path>` within `wait`, or why there was none. The body is
    /// not read.
    pub async fn probe(&self, upstream_url: &str, path: &'static str, wait: Duration) -> Result<StatusCode, String> {
        let path = axum::http::uri::PathAndQuery::from_static(path);
        let uri = path::upstream_uri(upstream_url, Some(&path)).map_err(|_| "unusable upstream URL".to_owned())?;
        let request = axum::http::Request::get(uri).body(Body::empty()).map_err(|err| err.to_string())?;
        match tokio::time::timeout(wait, self.client(false).request(request)).await {
            Ok(Ok(response)) => Ok(response.status()),
            Ok(Err(err)) if err.is_connect() => Err("connection refused or unreachable".to_owned()),
            Ok(Err(_)) => Err("the connection failed".to_owned()),
            Err(_) => Err(format!("no answer within {} s", wait.as_secs())),
        }
    }

    fn client(&self, grpc: bool) -> &Upstream {
        let pools = &self.pools[listen::thread_index() % self.pools.len()];
        if grpc {
            &pools.http2
        } else {
            &pools.http1
        }
    }
}

pub async fn forward(
    upstreams: &Upstreams,
    route: &Route,
    caller: &Caller,
    authorized: Authorized,
    grpc: bool,
    request: Request,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let uri = match path::upstream_uri(&route.upstream_url, parts.uri.path_and_query()) {
        Ok(uri) => uri,
        Err(Unusable::HiddenDotSegment) => {
            let message = "The path hides a dot-segment behind an encoded slash; send it normalised.";
            return refusal(grpc, StatusCode::BAD_REQUEST, message);
        }
        Err(Unusable::Upstream) => {
            return refusal(grpc, StatusCode::BAD_GATEWAY, "The deployment's upstream URL cannot be used.")
        }
    };
    let host = match parts.uri.authority() {
        Some(authority) => HeaderValue::from_str(authority.as_str()).ok(),
        None => parts.headers.get(header::HOST).cloned(),
    };
    headers::to_upstream(&mut parts.headers, Seen { caller, host, authorized });
    parts.uri = uri;
    parts.version = if grpc { Version::HTTP_2 } else { Version::HTTP_11 };
    let idle = upstreams.timeouts.body_idle;
    // An empty body cannot stall: no wrapper, no allocation.
    let body = if body.is_end_stream() { body } else { Body::new(IdleTimeout::new(body, idle, "request")) };
    let request = Request::from_parts(parts, body);
    match tokio::time::timeout(upstreams.timeouts.response, upstreams.client(grpc).request(request)).await {
        Ok(Ok(response)) => {
            let (mut parts, body) = response.into_parts();
            headers::from_upstream(&mut parts.headers);
            Response::from_parts(parts, Body::new(IdleTimeout::new(body, idle, "upstream response")))
        }
        Ok(Err(err)) if idle_body::is_stalled(&err) => {
            refusal(grpc, StatusCode::REQUEST_TIMEOUT, "The request body stalled; the gateway stopped waiting for it.")
        }
        Ok(Err(err)) => {
            tracing::warn!(deployment_id = %route.id, error = %err, "upstream request failed");
            refusal(grpc, StatusCode::BAD_GATEWAY, "The deployment did not answer: its upstream is unreachable.")
        }
        Err(_) => refusal(grpc, StatusCode::GATEWAY_TIMEOUT, "The deployment did not answer in time."),
    }
}
