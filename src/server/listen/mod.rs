//! Accepting connections: plain TCP or TLS (rustls, ALPN `h2` then `http/1.1`), HTTP/1.1 and
//! HTTP/2 on the same port, each served by hyper (`connection`, with its deadlines), at most
//! so many per client address (`client_slots`). The first thing a request meets is the
//! [`Entrance`]: its id (`request_id`), the client behind a trusted proxy (`trusted`), its
//! span and access-log line.

mod client_slots;
mod connection;
mod entrance;
mod first_byte;
mod open_files;
mod request_id;
mod trusted;

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

use client_slots::{ClientSlots, Slot};
pub use connection::Limits;
use connection::{Connections, Held};
pub use entrance::Entrance;
pub use open_files::raise_limit as raise_open_file_limit;
pub use trusted::{Network, TrustedProxies};

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
/// spread evenly, unless its address already has `limits.per_address` open (then it is closed
/// at once). Returns once every thread has finished after `stopped` changed.
pub async fn serve_on_each_core(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    entrance: Arc<Entrance>,
    limits: Limits,
    mut stopped: watch::Receiver<()>,
) -> anyhow::Result<()> {
    let threads = (0..serving_threads())
        .map(|index| ServingThread::start(index, tls.clone(), entrance.clone(), limits))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let slots = ClientSlots::new(limits.per_address);
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
        // A trusted proxy carries many clients' connections: the cap would be theirs.
        let slot =
            if entrance.trusted.contains(peer.ip()) { Some(Slot::unlimited()) } else { slots.acquire(peer.ip()) };
        let Some(slot) = slot else { continue };
        let _ = stream.set_nodelay(true);
        let Ok(stream) = stream.into_std() else { continue };
        if let Some(thread) = threads.iter().min_by_key(|thread| thread.open.load(Ordering::Relaxed)) {
            let held = Held::new(slot, thread.open.clone());
            let _ = thread.connections.send(Handed { stream, peer, held });
        }
    }
    drop(listener);
    let finished: Vec<_> = threads.into_iter().map(|thread| thread.finished).collect();
    for on_finished in finished {
        let _ = on_finished.await;
    }
    Ok(())
}

/// An accepted connection on its way to a serving thread.
struct Handed {
    stream: std::net::TcpStream,
    peer: SocketAddr,
    held: Held,
}

/// A thread with its own single-threaded runtime, serving the connections it is handed until
/// the sender is dropped, then letting in-flight requests finish until the shutdown deadline.
struct ServingThread {
    connections: mpsc::UnboundedSender<Handed>,
    open: Arc<AtomicUsize>,
    finished: oneshot::Receiver<()>,
}

impl ServingThread {
    fn start(index: usize, tls: Option<TlsAcceptor>, entrance: Arc<Entrance>, limits: Limits) -> anyhow::Result<Self> {
        let (connections, mut handed) = mpsc::unbounded_channel::<Handed>();
        let open = Arc::new(AtomicUsize::new(0));
        let (done, finished) = oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        std::thread::Builder::new().name(format!("serve-{index}")).spawn(move || {
            THREAD_INDEX.set(index);
            runtime.block_on(async move {
                let connections = Connections::new(tls, entrance, limits);
                while let Some(Handed { stream, peer, held }) = handed.recv().await {
                    match TcpStream::from_std(stream) {
                        Ok(stream) => connections.serve(stream, peer, held),
                        Err(err) => tracing::warn!(error = %err, "could not take over a connection"),
                    }
                }
                connections.shut_down().await;
            });
            // Tasks still queued here (database connections on their way back to the pool)
            // finish or are dropped before the caller goes on to close the pool.
            runtime.shutdown_timeout(RUNTIME_SHUTDOWN_TIMEOUT);
            drop(done);
        })?;
        Ok(Self { connections, open, finished })
    }
}
