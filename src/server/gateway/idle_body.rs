//! A body that ends with an error when no frame has come for a while. The upstream's
//! response-header timeout says nothing about the body: an upstream that sends its headers
//! and then stalls held the client, and the connection, forever. Request bodies get the same,
//! so a client that stops sending mid-body does not hold an upstream request open.

use std::{
    future::Future,
    pin::Pin,
    task::{ready, Context, Poll},
    time::Duration,
};

use axum::body::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use tokio::time::{Instant, Sleep};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The error a stalled body ends with.
#[derive(Debug, thiserror::Error)]
#[error("no data for {0:?}: the body stalled")]
pub struct Stalled(pub Duration);

pub struct IdleTimeout<B> {
    inner: B,
    idle: Duration,
    last_frame: Instant,
    /// Armed only when the inner body first has nothing to give, so bodies that never wait
    /// (most small ones) never touch the timer.
    timer: Option<Pin<Box<Sleep>>>,
    /// Which body this is, and the request's span: bodies are polled after the request's
    /// future has returned, outside its span.
    what: &'static str,
    span: tracing::Span,
}

impl<B> IdleTimeout<B> {
    pub fn new(inner: B, idle: Duration, what: &'static str) -> Self {
        Self { inner, idle, last_frame: Instant::now(), timer: None, what, span: tracing::Span::current() }
    }
}

impl<B> Body for IdleTimeout<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            // The clock is read per frame, not the timer reset: resetting means a trip through
            // the timer wheel, reading the clock does not.
            self.last_frame = Instant::now();
            return Poll::Ready(frame.map(|frame| frame.map_err(Into::into)));
        }
        let deadline = self.last_frame + self.idle;
        let timer = self.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if timer.deadline() != deadline {
            timer.as_mut().reset(deadline);
        }
        ready!(timer.as_mut().poll(cx));
        tracing::warn!(parent: &self.span, body = self.what, idle_seconds = self.idle.as_secs(), "body stalled; ending it");
        Poll::Ready(Some(Err(Box::new(Stalled(self.idle)))))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Whether `err` or one of its sources is a [`Stalled`] body.
pub fn is_stalled(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(err);
    while let Some(err) = cause {
        if err.is::<Stalled>() {
            return true;
        }
        cause = err.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use http_body_util::{BodyExt, StreamBody};
    use tokio::sync::mpsc;
    use tokio_stream::wrappers::ReceiverStream;

    use super::*;

    type Frames = Result<Frame<Bytes>, Infallible>;

    fn channel_body() -> (mpsc::Sender<Frames>, StreamBody<ReceiverStream<Frames>>) {
        let (tx, rx) = mpsc::channel(4);
        (tx, StreamBody::new(ReceiverStream::new(rx)))
    }

    #[tokio::test]
    async fn a_body_that_keeps_coming_passes_and_a_stalled_one_ends_in_an_error() {
        let idle = Duration::from_millis(300);
        let (tx, body) = channel_body();
        let mut body = IdleTimeout::new(body, idle, "test");
        let sender = tokio::spawn(async move {
            for _ in 0..5 {
                tokio::time::sleep(Duration::from_millis(150)).await;
                tx.send(Ok(Frame::data(Bytes::from_static(b"x")))).await.unwrap();
            }
            tx // kept open: the body stalls instead of ending
        });
        // 750 ms in all, more than twice the idle time, but never 300 ms without a frame.
        for _ in 0..5 {
            assert_eq!(body.frame().await.unwrap().unwrap().into_data().unwrap(), "x");
        }
        let last = Instant::now();
        let err = body.frame().await.unwrap().unwrap_err();
        assert!(err.is::<Stalled>());
        assert!(is_stalled(&*err));
        assert!(last.elapsed() >= idle - Duration::from_millis(5), "ended {:?} after the last frame", last.elapsed());
        drop(sender.await);
    }

    #[tokio::test]
    async fn the_end_of_a_body_is_not_a_stall() {
        let (tx, body) = channel_body();
        let mut body = IdleTimeout::new(body, Duration::from_secs(1), "test");
        drop(tx);
        assert!(body.frame().await.is_none());
    }
}
