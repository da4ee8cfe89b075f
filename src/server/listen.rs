//! Accepting connections: plain TCP or TLS (rustls, ALPN `h2` then `http/1.1`), HTTP/1.1 and
//! HTTP/2 on the same port, each served by hyper. The first thing a request meets is
//! [`Entrance::dispatch`]: deployment hosts go to the gateway, everything else to the console,
//! so deployment traffic never pays for the console's sessions and pages.

use std::{
    convert::Infallible, future::Future, net::SocketAddr, num::NonZeroUsize, pin::Pin, sync::Arc, time::Duration,
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
    sync::{oneshot, watch},
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

/// Binds a listening socket that other sockets may share (`SO_REUSEPORT`): each serving thread
/// binds its own to the same address, and the kernel spreads new connections over them.
pub fn bind_shared(addr: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.set_reuse_port(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    Ok(socket.into())
}

/// Serves with one single-threaded runtime per CPU, each accepting from its own socket on the
/// listener's address, the way nginx runs a worker per core: a request, its upstream call and
/// the wake-ups between them stay on one thread. On a shared multi-threaded runtime those
/// hand-offs between threads (futex wake-ups, context switches) cost more CPU than the
/// proxying itself. Returns once every runtime has shut down after `stopped` changed.
pub async fn serve_on_each_core(
    listener: std::net::TcpListener,
    tls: Option<TlsAcceptor>,
    entrance: Arc<Entrance>,
    stopped: watch::Receiver<()>,
) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    let mut listeners = vec![listener];
    for _ in 1..serving_threads() {
        listeners.push(bind_shared(addr)?);
    }
    let mut finished = Vec::with_capacity(listeners.len());
    for (index, listener) in listeners.into_iter().enumerate() {
        let (tls, entrance, mut stopped) = (tls.clone(), entrance.clone(), stopped.clone());
        let (done, on_done) = oneshot::channel::<()>();
        finished.push(on_done);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        std::thread::Builder::new().name(format!("serve-{index}")).spawn(move || {
            THREAD_INDEX.set(index);
            runtime.block_on(async move {
                let until_stopped = async move {
                    let _ = stopped.changed().await;
                };
                match TcpListener::from_std(listener) {
                    Ok(listener) => serve(listener, tls, entrance, until_stopped).await,
                    Err(err) => tracing::error!(error = %err, "could not serve the listener on this thread"),
                }
            });
            // Tasks still queued here (database connections on their way back to the pool)
            // finish or are dropped before the caller goes on to close the pool.
            runtime.shutdown_timeout(RUNTIME_SHUTDOWN_TIMEOUT);
            drop(done);
        })?;
    }
    for on_done in finished {
        let _ = on_done.await;
    }
    Ok(())
}

/// Accepts connections until `shutdown` completes, then waits for in-flight requests to finish.
pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    entrance: Arc<Entrance>,
    shutdown: impl Future<Output = ()>,
) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // hyper enforces its header-read timeout (slow-loris protection) only with a timer.
    builder.http1().timer(TokioTimer::new());
    builder.http2().timer(TokioTimer::new());
    let builder = Arc::new(builder);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
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
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let (builder, tls, entrance, watcher) = (builder.clone(), tls.clone(), entrance.clone(), graceful.watcher());
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| entrance.dispatch(peer, request));
            let served = match tls {
                None => watcher.watch(builder.serve_connection(TokioIo::new(stream), service).into_owned()).await,
                Some(acceptor) => match handshake(&acceptor, stream).await {
                    Some(stream) => {
                        watcher.watch(builder.serve_connection(TokioIo::new(stream), service).into_owned()).await
                    }
                    None => return,
                },
            };
            if let Err(err) = served {
                tracing::debug!(%peer, error = %err, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
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
