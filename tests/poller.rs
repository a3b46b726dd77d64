//! Polling end to end: the poller function reads the sandboxes through the real clients, sends
//! source events to the emulator's ingest queue, and the ingest worker (through the local event
//! source mapping) turns them into orders and tickets.

use chrono::{DateTime, Utc};
use marketdesk::adapters::dynamo::DynamoStore;
use marketdesk::adapters::secrets::SecretsManager;
use marketdesk::adapters::sqs::SqsEventSink;
use marketdesk::domain::*;
use marketdesk::polling::{PollError, PollSettings, Poller};
use marketdesk::store::*;
use marketdesk_sandboxes::amazon::{AmazonSandbox, SEARCH_ORDERS_ROUTE};
use marketdesk_sandboxes::faults::Fault;
use marketdesk_tests::pipeline::{Pipeline, now};
use poller::{HandlerError, PollRequest, PollerFunction};

type Function = PollerFunction<DynamoStore, SqsEventSink, SecretsManager>;

/// The pipeline with the poller function in front of it.
struct Env {
    pipeline: Pipeline,
    function: Function,
}

impl std::ops::Deref for Env {
    type Target = Pipeline;
    fn deref(&self) -> &Pipeline {
        &self.pipeline
    }
}

async fn env() -> Env {
    let pipeline = Pipeline::start().await;
    let function = PollerFunction {
        poller: Poller {
            store: pipeline.stack.store.clone(),
            sink: SqsEventSink::new(pipeline.sqs.clone(), pipeline.ingest_queue()),
            settings: PollSettings {
                first_lookback: chrono::Duration::days(60),
                ..Default::default()
            },
        },
        clients: pipeline.clients().with_page_size(6),
    };
    Env { pipeline, function }
}

impl Env {
    async fn poll(&self, account: &str) -> Result<poller::PollReport, HandlerError> {
        self.poll_at(account, now()).await
    }

    async fn poll_at(
        &self,
        account: &str,
        at: DateTime<Utc>,
    ) -> Result<poller::PollReport, HandlerError> {
        let request = PollRequest {
            tenant: self.tenant.clone(),
            account: AccountId::parse(account).unwrap(),
        };
        self.function.handle(request, "test-run", at).await
    }

    async fn stored_orders(&self, channel: Channel, ids: &[String]) -> usize {
        let mut found = 0;
        for id in ids {
            let id = OrderId::parse(id.as_str()).unwrap();
            if self
                .stack
                .store
                .order(&self.tenant, channel, &id)
                .await
                .unwrap()
                .is_some()
            {
                found += 1;
            }
        }
        found
    }

    async fn message_count(&self) -> usize {
        self.open()
            .await
            .iter()
            .map(|t| t.message_count as usize)
            .sum()
    }
}

fn amazon_ids(sandbox: &AmazonSandbox) -> Vec<String> {
    sandbox
        .orders()
        .iter()
        .map(|o| o["orderId"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_poll_failing_on_page_3_of_5_resumes_from_page_3_and_skips_nothing() {
    let e = env().await;
    let ids = amazon_ids(&e.sandboxes.amazon);
    assert_eq!(ids.len(), 30, "5 pages of 6");
    let faults = e.sandboxes.amazon.faults();
    faults.push(SEARCH_ORDERS_ROUTE, Fault::Pass);
    faults.push(SEARCH_ORDERS_ROUTE, Fault::Pass);
    faults.push_n(SEARCH_ORDERS_ROUTE, Fault::ServerError(503), 2);

    let failed = e.poll("acct_amazon_it").await.unwrap_err();
    assert!(
        matches!(
            failed,
            HandlerError::Poll(PollError::Feed { feed: "orders", .. })
        ),
        "{failed}"
    );
    e.ingest().await;
    assert_eq!(
        e.stored_orders(Channel::Amazon, &ids).await,
        12,
        "pages 1 and 2 were sent before the failure"
    );

    let report = e.poll("acct_amazon_it").await.unwrap();
    assert_eq!(report.pages, 3, "the next run starts at page 3");
    e.ingest().await;
    assert_eq!(
        e.stored_orders(Channel::Amazon, &ids).await,
        30,
        "nothing skipped"
    );

    // The lease was given back both times: a third run may poll.
    let again = e.poll("acct_amazon_it").await.unwrap();
    assert!(again.pages >= 1);
}

#[tokio::test]
async fn a_page_polled_twice_is_ingested_once() {
    let e = env().await;
    e.poll("acct_ebay_it").await.unwrap();
    e.ingest().await;
    let messages = e.message_count().await;
    assert!(messages > 0, "the seeded conversations became tickets");

    // Forget the cursor: the same pages are polled and queued again.
    let account = AccountId::parse("acct_ebay_it").unwrap();
    let cursor = e
        .stack
        .store
        .acquire_lease(
            &e.tenant,
            &account,
            "reset",
            now(),
            now() + chrono::Duration::minutes(1),
        )
        .await
        .unwrap();
    e.stack
        .store
        .advance_cursor(&e.tenant, &cursor, "reset", None, true)
        .await
        .unwrap();
    let report = e.poll("acct_ebay_it").await.unwrap();
    assert!(report.events_sent > 0);
    e.ingest().await;
    assert_eq!(
        e.message_count().await,
        messages,
        "each buyer message is stored once"
    );
}

#[tokio::test]
async fn ebay_conversations_arrive_with_their_order_and_a_follow_up_joins_its_ticket() {
    let e = env().await;
    e.poll("acct_ebay_it").await.unwrap();
    e.ingest().await;
    let open = e.open().await;
    let buyer_tickets: Vec<&Ticket> = open
        .iter()
        .filter(|t| t.channel == Channel::Ebay && t.thread.starts_with("conv:"))
        .collect();
    assert!(!buyer_tickets.is_empty());
    let with_order = buyer_tickets.iter().filter(|t| t.order.is_some()).count();
    assert!(
        with_order * 2 >= buyer_tickets.len(),
        "most conversations found their order by buyer and listing: {with_order} of {}",
        buyer_tickets.len()
    );

    // The buyer writes again in the same conversation after the poll.
    let ticket = buyer_tickets
        .iter()
        .find(|t| t.order.is_some())
        .copied()
        .unwrap_or(buyer_tickets[0]);
    let view = e
        .stack
        .store
        .ticket_view(&e.tenant, &ticket.id)
        .await
        .unwrap()
        .unwrap();
    let buyer = view.messages[0].author_name.clone().unwrap();
    let conversation = view.messages[0].external.conversation.clone().unwrap();
    let listing = e.sandboxes.ebay.conversation_listing(&conversation);
    let later = now() + chrono::Duration::minutes(3);
    e.sandboxes.ebay.add_buyer_message(
        &buyer,
        listing.as_deref(),
        "Ci sono novità sulla spedizione?",
        later,
    );
    e.poll_at("acct_ebay_it", later + chrono::Duration::minutes(1))
        .await
        .unwrap();
    e.ingest().await;
    let after = e
        .stack
        .store
        .ticket(&e.tenant, &ticket.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.message_count, ticket.message_count + 1);
    assert_eq!(e.open().await.len(), open.len(), "no new ticket");
}

#[tokio::test]
async fn the_feedback_report_is_created_once_a_day_collected_on_later_runs_and_becomes_tickets() {
    let e = env().await;
    let t0 = now();
    let step = |r: poller::PollReport| r.feedback_report.expect("an Amazon account").step;
    assert_eq!(
        step(e.poll_at("acct_amazon_it", t0).await.unwrap()),
        "created"
    );
    e.ingest().await;
    let mut steps = Vec::new();
    let mut rows = 0;
    for minutes in [10, 20, 30] {
        let report = e
            .poll_at("acct_amazon_it", t0 + chrono::Duration::minutes(minutes))
            .await
            .unwrap()
            .feedback_report
            .unwrap();
        rows += report.rows_sent;
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);
        steps.push(report.step);
    }
    assert_eq!(steps, ["pending", "pending", "collected"]);
    assert!(rows >= 2, "the sandbox's report has rows for seeded orders");
    e.ingest().await;

    let records = e
        .stack
        .store
        .feedback_page(&e.tenant, &PageRequest::first(100))
        .await
        .unwrap()
        .items;
    assert_eq!(records.len() as u32, rows);
    let product_review = records
        .iter()
        .find(|r| r.stars == Some(1))
        .expect("the 1-star product review on an FBA order");
    let assessment = product_review.assessment.as_ref().unwrap();
    assert!(assessment.meets(marketdesk::feedback::Criterion::ProductReview));
    assert!(assessment.meets(marketdesk::feedback::Criterion::FbaFulfilment));
    assert!(product_review.ticket.is_some());
    assert!(
        records
            .iter()
            .filter(|r| r.stars >= Some(4))
            .all(|r| r.ticket.is_none())
    );

    // The same day: nothing more; the report was created once.
    assert_eq!(
        step(
            e.poll_at("acct_amazon_it", t0 + chrono::Duration::hours(3))
                .await
                .unwrap()
        ),
        "idle"
    );
    assert_eq!(e.sandboxes.amazon.reports().created(), 1);
    // The next day's report brings the same rows: no new record or ticket.
    let tickets = e.open().await.len();
    let next_day = t0 + chrono::Duration::days(1);
    assert_eq!(
        step(e.poll_at("acct_amazon_it", next_day).await.unwrap()),
        "created"
    );
    for minutes in [10, 20, 30] {
        e.poll_at(
            "acct_amazon_it",
            next_day + chrono::Duration::minutes(minutes),
        )
        .await
        .unwrap();
    }
    e.ingest().await;
    assert_eq!(e.open().await.len(), tickets);
    let again = e
        .stack
        .store
        .feedback_page(&e.tenant, &PageRequest::first(100))
        .await
        .unwrap()
        .items;
    assert_eq!(again.len(), records.len());
}
