//! Fixtures shared by the tests in this folder: realistic domain values built around a given
//! instant. The emulator and fresh tables come from `marketdesk_devstack::testing`.

use chrono::{DateTime, Duration, Utc};
use marketdesk::domain::*;
use marketdesk::store::{InboundWrite, SeenKey, ThreadKey};

pub fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("valid RFC 3339")
        .to_utc()
}

pub fn tenant(id: &str) -> TenantId {
    TenantId::parse(id).expect("valid tenant id")
}

/// A new Amazon.it ticket for a buyer message sent at `sent`, due 24 h later.
pub fn new_ticket(tenant: &TenantId, sent: DateTime<Utc>) -> Ticket {
    let id = TicketId::generate(sent);
    Ticket {
        thread: format!(
            "x7k2m9q@marketplace.amazon.it|305-1234567-{}",
            &id.as_str()[20..]
        ),
        id,
        tenant: tenant.clone(),
        channel: Channel::Amazon,
        account: AccountId::parse("acct_amazon_it").unwrap(),
        subject: "Dov'è il mio ordine 305-1234567-1234567?".into(),
        status: TicketStatus::Open,
        priority: Priority::Normal,
        assignee: None,
        tags: Default::default(),
        intent: Some(Intent::WhereIsMyOrder),
        risk: None,
        customer: CustomerId::generate(sent),
        order: Some(OrderRef {
            channel: Channel::Amazon,
            order: OrderId::parse("305-1234567-1234567").unwrap(),
        }),
        sla: SlaState {
            policy: Some("amazon".into()),
            clock_started_at: Some(sent),
            due_at: Some(sent + Duration::hours(24)),
            internal_due_at: Some(sent + Duration::hours(12)),
            // The seed policy's first warning (50 % of 24 h), as `sla::advance` sets it.
            warning_at: Some(sent + Duration::hours(12)),
            history: vec![marketdesk::sla::ClockEvent {
                at: sent,
                kind: marketdesk::sla::ClockEventKind::BuyerMessage,
            }],
            ..Default::default()
        },
        message_count: 1,
        last_buyer_message_at: Some(sent),
        last_agent_reply_at: None,
        sources: Default::default(),
        suggested_draft: None,
        draft: None,
        language: Some("it".into()),
        created_at: sent,
        updated_at: sent,
        version: 0,
    }
}

pub fn buyer_message(ticket: &Ticket, external_id: &str, sent: DateTime<Utc>) -> Message {
    Message {
        id: MessageId::generate(sent),
        ticket: ticket.id.clone(),
        direction: Direction::Inbound,
        author: AuthorKind::Buyer,
        author_name: Some("Giulia".into()),
        subject: Some(ticket.subject.clone()),
        body: "Buongiorno, il pacco non è ancora arrivato. Potete controllare?".into(),
        language: Some("it".into()),
        attachments: vec![Attachment {
            filename: "foto.jpg".into(),
            content_type: "image/jpeg".into(),
            size_bytes: 48_213,
            location: Some("mail/2026/abc.eml#2".into()),
        }],
        external: ExternalRefs {
            message_id: Some(external_id.into()),
            ..Default::default()
        },
        sent_at: sent,
        received_at: sent + Duration::seconds(90),
        delivery: None,
    }
}

/// The write that records the first buyer message of a new ticket.
pub fn first_inbound(ticket: &Ticket, external_id: &str) -> InboundWrite {
    let sent = ticket.created_at;
    let message = buyer_message(ticket, external_id, sent);
    // The facts ingestion records with a buyer message (reports: an open message).
    let policies = marketdesk::sla::seed_policies();
    let report = marketdesk::reports::Recorder {
        tz: marketdesk::reports::tenant_time_zone(&policies),
        policies: &policies,
    }
    .on_arrival(
        None,
        ticket,
        &marketdesk::reports::record::Arrival {
            message: &message.id,
            at: sent,
            from_buyer: true,
            needs_answer: true,
            risk: None,
            new_ticket: true,
        },
    );
    InboundWrite {
        seen: SeenKey {
            source: "amazon-mail".into(),
            external_id: external_id.into(),
        },
        ticket: ticket.clone(),
        expected_version: None,
        message,
        auto_reply: None,
        thread: Some(ThreadKey {
            channel: ticket.channel,
            external: ticket.thread.clone(),
        }),
        events: vec![TicketEvent {
            id: EventId::generate(sent),
            ticket: ticket.id.clone(),
            at: sent,
            actor: AuthorKind::System,
            kind: TicketEventKind::Created,
        }],
        links: Vec::new(),
        new_customer: None,
        new_identities: Vec::new(),
        order: None,
        report,
    }
}

/// An Amazon FBM order of two mugs with one BRT shipment in transit.
pub fn sample_order(updated: &str, status: &str) -> Order {
    Order {
        channel: Channel::Amazon,
        id: OrderId::parse("305-1234567-1234567").unwrap(),
        account: AccountId::parse("acct_amazon_it").unwrap(),
        marketplace_id: "APJ6JRA9NG5V4".into(),
        status: status.into(),
        fulfillment: FulfillmentChannel::Merchant,
        purchased_at: at("2026-05-28T10:00:00Z"),
        buyer_name: Some("Giulia".into()),
        buyer_identities: Vec::new(),
        total: Some(Money {
            minor: 2999,
            currency: "EUR".into(),
        }),
        items: vec![OrderItem {
            product_id: "B0C1234567".into(),
            sku: Some("MUG-RED".into()),
            title: "Tazza rossa".into(),
            quantity: 2,
            unit_price: Some(Money {
                minor: 1499,
                currency: "EUR".into(),
            }),
        }],
        shipments: vec![Shipment {
            carrier: "brt".into(),
            tracking_number: "123456789012".into(),
            tracking_url: None,
            status: ShipmentStatus::InTransit,
            events: vec![],
            estimated_delivery: None,
            checked_at: None,
        }],
        updated_at: at(updated),
        version: 1,
    }
}

pub mod pipeline {
    //! The ingestion pipeline on the emulator with every sandbox: what the poller and order
    //! notification tests share.

    use std::sync::Arc;
    use std::time::Duration;

    use chrono::{DateTime, Utc};
    use marketdesk::adapters::dynamo::DynamoStore;
    use marketdesk::adapters::s3::S3MailBlobs;
    use marketdesk::adapters::secrets::SecretsManager;
    use marketdesk::connectors::accounts::{ChannelClients, LiveContext};
    use marketdesk::connectors::carrier_accounts::TenantTrackers;
    use marketdesk::connectors::{HttpConfig, RetryPolicy};
    use marketdesk::domain::{TenantId, Ticket, TicketStatus};
    use marketdesk::escalation::NoSchedules;
    use marketdesk::ingest::Ingestor;
    use marketdesk::store::{AccountStore, PageRequest, TicketQueue, TicketStore};
    use marketdesk_devstack::demo::demo_accounts;
    use marketdesk_devstack::queues;
    use marketdesk_devstack::sandboxes::Sandboxes;
    use marketdesk_devstack::testing::{TestStack, fresh_stack};

    pub type Worker =
        ingest::Worker<DynamoStore, S3MailBlobs, LiveContext<SecretsManager>, NoSchedules>;

    /// Short timeouts and retries: faults injected by a test fail fast.
    pub fn http() -> HttpConfig {
        HttpConfig {
            timeout: Duration::from_millis(800),
            connect_timeout: Duration::from_millis(500),
            retry: RetryPolicy {
                min_delay: Duration::from_millis(5),
                max_delay: Duration::from_millis(20),
                max_attempts: 2,
                budget: Duration::from_secs(3),
            },
        }
    }

    /// The tests' present; the sandboxes' data is dated the day before.
    pub fn now() -> DateTime<Utc> {
        "2026-11-02T00:00:00Z".parse().expect("valid")
    }

    pub struct Pipeline {
        pub stack: TestStack,
        pub tenant: TenantId,
        pub sandboxes: Sandboxes,
        pub worker: Worker,
        pub sqs: aws_sdk_sqs::Client,
    }

    impl Pipeline {
        /// Fresh resources, every sandbox, the demo accounts of tenant `acme` with their
        /// credentials in the emulator's Secrets Manager, and the ingest worker.
        pub async fn start() -> Pipeline {
            let stack = fresh_stack().await;
            let tenant = TenantId::parse("acme").expect("valid");
            let sandboxes = Sandboxes::start(1, now() - chrono::Duration::days(1))
                .await
                .expect("sandboxes start");
            for account in demo_accounts(&tenant, now()) {
                stack
                    .store
                    .save_account(&account, None)
                    .await
                    .expect("saved");
            }
            sandboxes
                .store_secrets(&stack.config, &tenant)
                .await
                .expect("secrets stored");
            let sqs = aws_sdk_sqs::Client::new(&stack.config);
            Pipeline {
                worker: ingest::Worker::new(Ingestor::new(
                    stack.store.clone(),
                    S3MailBlobs::from_config(&stack.config),
                    {
                        // Orders from the channels; no carrier credentials (links only).
                        let clients = Arc::new(ChannelClients::new(
                            SecretsManager::from_config(&stack.config),
                            sandboxes.endpoints(),
                            http(),
                        ));
                        LiveContext {
                            tracker: TenantTrackers::new(clients.clone(), Default::default()),
                            clients,
                        }
                    },
                    NoSchedules,
                )),
                stack,
                tenant,
                sandboxes,
                sqs,
            }
        }

        /// Channel clients of this pipeline's accounts, pointed at the sandboxes.
        pub fn clients(&self) -> ChannelClients<SecretsManager> {
            ChannelClients::new(
                SecretsManager::from_config(&self.stack.config),
                self.sandboxes.endpoints(),
                http(),
            )
        }

        pub fn ingest_queue(&self) -> &str {
            &self.stack.resources.queue("IngestQueue").url
        }

        /// Runs the ingest worker until the ingest queue is empty, retries included.
        pub async fn ingest(&self) -> usize {
            queues::settle(
                &self.sqs,
                self.ingest_queue(),
                &|event| self.worker.handle(event),
                Duration::from_secs(30),
            )
            .await
            .expect("the ingest queue settles")
        }

        pub async fn open(&self) -> Vec<Ticket> {
            self.stack
                .store
                .queue(
                    &self.tenant,
                    &TicketQueue::Status(TicketStatus::Open),
                    &PageRequest::first(100),
                )
                .await
                .expect("inbox")
                .items
        }
    }
}
