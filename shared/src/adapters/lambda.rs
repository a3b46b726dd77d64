//! Lambda event glue shared by the SQS-driven functions.

use std::fmt::Display;
use std::future::Future;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use futures::StreamExt;

/// How many records of one batch are handled at once.
pub const BATCH_CONCURRENCY: usize = 8;

/// Runs `handle` on every record with bounded concurrency and reports each failed record by
/// id, so SQS retries only those (ReportBatchItemFailures) and one bad message never fails
/// its batch. A record without an id cannot be reported: it is logged and, as SQS would with
/// an invalid response, the whole batch is retried.
pub async fn for_each_record<F, Fut, E>(event: SqsEvent, handle: F) -> SqsBatchResponse
where
    F: Fn(SqsMessage) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: Display,
{
    for_each_record_with(BATCH_CONCURRENCY, event, handle).await
}

/// [`for_each_record`] with `concurrency` records at once (1: one after another, in order).
pub async fn for_each_record_with<F, Fut, E>(
    concurrency: usize,
    event: SqsEvent,
    handle: F,
) -> SqsBatchResponse
where
    F: Fn(SqsMessage) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: Display,
{
    let results: Vec<(Option<String>, Result<(), E>)> = futures::stream::iter(event.records)
        .map(|record| {
            let id = record.message_id.clone();
            let fut = handle(record);
            async move { (id, fut.await) }
        })
        .buffered(concurrency.max(1))
        .collect()
        .await;
    let mut response = SqsBatchResponse::default();
    for (id, result) in results {
        if let Err(err) = result {
            tracing::warn!(message_id = id.as_deref().unwrap_or("?"), error = %err, "record failed");
            response.add_failure(id.unwrap_or_default());
        }
    }
    response
}

/// Why a record could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("record {id} has no body")]
    NoBody { id: String },
    #[error("record {id} is not JSON: {reason}")]
    NotJson { id: String, reason: String },
}

/// The record's body as JSON, or why it is not.
pub fn json_body(record: &SqsMessage) -> Result<serde_json::Value, RecordError> {
    let id = record.message_id.clone().unwrap_or_default();
    let body = record
        .body
        .as_deref()
        .ok_or_else(|| RecordError::NoBody { id: id.clone() })?;
    serde_json::from_str(body).map_err(|e| RecordError::NotJson {
        id,
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(ids: &[&str]) -> SqsEvent {
        let records: Vec<_> = ids
            .iter()
            .map(|id| serde_json::json!({"messageId": id, "body": id, "eventSource": "aws:sqs"}))
            .collect();
        serde_json::from_value(serde_json::json!({ "Records": records })).unwrap()
    }

    #[tokio::test]
    async fn only_the_failed_records_are_reported() {
        let response = for_each_record(event(&["a", "bad-1", "b", "bad-2"]), |m| async move {
            match m.body.as_deref() {
                Some(b) if b.starts_with("bad") => Err(format!("{b} is malformed")),
                _ => Ok(()),
            }
        })
        .await;
        let mut failed: Vec<_> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.clone())
            .collect();
        failed.sort();
        assert_eq!(failed, ["bad-1", "bad-2"]);
    }
}

/// The input of a scheduled sweep (EventBridge Scheduler → Lambda) of the functions that also
/// consume a queue: the escalator's SLA sweep, the sender's outbox sweep.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepRequest {
    /// Always `"sweep"`: tells this event from an SQS batch.
    pub kind: SweepKind,
    pub tenants: Vec<crate::domain::TenantId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SweepKind {
    Sweep,
}

/// What a function with a queue and a sweep receives.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(untagged)]
pub enum Invocation {
    Sweep(SweepRequest),
    Sqs(SqsEvent),
}
