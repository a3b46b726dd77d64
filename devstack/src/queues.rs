//! What Lambda's SQS event source mapping does, for the local stack and the tests: receive a
//! batch, hand it to the function's handler, delete the records it did not report as failed.
//! A failed record comes back after its visibility timeout and, after the queue's
//! `maxReceiveCount`, the emulator moves it to the DLQ as SQS would.

use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{
    DeleteMessageBatchRequestEntry, MessageSystemAttributeName, QueueAttributeName,
};

/// How long a received record stays invisible before a retry; short, so that local retries
/// show quickly.
const VISIBILITY_SECONDS: i32 = 5;

#[derive(Debug, thiserror::Error)]
#[error("queue {queue}: {message}")]
pub struct QueueError {
    pub queue: String,
    pub message: String,
}

fn queue_error(queue: &str, err: impl std::fmt::Display) -> QueueError {
    QueueError {
        queue: queue.to_string(),
        message: err.to_string(),
    }
}

/// At-least-once delivery made visible (the chaos run): a seeded share of the records a
/// handler completed is not deleted, so SQS delivers them again after the visibility timeout,
/// as it may at any time.
#[derive(Debug)]
pub struct Redelivery {
    percent: u64,
    rng: Mutex<marketdesk_sandboxes::rng::Rng>,
    redelivered: AtomicUsize,
}

impl Redelivery {
    pub fn new(percent: u64, seed: u64) -> Self {
        Redelivery {
            percent,
            rng: Mutex::new(marketdesk_sandboxes::rng::Rng::new(seed)),
            redelivered: AtomicUsize::new(0),
        }
    }

    /// Completed records left on the queue so far.
    pub fn redelivered(&self) -> usize {
        self.redelivered.load(Ordering::Relaxed)
    }

    fn keep(&self) -> bool {
        let keep = self.rng.lock().unwrap().chance(self.percent);
        if keep {
            self.redelivered.fetch_add(1, Ordering::Relaxed);
        }
        keep
    }
}

/// Receives up to 10 records and runs `handler` on them; returns how many were received.
pub async fn deliver_once<H, Fut>(
    client: &Client,
    queue_url: &str,
    handler: &H,
) -> Result<usize, QueueError>
where
    H: Fn(SqsEvent) -> Fut,
    Fut: Future<Output = SqsBatchResponse>,
{
    deliver_once_with(client, queue_url, handler, None).await
}

/// [`deliver_once`], leaving a share of the completed records for redelivery.
pub async fn deliver_once_with<H, Fut>(
    client: &Client,
    queue_url: &str,
    handler: &H,
    redelivery: Option<&Redelivery>,
) -> Result<usize, QueueError>
where
    H: Fn(SqsEvent) -> Fut,
    Fut: Future<Output = SqsBatchResponse>,
{
    let out = client
        .receive_message()
        .queue_url(queue_url)
        .max_number_of_messages(10)
        .visibility_timeout(VISIBILITY_SECONDS)
        .message_system_attribute_names(MessageSystemAttributeName::All)
        .send()
        .await
        .map_err(|e| queue_error(queue_url, aws_sdk_sqs::error::DisplayErrorContext(e)))?;
    let messages = out.messages.unwrap_or_default();
    if messages.is_empty() {
        return Ok(0);
    }
    let records: Vec<serde_json::Value> = messages
        .iter()
        .map(|m| {
            let attributes: serde_json::Map<String, serde_json::Value> = m
                .attributes()
                .map(|a| {
                    a.iter()
                        .map(|(k, v)| (k.as_str().to_owned(), v.clone().into()))
                        .collect()
                })
                .unwrap_or_default();
            serde_json::json!({
                "messageId": m.message_id(),
                "receiptHandle": m.receipt_handle(),
                "body": m.body(),
                "attributes": attributes,
                "eventSource": "aws:sqs",
            })
        })
        .collect();
    let event: SqsEvent = serde_json::from_value(serde_json::json!({ "Records": records }))
        .map_err(|e| queue_error(queue_url, e))?;
    let response = handler(event).await;
    let failed: Vec<&str> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    let done: Vec<DeleteMessageBatchRequestEntry> = messages
        .iter()
        .enumerate()
        .filter(|(_, m)| !failed.contains(&m.message_id().unwrap_or_default()))
        .filter(|_| !redelivery.is_some_and(Redelivery::keep))
        .filter_map(|(i, m)| {
            DeleteMessageBatchRequestEntry::builder()
                .id(format!("d{i}"))
                .receipt_handle(m.receipt_handle()?)
                .build()
                .ok()
        })
        .collect();
    if !done.is_empty() {
        client
            .delete_message_batch()
            .queue_url(queue_url)
            .set_entries(Some(done))
            .send()
            .await
            .map_err(|e| queue_error(queue_url, aws_sdk_sqs::error::DisplayErrorContext(e)))?;
    }
    Ok(messages.len())
}

/// Delivers until the queue is empty (what is in flight after failures is left for later).
pub async fn drain<H, Fut>(
    client: &Client,
    queue_url: &str,
    handler: &H,
) -> Result<usize, QueueError>
where
    H: Fn(SqsEvent) -> Fut,
    Fut: Future<Output = SqsBatchResponse>,
{
    let mut total = 0;
    loop {
        let n = deliver_once(client, queue_url, handler).await?;
        if n == 0 {
            return Ok(total);
        }
        total += n;
    }
}

/// Delivers until nothing is left, in flight included: a record that failed is delivered again
/// once its visibility timeout ends, until it succeeds or the queue moves it to its DLQ. Gives
/// up after `patience`.
pub async fn settle<H, Fut>(
    client: &Client,
    queue_url: &str,
    handler: &H,
    patience: Duration,
) -> Result<usize, QueueError>
where
    H: Fn(SqsEvent) -> Fut,
    Fut: Future<Output = SqsBatchResponse>,
{
    let deadline = tokio::time::Instant::now() + patience;
    let mut total = 0;
    loop {
        total += drain(client, queue_url, handler).await?;
        let out = client
            .get_queue_attributes()
            .queue_url(queue_url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .map_err(|e| queue_error(queue_url, aws_sdk_sqs::error::DisplayErrorContext(e)))?;
        let in_flight = out
            .attributes()
            .and_then(|a| a.get(&QueueAttributeName::ApproximateNumberOfMessagesNotVisible))
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0);
        if in_flight == 0 {
            return Ok(total);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(queue_error(
                queue_url,
                format!("{in_flight} message(s) still in flight"),
            ));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Delivers forever, pausing `idle` when the queue is empty; errors are logged and retried.
pub async fn run<H, Fut>(client: Client, queue_url: String, handler: H, idle: Duration)
where
    H: Fn(SqsEvent) -> Fut,
    Fut: Future<Output = SqsBatchResponse>,
{
    run_with(client, queue_url, handler, idle, None).await
}

/// [`run`], leaving a share of the completed records for redelivery.
pub async fn run_with<H, Fut>(
    client: Client,
    queue_url: String,
    handler: H,
    idle: Duration,
    redelivery: Option<std::sync::Arc<Redelivery>>,
) where
    H: Fn(SqsEvent) -> Fut,
    Fut: Future<Output = SqsBatchResponse>,
{
    loop {
        match deliver_once_with(&client, &queue_url, &handler, redelivery.as_deref()).await {
            Ok(0) => tokio::time::sleep(idle).await,
            Ok(_) => {}
            Err(err) => {
                tracing::warn!(error = %err, "local event source mapping");
                tokio::time::sleep(idle).await;
            }
        }
    }
}
