//! One connection: TLS first if configured, then HTTP/1.1 or HTTP/2, served by hyper.
//!
//! What a connection may cost is bounded: the first byte of the first request must come
//! within `first_byte` of accept (the TLS handshake included); HTTP/1.1 waits at most
//! `HEADER_READ_TIMEOUT` for a request's headers; HTTP/2 pings an idle peer and drops it when
//! the ping goes unanswered; a connection that starts no request for `idle` is closed
//! (GOAWAY for HTTP/2; requests in flight finish); and a shutdown closes every connection the
//! same graceful way.

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicU64, AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::conn::auto,
};
use tokio::{
    io::{AsyncRead, AsyncWrite},
    net::TcpStream,
    sync::watch,
    time::Instant,
};
use tokio_rustls::TlsAcceptor;

use super::{client_slots::Slot, first_byte::FirstByte, Entrance};

/// A TLS handshake that takes longer than this is dropped, even within the first-byte deadline.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// hyper's own default, made explicit: from the first byte of a request (or the end of the
/// previous one) to the end of its headers.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// HTTP/2 keep-alive: a ping after this much silence, and the connection is dropped if the
/// ping is not answered in `PING_TIMEOUT` (a peer that vanished without closing).
const PING_INTERVAL: Duration = Duration::from_secs(20);
const PING_TIMEOUT: Duration = Duration::from_secs(20);

/// Connection deadlines and caps, from the configuration.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub first_byte: Duration,
    pub idle: Duration,
    pub per_address: u32,
    /// How long a shutdown waits for connections to finish before it drops them.
    pub shutdown: Duration,
}

/// Serves connections on the current runtime.
pub struct Connections {
    builder: Arc<auto::Builder<TokioExecutor>>,
    tls: Option<TlsAcceptor>,
    entrance: Arc<Entrance>,
    limits: Limits,
    /// Changed when the server shuts down; every connection holds a receiver, so
    /// `Sender::closed` resolves when the last one has ended.
    shutdown: watch::Sender<()>,
}

/// What a connection holds until it ends: its address's slot, and one of its serving
/// thread's count of open connections.
pub struct Held {
    _slot: Slot,
    open: Arc<AtomicUsize>,
}

impl Held {
    pub fn new(slot: Slot, open: Arc<AtomicUsize>) -> Self {
        open.fetch_add(1, Ordering::Relaxed);
        Self { _slot: slot, open }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.open.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Connections {
    pub fn new(tls: Option<TlsAcceptor>, entrance: Arc<Entrance>, limits: Limits) -> Self {
        let mut builder = auto::Builder::new(TokioExecutor::new());
        // hyper enforces its timeouts (header read, ping) only with a timer.
        builder.http1().timer(TokioTimer::new()).header_read_timeout(HEADER_READ_TIMEOUT);
        builder.http2().timer(TokioTimer::new()).keep_alive_interval(PING_INTERVAL).keep_alive_timeout(PING_TIMEOUT);
        let (shutdown, _) = watch::channel(());
        Self { builder: Arc::new(builder), tls, entrance, limits, shutdown }
    }

    /// Serves one connection in a task of its own.
    pub fn serve(&self, stream: TcpStream, peer: SocketAddr, held: Held) {
        let accepted = Instant::now();
        let first_byte_deadline = accepted + self.limits.first_byte;
        let (builder, tls, entrance) = (self.builder.clone(), self.tls.clone(), self.entrance.clone());
        let (idle, shutdown) = (self.limits.idle, self.shutdown.subscribe());
        tokio::spawn(async move {
            let _held = held;
            let served = match tls {
                None => {
                    let stream = FirstByte::new(stream, first_byte_deadline);
                    serve_http(&builder, stream, &entrance, peer, idle, shutdown).await
                }
                Some(acceptor) => {
                    let deadline = first_byte_deadline.min(accepted + TLS_HANDSHAKE_TIMEOUT);
                    let Some(stream) = handshake(&acceptor, stream, deadline).await else { return };
                    let stream = FirstByte::new(stream, first_byte_deadline);
                    serve_http(&builder, stream, &entrance, peer, idle, shutdown).await
                }
            };
            if let Err(err) = served {
                tracing::debug!(%peer, error = %err, "connection ended with an error");
            }
        });
    }

    /// Asks every connection to finish what it is doing and close, and waits for them up to
    /// the shutdown deadline. Connections still open then (a stalled stream, an HTTP/2 client
    /// that ignores GOAWAY) are dropped with the runtime that serves them.
    pub async fn shut_down(self) {
        let _ = self.shutdown.send(());
        if tokio::time::timeout(self.limits.shutdown, self.shutdown.closed()).await.is_err() {
            let open = self.shutdown.receiver_count();
            tracing::warn!(
                open,
                deadline_seconds = self.limits.shutdown.as_secs(),
                "closing connections still open at the shutdown deadline"
            );
        }
    }
}

/// Serves HTTP on `io` until the peer closes, the connection goes idle, or a shutdown asks.
async fn serve_http<I>(
    builder: &auto::Builder<TokioExecutor>,
    io: I,
    entrance: &Arc<Entrance>,
    peer: SocketAddr,
    idle: Duration,
    mut shutdown: watch::Receiver<()>,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>>
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    // Counted, not timed: an increment per request is cheaper than reading the clock.
    let requests = Arc::new(AtomicU64::new(0));
    let service = {
        let (entrance, requests) = (entrance.clone(), requests.clone());
        hyper::service::service_fn(move |request| {
            requests.fetch_add(1, Ordering::Relaxed);
            entrance.dispatch(peer, request)
        })
    };
    let connection = builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(connection);
    let idle_check = tokio::time::sleep(idle);
    tokio::pin!(idle_check);
    let mut seen = 0;
    let mut closing = false;
    loop {
        tokio::select! {
            served = connection.as_mut() => return served,
            _ = shutdown.changed(), if !closing => {
                connection.as_mut().graceful_shutdown();
                closing = true;
            }
            () = idle_check.as_mut(), if !closing => {
                let now_seen = requests.load(Ordering::Relaxed);
                if now_seen == seen {
                    connection.as_mut().graceful_shutdown();
                    closing = true;
                } else {
                    seen = now_seen;
                    idle_check.as_mut().reset(Instant::now() + idle);
                }
            }
        }
    }
}

async fn handshake(
    acceptor: &TlsAcceptor,
    stream: TcpStream,
    deadline: Instant,
) -> Option<tokio_rustls::server::TlsStream<TcpStream>> {
    match tokio::time::timeout_at(deadline, acceptor.accept(stream)).await {
        Ok(Ok(stream)) => Some(stream),
        Ok(Err(err)) => {
            tracing::debug!(error = %err, "TLS handshake failed");
            None
        }
        Err(_) => None,
    }
}
