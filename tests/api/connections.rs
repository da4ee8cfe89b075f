//! What a connection may cost: silent connections are closed, one address cannot hold every
//! file descriptor, idle HTTP/2 connections are closed.

use std::time::{Duration, Instant};

use tokio::{io::AsyncReadExt, net::TcpStream};

use crate::helpers::*;

/// A client whose connections come from `127.0.0.x` (Linux routes all of 127/8 to loopback).
fn client_from(last_octet: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, last_octet]))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// Waits until the server closes `stream` (end of stream or reset); `None` if it is still open
/// after `limit`.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut byte = [0u8; 1];
    match tokio::time::timeout(limit, stream.read(&mut byte)).await {
        Ok(Ok(0) | Err(_)) => Some(started.elapsed()),
        Ok(Ok(_)) => panic!("the server sent bytes to a silent connection"),
        Err(_) => None,
    }
}

/// Issue 10, item 3: 1,030 connections that sent nothing were never closed, and under a
/// 1,024 open-file limit every /healthz timed out for as long as they stayed open.
#[tokio::test]
async fn silent_connections_are_closed_and_one_address_cannot_take_them_all() {
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let mut config = config_for(&dir);
    config.first_byte_timeout = 1;
    config.max_connections_per_address = 20;
    let app = spawn_app_with(config, dir, browser_like_client()).await;
    let addr = app.base_url.trim_start_matches("http://").to_owned();

    let mut silent = Vec::new();
    for _ in 0..40 {
        silent.push(TcpStream::connect(&addr).await.unwrap());
    }
    // Past the cap, connections are closed at once (watched all together: the deadline runs).
    let mut watching = tokio::task::JoinSet::new();
    for mut stream in silent {
        watching.spawn(async move {
            let closed = closed_within(&mut stream, Duration::from_millis(300)).await.is_some();
            (stream, closed)
        });
    }
    let mut silent = Vec::new();
    while let Some(watched) = watching.join_next().await {
        let (stream, closed) = watched.unwrap();
        if !closed {
            silent.push(stream);
        }
    }
    assert_eq!(silent.len(), 20, "the 20 over the per-address cap are closed, the others wait");
    // Other addresses are served, quickly, while the silent ones are open.
    let started = Instant::now();
    let health = client_from(2).get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert!(started.elapsed() < Duration::from_millis(500), "/healthz took {:?}", started.elapsed());
    // The silent ones are closed after the first-byte deadline (1 s).
    for stream in &mut silent {
        assert!(closed_within(stream, Duration::from_secs(3)).await.is_some(), "still open after the deadline");
    }
    // And the address has its slots back.
    assert_eq!(client_from(1).get(app.url("/healthz")).send().await.unwrap().status(), 200);
}

/// A client that sent its first request and then keeps an HTTP/2 connection open without
/// another is closed after the idle timeout (a GOAWAY; hyper's client ends the connection).
#[tokio::test]
async fn idle_http2_connections_are_closed() {
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let mut config = config_for(&dir);
    config.idle_timeout = 1;
    let app = spawn_app_with(config, dir, browser_like_client()).await;
    let stream = TcpStream::connect(app.base_url.trim_start_matches("http://")).await.unwrap();
    let io = hyper_util::rt::TokioIo::new(stream);
    let (mut sender, connection) = hyper::client::conn::http2::handshake::<
        _,
        _,
        http_body_util::Empty<axum::body::Bytes>,
    >(hyper_util::rt::TokioExecutor::new(), io)
    .await
    .unwrap();
    let connection = tokio::spawn(connection);
    let request = hyper::Request::get(format!("{}/healthz", app.base_url)).body(Default::default()).unwrap();
    assert_eq!(sender.send_request(request).await.unwrap().status(), 200);
    let started = Instant::now();
    let ended = tokio::time::timeout(Duration::from_secs(5), connection).await;
    assert!(ended.is_ok(), "the idle connection was still open after 5 s");
    assert!(started.elapsed() >= Duration::from_millis(900), "closed after {:?}", started.elapsed());
}

/// Issue 10, item 11: a shutdown never completed while a request to a stalled upstream, or an
/// HTTP/2 client that ignores GOAWAY, was open. It now waits for the shutdown deadline, then
/// closes them.
#[tokio::test]
async fn a_shutdown_closes_what_is_still_open_at_its_deadline() {
    let upstream = crate::gateway::spawn_upstream().await;
    let f = crate::gateway::Fixture::new(&format!("http://{upstream}")).await;
    let mut config = config_for(&f.app.dir);
    config.shutdown_timeout = 1;
    let mut f = crate::gateway::Fixture { app: f.app.restart_with(config).await, ids: f.ids };

    // An HTTP/1.1 and an HTTP/2 request, each with its headers received and its body stalled.
    let mut http1 = f.call("open", "/stall", None).await;
    assert_eq!(http1.chunk().await.unwrap().unwrap(), "first\n");
    let stream = TcpStream::connect(f.app.base_url.trim_start_matches("http://")).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http2::handshake::<
        _,
        _,
        http_body_util::Empty<axum::body::Bytes>,
    >(hyper_util::rt::TokioExecutor::new(), hyper_util::rt::TokioIo::new(stream))
    .await
    .unwrap();
    tokio::spawn(connection);
    let request = hyper::Request::get(format!("http://{}/stall", f.host("open"))).body(Default::default()).unwrap();
    let http2 = sender.send_request(request).await.unwrap();
    assert_eq!(http2.status(), 200);

    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(15), f.app.stop()).await.expect("the shutdown never completed");
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(900) && took < Duration::from_secs(5), "the shutdown took {took:?}");
    drop((http1, http2));
}

/// The same through the real signal: SIGTERM to the binary while a request is stalled.
#[tokio::test]
async fn sigterm_exits_by_the_shutdown_deadline() {
    let upstream = crate::gateway::spawn_upstream().await;
    let mut server =
        crate::process::Server::start_with_deployment(&["--shutdown-timeout", "1"], &format!("http://{upstream}"))
            .await;
    let mut stalled = reqwest::Client::new()
        .get(format!("{}/stall", server.base_url))
        .header("host", format!("open.acme.apps.localhost:{}", server.port))
        .send()
        .await
        .unwrap();
    assert_eq!(stalled.chunk().await.unwrap().unwrap(), "first\n");
    let took = server.terminate(Duration::from_secs(15)).await.expect("still running 15 s after SIGTERM");
    assert!(took < Duration::from_secs(5), "exited {took:?} after SIGTERM");
    assert!(server.log().contains("closing connections still open at the shutdown deadline"), "{}", server.log());
}
