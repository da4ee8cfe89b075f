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
