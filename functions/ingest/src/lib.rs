//! The ingest worker: SQS batches of source events and raw-mail notifications become tickets.
//!
//! Each record is handled on its own (partial batch failures). A payload that can never succeed
//! is quarantined with its reason and acknowledged; a transient failure is retried by SQS, and
//! on its last receive it is quarantined too before it moves to the DLQ, so an admin sees every
//! lost payload with its error.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use chrono::{DateTime, TimeZone, Utc};
use marketdesk::adapters::lambda::{BATCH_CONCURRENCY, for_each_record_with};
use marketdesk::domain::TenantId;
use marketdesk::escalation::EscalationScheduler;
use marketdesk::ingest::service::{Enricher, MailBlobs};
use marketdesk::ingest::{IngestError, Ingestor, parse_body};
use marketdesk::store::{
    AccountStore, ClaimStore, ConfigStore, CustomerStore, FeedbackStore, OrderStore,
    QuarantineRecord, QuarantineStore, TicketStore, UNATTRIBUTED_TENANT,
};

/// SQS's `maxReceiveCount` of the ingest queue's redrive policy (infra/template.yaml).
pub const DEFAULT_MAX_RECEIVES: u32 = 5;

pub struct Worker<S, B, E, W> {
    pub ingestor: Ingestor<S, B, E, W>,
    pub max_receives: u32,
    /// Records of a batch handled at once, the same on the local stack as deployed (the
    /// emulator's DynamoDB is atomic, docs/decisions/0002).
    pub concurrency: usize,
}

impl<S, B, E, W> Worker<S, B, E, W>
where
    S: TicketStore
        + CustomerStore
        + OrderStore
        + AccountStore
        + QuarantineStore
        + ConfigStore
        + FeedbackStore
        + ClaimStore,
    B: MailBlobs,
    E: Enricher,
    W: EscalationScheduler,
{
    pub fn new(ingestor: Ingestor<S, B, E, W>) -> Self {
        Worker {
            ingestor,
            max_receives: DEFAULT_MAX_RECEIVES,
            concurrency: BATCH_CONCURRENCY,
        }
    }

    /// One record at a time, in queue order.
    pub fn sequential(mut self) -> Self {
        self.concurrency = 1;
        self
    }

    pub async fn handle(&self, event: SqsEvent) -> SqsBatchResponse {
        for_each_record_with(self.concurrency, event, |record| async move {
            self.record(&record, Utc::now()).await
        })
        .await
    }

    /// One queue message: every unit of work in it, in order.
    pub async fn record(&self, record: &SqsMessage, now: DateTime<Utc>) -> Result<(), IngestError> {
        let body = record.body.as_deref().unwrap_or_default();
        let inputs = match parse_body(body) {
            Ok(inputs) => inputs,
            Err(err) => return self.give_up(record, tenant_hint(body), err, false).await,
        };
        for input in inputs {
            // An ORDER_CHANGE notification names no tenant: filed with the unattributed ones.
            let tenant = input.tenant().cloned().unwrap_or_else(unattributed);
            match self.ingestor.handle(&input, now).await {
                Ok(outcome) => tracing::debug!(?outcome, "ingested"),
                Err(err) if err.is_permanent() => {
                    self.give_up(record, tenant, err, false).await?;
                }
                Err(err) if receive_count(record) >= self.max_receives => {
                    return self.give_up(record, tenant, err, true).await;
                }
                Err(err) => return Err(err),
            }
        }
        Ok(())
    }

    /// Files the payload with its reason. With `to_dlq` the error is returned too, so SQS moves
    /// the message to the DLQ where it can be redriven.
    async fn give_up(
        &self,
        record: &SqsMessage,
        tenant: TenantId,
        err: IngestError,
        to_dlq: bool,
    ) -> Result<(), IngestError> {
        tracing::warn!(tenant = %tenant, reason = err.reason(), error = %err, "quarantined");
        let quarantined = QuarantineRecord {
            id: record.message_id.clone().unwrap_or_default(),
            tenant,
            at: sent_at(record).unwrap_or_else(Utc::now),
            worker: "ingest".into(),
            reason: err.reason().into(),
            detail: err.to_string(),
            payload: QuarantineRecord::truncate_payload(record.body.as_deref().unwrap_or_default()),
            in_dlq: to_dlq,
            redriven_at: None,
            redriven_by: None,
        };
        // If even the quarantine write fails, SQS keeps the message: nothing is lost.
        self.ingestor.store().quarantine(&quarantined).await?;
        if to_dlq { Err(err) } else { Ok(()) }
    }
}

/// The tenant named in a payload that failed validation, if any, else the unattributed bin.
fn tenant_hint(body: &str) -> TenantId {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("tenant")?.as_str().map(str::to_owned))
        .and_then(|t| TenantId::parse(t).ok())
        .unwrap_or_else(unattributed)
}

fn unattributed() -> TenantId {
    TenantId::parse(UNATTRIBUTED_TENANT).expect("valid tenant id")
}

fn receive_count(record: &SqsMessage) -> u32 {
    record
        .attributes
        .get("ApproximateReceiveCount")
        .and_then(|c| c.parse().ok())
        .unwrap_or(1)
}

fn sent_at(record: &SqsMessage) -> Option<DateTime<Utc>> {
    let ms = record
        .attributes
        .get("SentTimestamp")?
        .parse::<i64>()
        .ok()?;
    Utc.timestamp_millis_opt(ms).single()
}

#[cfg(test)]
mod tests {
    use aws_lambda_events::event::sqs::SqsEvent;
    use marketdesk::ingest::{IngestInput, SourceEvent, parse_body};

    fn bodies(json: &str) -> Vec<String> {
        let event: SqsEvent = serde_json::from_str(json).unwrap();
        event.records.into_iter().map(|r| r.body.unwrap()).collect()
    }

    #[test]
    fn the_sample_batch_holds_a_mail_notification_a_channel_message_and_garbage() {
        let bodies = bodies(include_str!("../../../events/sqs_ingest.json"));
        let parsed: Vec<_> = bodies.iter().map(|b| parse_body(b)).collect();
        let Ok(mail) = &parsed[0] else {
            panic!("{:?}", parsed[0])
        };
        assert!(matches!(&mail[..], [IngestInput::Mail(m)] if m.tenant.as_str() == "demo"));
        let Ok(message) = &parsed[1] else {
            panic!("{:?}", parsed[1])
        };
        assert!(
            matches!(&message[..], [IngestInput::Source(s)] if matches!(**s, SourceEvent::Message(_)))
        );
        assert!(parsed[2].as_ref().is_err_and(|e| e.is_permanent()));
    }

    #[test]
    fn every_record_of_the_ten_message_sample_is_a_valid_channel_message() {
        for body in bodies(include_str!("../../../events/sqs_ingest_batch10.json")) {
            assert!(parse_body(&body).is_ok(), "{body}");
        }
    }

    #[test]
    fn the_feedback_report_row_sample_parses_and_impossible_stars_are_refused_for_good() {
        let bodies = bodies(include_str!("../../../events/sqs_amazon_feedback.json"));
        let parsed = parse_body(&bodies[0]).unwrap();
        let [IngestInput::Source(source)] = &parsed[..] else {
            panic!("{parsed:?}")
        };
        let SourceEvent::AmazonFeedback(row) = &**source else {
            panic!("{source:?}")
        };
        assert_eq!(row.order_id.as_str(), "171-5550001-1234567");
        assert_eq!(row.stars, 1);
        assert!(parse_body(&bodies[1]).is_err_and(|e| e.is_permanent()));
    }

    #[test]
    fn the_order_change_sample_is_a_notification_routed_by_seller_not_tenant() {
        let bodies = bodies(include_str!("../../../events/sqs_order_change.json"));
        let parsed = parse_body(&bodies[0]).unwrap();
        let [
            input @ IngestInput::OrderChanged {
                seller_id,
                order_id,
                ..
            },
        ] = &parsed[..]
        else {
            panic!("{parsed:?}")
        };
        assert_eq!(seller_id.as_str(), "A3SANDBOXSELLER");
        assert_eq!(order_id.as_str(), "405-2815364-1029384");
        assert_eq!(input.tenant(), None);
    }
}
