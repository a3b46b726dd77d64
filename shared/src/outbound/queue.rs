//! The outbound queue port: the API enqueues an accepted reply's [`OutboundMessage`] for the
//! sender. Object-safe (boxed futures) so the API's state holds it as `Arc<dyn OutboundQueue>`
//! without another type parameter on every handler.

use std::sync::Mutex;

use futures::future::BoxFuture;

use super::OutboundMessage;

/// The queue refused or could not take the message. Names the ticket and message, never the
/// reply's content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("could not enqueue message {message} of ticket {ticket}: {reason}")]
pub struct QueueError {
    pub ticket: String,
    pub message: String,
    pub reason: String,
}

impl QueueError {
    pub fn new(message: &OutboundMessage, reason: impl Into<String>) -> Self {
        QueueError {
            ticket: message.ticket.to_string(),
            message: message.message.to_string(),
            reason: reason.into(),
        }
    }
}

pub trait OutboundQueue: Send + Sync {
    /// Puts one message on the queue for the sender.
    fn enqueue<'a>(&'a self, message: &'a OutboundMessage)
    -> BoxFuture<'a, Result<(), QueueError>>;
}

/// An in-process queue: for tests and tools that do not run a sender. Keeps what was enqueued.
#[derive(Debug, Default)]
pub struct MemoryOutboundQueue {
    sent: Mutex<Vec<OutboundMessage>>,
}

impl MemoryOutboundQueue {
    /// Everything enqueued so far, oldest first.
    pub fn sent(&self) -> Vec<OutboundMessage> {
        self.sent.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl OutboundQueue for MemoryOutboundQueue {
    fn enqueue<'a>(
        &'a self,
        message: &'a OutboundMessage,
    ) -> BoxFuture<'a, Result<(), QueueError>> {
        let result = self
            .sent
            .lock()
            .map(|mut s| s.push(message.clone()))
            .map_err(|_| QueueError::new(message, "in-memory queue poisoned"));
        Box::pin(std::future::ready(result))
    }
}

/// A shared queue, so a test can keep a handle on what the API enqueued.
impl<Q: OutboundQueue + ?Sized> OutboundQueue for std::sync::Arc<Q> {
    fn enqueue<'a>(
        &'a self,
        message: &'a OutboundMessage,
    ) -> BoxFuture<'a, Result<(), QueueError>> {
        (**self).enqueue(message)
    }
}
