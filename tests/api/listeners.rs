//! The listeners around the gateway: TLS on the public listener (HTTP/1.1 and HTTP/2 by ALPN,
//! gRPC included), the internal listener that reaches every deployment, and `https` upstreams.

use std::sync::Arc;

use axum::body::Bytes;
use bento_console::server::tls;
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper_util::{
    rt::{TokioExecutor, TokioIo},
    server::conn::auto,
    service::TowerToHyperService,
};
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::{client::TlsStream, rustls::pki_types::ServerName, TlsAcceptor, TlsConnector};

use crate::{
    gateway::{grpc, spawn_upstream, upstream_app, Fixture},
    helpers::config_for,
};

/// A self-signed certificate for the names given, written to the test's directory.
struct Certificate {
    cert_path: std::path::PathBuf,
    key_path: std::path::PathBuf,
}

fn certificate(dir: &std::path::Path, names: &[&str]) -> Certificate {
    let names = names.iter().map(|name| name.to_string()).collect::<Vec<_>>();
    let generated = rcgen::generate_simple_self_signed(names).unwrap();
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, generated.cert.pem()).unwrap();
    std::fs::write(&key_path, generated.signing_key.serialize_pem()).unwrap();
    Certificate { cert_path, key_path }
}

/// A TLS connection to `port` that trusts `ca` (as the gateway trusts `--upstream-ca`),
/// offering the ALPN protocols given.
async fn tls_connect(port: u16, server_name: &str, ca: &Certificate, alpn: &[&str]) -> TlsStream<TcpStream> {
    let mut config = tls::upstream_client_config(Some(&ca.cert_path)).unwrap();
    config.alpn_protocols = alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let name = ServerName::try_from(server_name.to_owned()).unwrap();
    TlsConnector::from(Arc::new(config)).connect(name, tcp).await.unwrap()
}

fn port_of(url: &str) -> u16 {
    url.rsplit(':').next().unwrap().parse().unwrap()
}

/// GET over HTTP/1.1 on an established connection; status and body.
async fn get_http1(stream: TlsStream<TcpStream>, host: &str, path: &str, token: Option<&str>) -> (u16, String) {
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(connection);
    let mut request = Request::get(path).header("host", host);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = sender.send_request(request.body(Empty::<Bytes>::new()).unwrap()).await.unwrap();
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn the_tls_listener_serves_the_console_deployments_and_grpc() {
    let upstream = spawn_upstream().await;
    let h2_upstream = grpc::spawn_h2_upstream().await;
    let f = Fixture::new(&format!("http://{upstream}")).await;
    let grpc_id = f.add_deployment("grpc", &format!("http://{h2_upstream}"), "protected").await;
    let user = f
        .token("tls", &[("user", "on"), ("deployment_ids[]", &f.ids["guarded"]), ("deployment_ids[]", &grpc_id)])
        .await;
    let cert = certificate(f.app.dir.path(), &["*.mybentocloud.apps.localhost", "localhost"]);
    let mut config = config_for(&f.app.dir);
    config.tls_cert = Some(cert.cert_path.clone());
    config.tls_key = Some(cert.key_path.clone());
    let f = Fixture { app: f.app.restart_with(config).await, ids: f.ids };
    let port = port_of(&f.app.base_url);

    // HTTP/1.1 by ALPN: the console, and a deployment told it was reached over https.
    let stream = tls_connect(port, "localhost", &cert, &["http/1.1"]).await;
    assert_eq!(stream.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
    assert_eq!(get_http1(stream, "localhost", "/healthz", None).await.0, 200);
    let stream = tls_connect(port, "guarded.mybentocloud.apps.localhost", &cert, &["http/1.1"]).await;
    let (status, body) = get_http1(stream, &f.host("guarded"), "/echo", Some(&user)).await;
    assert_eq!(status, 200, "{body}");
    let echoed: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(echoed["headers"]["x-forwarded-proto"], "https");
    let stream = tls_connect(port, "guarded.mybentocloud.apps.localhost", &cert, &["http/1.1"]).await;
    assert_eq!(get_http1(stream, &f.host("guarded"), "/echo", None).await.0, 401);

    // HTTP/2 by ALPN (what gRPC clients offer): the access matrix holds for gRPC calls.
    let stream = tls_connect(port, "grpc.mybentocloud.apps.localhost", &cert, &["h2", "http/1.1"]).await;
    assert_eq!(stream.get_ref().1.alpn_protocol(), Some(&b"h2"[..]), "h2 is preferred");
    let (mut sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream)).await.unwrap();
    tokio::spawn(connection);
    let answer = grpc::call_on(&mut sender, "https", &f.host("grpc"), Some(&user)).await;
    assert_eq!(answer.grpc_status.as_deref(), Some("0"), "{}", answer.body);
    assert!(answer.body.contains("authorization=None"), "{}", answer.body);
    assert_eq!(grpc::call_on(&mut sender, "https", &f.host("grpc"), None).await.grpc_status.as_deref(), Some("16"));
    let private = grpc::call_on(&mut sender, "https", &f.host("hidden"), Some(&user)).await;
    assert_eq!(private.grpc_status.as_deref(), Some("12"));
}

#[tokio::test]
async fn the_internal_listener_reaches_every_deployment_without_a_token() {
    let upstream = spawn_upstream().await;
    let f = Fixture::new(&format!("http://{upstream}")).await;
    let mut config = config_for(&f.app.dir);
    config.internal_addr = Some("127.0.0.1:0".parse().unwrap());
    let f = Fixture { app: f.app.restart_with(config).await, ids: f.ids };
    let internal = f.app.internal_url.clone().expect("an internal listener");
    let internal_get = |deployment: &str, authorization: Option<&str>| {
        let mut request = reqwest::Client::new().get(format!("{internal}/echo")).header("host", f.host(deployment));
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        request.send()
    };

    for deployment in ["open", "guarded", "hidden"] {
        assert_eq!(internal_get(deployment, None).await.unwrap().status(), 200, "{deployment}");
    }
    // Nothing is checked, so nothing is consumed: the caller's own Authorization passes.
    let echoed: Value = internal_get("hidden", Some("Basic eDp5")).await.unwrap().json().await.unwrap();
    assert_eq!(echoed["headers"]["authorization"], "Basic eDp5");
    assert_eq!(internal_get("nothing-here", None).await.unwrap().status(), 404);
    // Only deployments: no console on this listener.
    let console = reqwest::get(format!("{internal}/healthz")).await.unwrap();
    assert_eq!(console.status(), 404);
    assert_eq!(console.json::<Value>().await.unwrap()["error"], "This address serves deployments only.");
    // The public listener still hides Private deployments.
    assert_eq!(f.call("hidden", "/echo", None).await.status(), 404);
}

/// An upstream speaking HTTP/1.1 and HTTP/2 over TLS with a certificate for `localhost`.
async fn spawn_tls_upstream(cert: &Certificate) -> u16 {
    let config = tls::server_config(&cert.cert_path, &cert.key_path).unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(stream) = acceptor.accept(stream).await else { return };
                let service = TowerToHyperService::new(upstream_app());
                let _ = auto::Builder::new(TokioExecutor::new()).serve_connection(TokioIo::new(stream), service).await;
            });
        }
    });
    port
}

#[tokio::test]
async fn https_upstreams_are_verified_against_the_configured_roots() {
    let dir = tempfile::tempdir().unwrap();
    let cert = certificate(dir.path(), &["localhost"]);
    let port = spawn_tls_upstream(&cert).await;
    let f = Fixture::new(&format!("https://localhost:{port}")).await;

    // A private CA the gateway was not told about: refused, as an unreachable upstream.
    let untrusted = f.call("open", "/echo", None).await;
    assert_eq!(untrusted.status(), 502);

    let mut config = config_for(&f.app.dir);
    config.upstream_ca = Some(cert.cert_path.clone());
    let f = Fixture { app: f.app.restart_with(config).await, ids: f.ids };
    let echoed: Value = f.call("open", "/echo", None).await.json().await.unwrap();
    assert_eq!(echoed["method"], "GET");
    // gRPC goes upstream over HTTP/2, negotiated by ALPN.
    let grpc_style = reqwest::Client::new()
        .post(f.app.url("/echo"))
        .header("host", f.host("open"))
        .header("content-type", "application/grpc")
        .send()
        .await
        .unwrap();
    assert_eq!(grpc_style.status(), 200);
    assert_eq!(grpc_style.json::<Value>().await.unwrap()["method"], "POST");
}

#[tokio::test]
async fn a_port_in_use_is_an_error_not_a_shared_listener() {
    let first = crate::helpers::spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = config_for(&dir);
    config.addr = format!("127.0.0.1:{}", port_of(&first.base_url)).parse().unwrap();
    crate::helpers::create_database(&config.database_url).await;
    let error = bento_console::server::Application::build(config).await.err().expect("the port is taken");
    assert!(format!("{error:#}").contains("could not listen on"), "{error:#}");
}

/// Issue 10, item 3, over TLS: a client that completes the handshake and then sends nothing
/// is closed at the first-byte deadline, like one that never starts the handshake.
#[tokio::test]
async fn silent_tls_connections_are_closed_at_the_first_byte_deadline() {
    use tokio::io::AsyncReadExt;
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let cert = certificate(dir.path(), &["localhost"]);
    let mut config = config_for(&dir);
    config.tls_cert = Some(cert.cert_path.clone());
    config.tls_key = Some(cert.key_path.clone());
    config.first_byte_timeout = 1;
    let app = crate::helpers::spawn_app_with(config, dir, crate::helpers::browser_like_client()).await;
    let port = port_of(&app.base_url);

    let started = std::time::Instant::now();
    let mut handshaken = tls_connect(port, "localhost", &cert, &["http/1.1"]).await;
    let mut untouched = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let mut byte = [0u8; 1];
    let read = tokio::time::timeout(std::time::Duration::from_secs(3), handshaken.read(&mut byte)).await;
    assert!(matches!(read, Ok(Ok(0) | Err(_))), "still open after the deadline: {read:?}");
    let read = tokio::time::timeout(std::time::Duration::from_secs(3), untouched.read(&mut byte)).await;
    assert!(matches!(read, Ok(Ok(0) | Err(_))), "no handshake, still open: {read:?}");
    assert!(started.elapsed() >= std::time::Duration::from_millis(900));
}
