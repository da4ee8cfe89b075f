//! One connection: TLS first if configured, then HTTP/1.1 or HTTP/2, served by hyper, each
//! watched so a shutdown lets in-flight requests finish.

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::{conn::auto, graceful::GracefulShutdown},
};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

use super::Entrance;

/// A TLS handshake that takes longer than this is dropped (slow or stuck clients must not hold
/// a task forever).
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves connections on the current runtime.
pub struct Connections {
    builder: Arc<auto::Builder<TokioExecutor>>,
    pub graceful: GracefulShutdown,
    tls: Option<TlsAcceptor>,
    entrance: Arc<Entrance>,
}

impl Connections {
    pub fn new(tls: Option<TlsAcceptor>, entrance: Arc<Entrance>) -> Self {
        let mut builder = auto::Builder::new(TokioExecutor::new());
        // hyper enforces its header-read timeout (slow-loris protection) only with a timer.
        builder.http1().timer(TokioTimer::new());
        builder.http2().timer(TokioTimer::new());
        Self { builder: Arc::new(builder), graceful: GracefulShutdown::new(), tls, entrance }
    }

    /// Serves one connection in a task of its own; `open` goes down by one when it ends.
    pub fn serve(&self, stream: TcpStream, peer: SocketAddr, open: Arc<AtomicUsize>) {
        let (builder, tls, entrance) = (self.builder.clone(), self.tls.clone(), self.entrance.clone());
        let watcher = self.graceful.watcher();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| entrance.dispatch(peer, request));
            let served = match tls {
                None => Some(watcher.watch(builder.serve_connection(TokioIo::new(stream), service).into_owned()).await),
                Some(acceptor) => match handshake(&acceptor, stream).await {
                    Some(stream) => {
                        Some(watcher.watch(builder.serve_connection(TokioIo::new(stream), service).into_owned()).await)
                    }
                    None => None,
                },
            };
            open.fetch_sub(1, Ordering::Relaxed);
            if let Some(Err(err)) = served {
                tracing::debug!(%peer, error = %err, "connection ended with an error");
            }
        });
    }
}

async fn handshake(acceptor: &TlsAcceptor, stream: TcpStream) -> Option<tokio_rustls::server::TlsStream<TcpStream>> {
    match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
        Ok(Ok(stream)) => Some(stream),
        Ok(Err(err)) => {
            tracing::debug!(error = %err, "TLS handshake failed");
            None
        }
        Err(_) => None,
    }
}
