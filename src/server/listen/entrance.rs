//! The first thing every request meets, console, API and gateway alike: it gets its id, its
//! span and its access-log line, its `Host` is checked (RFC 9112 §3.2), then deployment hosts
//! go to the gateway and everything else to the console, so deployment traffic never pays for
//! the console's sessions and pages.

use std::{convert::Infallible, future::Future, net::SocketAddr, pin::Pin, sync::Arc, time::Instant};

use axum::{
    body::Body,
    extract::{ConnectInfo, Request},
    http::{header, HeaderName, StatusCode, Version},
    response::Response,
    Router,
};
use hyper::body::Incoming;
use tower::ServiceExt;
use tracing::{
    field::{display, Empty},
    Instrument, Span,
};

use super::{request_id::RequestId, trusted::TrustedProxies, Reach};
use crate::server::{gateway, telemetry::RequestSpan, AppState};

const X_REQUEST_ID: HeaderName = HeaderName::from_static(super::request_id::HEADER);
const X_TRACE_ID: HeaderName = HeaderName::from_static("x-trace-id");

/// Everything a connection needs to answer requests. Shared by all connections of a listener.
pub struct Entrance {
    pub state: AppState,
    pub console: Router,
    pub reach: Reach,
    /// `http` or `https`, as this listener speaks it (for `X-Forwarded-Proto`).
    pub scheme: &'static str,
    pub trusted: TrustedProxies,
}

pub type ResponseFuture = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

impl Entrance {
    /// Answers one request inside a span that carries its id (every log line of the request
    /// has it), and writes one access-log line when the response starts: the span's fields
    /// (id, client address, method, route or deployment, the token's display prefix once a
    /// token has identified the caller), the status and the latency to the response headers.
    /// Never a query string, a header value, a cookie or a secret.
    pub fn dispatch(self: &Arc<Self>, peer: SocketAddr, request: Request<Incoming>) -> ResponseFuture {
        let started = Instant::now();
        let from_proxy = self.trusted.contains(peer.ip());
        let client = if from_proxy { self.trusted.client(peer.ip(), request.headers()) } else { peer.ip() };
        let id = RequestId::for_request(request.headers(), from_proxy);
        let method = clip(request.method().as_str(), 16);
        let span =
            tracing::info_span!("request", %id, %client, %method, route = Empty, deployment = Empty, token = Empty);
        let entrance = Arc::clone(self);
        let peer = SocketAddr::new(client, peer.port());
        Box::pin(async move {
            let mut response = entrance.answer(peer, &id, request.map(Body::new)).instrument(span.clone()).await;
            let status = response.status();
            let headers = response.headers_mut();
            headers.insert(X_REQUEST_ID, id.header_value().clone());
            if status.is_server_error() {
                headers.insert(X_TRACE_ID, id.header_value().clone());
            }
            let latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
            span.in_scope(|| tracing::info!(target: "access", status = status.as_u16(), latency_us, "served"));
            Ok(response)
        })
    }

    /// `client` is the caller's address (the peer's, or the one a trusted proxy reports).
    async fn answer(&self, client: SocketAddr, id: &RequestId, mut request: Request) -> Response {
        if let Err(problem) = check_host(&request) {
            return gateway::error(StatusCode::BAD_REQUEST, problem);
        }
        let target = gateway::target_of_request(&request, &self.state.settings.apps_domain);
        if target.is_none() {
            Span::current().record("route", display(clip(request.uri().path(), 128)));
        }
        match (target, self.reach) {
            (Some(target), reach) => {
                if let Some(target) = &target {
                    Span::current().record("deployment", display(target.key()));
                }
                let caller = gateway::Caller {
                    ip: client.ip(),
                    scheme: self.scheme,
                    reach,
                    request_id: id.header_value().clone(),
                };
                gateway::handle(&self.state, target, &caller, request).await
            }
            (None, Reach::Internal) => gateway::error(StatusCode::NOT_FOUND, "This address serves deployments only."),
            (None, Reach::Public) => {
                request.extensions_mut().insert(ConnectInfo(client));
                request.extensions_mut().insert(RequestSpan(Span::current()));
                match self.console.clone().oneshot(request).await {
                    Ok(response) => response,
                    Err(infallible) => match infallible {},
                }
            }
        }
    }
}

/// At most `max` bytes of `text`, cut at a character boundary: log fields must stay short
/// whatever a client sends.
fn clip(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// RFC 9112 §3.2: a server answers 400 to an HTTP/1.1 request without `Host`, to any request
/// with more than one, and to a `Host` that is not a valid host; and, as RFC 9113 §8.3.1 has
/// it for HTTP/2, a `Host` that names another host than the request target's authority is a
/// malformed request. Which host wins must never be a guess: the console and the gateway
/// would each pick their own.
fn check_host(request: &Request) -> Result<(), &'static str> {
    let mut hosts = request.headers().get_all(header::HOST).iter();
    let host = hosts.next();
    if hosts.next().is_some() {
        return Err("A request must have one Host header, not several.");
    }
    match (host, request.uri().authority()) {
        (None, _) if request.version() == Version::HTTP_11 => Err("An HTTP/1.1 request must have a Host header."),
        (Some(host), _) if !is_host(host.as_bytes()) => Err("The Host header is not a valid host."),
        (Some(host), Some(authority)) if !host.as_bytes().eq_ignore_ascii_case(authority.as_str().as_bytes()) => {
            Err("The Host header and the request target name different hosts.")
        }
        _ => Ok(()),
    }
}

/// `uri-host [":" port]` (RFC 3986 §3.2.2): a registered name (unreserved, percent-encoded
/// and sub-delimiter characters), an IPv4 address, or an IP literal in brackets.
fn is_host(value: &[u8]) -> bool {
    value.iter().all(|&b| b.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=:[]".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(version: Version, uri: &str, hosts: &[&str]) -> Request {
        let mut builder = Request::builder().version(version).uri(uri);
        for host in hosts {
            builder = builder.header(header::HOST, *host);
        }
        builder.body(Body::empty()).unwrap()
    }

    #[test]
    fn log_fields_are_clipped_at_a_character_boundary() {
        assert_eq!(clip("/healthz", 128), "/healthz");
        assert_eq!(clip("/ééé", 4), "/é");
        assert_eq!(clip("/ééé", 3), "/é");
    }

    #[test]
    fn one_valid_host_that_agrees_with_the_target() {
        let ok = [
            request(Version::HTTP_11, "/", &["console.example.com"]),
            request(Version::HTTP_11, "/", &["127.0.0.1:3000"]),
            request(Version::HTTP_11, "/", &["[::1]:3000"]),
            request(Version::HTTP_10, "/", &[]),
            request(Version::HTTP_2, "http://s.acme.apps.localhost/", &[]),
            request(Version::HTTP_2, "http://s.acme.apps.localhost/", &["S.Acme.apps.localhost"]),
            request(Version::HTTP_11, "http://s.acme.apps.localhost:3000/x", &["s.acme.apps.localhost:3000"]),
        ];
        for request in ok {
            assert_eq!(check_host(&request), Ok(()), "{request:?}");
        }
    }

    #[test]
    fn missing_repeated_malformed_or_disagreeing_hosts_are_refused() {
        let refused = [
            request(Version::HTTP_11, "/", &[]),
            request(Version::HTTP_11, "/", &["console.example.com", "s.acme.apps.localhost"]),
            request(Version::HTTP_10, "/", &["a", "a"]),
            request(Version::HTTP_11, "/", &["a b"]),
            request(Version::HTTP_11, "/", &["user@host"]),
            request(Version::HTTP_11, "/", &["host/path"]),
            request(Version::HTTP_11, "http://s.acme.apps.localhost/", &["console.example.com"]),
            request(Version::HTTP_2, "http://s.acme.apps.localhost/", &["other.acme.apps.localhost"]),
        ];
        for request in refused {
            assert!(check_host(&request).is_err(), "{request:?}");
        }
    }
}
