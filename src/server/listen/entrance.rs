//! The first thing every request meets: its `Host` checked (RFC 9112 §3.2), then deployment
//! hosts go to the gateway and everything else to the console, so deployment traffic never
//! pays for the console's sessions and pages.

use std::{convert::Infallible, future::Future, net::SocketAddr, pin::Pin, sync::Arc};

use axum::{
    body::Body,
    extract::{ConnectInfo, Request},
    http::{header, StatusCode, Version},
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
        if let Err(problem) = check_host(&request) {
            return Box::pin(async move { Ok(gateway::error(StatusCode::BAD_REQUEST, problem)) });
        }
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
