//! SQS adapters: the ingest queue as the pollers' [`EventSink`], the outbound queue as the
//! API's [`OutboundQueue`].

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;

use futures::future::BoxFuture;

use crate::ingest::SourceEvent;
use crate::outbound::{OutboundMessage, OutboundQueue, QueueError};
use crate::polling::EventSink;

/// SQS takes at most 10 messages and 256 KiB per batch.
const MAX_BATCH: usize = 10;
const MAX_BATCH_BYTES: usize = 256 * 1024;

#[derive(Debug, Clone)]
pub struct SqsEventSink {
    client: Client,
    queue_url: String,
}

impl SqsEventSink {
    pub fn new(client: Client, queue_url: impl Into<String>) -> Self {
        SqsEventSink {
            client,
            queue_url: queue_url.into(),
        }
    }

    /// Sends `bodies` in one SendMessageBatch; entries SQS refused are sent once more, then
    /// their error is returned.
    async fn send_batch(&self, bodies: &[String]) -> Result<(), String> {
        let mut pending: Vec<(usize, &String)> = bodies.iter().enumerate().collect();
        for attempt in 0..2 {
            let entries = pending
                .iter()
                .map(|(i, body)| {
                    SendMessageBatchRequestEntry::builder()
                        .id(format!("e{i}"))
                        .message_body(body.as_str())
                        .build()
                        .map_err(|e| e.to_string())
                })
                .collect::<Result<Vec<_>, _>>()?;
            let out = self
                .client
                .send_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| aws_sdk_sqs::error::DisplayErrorContext(e).to_string())?;
            let failed: Vec<_> = out.failed().to_vec();
            if failed.is_empty() {
                return Ok(());
            }
            if attempt == 1 {
                let first = &failed[0];
                return Err(format!(
                    "{} message(s) refused, e.g. {}: {}",
                    failed.len(),
                    first.code(),
                    first.message().unwrap_or_default()
                ));
            }
            pending.retain(|(i, _)| failed.iter().any(|f| f.id() == format!("e{i}")));
        }
        Ok(())
    }
}

impl EventSink for SqsEventSink {
    async fn send(&self, events: &[SourceEvent]) -> Result<(), String> {
        let bodies = events
            .iter()
            .map(|e| serde_json::to_string(e).map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        let mut batch: Vec<String> = Vec::new();
        let mut bytes = 0;
        for body in bodies {
            if body.len() > MAX_BATCH_BYTES {
                return Err(format!(
                    "an event of {} bytes exceeds SQS's limit",
                    body.len()
                ));
            }
            if batch.len() == MAX_BATCH || bytes + body.len() > MAX_BATCH_BYTES {
                self.send_batch(&batch).await?;
                batch.clear();
                bytes = 0;
            }
            bytes += body.len();
            batch.push(body);
        }
        if !batch.is_empty() {
            self.send_batch(&batch).await?;
        }
        Ok(())
    }
}

/// The outbound queue: one SendMessage per accepted reply.
#[derive(Debug, Clone)]
pub struct SqsOutboundQueue {
    client: Client,
    queue_url: String,
}

impl SqsOutboundQueue {
    pub fn new(client: Client, queue_url: impl Into<String>) -> Self {
        SqsOutboundQueue {
            client,
            queue_url: queue_url.into(),
        }
    }
}

impl OutboundQueue for SqsOutboundQueue {
    fn enqueue<'a>(
        &'a self,
        message: &'a OutboundMessage,
    ) -> BoxFuture<'a, Result<(), QueueError>> {
        Box::pin(async move {
            let body = serde_json::to_string(message)
                .map_err(|e| QueueError::new(message, e.to_string()))?;
            self.client
                .send_message()
                .queue_url(&self.queue_url)
                .message_body(body)
                .send()
                .await
                .map_err(|e| {
                    QueueError::new(
                        message,
                        aws_sdk_sqs::error::DisplayErrorContext(e).to_string(),
                    )
                })?;
            Ok(())
        })
    }
}

/// Redrive to SQS: each worker's payloads go back to the queue that worker consumes.
#[derive(Debug, Clone)]
pub struct SqsRedrive {
    client: Client,
    queues: std::collections::BTreeMap<String, String>,
}

impl SqsRedrive {
    pub fn new(client: Client) -> Self {
        SqsRedrive {
            client,
            queues: Default::default(),
        }
    }

    /// `worker`'s payloads (`ingest`, `escalator`, `sender`) go to `queue_url`.
    pub fn with_queue(mut self, worker: &str, queue_url: impl Into<String>) -> Self {
        self.queues.insert(worker.to_owned(), queue_url.into());
        self
    }
}

impl crate::redrive::Redrive for SqsRedrive {
    fn redrive<'a>(
        &'a self,
        worker: &'a str,
        payload: &'a str,
    ) -> BoxFuture<'a, Result<(), crate::redrive::RedriveError>> {
        use crate::redrive::RedriveError;
        Box::pin(async move {
            let url = self
                .queues
                .get(worker)
                .ok_or_else(|| RedriveError::NoQueue {
                    worker: worker.to_owned(),
                })?;
            self.client
                .send_message()
                .queue_url(url)
                .message_body(payload)
                .send()
                .await
                .map_err(|e| RedriveError::Send {
                    worker: worker.to_owned(),
                    message: aws_sdk_sqs::error::DisplayErrorContext(e).to_string(),
                })?;
            Ok(())
        })
    }
}
