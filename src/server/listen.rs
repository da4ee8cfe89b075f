//! Accepting connections: plain TCP or TLS (rustls, ALPN `h2` then `http/1.1`), HTTP/1.1 and
//! HTTP/2 on the same port, each served by hyper. The first thing a request meets is
//! [`Entrance::dispatch`]: deployment hosts go to the gateway, everything else to the console,
//! so deployment traffic never pays for the console's sessions and pages.

use std::{
    convert::Infallible,
    future::Future,
    net::SocketAddr,
    num::NonZeroUsize,
    pin::Pin,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use axum::{
    body::Body,
    extract::{ConnectInfo, Request},
    http::StatusCode,
    response::Response,
    Router,
};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::{conn::auto, graceful::GracefulShutdown},
};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::{mpsc, oneshot, watch},
};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use super::{gateway, AppState};

/// A TLS handshake that takes longer than this is dropped (slow or stuck clients must not hold
/// a task forever).
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a serving thread's runtime waits for blocking work (password hashing) at exit.
const RUNTIME_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

/// Which listener a request came in on, and so what it may reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// The public listener: the console, and deployments as their access types allow.
    Public,
    /// The internal listener: every deployment, Private ones included, without a token; no console.
    Internal,
}

/// Everything a connection needs to answer requests. Shared by all connections of a listener.
pub struct Entrance {
    pub state: AppState,
    pub console: Router,
    pub reach: Reach,
    /// `http` or `https`, as this listener speaks it (for `X-Forwarded-Proto`).
    pub scheme: &'static str,
}

type ResponseFuture = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

impl Entrance {
    fn dispatch(self: &Arc<Self>, peer: SocketAddr, request: Request<Incoming>) -> ResponseFuture {
        let mut request = request.map(Body::new);
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

/// One serving thread per CPU.
pub fn serving_threads() -> usize {
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

thread_local! {
    static THREAD_INDEX: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Which serving thread this is (0 elsewhere), for per-thread resources.
pub fn thread_index() -> usize {
    THREAD_INDEX.with(std::cell::Cell::get)
}

/// Serves `listener` with one single-threaded runtime per CPU, the way nginx runs a worker per
/// core: a request, its upstream call and the wake-ups between them stay on one thread. On a
/// shared multi-threaded runtime those hand-offs between threads (futex wake-ups, context
/// switches) cost more CPU than the proxying itself. This task accepts and hands each
/// connection to the thread with the fewest open ones, so long-lived keep-alive connections
/// spread evenly. Returns once every thread has finished after `stopped` changed.
pub async fn serve_on_each_core(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    entrance: Arc<Entrance>,
    mut stopped: watch::Receiver<()>,
) -> anyhow::Result<()> {
    let threads = (0..serving_threads())
        .map(|index| ServingThread::start(index, tls.clone(), entrance.clone()))
        .collect::<anyhow::Result<Vec<_>>>()?;
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Usually out of file descriptors: back off instead of spinning.
                    tracing::warn!(error = %err, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = stopped.changed() => break,
        };
        let _ = stream.set_nodelay(true);
        let Ok(stream) = stream.into_std() else { continue };
        if let Some(thread) = threads.iter().min_by_key(|thread| thread.open.load(Ordering::Relaxed)) {
            thread.open.fetch_add(1, Ordering::Relaxed);
            let _ = thread.connections.send((stream, peer));
        }
    }
    drop(listener);
    let finished: Vec<_> = threads.into_iter().map(|thread| thread.finished).collect();
    for on_finished in finished {
        let _ = on_finished.await;
    }
    Ok(())
}

/// A thread with its own single-threaded runtime, serving the connections it is handed until
/// the sender is dropped, then finishing in-flight requests.
struct ServingThread {
    connections: mpsc::UnboundedSender<(std::net::TcpStream, SocketAddr)>,
    open: Arc<AtomicUsize>,
    finished: oneshot::Receiver<()>,
}

impl ServingThread {
    fn start(index: usize, tls: Option<TlsAcceptor>, entrance: Arc<Entrance>) -> anyhow::Result<Self> {
        let (connections, mut handed) = mpsc::unbounded_channel::<(std::net::TcpStream, SocketAddr)>();
        let open = Arc::new(AtomicUsize::new(0));
        let (done, finished) = oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let counter = open.clone();
        std::thread::Builder::new().name(format!("serve-{index}")).spawn(move || {
            THREAD_INDEX.set(index);
            runtime.block_on(async move {
                let connections = Connections::new(tls, entrance);
                while let Some((stream, peer)) = handed.recv().await {
                    match TcpStream::from_std(stream) {
                        Ok(stream) => connections.serve(stream, peer, counter.clone()),
                        Err(err) => {
                            counter.fetch_sub(1, Ordering::Relaxed);
                            tracing::warn!(error = %err, "could not take over a connection");
                        }
                    }
                }
                connections.graceful.shutdown().await;
            });
            // Tasks still queued here (database connections on their way back to the pool)
            // finish or are dropped before the caller goes on to close the pool.
            runtime.shutdown_timeout(RUNTIME_SHUTDOWN_TIMEOUT);
            drop(done);
        })?;
        Ok(Self { connections, open, finished })
    }
}

/// Serves connections on the current runtime: TLS first if configured, then HTTP/1.1 or
/// HTTP/2, each watched so a shutdown lets in-flight requests finish.
struct Connections {
    builder: Arc<auto::Builder<TokioExecutor>>,
    graceful: GracefulShutdown,
    tls: Option<TlsAcceptor>,
    entrance: Arc<Entrance>,
}

impl Connections {
    fn new(tls: Option<TlsAcceptor>, entrance: Arc<Entrance>) -> Self {
        let mut builder = auto::Builder::new(TokioExecutor::new());
        // hyper enforces its header-read timeout (slow-loris protection) only with a timer.
        builder.http1().timer(TokioTimer::new());
        builder.http2().timer(TokioTimer::new());
        Self { builder: Arc::new(builder), graceful: GracefulShutdown::new(), tls, entrance }
    }

    /// Serves one connection in a task of its own; `open` goes down by one when it ends.
    fn serve(&self, stream: TcpStream, peer: SocketAddr, open: Arc<AtomicUsize>) {
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
