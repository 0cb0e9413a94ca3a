//! A request body that fails when the client stops sending: once a handler
//! waits for more of the body, the next chunk must arrive within the client
//! timeout. Without it a client that sends headers and then trickles (or
//! never sends) the body would hold its connection slot for ever.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use tokio::time::Sleep;

/// Boxed body error, as axum takes it.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The client sent no part of the body for too long.
#[derive(Debug, thiserror::Error)]
#[error(
    "the request body stalled: no data for {}s; send the body without pauses (fclocal start --client-timeout sets the limit)",
    .0.as_secs_f64()
)]
pub(crate) struct BodyStalled(Duration);

/// `inner` with a deadline between chunks.
pub(crate) struct IdleBody<B> {
    inner: B,
    timeout: Duration,
    /// Armed when the handler first waits; disarmed by every chunk, so a
    /// handler that reads late is not punished for its own delay.
    deadline: Option<Pin<Box<Sleep>>>,
}

impl<B> IdleBody<B> {
    /// Wraps `inner`.
    pub(crate) fn new(inner: B, timeout: Duration) -> Self {
        IdleBody {
            inner,
            timeout,
            deadline: None,
        }
    }
}

impl<B> Body for IdleBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                this.deadline = None;
                Poll::Ready(frame.map(|frame| frame.map_err(Into::into)))
            }
            Poll::Pending => {
                let timeout = this.timeout;
                let deadline = this
                    .deadline
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
                match deadline.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Some(Err(BodyStalled(timeout).into()))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
