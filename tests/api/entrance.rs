//! What every request meets first, console and gateway alike: the Host checks of RFC 9112.

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::gateway::{spawn_upstream, Fixture};

/// Sends `request` as written on a fresh connection and returns the response's status code.
pub async fn raw_status(base_url: &str, request: &str) -> u16 {
    let mut stream = TcpStream::connect(base_url.trim_start_matches("http://")).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let response = String::from_utf8_lossy(&response);
    let status = response.split(' ').nth(1).unwrap_or_else(|| panic!("no status line in {response:?}"));
    status.parse().unwrap()
}

/// Issue 10, item 9: with two `Host` headers the first won, and HTTP/1.1 without `Host` was
/// served. RFC 9112 §3.2 says 400 for both.
#[tokio::test]
async fn requests_with_no_several_or_disagreeing_hosts_are_refused() {
    let upstream = spawn_upstream().await;
    let f = Fixture::new(&format!("http://{upstream}")).await;
    let (console, open) = ("127.0.0.1", f.host("open"));
    let cases = [
        ("HTTP/1.1 without Host", "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n".to_owned(), 400),
        (
            "two Hosts, console first",
            format!("GET /healthz HTTP/1.1\r\nHost: {console}\r\nHost: {open}\r\nConnection: close\r\n\r\n"),
            400,
        ),
        (
            "two Hosts, deployment first",
            format!("GET /echo HTTP/1.1\r\nHost: {open}\r\nHost: {console}\r\nConnection: close\r\n\r\n"),
            400,
        ),
        (
            "a Host that disagrees with the absolute-form target",
            format!("GET http://{open}/echo HTTP/1.1\r\nHost: {console}\r\nConnection: close\r\n\r\n"),
            400,
        ),
        ("a Host that is no host", "GET /healthz HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n".to_owned(), 400),
        ("HTTP/1.0 needs no Host", "GET /healthz HTTP/1.0\r\n\r\n".to_owned(), 200),
        ("the console", format!("GET /healthz HTTP/1.1\r\nHost: {console}\r\nConnection: close\r\n\r\n"), 200),
        ("a deployment", format!("GET /echo HTTP/1.1\r\nHost: {open}\r\nConnection: close\r\n\r\n"), 200),
        (
            "an absolute-form target that agrees",
            format!("GET http://{open}/echo HTTP/1.1\r\nHost: {open}\r\nConnection: close\r\n\r\n"),
            200,
        ),
    ];
    for (what, request, status) in cases {
        assert_eq!(raw_status(&f.app.base_url, &request).await, status, "{what}");
    }
}

fn request_id(response: &reqwest::Response) -> String {
    response.headers()["x-request-id"].to_str().unwrap().to_owned()
}

fn is_generated_id(id: &str) -> bool {
    id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Every response, from the console, the API and the gateway, names its request; the
/// gateway passes the same id upstream, and a client cannot choose it.
#[tokio::test]
async fn every_request_gets_an_id_that_reaches_the_upstream() {
    let upstream = spawn_upstream().await;
    let f = Fixture::new(&format!("http://{upstream}")).await;
    let client = reqwest::Client::new();
    let mut seen = std::collections::HashSet::new();
    let console = client.get(f.app.url("/healthz")).header("x-request-id", "mine").send().await.unwrap();
    let api = client.get(f.app.url("/api/v1/auth/current")).send().await.unwrap();
    assert_eq!(api.status(), 401);
    let refused = f.call("guarded", "/echo", None).await;
    for response in [&console, &api, &refused] {
        let id = request_id(response);
        assert!(is_generated_id(&id), "{id}: a client's x-request-id is not taken");
        assert!(seen.insert(id));
        assert!(!response.headers().contains_key("x-trace-id"), "only 5xx carry x-trace-id");
    }
    let forwarded = client
        .get(f.app.url("/echo"))
        .header("host", f.host("open"))
        .header("x-request-id", "chosen-by-client")
        .send()
        .await
        .unwrap();
    let id = request_id(&forwarded);
    let echoed: serde_json::Value = forwarded.json().await.unwrap();
    assert_eq!(echoed["headers"]["x-request-id"], id.as_str(), "the upstream sees the same id");
}

/// Behind a trusted proxy, its X-Forwarded-For names the client and its X-Request-Id names
/// the request; its connections are not capped.
#[tokio::test]
async fn a_trusted_proxy_names_the_client_and_the_request() {
    let upstream = spawn_upstream().await;
    let f = Fixture::new(&format!("http://{upstream}")).await;
    let mut config = crate::helpers::config_for(&f.app.dir);
    config.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    config.max_connections_per_address = 2;
    let f = Fixture { app: f.app.restart_with(config).await, ids: f.ids };
    let response = reqwest::Client::new()
        .get(f.app.url("/echo"))
        .header("host", f.host("open"))
        .header("x-request-id", "edge-7f3a")
        .header("x-forwarded-for", "198.51.100.4, 203.0.113.7")
        .send()
        .await
        .unwrap();
    assert_eq!(request_id(&response), "edge-7f3a");
    let echoed: serde_json::Value = response.json().await.unwrap();
    assert_eq!(echoed["headers"]["x-request-id"], "edge-7f3a");
    assert_eq!(echoed["headers"]["x-forwarded-for"], "203.0.113.7", "the last hop the proxy saw");
    let malformed =
        reqwest::Client::new().get(f.app.url("/healthz")).header("x-request-id", "x".repeat(65)).send().await.unwrap();
    assert!(is_generated_id(&request_id(&malformed)));

    let mut open = Vec::new();
    for _ in 0..5 {
        open.push(tokio::net::TcpStream::connect(f.app.base_url.trim_start_matches("http://")).await.unwrap());
    }
    let status = raw_status(&f.app.base_url, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    assert_eq!(status.await, 200, "a trusted proxy is not held to the per-address cap");
}
