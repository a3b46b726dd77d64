//! The whole local stack in one process: the emulator with every resource of the template, the
//! protocol sandboxes, the demo tenant, and the real handlers of every function — the poller on
//! its schedule, the ingest and escalation workers on their queues, the schedule firer, the SLA
//! sweep — plus a trickle of realistic buyer messages. `marketdesk dev` serves the API on top.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use aws_config::SdkConfig;
use chrono::Utc;
use marketdesk::adapters::dynamo::DynamoStore;
use marketdesk::adapters::s3::S3MailBlobs;
use marketdesk::adapters::scheduler::{
    EventBridgePollSchedules, EventBridgeScheduler, PollTarget, ScheduleTarget,
};
use marketdesk::adapters::secrets::SecretsManager;
use marketdesk::adapters::sqs::{SqsEventSink, SqsOutboundQueue};
use marketdesk::connectors::HttpConfig;
use marketdesk::connectors::accounts::{ChannelClients, LiveContext};
use marketdesk::connectors::amazon::solicitations::AccountSolicitations;
use marketdesk::connectors::carrier_accounts::TenantTrackers;
use marketdesk::connectors::slack::SlackWebhook;
use marketdesk::domain::{Channel, TenantId, TicketStatus};
use marketdesk::escalation::EscalationConfig;
use marketdesk::ingest::Ingestor;
use marketdesk::polling::{PollSettings, Poller};
use marketdesk::review_requests::service::ReviewPlanner;
use marketdesk::store::{AccountStore, PageRequest, TicketQueue, TicketStore};
use marketdesk_sandboxes::mail::{GeneratedKind, MailGenerator, deliver};
use tokio::task::JoinHandle;

use crate::demo::{DEMO_TENANT, seed_accounts, seed_orders};
use crate::emulator::{Emulator, default_venv, sdk_config_for};
use crate::sandboxes::Sandboxes;
use crate::template::{Resources, StackResources};

/// The role schedules assume (the emulator does not check it).
const SCHEDULER_ROLE: &str = "arn:aws:iam::123456789012:role/marketdesk-scheduler";
/// What accounts' poll schedules name as their target. The emulator stores recurring schedules
/// but never fires them; the stack's poll loop polls every enabled account of the store instead,
/// so an account connected through the API is polled from the next round.
const LOCAL_POLLER_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:marketdesk-poller";

/// Choices of `marketdesk dev`.
#[derive(Debug, Clone)]
pub struct Options {
    pub emulator_port: u16,
    /// Seeds the sandboxes' data and the generated messages.
    pub seed: u64,
    /// New buyer messages per minute after the first ones; 0 for none.
    pub rate_per_minute: f64,
    /// How often each account is polled (deployed: every few minutes).
    pub poll_every: Duration,
    /// Frontend links in Slack alerts.
    pub frontend_url: String,
    /// Days of demo history seeded through the write path (0 for none: the stack starts faster).
    pub history_days: i64,
    /// Timeouts and retries of the marketplace, carrier and Slack clients.
    pub http: HttpConfig,
    /// The sender's claim lease (`MARKETDESK_SENDER_LEASE_SECONDS` deployed).
    pub sender_lease: chrono::TimeDelta,
    /// How far back each poll reads again, for messages a channel lists late.
    pub poll_overlap: chrono::TimeDelta,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            emulator_port: 0,
            seed: 1,
            rate_per_minute: 6.0,
            poll_every: Duration::from_secs(15),
            frontend_url: "http://localhost:3000".into(),
            history_days: 30,
            http: HttpConfig::default(),
            sender_lease: chrono::TimeDelta::minutes(15),
            poll_overlap: PollSettings::default().overlap,
        }
    }
}

pub struct LocalStack {
    pub emulator: Emulator,
    pub config: SdkConfig,
    pub resources: StackResources,
    pub sandboxes: Arc<Sandboxes>,
    pub store: DynamoStore,
    pub tenant: TenantId,
    tasks: Vec<JoinHandle<()>>,
}

type Error = Box<dyn std::error::Error + Send + Sync>;

impl LocalStack {
    /// Creates everything and seeds the demo tenant; nothing runs until [`LocalStack::run`].
    pub async fn create(options: &Options) -> Result<LocalStack, Error> {
        let emulator = Emulator::start_with(&default_venv(), options.emulator_port)?;
        let config = sdk_config_for(&emulator.endpoint()).await;
        let resources = Resources::from_template()?
            .create(&config, "marketdesk")
            .await?;
        let store = DynamoStore::from_config(&config, &resources.table);
        let tenant = TenantId::parse(DEMO_TENANT)?;
        seed_accounts(&store, &tenant, Utc::now()).await?;
        seed_orders(&store, &tenant, Utc::now()).await?;
        let sandboxes = Sandboxes::start(options.seed, Utc::now()).await?;
        sandboxes.store_secrets(&config, &tenant).await?;
        Ok(LocalStack {
            emulator,
            config,
            resources,
            sandboxes: Arc::new(sandboxes),
            store,
            tenant,
            tasks: Vec::new(),
        })
    }

    /// The settings the template gives the functions, for this stack's resources.
    pub fn settings(&self) -> marketdesk::config::Settings {
        marketdesk::config::Settings {
            table: self.resources.table.clone(),
            ingest_queue_url: Some(self.resources.queue("IngestQueue").url.clone()),
            escalation_queue_url: Some(self.resources.queue("EscalationQueue").url.clone()),
            escalation_queue_arn: Some(self.resources.queue("EscalationQueue").arn.clone()),
            outbound_queue_url: Some(self.resources.queue("OutboundQueue").url.clone()),
            schedule_group: Some(self.resources.schedule_group.clone()),
            scheduler_role_arn: Some(SCHEDULER_ROLE.into()),
            mail_bucket: Some(self.resources.mail_bucket.clone()),
            carriers_secret: Some(Sandboxes::CARRIERS_SECRET.into()),
            ..Default::default()
        }
    }

    /// The carrier trackers the stack's API refreshes shipments with, built as the deployed
    /// API builds them (the carriers secret the settings name, under each tenant's own).
    pub async fn trackers(&self) -> Result<TenantTrackers<SecretsManager>, Error> {
        let clients = ChannelClients::new(
            SecretsManager::from_config(&self.config),
            self.sandboxes.endpoints(),
            HttpConfig::default(),
        );
        Ok(TenantTrackers::from_settings(Arc::new(clients), &self.settings()).await?)
    }

    /// The accounts' clients the stack's API asks Amazon's Messaging API through (order
    /// actions), built as the deployed API builds them.
    pub fn order_messaging(&self) -> Arc<ChannelClients<SecretsManager>> {
        Arc::new(ChannelClients::new(
            SecretsManager::from_config(&self.config),
            self.sandboxes.endpoints(),
            HttpConfig::default(),
        ))
    }

    /// Where the API writes connected accounts' credentials and poll schedules: the emulator's
    /// Secrets Manager (which the stack's pollers read) and its Scheduler.
    pub fn account_provisioning(&self) -> (SecretsManager, EventBridgePollSchedules) {
        (
            SecretsManager::from_config(&self.config),
            EventBridgePollSchedules::from_config(
                &self.config,
                PollTarget {
                    group: self.resources.schedule_group.clone(),
                    function_arn: LOCAL_POLLER_ARN.into(),
                    role_arn: SCHEDULER_ROLE.into(),
                },
            ),
        )
    }

    /// The tickets' SLA escalation schedules in the emulator, as ingestion and the sender
    /// keep them (the API's status changes use it too).
    pub fn escalation_scheduler(&self) -> EventBridgeScheduler {
        EventBridgeScheduler::new(
            aws_sdk_scheduler::Client::new(&self.config),
            ScheduleTarget {
                group: self.resources.schedule_group.clone(),
                queue_arn: self.resources.queue("EscalationQueue").arn.clone(),
                role_arn: SCHEDULER_ROLE.into(),
            },
        )
    }

    /// The functions' handlers, built as their `main`s build them, for this stack's resources
    /// and sandboxes. [`LocalStack::run`] runs them; the chaos run runs them under faults.
    pub async fn workers(&self, options: &Options) -> Result<Workers, Error> {
        let config = self.config.clone();
        let sqs = aws_sdk_sqs::Client::new(&config);
        let ingest_queue = self.resources.queue("IngestQueue").clone();
        let http = options.http;
        let secrets = || SecretsManager::from_config(&config);
        let endpoints = self.sandboxes.endpoints();
        let clients = || ChannelClients::new(secrets(), endpoints.clone(), http);

        // The carrier credentials are a deployment secret like any other, read the way the
        // deployed functions read it (`MARKETDESK_CARRIERS_SECRET`).
        let settings = self.settings();
        let live =
            LiveContext::from_settings(secrets(), &settings, endpoints.clone(), http).await?;
        let ingest = Arc::new(ingest::Worker::new(
            Ingestor::new(
                self.store.clone(),
                S3MailBlobs::from_config(&config),
                live,
                self.escalation_scheduler(),
            )
            .with_outbound(Arc::new(SqsOutboundQueue::new(
                sqs.clone(),
                self.resources.queue("OutboundQueue").url.clone(),
            )))
            .with_review_requests(Arc::new(ReviewPlanner::new(
                self.store.clone(),
                self.escalation_scheduler(),
            ))),
        ));

        let slack = SlackWebhook::lazy(
            "escalations",
            marketdesk::connectors::Secret::new(self.sandboxes.slack.webhook_url("escalations")),
            http,
        );
        let escalator = Arc::new(
            escalator::Escalator::new(
                self.store.clone(),
                slack,
                EscalationConfig {
                    frontend_url: options.frontend_url.clone(),
                    fallback_assignee: None,
                },
            )
            .with_review_requests(AccountSolicitations::new(Arc::new(clients())))
            .with_health(marketdesk::reports::health::WatchSettings::default()),
        );
        // The sender: replies by SES from the demo accounts' approved addresses (verified on
        // the emulator as they would be in SES), eBay replies through the sandbox.
        let ses = aws_sdk_sesv2::Client::new(&config);
        for address in ["assistenza@demo-shop.example", "ciao@demo-shop.example"] {
            ses.create_email_identity()
                .email_identity(address)
                .send()
                .await
                .map_err(|e| {
                    format!(
                        "{address}: {}",
                        aws_sdk_sesv2::error::DisplayErrorContext(e)
                    )
                })?;
        }
        let sender = Arc::new(sender::Sender {
            store: self.store.clone(),
            mail: marketdesk::adapters::ses::SesMailTransport::from_config(&config),
            channels: clients(),
            scheduler: self.escalation_scheduler(),
            notifier: SlackWebhook::lazy(
                "send-failures",
                marketdesk::connectors::Secret::new(
                    self.sandboxes.slack.webhook_url("escalations"),
                ),
                http,
            ),
            config: Default::default(),
            frontend_url: Some(options.frontend_url.clone()),
            lease: options.sender_lease,
            outbound: Arc::new(SqsOutboundQueue::new(
                sqs.clone(),
                self.resources.queue("OutboundQueue").url.clone(),
            )),
        });
        let poller = Arc::new(poller::PollerFunction {
            poller: Poller {
                store: self.store.clone(),
                sink: SqsEventSink::new(sqs.clone(), &ingest_queue.url),
                settings: PollSettings {
                    first_lookback: chrono::Duration::days(30),
                    overlap: options.poll_overlap,
                    ..Default::default()
                },
            },
            clients: clients(),
        });
        Ok(Workers {
            ingest,
            escalator,
            sender,
            poller,
        })
    }

    /// Polls every enabled account of the stack's tenant once, as its schedules would.
    pub async fn poll_all(&self, poller: &LocalPoller) {
        poll_accounts(&self.store, &self.tenant, poller).await;
    }

    /// Starts the functions' handlers and the trickle as background tasks.
    pub async fn run(&mut self, options: &Options) -> Result<(), Error> {
        let config = self.config.clone();
        let sqs = aws_sdk_sqs::Client::new(&config);
        let ingest_queue = self.resources.queue("IngestQueue").clone();
        let escalation_queue = self.resources.queue("EscalationQueue").clone();
        let Workers {
            ingest: worker,
            escalator,
            sender,
            poller,
        } = self.workers(options).await?;
        self.spawn(crate::queues::run(
            sqs.clone(),
            ingest_queue.url.clone(),
            move |event| {
                let worker = worker.clone();
                async move { worker.handle(event).await }
            },
            Duration::from_millis(500),
        ));
        let sqs_escalator = escalator.clone();
        self.spawn(crate::queues::run(
            sqs.clone(),
            escalation_queue.url.clone(),
            move |event| {
                let escalator = sqs_escalator.clone();
                async move { escalator.handle_sqs(event, Utc::now()).await }
            },
            Duration::from_millis(500),
        ));
        let outbox = sender.clone();
        self.spawn(crate::queues::run(
            sqs.clone(),
            self.resources.queue("OutboundQueue").url.clone(),
            move |event| {
                let sender = sender.clone();
                async move { sender.handle_sqs(event, Utc::now()).await }
            },
            Duration::from_millis(500),
        ));

        let tenants = vec![self.tenant.clone()];
        // The sweep acts on thresholds already past when a ticket arrives (imported histories);
        // locally every minute, so `make dev` shows those alerts soon after the first polls.
        self.spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                if let Err(err) = escalator.sweep(&tenants, Utc::now()).await {
                    tracing::warn!(error = %err, "SLA sweep");
                }
                if let Err(err) = outbox.sweep(&tenants, Utc::now()).await {
                    tracing::warn!(error = %err, "outbox sweep");
                }
            }
        });
        self.spawn(crate::scheduler::run(
            config.clone(),
            self.resources.schedule_group.clone(),
            Duration::from_secs(5),
            Utc::now,
        ));

        let (store, tenant, every) = (self.store.clone(), self.tenant.clone(), options.poll_every);
        self.spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                poll_accounts(&store, &tenant, &poller).await;
            }
        });

        let trickle = Trickle {
            sandboxes: self.sandboxes.clone(),
            s3: marketdesk::adapters::aws::s3_client(&config),
            sqs,
            bucket: self.resources.mail_bucket.clone(),
            queue_url: ingest_queue.url.clone(),
            tenant: self.tenant.clone(),
            mails: MailGenerator::new(
                options.seed,
                self.sandboxes
                    .amazon
                    .orders()
                    .iter()
                    .filter_map(|o| o["orderId"].as_str().map(str::to_owned))
                    .collect(),
                self.sandboxes
                    .shopify
                    .store_orders()
                    .into_iter()
                    .map(|(name, _, _)| name)
                    .collect(),
            )
            .with_shop(self.sandboxes.shopify.config()),
            turn: 0,
        };
        let rate = options.rate_per_minute;
        self.spawn(trickle.run(rate));

        // Past activity through the live write path, so reports show figures. In the
        // background: the pollers' first tickets of every channel need not wait for it.
        if options.history_days > 0 {
            let (store, tenant) = (self.store.clone(), self.tenant.clone());
            let (days, seed) = (options.history_days, options.seed);
            self.spawn(async move {
                let started = std::time::Instant::now();
                match crate::history::seed_history(&store, &tenant, Utc::now(), days, seed).await {
                    Ok(history) => tracing::info!(
                        target: "demo_history",
                        tickets = history.tickets,
                        replies = history.replies,
                        still_open = history.still_open,
                        seconds = started.elapsed().as_secs(),
                        "demo history seeded"
                    ),
                    Err(err) => {
                        tracing::warn!(target: "demo_history", error = %err, "demo history")
                    }
                }
            });
        }
        Ok(())
    }

    fn spawn(&mut self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        self.tasks.push(tokio::spawn(task));
    }

    /// Waits until open tickets of Amazon, eBay and Shopify, each with its order, are listed;
    /// then says how many per channel (JSON), or fails after `patience` saying what is there.
    pub async fn inbox_summary(&self, patience: Duration) -> Result<serde_json::Value, Error> {
        let started = std::time::Instant::now();
        loop {
            let page = self
                .store
                .queue(
                    &self.tenant,
                    &TicketQueue::Status(TicketStatus::Open),
                    &PageRequest::first(100),
                )
                .await?;
            let mut per_channel: BTreeMap<Channel, (usize, usize)> = BTreeMap::new();
            for t in &page.items {
                let entry = per_channel.entry(t.channel).or_default();
                entry.0 += 1;
                entry.1 += usize::from(t.order.is_some());
            }
            let every = [Channel::Amazon, Channel::Ebay, Channel::Shopify]
                .iter()
                .all(|c| {
                    per_channel
                        .get(c)
                        .is_some_and(|(_, with_order)| *with_order > 0)
                });
            if every {
                let channels: BTreeMap<_, _> = per_channel
                    .iter()
                    .map(|(c, (n, with_order))| {
                        (
                            c.as_str(),
                            serde_json::json!({"tickets": n, "with_order": with_order}),
                        )
                    })
                    .collect();
                return Ok(serde_json::json!({
                    "seconds": started.elapsed().as_secs(),
                    "open_tickets": channels,
                }));
            }
            if started.elapsed() > patience {
                return Err(format!(
                    "after {} s the inbox holds (tickets, with order) {per_channel:?}",
                    patience.as_secs()
                )
                .into());
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    /// Stops every task; the emulator stops when the stack is dropped.
    pub fn stop(&mut self) {
        for task in self.tasks.drain(..) {
            task.abort();
        }
    }
}

/// The handlers of the stack's functions (see [`LocalStack::workers`]).
pub struct Workers {
    pub ingest: Arc<IngestWorker>,
    pub escalator: Arc<LocalEscalator>,
    pub sender: Arc<LocalSender>,
    pub poller: Arc<LocalPoller>,
}

pub type IngestWorker =
    ingest::Worker<DynamoStore, S3MailBlobs, LiveContext<SecretsManager>, EventBridgeScheduler>;
pub type LocalEscalator =
    escalator::Escalator<DynamoStore, SlackWebhook, AccountSolicitations<SecretsManager>>;
pub type LocalSender = sender::Sender<
    DynamoStore,
    marketdesk::adapters::ses::SesMailTransport,
    ChannelClients<SecretsManager>,
    EventBridgeScheduler,
    SlackWebhook,
>;
pub type LocalPoller = poller::PollerFunction<DynamoStore, SqsEventSink, SecretsManager>;

async fn poll_accounts(store: &DynamoStore, tenant: &TenantId, poller: &LocalPoller) {
    let accounts = match store.accounts(tenant).await {
        Ok(accounts) => accounts,
        Err(err) => {
            tracing::warn!(error = %err, "listing accounts");
            return;
        }
    };
    for account in accounts.into_iter().filter(|a| a.enabled) {
        let request = poller::PollRequest {
            tenant: tenant.clone(),
            account: account.id.clone(),
        };
        let run = format!("local-{}", ulid::Ulid::generate());
        if let Err(err) = poller.handle(request, &run, Utc::now()).await {
            tracing::warn!(account = %account.id, error = %err, "poll");
        }
    }
}

/// New buyer messages arriving over time: relay and store e-mails through S3 and the ingest
/// queue (as SES delivers them), eBay messages in the eBay sandbox (for the poller to find).
struct Trickle {
    sandboxes: Arc<Sandboxes>,
    s3: aws_sdk_s3::Client,
    sqs: aws_sdk_sqs::Client,
    bucket: String,
    queue_url: String,
    tenant: TenantId,
    mails: MailGenerator,
    turn: usize,
}

const EBAY_FOLLOW_UPS: &[&str] = &[
    "Buongiorno, ci sono novità sulla spedizione?",
    "Hello, the tracking has not moved for three days. Can you check?",
    "L'articolo è arrivato ma manca un pezzo, come posso fare?",
    "Hallo, kann ich die Bestellung noch stornieren?",
    "Bonjour, pouvez-vous m'envoyer la facture ?",
];

impl Trickle {
    async fn run(mut self, rate_per_minute: f64) {
        // The first messages arrive at once: every channel shows in the inbox within a poll.
        let mut first = (0, 0);
        for _ in 0..20 {
            if first.0 >= 3 && first.1 >= 2 {
                break;
            }
            let mail = self.mails.next(Utc::now());
            let store = mail.kind == GeneratedKind::StoreCustomer;
            if (store && first.1 >= 2) || (!store && first.0 >= 3) {
                continue;
            }
            if self.deliver(&mail).await {
                if store { first.1 += 1 } else { first.0 += 1 }
            }
        }
        if rate_per_minute <= 0.0 {
            return;
        }
        let every = Duration::from_secs_f64(60.0 / rate_per_minute);
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        loop {
            tick.tick().await;
            self.turn += 1;
            if self.turn.is_multiple_of(5) {
                self.amazon_shipment().await;
            } else if self.turn.is_multiple_of(3) {
                self.ebay_message();
            } else {
                let mail = self.mails.next(Utc::now());
                self.deliver(&mail).await;
            }
        }
    }

    async fn deliver(&self, mail: &marketdesk_sandboxes::mail::GeneratedMail) -> bool {
        match deliver(
            &self.s3,
            &self.sqs,
            &self.bucket,
            &self.queue_url,
            self.tenant.as_str(),
            mail,
        )
        .await
        {
            Ok(_) => true,
            Err(err) => {
                tracing::warn!(error = %err, "trickle mail");
                false
            }
        }
    }

    /// The seller ships an unshipped Amazon order; SP-API puts its ORDER_CHANGE notification on
    /// the ingest queue.
    async fn amazon_shipment(&self) {
        let amazon = &self.sandboxes.amazon;
        let Some(id) = amazon
            .orders()
            .iter()
            .find(|o| o["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED")
            .and_then(|o| o["orderId"].as_str().map(str::to_owned))
        else {
            return;
        };
        let Some(notification) = amazon.ship_order(&id, Utc::now()) else {
            return;
        };
        let sent = self
            .sqs
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(notification.to_string())
            .send()
            .await;
        if let Err(err) = sent {
            tracing::warn!(error = %aws_sdk_sqs::error::DisplayErrorContext(err), "trickle order change");
        }
    }

    /// A buyer of one of the eBay sandbox's orders writes about it.
    fn ebay_message(&self) {
        let orders = self.sandboxes.ebay.orders();
        if orders.is_empty() {
            return;
        }
        let order = &orders[self.turn % orders.len()];
        let buyer = order["buyer"]["username"].as_str().unwrap_or("buyer");
        let listing = order["lineItems"][0]["legacyItemId"].as_str();
        let body = EBAY_FOLLOW_UPS[self.turn % EBAY_FOLLOW_UPS.len()];
        self.sandboxes
            .ebay
            .add_buyer_message(buyer, listing, body, Utc::now());
    }
}
