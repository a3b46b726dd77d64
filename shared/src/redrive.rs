//! Sending a quarantined payload back to the queue of the worker that gave up on it. Workers
//! are idempotent per payload, so a redelivery that turns out to be a duplicate is harmless.

use std::collections::BTreeMap;
use std::sync::Mutex;

use futures::future::BoxFuture;

#[derive(Debug, thiserror::Error)]
pub enum RedriveError {
    /// No queue is configured for this worker's payloads.
    #[error("no queue to redrive {worker} payloads to")]
    NoQueue { worker: String },
    #[error("sending to the {worker} queue failed: {message}")]
    Send { worker: String, message: String },
}

/// Puts a payload back on the queue `worker` consumes.
pub trait Redrive: Send + Sync {
    fn redrive<'a>(
        &'a self,
        worker: &'a str,
        payload: &'a str,
    ) -> BoxFuture<'a, Result<(), RedriveError>>;
}

/// No queue at all: every redrive is refused (an API built without the queues).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoRedrive;

impl Redrive for NoRedrive {
    fn redrive<'a>(
        &'a self,
        worker: &'a str,
        _payload: &'a str,
    ) -> BoxFuture<'a, Result<(), RedriveError>> {
        Box::pin(async move {
            Err(RedriveError::NoQueue {
                worker: worker.to_owned(),
            })
        })
    }
}

/// In-process: keeps what was redriven, per worker (tests). Workers not listed in `workers`
/// have no queue.
#[derive(Debug, Default)]
pub struct MemoryRedrive {
    workers: Vec<String>,
    sent: Mutex<BTreeMap<String, Vec<String>>>,
}

impl MemoryRedrive {
    pub fn for_workers(workers: &[&str]) -> Self {
        MemoryRedrive {
            workers: workers.iter().map(|w| (*w).to_owned()).collect(),
            sent: Mutex::default(),
        }
    }

    /// The payloads redriven to `worker`'s queue, oldest first.
    pub fn sent(&self, worker: &str) -> Vec<String> {
        self.sent
            .lock()
            .map(|s| s.get(worker).cloned().unwrap_or_default())
            .unwrap_or_default()
    }
}

impl Redrive for MemoryRedrive {
    fn redrive<'a>(
        &'a self,
        worker: &'a str,
        payload: &'a str,
    ) -> BoxFuture<'a, Result<(), RedriveError>> {
        Box::pin(async move {
            if !self.workers.iter().any(|w| w == worker) {
                return Err(RedriveError::NoQueue {
                    worker: worker.to_owned(),
                });
            }
            if let Ok(mut sent) = self.sent.lock() {
                sent.entry(worker.to_owned())
                    .or_default()
                    .push(payload.to_owned());
            }
            Ok(())
        })
    }
}
