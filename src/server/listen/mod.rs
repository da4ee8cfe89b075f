//! Accepting connections: plain TCP or TLS (rustls, ALPN `h2` then `http/1.1`), HTTP/1.1 and
//! HTTP/2 on the same port, each served by hyper ([`connection`]). The first thing a request
//! meets is the [`Entrance`].

mod connection;
mod entrance;

use std::{
    net::SocketAddr,
    num::NonZeroUsize,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use tokio::{
    net::{TcpListener, TcpStream},
    sync::{mpsc, oneshot, watch},
};
use tokio_rustls::TlsAcceptor;

use connection::Connections;
pub use entrance::Entrance;

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
