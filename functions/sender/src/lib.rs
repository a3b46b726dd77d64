//! Sends accepted replies through their channel.
//!
//! Thin for now: each record's body must be JSON; malformed records are reported as
//! batch-item failures (SQS redelivers them, then moves them to the DLQ) and well-formed ones
//! are acknowledged. The real work arrives with its issue (see docs/architecture.md, Status).

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use marketdesk::adapters::lambda::{for_each_record, json_body};

pub async fn handle(event: SqsEvent) -> SqsBatchResponse {
    for_each_record(
        event,
        |record| async move { json_body(&record).map(|_| ()) },
    )
    .await
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn the_sample_batch_reports_exactly_its_malformed_records() {
        let event =
            serde_json::from_str(include_str!("../../../events/sqs_outbound.json")).unwrap();
        let response = super::handle(event).await;
        let failed: Vec<&str> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        assert!(failed.is_empty(), "{failed:?}");
    }
}
