//! Amazon seller feedback on the emulator: feedback report rows and notice e-mails through the
//! real ingest worker into one feedback record per order and day, with its removal assessment
//! and one ticket.

use aws_lambda_events::event::sqs::SqsEvent;
use chrono::NaiveDate;
use ingest::Worker;
use marketdesk::adapters::dynamo::DynamoStore;
use marketdesk::adapters::s3::S3MailBlobs;
use marketdesk::compliance::{self, CheckRequest, Outcome};
use marketdesk::domain::*;
use marketdesk::escalation::NoSchedules;
use marketdesk::feedback::{Criterion, FeedbackSource};
use marketdesk::ingest::service::StoredContextOnly;
use marketdesk::ingest::{AmazonFeedbackEvent, Ingestor, SourceEvent};
use marketdesk::store::*;
use marketdesk_devstack::demo::demo_accounts;
use marketdesk_devstack::testing::{TestStack, fresh_stack};
use marketdesk_tests::at;

type TestWorker = Worker<DynamoStore, S3MailBlobs, StoredContextOnly, NoSchedules>;

const FBA_ORDER: &str = "171-5550001-1234567";
const NOTICE_ORDER: &str = "026-1928374-6554433";
const PRODUCT_REVIEW: &str =
    "The kettle stopped working after two days, cheap quality. The parcel also arrived late.";

struct Env {
    stack: TestStack,
    worker: TestWorker,
    tenant: TenantId,
}

async fn env() -> Env {
    let stack = fresh_stack().await;
    let tenant = TenantId::parse("acme").unwrap();
    for account in demo_accounts(&tenant, at("2026-11-01T00:00:00Z")) {
        stack.store.save_account(&account, None).await.unwrap();
    }
    let worker = Worker::new(Ingestor::new(
        stack.store.clone(),
        S3MailBlobs::from_config(&stack.config),
        StoredContextOnly,
        NoSchedules,
    ));
    Env {
        stack,
        worker,
        tenant,
    }
}

fn batch(bodies: &[String]) -> SqsEvent {
    let records: Vec<_> = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            serde_json::json!({
                "messageId": format!("m{i}"),
                "body": body,
                "eventSource": "aws:sqs",
                "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1763900000000"},
            })
        })
        .collect();
    serde_json::from_value(serde_json::json!({ "Records": records })).unwrap()
}

fn fba_order(id: &str) -> Order {
    Order {
        channel: Channel::Amazon,
        id: OrderId::parse(id).unwrap(),
        account: AccountId::parse("acct_amazon_it").unwrap(),
        marketplace_id: "APJ6JRA9NG5V4".into(),
        status: "SHIPPED".into(),
        fulfillment: FulfillmentChannel::Marketplace,
        purchased_at: at("2026-11-01T10:00:00Z"),
        buyer_name: None,
        buyer_identities: vec![],
        total: None,
        items: vec![],
        shipments: vec![],
        updated_at: at("2026-11-02T10:00:00Z"),
        version: 0,
    }
}

fn row(tenant: &TenantId, order: &str, day: (i32, u32, u32), stars: u8, comment: &str) -> String {
    serde_json::to_string(&SourceEvent::AmazonFeedback(AmazonFeedbackEvent {
        tenant: tenant.clone(),
        account: AccountId::parse("acct_amazon_it").unwrap(),
        marketplace_id: "APJ6JRA9NG5V4".into(),
        order_id: OrderId::parse(order).unwrap(),
        left_on: NaiveDate::from_ymd_opt(day.0, day.1, day.2).unwrap(),
        stars,
        comment: comment.into(),
        response: None,
        rater: Some("x7k2m9q@marketplace.amazon.it".into()),
    }))
    .unwrap()
}

impl Env {
    async fn deliver(&self, bodies: &[String]) {
        let response = self.worker.handle(batch(bodies)).await;
        assert!(
            response.batch_item_failures.is_empty(),
            "{:?}",
            response.batch_item_failures
        );
    }

    async fn mail(&self, object: &str, raw: &str) -> String {
        let key = format!("inbound/{}/{object}", self.tenant);
        marketdesk::adapters::aws::s3_client(&self.stack.config)
            .put_object()
            .bucket(&self.stack.resources.mail_bucket)
            .key(&key)
            .body(raw.as_bytes().to_vec().into())
            .send()
            .await
            .unwrap();
        let event = marketdesk_sandboxes::mail::s3_event(
            &self.stack.resources.mail_bucket,
            &key,
            1024,
            None,
            at("2026-11-17T19:55:08Z"),
        );
        serde_json::to_string(&event).unwrap()
    }

    async fn open_tickets(&self) -> Vec<Ticket> {
        self.stack
            .store
            .queue(
                &self.tenant,
                &TicketQueue::Status(TicketStatus::Open),
                &PageRequest::first(100),
            )
            .await
            .unwrap()
            .items
    }

    async fn records(&self, order: &str) -> Vec<marketdesk::feedback::FeedbackRecord> {
        self.stack
            .store
            .order_feedback(&self.tenant, &OrderId::parse(order).unwrap())
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn a_product_review_on_an_fba_order_becomes_a_ticket_whose_assessment_names_both_criteria() {
    let env = env().await;
    env.stack
        .store
        .save_order(&env.tenant, &fba_order(FBA_ORDER))
        .await
        .unwrap();
    env.deliver(&[row(
        &env.tenant,
        FBA_ORDER,
        (2026, 11, 3),
        1,
        PRODUCT_REVIEW,
    )])
    .await;

    let records = env.records(FBA_ORDER).await;
    assert_eq!(records.len(), 1);
    let record = &records[0];
    assert_eq!(record.id, format!("{FBA_ORDER}_20261103"));
    assert_eq!(record.sources, vec![FeedbackSource::Report]);
    let assessment = record
        .assessment
        .as_ref()
        .expect("negative feedback is assessed");
    assert!(assessment.meets(Criterion::ProductReview), "{assessment:?}");
    assert!(assessment.meets(Criterion::FbaFulfilment), "{assessment:?}");
    assert_eq!(
        assessment.seller_central_url,
        "https://sellercentral.amazon.it/feedback-manager/index.html"
    );
    let message = assessment.buyer_message.clone().unwrap();
    let verdict = compliance::check(&CheckRequest {
        channel: Channel::Amazon,
        marketplace: Some("APJ6JRA9NG5V4".into()),
        language: None,
        body: message,
    });
    assert_eq!(verdict.verdict, Outcome::Pass, "{:?}", verdict.findings);

    let ticket_id = record
        .ticket
        .clone()
        .expect("negative feedback has a ticket");
    let view = env
        .stack
        .store
        .ticket_view(&env.tenant, &ticket_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.ticket.risk, Some(Risk::NegativeFeedback));
    assert_eq!(
        view.ticket.order.as_ref().map(|o| o.order.as_str()),
        Some(FBA_ORDER)
    );
    let note = view
        .notes
        .iter()
        .find(|n| n.body.starts_with("Feedback removal assessment"))
        .expect("the ticket shows the assessment");
    assert!(note.body.contains("product_review"), "{}", note.body);
    assert!(note.body.contains("fba_fulfilment"), "{}", note.body);
    assert!(
        note.body.contains("sellercentral.amazon.it"),
        "{}",
        note.body
    );
}

#[tokio::test]
async fn the_same_feedback_from_a_notice_mail_and_a_second_report_makes_no_second_record_or_ticket()
{
    let env = env().await;
    // The notice e-mail first (Amazon.co.uk, 17 November), then the report's row for it twice.
    let raw = std::fs::read_to_string(format!(
        "{}/../shared/tests/fixtures/mail/feedback_negative_uk_en.eml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let notice = env.mail("feedback-notice", &raw).await;
    env.deliver(&[notice]).await;
    let after_notice = env.open_tickets().await;
    assert_eq!(after_notice.len(), 1);
    let records = env.records(NOTICE_ORDER).await;
    assert_eq!(records.len(), 1, "the notice makes the record");
    assert_eq!(records[0].sources, vec![FeedbackSource::NoticeMail]);

    let comment = "Item fine but it took two weeks and the box was wet.";
    let first = row(&env.tenant, NOTICE_ORDER, (2026, 11, 17), 2, comment);
    env.deliver(std::slice::from_ref(&first)).await;
    env.deliver(&[first]).await;

    let tickets = env.open_tickets().await;
    assert_eq!(tickets.len(), 1, "one ticket: {tickets:?}");
    assert_eq!(tickets[0].id, after_notice[0].id);
    let records = env.records(NOTICE_ORDER).await;
    assert_eq!(records.len(), 1, "one record per order and day");
    let record = &records[0];
    assert_eq!(
        record.sources,
        vec![FeedbackSource::NoticeMail, FeedbackSource::Report]
    );
    assert_eq!(record.stars, Some(2));
    assert_eq!(record.ticket.as_ref(), Some(&tickets[0].id));
    assert_eq!(record.version, 2, "the second report changed nothing");

    // A later row for the same order and day updates the record, still on the one ticket.
    env.deliver(&[row(
        &env.tenant,
        NOTICE_ORDER,
        (2026, 11, 17),
        3,
        "Took two weeks, the box was wet, item OK.",
    )])
    .await;
    let records = env.records(NOTICE_ORDER).await;
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].stars, Some(3));
    assert_eq!(records[0].rating, FeedbackRating::Neutral);
    assert_eq!(records[0].version, 3);
    assert_eq!(env.open_tickets().await.len(), 1);
}

#[tokio::test]
async fn positive_feedback_is_recorded_without_a_ticket_and_a_lost_race_is_refused() {
    let env = env().await;
    env.deliver(&[row(
        &env.tenant,
        FBA_ORDER,
        (2026, 11, 3),
        5,
        "Great, thanks",
    )])
    .await;
    let records = env.records(FBA_ORDER).await;
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].ticket, None);
    assert_eq!(records[0].assessment, None);
    assert!(env.open_tickets().await.is_empty());
    // A write from a stale read is refused, not applied.
    let mut stale = records[0].clone();
    stale.comment = "changed".into();
    let err = env
        .stack
        .store
        .save_feedback(&stale, Some(0))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    assert_eq!(env.records(FBA_ORDER).await[0].comment, "Great, thanks");
}

#[tokio::test]
async fn a_notice_sent_after_midnight_and_the_report_row_of_the_day_before_are_one_feedback() {
    let env = env().await;
    let raw = std::fs::read_to_string(format!(
        "{}/../shared/tests/fixtures/mail/feedback_negative_uk_en.eml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let notice = env.mail("feedback-notice", &raw).await;
    env.deliver(&[notice]).await;
    let records = env.records(NOTICE_ORDER).await;
    assert_eq!(records.len(), 1);
    assert_eq!(
        records[0].left_on,
        NaiveDate::from_ymd_opt(2026, 11, 17).unwrap()
    );

    // The buyer left it late on the 16th; the report says so.
    let comment = "Item fine but it took two weeks and the box was wet.";
    env.deliver(&[row(&env.tenant, NOTICE_ORDER, (2026, 11, 16), 2, comment)])
        .await;
    let records = env.records(NOTICE_ORDER).await;
    assert_eq!(records.len(), 1, "one feedback: {records:?}");
    let record = &records[0];
    assert_eq!(
        record.sources,
        vec![FeedbackSource::NoticeMail, FeedbackSource::Report]
    );
    assert_eq!(
        record.left_on,
        NaiveDate::from_ymd_opt(2026, 11, 16).unwrap()
    );
    assert_eq!(record.stars, Some(2));
    assert_eq!(env.open_tickets().await.len(), 1);

    // A report row of another day is another (changed) feedback.
    env.deliver(&[row(
        &env.tenant,
        NOTICE_ORDER,
        (2026, 11, 18),
        4,
        "Sorted, thanks",
    )])
    .await;
    assert_eq!(env.records(NOTICE_ORDER).await.len(), 2);
}
