//! End-to-end ingestion on the emulator: SQS records of source events and raw-mail
//! notifications through the real ingest worker into DynamoDB and back out through the store.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use chrono::{DateTime, Duration, Utc};
use ingest::Worker;
use marketdesk::adapters::dynamo::DynamoStore;
use marketdesk::adapters::s3::S3MailBlobs;
use marketdesk::domain::*;
use marketdesk::escalation::NoSchedules;
use marketdesk::ingest::service::StoredContextOnly;
use marketdesk::ingest::{Ingestor, MessageEvent, OrderEvent, SourceEvent};
use marketdesk::store::*;
use marketdesk_devstack::demo::demo_accounts;
use marketdesk_devstack::testing::{TestStack, fresh_stack};
use marketdesk_tests::at;

type TestWorker = Worker<DynamoStore, S3MailBlobs, StoredContextOnly, NoSchedules>;

const ALIAS: &str = "4n7kq2x9v1m3b8c@marketplace.amazon.it";
const ORDER: &str = "405-1234567-7654321";

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

/// An SQS event of `bodies`, record ids `m0`, `m1`…
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

fn failed(response: &SqsBatchResponse) -> Vec<String> {
    response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect()
}

impl Env {
    async fn deliver(&self, bodies: &[String]) -> Vec<String> {
        failed(&self.worker.handle(batch(bodies)).await)
    }

    /// Stores `raw` as SES would and returns the S3 notification body.
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
        s3_event(&self.stack.resources.mail_bucket, &key)
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

    async fn view(&self, id: &TicketId) -> TicketView {
        self.stack
            .store
            .ticket_view(&self.tenant, id)
            .await
            .unwrap()
            .unwrap()
    }
}

/// The notification S3 sends for a new object, as the sandboxes' mail delivery builds it.
fn s3_event(bucket: &str, key: &str) -> String {
    let event =
        marketdesk_sandboxes::mail::s3_event(bucket, key, 1024, None, at("2026-11-03T09:14:00Z"));
    serde_json::to_string(&event).unwrap()
}

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/../shared/tests/fixtures/mail/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn amazon_order(updated: DateTime<Utc>) -> Order {
    Order {
        channel: Channel::Amazon,
        id: OrderId::parse(ORDER).unwrap(),
        account: AccountId::parse("acct_amazon_it").unwrap(),
        marketplace_id: "APJ6JRA9NG5V4".into(),
        status: "Shipped".into(),
        fulfillment: FulfillmentChannel::Merchant,
        purchased_at: at("2026-10-30T18:00:00Z"),
        buyer_name: Some("Giulia R.".into()),
        buyer_identities: vec![Identity::new(IdentityKind::AmazonRelay, ALIAS)],
        total: Some(Money {
            minor: 3490,
            currency: "EUR".into(),
        }),
        items: vec![OrderItem {
            product_id: "B0C1234567".into(),
            sku: Some("MUG-SET".into()),
            title: "Set di tazze".into(),
            quantity: 1,
            unit_price: None,
        }],
        shipments: vec![],
        updated_at: updated,
        version: 0,
    }
}

fn order_event(tenant: &TenantId, order: Order) -> String {
    serde_json::to_string(&SourceEvent::Order(OrderEvent {
        tenant: tenant.clone(),
        order,
    }))
    .unwrap()
}

fn ebay_message(tenant: &TenantId, conversation: &str, id: &str, sent: &str, body: &str) -> String {
    serde_json::to_string(&SourceEvent::Message(MessageEvent {
        tenant: tenant.clone(),
        account: AccountId::parse("acct_ebay_it").unwrap(),
        channel: Channel::Ebay,
        conversation: conversation.into(),
        message_id: id.into(),
        direction: Direction::Inbound,
        counterparty: Some("mario_rossi_77".into()),
        subject: Some("Domanda sull'oggetto".into()),
        body: body.into(),
        sent_at: at(sent),
        attachments: vec![],
        listing: Some("204512345678".into()),
        order: None,
    }))
    .unwrap()
}

#[tokio::test]
async fn amazon_relay_mail_threads_by_alias_and_order_with_the_order_attached() {
    let e = env().await;
    let order = amazon_order(at("2026-11-01T08:00:00Z"));
    assert!(e.deliver(&[order_event(&e.tenant, order)]).await.is_empty());

    let first = e
        .mail("obj-1", &fixture("amazon_it_buyer_question.eml"))
        .await;
    assert!(e.deliver(&[first]).await.is_empty());
    let tickets = e.open_tickets().await;
    assert_eq!(tickets.len(), 1);
    let ticket = &tickets[0];
    assert_eq!(ticket.channel, Channel::Amazon);
    assert_eq!(ticket.account.as_str(), "acct_amazon_it");
    assert_eq!(ticket.order.as_ref().map(|o| o.order.as_str()), Some(ORDER));
    assert!(ticket.tags.contains("fbm"), "{:?}", ticket.tags);
    // Amazon's clock runs around the clock from the buyer's own timestamp (10:13:58 +01:00).
    let sent = at("2026-11-03T09:13:58Z");
    assert_eq!(ticket.sla.clock_started_at, Some(sent));
    assert_eq!(ticket.sla.due_at, Some(sent + Duration::hours(24)));
    assert_eq!(ticket.sla.internal_due_at, Some(sent + Duration::hours(12)));
    let history = e
        .stack
        .store
        .history(&e.tenant, &ticket.customer, &PageRequest::first(10))
        .await
        .unwrap();
    assert!(
        history
            .items
            .iter()
            .any(|h| matches!(h, HistoryEntry::Order { order, .. } if order.as_str() == ORDER)),
        "the relay alias linked the ticket to the order's buyer: {history:?}"
    );

    // The follow-up of the same buyer about the same order joins the ticket, within budget.
    let follow_up = e
        .mail("obj-2", &fixture("amazon_it_followup_quoted.eml"))
        .await;
    e.stack.requests.take();
    assert!(e.deliver(&[follow_up]).await.is_empty());
    let requests = e.stack.requests.take();
    assert!(
        requests <= 3,
        "an ingested message costs at most 3 DynamoDB requests, took {requests}"
    );
    let view = e.view(&ticket.id).await;
    assert_eq!(view.messages.len(), 2);
    assert!(
        !view.messages[1].body.contains("Giulia R. ha scritto")
            && !view.messages[1].body.is_empty()
    );
    // The first unanswered message keeps the clock: a follow-up does not push the deadline.
    assert_eq!(view.ticket.sla.due_at, Some(sent + Duration::hours(24)));

    // An A-to-z claim on the order lands on the same ticket and makes it urgent.
    let claim = fixture("atoz_claim_it.eml").replace("405-7418529-6301478", ORDER);
    let claim = e.mail("obj-3", &claim).await;
    assert!(e.deliver(&[claim]).await.is_empty());
    let view = e.view(&ticket.id).await;
    assert_eq!(view.messages.len(), 3);
    assert_eq!(view.ticket.risk, Some(Risk::AToZClaim));
    assert_eq!(view.ticket.priority, Priority::Urgent);
    assert_eq!(view.ticket.intent, Some(Intent::Claim));
    assert_eq!(e.open_tickets().await.len(), 1);
}

#[tokio::test]
async fn the_same_batch_delivered_twice_records_each_message_once() {
    let e = env().await;
    let bodies = vec![
        ebay_message(
            &e.tenant,
            "c-1",
            "msg-1",
            "2026-11-20T10:00:00Z",
            "Quando arriva?",
        ),
        ebay_message(
            &e.tenant,
            "c-1",
            "msg-2",
            "2026-11-20T11:00:00Z",
            "Ci sono novità?",
        ),
        ebay_message(
            &e.tenant,
            "c-2",
            "msg-3",
            "2026-11-20T12:00:00Z",
            "È compatibile?",
        ),
    ];
    assert!(e.deliver(&bodies).await.is_empty());
    assert!(e.deliver(&bodies).await.is_empty());
    let mut bodies_again = bodies.clone();
    bodies_again.reverse();
    assert!(e.deliver(&bodies_again).await.is_empty());

    let tickets = e.open_tickets().await;
    assert_eq!(tickets.len(), 2, "one ticket per conversation");
    let mut counts = Vec::new();
    for t in &tickets {
        let view = e.view(&t.id).await;
        assert_eq!(view.ticket.message_count as usize, view.messages.len());
        counts.push(view.messages.len());
    }
    counts.sort();
    assert_eq!(counts, [1, 2]);
}

#[tokio::test]
async fn malformed_payloads_are_quarantined_and_the_rest_of_the_batch_succeeds() {
    let e = env().await;
    let mut unknown_account: serde_json::Value = serde_json::from_str(&ebay_message(
        &e.tenant,
        "c-9",
        "msg-9",
        "2026-11-20T10:00:00Z",
        "x",
    ))
    .unwrap();
    unknown_account["account"] = "acct_nope".into();
    let garbage = e
        .mail("obj-garbage", &fixture("malformed_no_from.eml"))
        .await;
    let bodies = vec![
        ebay_message(
            &e.tenant,
            "c-1",
            "msg-1",
            "2026-11-20T10:00:00Z",
            "Dov'è il pacco?",
        ),
        "{not json".to_string(),
        unknown_account.to_string(),
        garbage,
        s3_event(&e.stack.resources.mail_bucket, "inbound/acme/never-stored"),
    ];
    assert_eq!(e.deliver(&bodies).await, Vec::<String>::new());
    assert_eq!(
        e.open_tickets().await.len(),
        1,
        "the good record was ingested"
    );

    let quarantined = e
        .stack
        .store
        .quarantined(&e.tenant, &PageRequest::first(10))
        .await
        .unwrap()
        .items;
    let mut reasons: Vec<(&str, &str)> = quarantined
        .iter()
        .map(|q| (q.id.as_str(), q.reason.as_str()))
        .collect();
    reasons.sort();
    assert_eq!(
        reasons,
        [
            ("m2", "unknown_account"),
            ("m3", "unreadable_mail"),
            ("m4", "invalid")
        ]
    );
    assert!(
        quarantined
            .iter()
            .all(|q| !q.in_dlq && !q.detail.is_empty())
    );
    let unattributed = TenantId::parse(UNATTRIBUTED_TENANT).unwrap();
    let lost = e
        .stack
        .store
        .quarantined(&unattributed, &PageRequest::first(10))
        .await
        .unwrap()
        .items;
    assert_eq!(lost.len(), 1);
    assert_eq!(lost[0].payload, "{not json");
}

#[tokio::test]
async fn a_transient_failure_on_the_last_receive_is_quarantined_and_left_to_the_dlq() {
    let e = env().await;
    let body = s3_event("no-such-bucket-anywhere", "inbound/acme/x");
    let mut event = batch(std::slice::from_ref(&body));
    event.records[0]
        .attributes
        .insert("ApproximateReceiveCount".into(), "2".into());
    assert_eq!(
        failed(&e.worker.handle(event).await),
        ["m0"],
        "retried by SQS"
    );
    let none = e
        .stack
        .store
        .quarantined(&e.tenant, &PageRequest::first(10))
        .await
        .unwrap();
    assert!(
        none.items.is_empty(),
        "not quarantined before its last receive"
    );

    let mut event = batch(&[body]);
    event.records[0]
        .attributes
        .insert("ApproximateReceiveCount".into(), "5".into());
    assert_eq!(
        failed(&e.worker.handle(event).await),
        ["m0"],
        "moved to the DLQ"
    );
    let quarantined = e
        .stack
        .store
        .quarantined(&e.tenant, &PageRequest::first(10))
        .await
        .unwrap()
        .items;
    assert_eq!(quarantined.len(), 1);
    assert!(quarantined[0].in_dlq);
    assert_eq!(quarantined[0].reason, "blob");
}

#[tokio::test]
async fn one_customer_across_shopify_store_mail_and_ebay() {
    let e = env().await;
    let shopify_order = Order {
        channel: Channel::Shopify,
        id: OrderId::parse("1042").unwrap(),
        account: AccountId::parse("acct_shopify").unwrap(),
        marketplace_id: "demo-shop.myshopify.com".into(),
        status: "FULFILLED".into(),
        fulfillment: FulfillmentChannel::Merchant,
        purchased_at: at("2026-11-08T09:00:00Z"),
        buyer_name: Some("Elena Conti".into()),
        buyer_identities: vec![
            Identity::new(IdentityKind::Email, "Elena.Conti@example.net"),
            Identity::new(IdentityKind::Phone, "+39 347 000 1122"),
        ],
        total: None,
        items: vec![],
        shipments: vec![],
        updated_at: at("2026-11-09T09:00:00Z"),
        version: 0,
    };
    let mut ebay_order = shopify_order.clone();
    ebay_order.channel = Channel::Ebay;
    ebay_order.id = OrderId::parse("12-34567-89012").unwrap();
    ebay_order.account = AccountId::parse("acct_ebay_it").unwrap();
    ebay_order.buyer_identities = vec![
        Identity::new(IdentityKind::EbayUser, "mario_rossi_77"),
        Identity::new(IdentityKind::Email, "elena.conti@example.net"),
    ];
    ebay_order.items = vec![OrderItem {
        product_id: "204512345678".into(),
        sku: None,
        title: "Tazza".into(),
        quantity: 1,
        unit_price: None,
    }];
    assert!(
        e.deliver(&[
            order_event(&e.tenant, shopify_order),
            order_event(&e.tenant, ebay_order)
        ])
        .await
        .is_empty()
    );
    let contact = e
        .mail("obj-c", &fixture("store_shopify_contact_form_it.eml"))
        .await;
    assert!(e.deliver(&[contact]).await.is_empty());
    assert!(
        e.deliver(&[ebay_message(
            &e.tenant,
            "c-5",
            "msg-5",
            "2026-11-20T10:00:00Z",
            "La tazza è arrivata rotta"
        )])
        .await
        .is_empty()
    );

    let tickets = e.open_tickets().await;
    assert_eq!(tickets.len(), 2);
    let store_ticket = tickets
        .iter()
        .find(|t| t.channel == Channel::Shopify)
        .unwrap();
    let ebay_ticket = tickets.iter().find(|t| t.channel == Channel::Ebay).unwrap();
    assert_eq!(
        store_ticket.customer, ebay_ticket.customer,
        "one buyer, one customer"
    );
    assert_eq!(ebay_ticket.intent, Some(Intent::DamagedOrDefective));
    assert_eq!(
        ebay_ticket.order.as_ref().map(|o| o.order.as_str()),
        Some("12-34567-89012"),
        "the eBay buyer and listing found the order"
    );
    let history = e
        .stack
        .store
        .history(&e.tenant, &store_ticket.customer, &PageRequest::first(20))
        .await
        .unwrap()
        .items;
    let channels: std::collections::BTreeSet<Channel> = history
        .iter()
        .map(|h| match h {
            HistoryEntry::Ticket { channel, .. } | HistoryEntry::Order { channel, .. } => *channel,
        })
        .collect();
    assert_eq!(channels.len(), 2, "{history:?}");
}

#[tokio::test]
async fn a_buyer_writing_on_a_resolved_ticket_reopens_it() {
    let e = env().await;
    let first = ebay_message(&e.tenant, "c-7", "msg-7", "2026-11-20T10:00:00Z", "Grazie!");
    assert!(e.deliver(&[first]).await.is_empty());
    let ticket = e.open_tickets().await.remove(0);
    let mut resolved = ticket.clone();
    resolved.status = TicketStatus::Resolved;
    resolved.sla = SlaState::default();
    e.stack.store.update_ticket(&resolved).await.unwrap();
    assert!(e.open_tickets().await.is_empty());

    let again = ebay_message(
        &e.tenant,
        "c-7",
        "msg-8",
        "2026-11-21T09:00:00Z",
        "Il pacco non è arrivato",
    );
    assert!(e.deliver(&[again]).await.is_empty());
    let view = e.view(&ticket.id).await;
    assert_eq!(view.ticket.status, TicketStatus::Open);
    assert!(
        view.events
            .iter()
            .any(|ev| ev.kind == TicketEventKind::Reopened)
    );
    assert_eq!(
        view.ticket.sla.due_at,
        Some(at("2026-11-22T09:00:00Z")),
        "the new message starts a 24 h eBay clock"
    );
}

#[tokio::test]
async fn a_tenant_policy_sets_the_deadlines_ingest_computes() {
    let e = env().await;
    // The tenant answers Amazon within 6 h (3 h internally) instead of the seed's 24 h / 12 h.
    let mut amazon = marketdesk::sla::seed_policies()
        .into_iter()
        .find(|p| p.id == "amazon")
        .unwrap();
    amazon.first_response.due = marketdesk::sla::SlaDuration::from_hours(6);
    amazon.first_response.internal_due = Some(marketdesk::sla::SlaDuration::from_hours(3));
    e.stack
        .store
        .put_policy(
            &e.tenant,
            &amazon,
            None,
            &AgentId::parse("admin").unwrap(),
            at("2026-11-01T00:00:00Z"),
        )
        .await
        .unwrap();

    let first = e
        .mail("obj-1", &fixture("amazon_it_buyer_question.eml"))
        .await;
    assert!(e.deliver(&[first]).await.is_empty());
    let tickets = e.open_tickets().await;
    let sent = at("2026-11-03T09:13:58Z");
    assert_eq!(tickets[0].sla.policy.as_deref(), Some("amazon"));
    assert_eq!(tickets[0].sla.due_at, Some(sent + Duration::hours(6)));
    assert_eq!(
        tickets[0].sla.internal_due_at,
        Some(sent + Duration::hours(3))
    );
}

/// Every mail of the real-world corpus (`shared/tests/fixtures/realworld`, see
/// `shared/tests/realworld_mail.rs`) through S3, the queue and the real worker: each one with
/// a sender is recorded as a message on a ticket; only the mails naming no sender are
/// quarantined, each with its reason.
#[tokio::test]
async fn every_real_world_mail_with_a_sender_is_recorded_and_only_senderless_ones_quarantined() {
    let e = env().await;
    let dir = format!(
        "{}/../shared/tests/fixtures/realworld",
        env!("CARGO_MANIFEST_DIR")
    );
    let manifest = std::fs::read_to_string(format!("{dir}/expected.tsv")).unwrap();
    let entries: Vec<(&str, &str)> = manifest
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split_once('\t').unwrap())
        .collect();
    let s3 = marketdesk::adapters::aws::s3_client(&e.stack.config);
    let mut bodies = Vec::new();
    for (i, (file, _)) in entries.iter().enumerate() {
        let key = format!("inbound/{}/rw-{i}.eml", e.tenant);
        s3.put_object()
            .bucket(&e.stack.resources.mail_bucket)
            .key(&key)
            .body(std::fs::read(format!("{dir}/{file}")).unwrap().into())
            .send()
            .await
            .unwrap();
        let event = marketdesk_sandboxes::mail::s3_event(
            &e.stack.resources.mail_bucket,
            &key,
            1024,
            None,
            at("2026-12-01T08:31:05Z"),
        );
        bodies.push(serde_json::to_string(&event).unwrap());
    }
    for chunk in bodies.chunks(10) {
        assert_eq!(e.deliver(chunk).await, Vec::<String>::new());
    }

    let mut messages = 0;
    for status in TicketStatus::ALL {
        let page = e
            .stack
            .store
            .queue(
                &e.tenant,
                &TicketQueue::Status(status),
                &PageRequest::first(100),
            )
            .await
            .unwrap();
        assert!(page.next.is_none());
        for ticket in page.items {
            messages += e.view(&ticket.id).await.messages.len();
        }
    }
    let senderless = entries
        .iter()
        .filter(|(f, _)| f.starts_with("no_sender/"))
        .count();
    assert_eq!(
        messages,
        entries.len() - senderless,
        "one message per mail with a sender"
    );

    let quarantined = e
        .stack
        .store
        .quarantined(&e.tenant, &PageRequest::first(100))
        .await
        .unwrap()
        .items;
    assert_eq!(quarantined.len(), senderless);
    assert!(
        quarantined
            .iter()
            .all(|q| q.reason == "unreadable_mail" && !q.detail.is_empty())
    );
}

#[tokio::test]
async fn an_a_to_z_claim_is_the_first_row_of_the_inbox_above_older_breached_tickets() {
    let env = env().await;
    let old = [
        ebay_message(
            &env.tenant,
            "conv-old-1",
            "o1",
            "2026-10-01T08:00:00Z",
            "Dov'è il pacco?",
        ),
        ebay_message(
            &env.tenant,
            "conv-old-2",
            "o2",
            "2026-10-03T08:00:00Z",
            "Novità sul pacco?",
        ),
    ];
    assert!(env.deliver(&old).await.is_empty());
    let claim = env.mail("atoz-1", &fixture("atoz_claim_it.eml")).await;
    assert!(env.deliver(&[claim]).await.is_empty());

    env.stack.requests.take();
    let open = env.open_tickets().await;
    assert_eq!(env.stack.requests.take(), 1, "the inbox page is one Query");
    assert_eq!(open.len(), 3);
    let first = &open[0];
    assert_eq!(first.risk, Some(Risk::AToZClaim), "{open:?}");
    assert!(first.tags.contains("risk:a_to_z_claim"), "{:?}", first.tags);
    assert_eq!(
        first.order.as_ref().map(|o| o.order.as_str()),
        Some("405-7418529-6301478"),
        "the claim names its order"
    );
    // The others are older and long breached, and still come after it.
    for t in &open[1..] {
        assert!(t.sla.breached, "{t:?}");
        assert!(t.queue_due() < first.queue_due());
    }
    // `overdue` is still one Query, now a filter on the deadline.
    env.stack.requests.take();
    let overdue = env
        .stack
        .store
        .queue_where(
            &env.tenant,
            &TicketQueue::Status(TicketStatus::Open),
            &TicketFilter {
                due_before: Some(Utc::now()),
                ..Default::default()
            },
            &PageRequest::first(10),
        )
        .await
        .unwrap();
    assert_eq!(env.stack.requests.take(), 1);
    assert_eq!(overdue.items.len(), 3);
    assert_eq!(overdue.items[0].id, first.id);
}

/// The deployed ingest's composition: the environment `infra/template.yaml` gives
/// `IngestFunction` (the carriers secret by `!Ref CarriersSecret`, with the policy to read it)
/// builds a live context whose tracker answers through AfterShip, exactly as `main.rs`
/// builds it; the local stack builds the same from the same setting.
#[tokio::test]
async fn the_deployed_ingest_builds_its_carrier_tracker_from_the_template_environment() {
    use marketdesk::accounts::CredentialVault;
    use marketdesk::adapters::secrets::SecretsManager;
    use marketdesk::config::Settings;
    use marketdesk::connectors::accounts::{Endpoints, LiveContext};
    use marketdesk::connectors::carriers::Carrier;
    use marketdesk::connectors::{HttpConfig, Secret};
    use marketdesk::ingest::service::Enricher;
    use marketdesk_devstack::template::{function_environment, function_policy_resources};
    use marketdesk_sandboxes::carriers::{CarriersSandbox, Stage};

    let stack = fresh_stack().await;
    let sandbox = CarriersSandbox::start().await.unwrap();
    // CloudFormation creates the secret; here it is the emulator's, under a fresh name.
    let secret = SecretRef(format!("marketdesk-carriers-{}", stack.resources.table));
    let vault = SecretsManager::from_config(&stack.config);
    let value = serde_json::json!({"aftership_api_key": sandbox.config().aftership_api_key});
    vault
        .put(&secret, &Secret::new(value.to_string()))
        .await
        .unwrap();

    for function in ["IngestFunction", "ApiFunction"] {
        let resources =
            function_policy_resources(function, "secretsmanager:GetSecretValue").unwrap();
        assert!(
            resources.contains(&"Ref:CarriersSecret".to_owned()),
            "{function} may not read the carriers secret: {resources:?}"
        );
        // Tenants' own carrier credentials, `marketdesk/{tenant}/carriers`.
        assert!(
            resources
                .iter()
                .any(|r| r.ends_with(":secret:marketdesk/*")),
            "{function} may not read tenants' carrier secrets: {resources:?}"
        );
    }
    let mut env = function_environment("IngestFunction", |id| match id {
        "CarriersSecret" => Some(secret.0.clone()),
        "Table" => Some(stack.resources.table.clone()),
        other => Some(format!("{other}-value")),
    })
    .unwrap();
    assert_eq!(env.get("MARKETDESK_CARRIERS_SECRET"), Some(&secret.0));
    // Only the endpoint differs from production: the sandbox stands in for api.aftership.com.
    env.insert("MARKETDESK_AFTERSHIP_URL".into(), sandbox.base_url());

    let lookup = |k: &str| env.get(k).cloned();
    let settings = Settings::from_lookup(lookup).unwrap();
    let live = LiveContext::from_settings(
        SecretsManager::from_config(&stack.config),
        &settings,
        Endpoints::from_lookup(lookup),
        HttpConfig::default(),
    )
    .await
    .unwrap();
    assert!(
        live.tracker
            .deployment()
            .tracker
            .is_live(&Carrier::RoyalMail)
    );
    sandbox.set_stage("AB123456785GB", Stage::InTransit);
    let stored = Shipment {
        carrier: "Royal Mail".into(),
        tracking_number: "AB123456785GB".into(),
        tracking_url: None,
        status: ShipmentStatus::Unknown,
        events: Vec::new(),
        estimated_delivery: None,
        checked_at: None,
    };
    let tenant = TenantId::parse("acme").unwrap();
    let tracked = live.track(&tenant, &stored).await.unwrap().unwrap();
    assert_eq!(tracked.status, ShipmentStatus::InTransit);
    assert!(tracked.tracking_url.unwrap().contains("royalmail.com"));

    // Without the setting the function still runs, with links only; a named secret that is
    // not there is an error at start, not silent link-only tracking.
    let unset =
        Settings::from_lookup(|k| (k == "MARKETDESK_TABLE").then(|| "t".to_owned())).unwrap();
    let links = LiveContext::from_settings(
        SecretsManager::from_config(&stack.config),
        &unset,
        Endpoints::default(),
        HttpConfig::default(),
    )
    .await
    .unwrap();
    assert!(
        !links
            .tracker
            .deployment()
            .tracker
            .is_live(&Carrier::RoyalMail)
    );
    let missing = Settings {
        carriers_secret: Some("marketdesk-carriers-missing".into()),
        ..unset
    };
    assert!(
        LiveContext::from_settings(
            SecretsManager::from_config(&stack.config),
            &missing,
            Endpoints::default(),
            HttpConfig::default(),
        )
        .await
        .is_err()
    );
}

#[tokio::test]
async fn an_opted_in_ebay_account_answers_a_wismo_with_tracking_by_itself_once() {
    let stack = fresh_stack().await;
    let tenant = TenantId::parse("acme").unwrap();
    for mut account in demo_accounts(&tenant, at("2026-11-01T00:00:00Z")) {
        account.auto_send_wismo = true;
        stack.store.save_account(&account, None).await.unwrap();
    }
    let queue = std::sync::Arc::new(marketdesk::outbound::MemoryOutboundQueue::default());
    let worker: TestWorker = Worker::new(
        Ingestor::new(
            stack.store.clone(),
            S3MailBlobs::from_config(&stack.config),
            StoredContextOnly,
            NoSchedules,
        )
        .with_outbound(queue.clone()),
    );
    let e = Env {
        stack,
        worker,
        tenant,
    };
    let now = Utc::now();
    let order = Order {
        channel: Channel::Ebay,
        id: OrderId::parse("12-34567-89012").unwrap(),
        account: AccountId::parse("acct_ebay_it").unwrap(),
        marketplace_id: "EBAY_IT".into(),
        status: "FULFILLED".into(),
        fulfillment: FulfillmentChannel::Merchant,
        purchased_at: now - Duration::days(3),
        buyer_name: Some("Mario Rossi".into()),
        buyer_identities: vec![Identity::new(IdentityKind::EbayUser, "mario_rossi_77")],
        total: None,
        items: vec![OrderItem {
            product_id: "204512345678".into(),
            sku: None,
            title: "Tazza".into(),
            quantity: 1,
            unit_price: None,
        }],
        shipments: vec![Shipment {
            carrier: "BRT".into(),
            tracking_number: "084012345678901".into(),
            tracking_url: Some(
                "https://www.mybrt.it/it/mybrt/my-parcels/search?parcelNumber=084012345678901"
                    .into(),
            ),
            status: ShipmentStatus::InTransit,
            events: vec![TrackingEvent {
                at: now - Duration::hours(6),
                status: ShipmentStatus::InTransit,
                description: "In transito".into(),
                location: Some("Bologna".into()),
            }],
            estimated_delivery: Some(now + Duration::days(1)),
            checked_at: Some(now - Duration::minutes(5)),
        }],
        updated_at: now - Duration::days(2),
        version: 0,
    };
    assert!(e.deliver(&[order_event(&e.tenant, order)]).await.is_empty());
    let asked = (now - Duration::minutes(2)).to_rfc3339();
    let message = ebay_message(
        &e.tenant,
        "c-wismo",
        "msg-wismo",
        &asked,
        "Buongiorno, dov'è il mio pacco? Non è ancora arrivato.",
    );
    assert!(e.deliver(std::slice::from_ref(&message)).await.is_empty());

    let tickets = e.open_tickets().await;
    assert_eq!(tickets.len(), 1);
    let ticket = &tickets[0];
    assert_eq!(ticket.intent, Some(Intent::WhereIsMyOrder));
    assert!(
        ticket.tags.contains(marketdesk::drafts::AUTO_REPLIED_TAG),
        "{ticket:#?}"
    );
    assert_eq!(ticket.draft, None, "the draft was sent");
    let view = e.view(&ticket.id).await;
    let replies: Vec<_> = view
        .messages
        .iter()
        .filter(|m| m.direction == Direction::Outbound)
        .collect();
    assert_eq!(replies.len(), 1, "{:#?}", view.messages);
    let reply = replies[0];
    assert_eq!(reply.delivery, Some(DeliveryState::Queued));
    assert!(matches!(reply.author, AuthorKind::Automation { .. }));
    assert!(reply.body.contains("084012345678901"), "{}", reply.body);
    assert!(view.events.iter().any(|ev| matches!(
        &ev.kind,
        TicketEventKind::AutoReplied { message, .. } if message == &reply.id
    )));
    let sent = queue.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].message, reply.id);

    // The same message delivered again sends nothing more.
    assert!(e.deliver(&[message]).await.is_empty());
    assert_eq!(queue.sent().len(), 1);
}

/// The claim records of `order`.
async fn claims_of(e: &Env, order: &str) -> Vec<marketdesk::claims::ClaimRecord> {
    e.stack
        .store
        .order_claims(&e.tenant, &OrderId::parse(order).unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_claim_notice_opens_one_claim_with_amazons_deadline_and_a_reminder_moves_it() {
    use marketdesk::claims::{ClaimKind, ClaimStatus, DeadlineSource};
    const CLAIM_ORDER: &str = "405-7418529-6301478";
    let e = env().await;
    let notice = e.mail("atoz-1", &fixture("atoz_claim_it.eml")).await;
    assert!(e.deliver(std::slice::from_ref(&notice)).await.is_empty());
    // SQS delivers it again: nothing new.
    assert!(e.deliver(&[notice]).await.is_empty());

    let claims = claims_of(&e, CLAIM_ORDER).await;
    assert_eq!(claims.len(), 1, "{claims:?}");
    let claim = &claims[0];
    assert_eq!(claim.id.as_str(), "405-7418529-6301478_a_to_z");
    assert_eq!(claim.kind, ClaimKind::AToZ);
    assert_eq!(claim.status, ClaimStatus::Open);
    assert_eq!(claim.version, 1, "the redelivery wrote nothing");
    // "entro il 18 novembre 2026": the end of that day in Italy.
    assert_eq!(claim.respond_by, at("2026-11-18T22:59:59Z"));
    assert_eq!(claim.deadline_source, DeadlineSource::Notice);
    assert_eq!(
        claim.reason.as_deref(),
        Some("L'articolo ricevuto è danneggiato")
    );
    assert_eq!(claim.amount.as_ref().map(|m| m.minor), Some(5990));
    assert_eq!(claim.notices.len(), 1);
    let tickets = e.open_tickets().await;
    assert_eq!(tickets.len(), 1);
    assert_eq!(claim.ticket, tickets[0].id);

    // A reminder with a later deadline: the same claim, two notices, the new date.
    let reminder = fixture("atoz_claim_it.eml")
        .replace("18 novembre 2026", "21 novembre 2026")
        .replace("Message-ID: <", "Message-ID: <reminder-");
    assert!(
        reminder.contains("reminder-"),
        "the fixture has a Message-ID"
    );
    let reminder = e.mail("atoz-2", &reminder).await;
    assert!(e.deliver(&[reminder]).await.is_empty());
    let claims = claims_of(&e, CLAIM_ORDER).await;
    assert_eq!(claims.len(), 1);
    assert_eq!(claims[0].notices.len(), 2);
    assert_eq!(claims[0].respond_by, at("2026-11-21T22:59:59Z"));
    assert_eq!(claims[0].version, 2);

    // A chargeback on the same order is a claim of its own.
    let chargeback = fixture("chargeback_de.eml").replace("303-9517534-8524561", CLAIM_ORDER);
    let chargeback = e.mail("cb-1", &chargeback).await;
    assert!(e.deliver(&[chargeback]).await.is_empty());
    let mut kinds: Vec<_> = claims_of(&e, CLAIM_ORDER)
        .await
        .into_iter()
        .map(|c| c.kind)
        .collect();
    kinds.sort_by_key(|k| k.as_str());
    assert_eq!(kinds, [ClaimKind::AToZ, ClaimKind::Chargeback]);
}

#[tokio::test]
async fn a_claim_lost_between_the_ticket_write_and_its_own_is_written_when_the_notice_comes_again()
{
    const CLAIM_ORDER: &str = "405-7418529-6301478";
    let e = env().await;
    let notice = e.mail("atoz-1", &fixture("atoz_claim_it.eml")).await;
    assert!(e.deliver(std::slice::from_ref(&notice)).await.is_empty());
    let claim = claims_of(&e, CLAIM_ORDER).await.remove(0);
    // As if the worker died after the ticket's transaction and before the claim's write.
    aws_sdk_dynamodb::Client::new(&e.stack.config)
        .delete_item()
        .table_name(&e.stack.resources.table)
        .key(
            "PK",
            aws_sdk_dynamodb::types::AttributeValue::S("T#acme#CLAIM".into()),
        )
        .key(
            "SK",
            aws_sdk_dynamodb::types::AttributeValue::S(claim.id.to_string()),
        )
        .send()
        .await
        .unwrap();
    assert!(claims_of(&e, CLAIM_ORDER).await.is_empty());

    assert!(e.deliver(&[notice]).await.is_empty());
    let again = claims_of(&e, CLAIM_ORDER).await;
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].ticket, claim.ticket);
    assert_eq!(again[0].respond_by, claim.respond_by);
    assert_eq!(
        e.view(&claim.ticket).await.messages.len(),
        1,
        "the message once"
    );
}
