//! `marketdesk chaos` (`make chaos`): the whole local stack — emulator, sandboxes, every
//! function's handler — under a bounded, seeded load of buyer messages and agent replies while
//! faults are injected everywhere they happen in production:
//!
//! - a share of marketplace and carrier calls fail (429 with Retry-After, 5xx, timeouts, answers
//!   after the timeout, truncated and invalid JSON, expired tokens) and some Slack posts too;
//! - the emulator throttles a share of DynamoDB writes (`ProvisionedThroughputExceededException`);
//! - the queues leave a share of completed records for redelivery;
//! - ingest, sender and escalator workers are killed mid-batch (their task aborted) and started
//!   again: the queue's visibility timeout brings their records back.
//!
//! At the end it checks the table, the SES outbox, the eBay sandbox and the Slack sink against
//! its own ledger and prints one summary line; any loss or duplicate is an error.

mod ledger;

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use aws_sdk_sqs::types::QueueAttributeName;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::Utc;
use clap::Args;
use marketdesk::auth::{DevTokens, Role};
use marketdesk::connectors::HttpConfig;
use marketdesk::domain::{AgentId, TenantId};
use marketdesk_devstack::local::{LocalStack, Options};
use marketdesk_devstack::queues::Redelivery;
use marketdesk_sandboxes::mail::{MailGenerator, deliver};
use marketdesk_sandboxes::rng::Rng;
use marketdesk_sandboxes::{Fault, RandomFaults};
use tokio::task::JoinHandle;
use tower::ServiceExt;

pub use ledger::{Delivery, Inbound, InboundKind, Ledger, Observed, Reply, Summary, verify};

type Error = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, Args)]
pub struct ChaosArgs {
    /// Seeds the sandboxes, the messages, the faults and the kills.
    #[arg(long, env = "CHAOS_SEED", default_value_t = 1)]
    pub seed: u64,
    /// Buyer messages across the channels (relay and store e-mail, eBay messages, order changes).
    #[arg(long, env = "CHAOS_MESSAGES", default_value_t = 2000)]
    pub messages: usize,
    /// Agent replies posted through the API.
    #[arg(long, env = "CHAOS_REPLIES", default_value_t = 200)]
    pub replies: usize,
    /// Workers killed mid-batch.
    #[arg(long, env = "CHAOS_KILLS", default_value_t = 5)]
    pub kills: usize,
    /// Share of marketplace and carrier calls that fail, in percent.
    #[arg(long, env = "CHAOS_FAULT_PERCENT", default_value_t = 20)]
    pub fault_percent: u64,
    /// Share of completed queue records delivered again, in percent.
    #[arg(long, env = "CHAOS_REDELIVER_PERCENT", default_value_t = 10)]
    pub redeliver_percent: u64,
    /// Share of DynamoDB writes the emulator throttles, in percent.
    #[arg(long, env = "CHAOS_THROTTLE_PERCENT", default_value_t = 5.0)]
    pub throttle_percent: f64,
    /// Seconds the stack may take to settle after the last message before what is missing
    /// counts as lost.
    #[arg(long, env = "CHAOS_PATIENCE_SECONDS", default_value_t = 180)]
    pub patience_seconds: u64,
}

pub async fn run(args: ChaosArgs) -> Result<(), Error> {
    let summary = chaos(&args).await?;
    for problem in summary.problems.iter().chain(&summary.incomplete) {
        eprintln!("chaos: {problem}");
    }
    println!("{summary}");
    if summary.clean() {
        Ok(())
    } else {
        Err(format!(
            "the chaos run (seed {}) lost or duplicated something, or could not inject what \
             it should: see the lines above",
            args.seed
        )
        .into())
    }
}

/// How long a record stays invisible after a receive (devstack::queues).
const VISIBILITY: Duration = Duration::from_secs(5);

pub async fn chaos(args: &ChaosArgs) -> Result<Summary, Error> {
    let started = Instant::now();
    let options = Options {
        seed: args.seed,
        rate_per_minute: 0.0,
        history_days: 0,
        // Short client timeouts, so an injected hang is a timeout within a second or two.
        http: HttpConfig {
            timeout: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(1),
            ..HttpConfig::default()
        },
        // A send interrupted by a kill is reported (`outcome_unknown`) within the run.
        sender_lease: chrono::TimeDelta::seconds(10),
        // Deployed, a poll every few minutes reads the last 2 minutes again; polled every few
        // seconds here, the same overlap would hand ingest each message dozens of times.
        poll_overlap: chrono::TimeDelta::seconds(15),
        ..Options::default()
    };
    let stack = Arc::new(LocalStack::create(&options).await?);
    let workers = stack.workers(&options).await?;
    let sqs = aws_sdk_sqs::Client::new(&stack.config);
    let mut rng = Rng::new(args.seed ^ 0xC4A0_5EED);

    inject_faults(&stack, args);
    // The sandbox announces a raised usage plan (as Amazon's `x-amzn-RateLimit-Limit` does for
    // such accounts): at the default getOrder rate (0.5/s) the run's order lookups alone would
    // take half an hour, and the run measures loss and duplication, not Amazon's quota.
    stack.sandboxes.amazon.set_rate_limit_header(Some(20.0));
    stack
        .emulator
        .set_write_throttle(args.throttle_percent, args.seed)
        .await?;
    let redelivery = Arc::new(Redelivery::new(args.redeliver_percent, args.seed));

    // The queue workers, a few instances each (deployed: up to 10), restartable after a kill.
    let url = |id: &str| stack.resources.queue(id).url.clone();
    let ingest = workers.ingest.clone();
    let mut ingest = Pool::start(
        "ingest",
        3,
        sqs.clone(),
        url("IngestQueue"),
        redelivery.clone(),
        Arc::new(move |event| {
            let ingest = ingest.clone();
            Box::pin(async move { ingest.handle(event).await })
        }),
    );
    let sender = workers.sender.clone();
    let mut outbound = Pool::start(
        "sender",
        2,
        sqs.clone(),
        url("OutboundQueue"),
        redelivery.clone(),
        Arc::new(move |event| {
            let sender = sender.clone();
            Box::pin(async move { sender.handle_sqs(event, Utc::now()).await })
        }),
    );
    let escalator = workers.escalator.clone();
    let mut escalation = Pool::start(
        "escalator",
        2,
        sqs.clone(),
        url("EscalationQueue"),
        redelivery.clone(),
        Arc::new(move |event| {
            let escalator = escalator.clone();
            Box::pin(async move { escalator.handle_sqs(event, Utc::now()).await })
        }),
    );

    // What schedules and EventBridge do: polls, sweeps, one-time SLA schedules.
    let mut background: Vec<JoinHandle<()>> = Vec::new();
    {
        let (polled, poller) = (stack.clone(), workers.poller.clone());
        background.push(tokio::spawn(async move {
            loop {
                polled.poll_all(&poller).await;
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }));
        let tenants = vec![stack.tenant.clone()];
        let (escalator, sender) = (workers.escalator.clone(), workers.sender.clone());
        background.push(tokio::spawn(async move {
            loop {
                // Deployed every 5 minutes; it reads the open queue, which the emulator does in
                // time proportional to the table.
                tokio::time::sleep(Duration::from_secs(20)).await;
                if let Err(err) = escalator.sweep(&tenants, Utc::now()).await {
                    tracing::warn!(error = %err, "SLA sweep");
                }
                if let Err(err) = sender.sweep(&tenants, Utc::now()).await {
                    tracing::warn!(error = %err, "outbox sweep");
                }
            }
        }));
        background.push(tokio::spawn(marketdesk_devstack::scheduler::run(
            stack.config.clone(),
            stack.resources.schedule_group.clone(),
            Duration::from_secs(5),
            Utc::now,
        )));
    }

    let mut driver = Driver::new(&stack, args.seed)?;
    let api = ApiClient::new(&stack);
    let mut ledger = Ledger::default();
    let mut kills = 0;
    let chunk = 25;
    let kill_every = args.messages / (args.kills + 1).max(1);
    let mut next_kill = kill_every.max(1);
    while ledger.inbound.len() < args.messages {
        for _ in 0..chunk.min(args.messages - ledger.inbound.len()) {
            let inbound = driver.next(&stack, &sqs, &mut rng).await?;
            ledger.inbound.push(inbound);
        }
        // Replies keep pace with the messages, starting once there are tickets to answer.
        let due = args.replies * ledger.inbound.len() / args.messages.max(1);
        let due = if ledger.inbound.len() >= args.messages / 5 {
            due
        } else {
            0
        };
        while ledger.replies.len() < due {
            match api.reply(&mut rng, ledger.replies.len()).await? {
                Some(reply) => ledger.replies.push(reply),
                None => break,
            }
        }
        while kills < args.kills && ledger.inbound.len() >= next_kill {
            // Mostly ingest (always busy), the sender once replies flow, now and then the
            // escalator; ingest when the chosen one has no batch in progress.
            let preferred = match kills % 4 {
                1 if !ledger.replies.is_empty() => &mut outbound,
                3 => &mut escalation,
                _ => &mut ingest,
            };
            let hit =
                preferred.kill_mid_batch(&mut rng).await || ingest.kill_mid_batch(&mut rng).await;
            if !hit {
                break;
            }
            kills += 1;
            next_kill += kill_every;
        }
        tracing::info!(
            messages = ledger.inbound.len(),
            replies = ledger.replies.len(),
            seconds = started.elapsed().as_secs(),
            "chaos: progress"
        );
        // Backpressure: the queue may hold a few batches, not the whole run.
        while depth(&sqs, &url("IngestQueue"), false).await > 150 {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    // Replies still owed (few tickets early on), then the kills still owed.
    let owed_until = Instant::now() + Duration::from_secs(args.patience_seconds);
    while ledger.replies.len() < args.replies && Instant::now() < owed_until {
        match api.reply(&mut rng, ledger.replies.len()).await? {
            Some(reply) => ledger.replies.push(reply),
            None => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
    let mut attempts = 0;
    while kills < args.kills && attempts < 20 {
        attempts += 1;
        for target in [&mut outbound, &mut ingest, &mut escalation] {
            if kills < args.kills && target.kill_mid_batch(&mut rng).await {
                kills += 1;
            }
        }
    }
    eprintln!(
        "chaos: {} messages and {} replies in after {} s; {kills} kill(s) mid-batch; settling",
        ledger.inbound.len(),
        ledger.replies.len(),
        started.elapsed().as_secs()
    );

    // Settle: every queue empty, every message accounted for, every reply sent or reported.
    let deadline = Instant::now() + Duration::from_secs(args.patience_seconds);
    let mut observed;
    loop {
        tokio::time::sleep(VISIBILITY).await;
        let mut depths = Vec::new();
        for id in ["IngestQueue", "OutboundQueue", "EscalationQueue"] {
            depths.push(depth(&sqs, &url(id), true).await);
        }
        let busy: usize = depths.iter().sum();
        let late = Instant::now() > deadline;
        if busy > 0 && !late {
            eprintln!(
                "chaos: records still in the queues (ingest, outbound, escalation): {depths:?}"
            );
            continue;
        }
        // A full scan: only once the queues are quiet, it would slow the workers otherwise.
        observed = observe(&stack).await?;
        let summary = verify(&ledger, &observed);
        let unsettled = summary.lost + summary.replies_lost;
        if unsettled == 0 || late {
            break;
        }
        eprintln!("chaos: {unsettled} message(s) or replies not yet accounted for");
    }
    // The last tickets' past thresholds: one more sweep, as the next scheduled one would.
    if let Err(err) = workers
        .escalator
        .sweep(std::slice::from_ref(&stack.tenant), Utc::now())
        .await
    {
        tracing::warn!(error = %err, "SLA sweep");
    }
    observed.alert_keys = alert_keys(&stack.sandboxes.slack.delivered());

    let (throttled, requests) = stack.emulator.set_write_throttle(0.0, 0).await?;
    tracing::info!(%requests, "chaos: emulator requests by operation");
    for task in background {
        task.abort();
    }
    ingest.stop();
    outbound.stop();
    escalation.stop();
    let s = &stack.sandboxes;
    eprintln!(
        "chaos: seed {} in {} s: {} marketplace/carrier faults, {} Slack faults, {throttled} \
         DynamoDB writes throttled, {} records redelivered, {kills} worker kill(s) mid-batch",
        args.seed,
        started.elapsed().as_secs(),
        s.amazon.faults().faulted()
            + s.ebay.faults().faulted()
            + s.shopify.faults().faulted()
            + s.carriers.faults().faulted(),
        s.slack.faults().faulted(),
        redelivery.redelivered(),
    );
    let mut summary = verify(&ledger, &observed);
    if kills < args.kills {
        summary.incomplete.push(format!(
            "only {kills} of {} kills hit a worker mid-batch",
            args.kills
        ));
    }
    if ledger.replies.len() < args.replies {
        summary.incomplete.push(format!(
            "only {} of {} replies were accepted",
            ledger.replies.len(),
            args.replies
        ));
    }
    Ok(summary)
}

/// The faults of every marketplace and carrier sandbox (and fewer, unambiguous ones of Slack).
fn inject_faults(stack: &LocalStack, args: &ChaosArgs) {
    use marketdesk_sandboxes::{amazon, carriers, ebay};
    let faults = vec![
        Fault::Throttle {
            retry_after: Some(1),
        },
        Fault::ServerError(500),
        Fault::ServerError(503),
        // Longer than the clients' 2 s timeout: a hang, and an answer after giving up.
        Fault::Delay(Duration::from_secs(3)),
        Fault::SlowAnswer(Duration::from_secs(3)),
        Fault::TruncatedBody,
        Fault::InvalidJson,
        Fault::ExpiredToken,
    ];
    let token_routes = vec![
        amazon::REFRESH_TOKEN_ROUTE.to_owned(),
        ebay::REFRESH_TOKEN_ROUTE.to_owned(),
        carriers::UPS_TOKEN_ROUTE.to_owned(),
        carriers::FEDEX_TOKEN_ROUTE.to_owned(),
        carriers::USPS_TOKEN_ROUTE.to_owned(),
    ];
    let s = &stack.sandboxes;
    for (i, sandbox) in [
        s.amazon.faults(),
        s.ebay.faults(),
        s.shopify.faults(),
        s.carriers.faults(),
    ]
    .into_iter()
    .enumerate()
    {
        sandbox.set_random(Some(RandomFaults {
            seed: args.seed.wrapping_add(i as u64 + 1),
            percent: args.fault_percent,
            faults: faults.clone(),
            spared: Vec::new(),
            token_routes: token_routes.clone(),
        }));
    }
    s.slack.faults().set_random(Some(RandomFaults {
        seed: args.seed.wrapping_add(9),
        percent: args.fault_percent / 2,
        faults: vec![
            Fault::Throttle {
                retry_after: Some(1),
            },
            Fault::ServerError(503),
        ],
        spared: Vec::new(),
        token_routes: Vec::new(),
    }));
}

type Handler =
    Arc<dyn Fn(SqsEvent) -> Pin<Box<dyn Future<Output = SqsBatchResponse> + Send>> + Send + Sync>;

/// The concurrent instances of one queue's worker (what Lambda's event source mapping runs, up
/// to its maximum concurrency), each of which can be killed mid-batch and started again, as
/// Lambda would after a crash.
struct Pool {
    name: &'static str,
    sqs: aws_sdk_sqs::Client,
    url: String,
    redelivery: Arc<Redelivery>,
    handler: Handler,
    /// Per instance: batches being handled right now, and its task.
    instances: Vec<(Arc<AtomicUsize>, JoinHandle<()>)>,
}

/// Counts a batch as in progress until it completes or its task is aborted.
struct Busy(Arc<AtomicUsize>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Pool {
    fn start(
        name: &'static str,
        instances: usize,
        sqs: aws_sdk_sqs::Client,
        url: String,
        redelivery: Arc<Redelivery>,
        handler: Handler,
    ) -> Pool {
        let mut pool = Pool {
            name,
            sqs,
            url,
            redelivery,
            handler,
            instances: Vec::new(),
        };
        for _ in 0..instances.max(1) {
            let busy = Arc::new(AtomicUsize::new(0));
            let task = pool.spawn(&busy);
            pool.instances.push((busy, task));
        }
        pool
    }

    fn spawn(&self, busy: &Arc<AtomicUsize>) -> JoinHandle<()> {
        let (handler, busy) = (self.handler.clone(), busy.clone());
        tokio::spawn(marketdesk_devstack::queues::run_with(
            self.sqs.clone(),
            self.url.clone(),
            move |event| {
                let (handler, busy) = (handler.clone(), busy.clone());
                async move {
                    busy.fetch_add(1, Ordering::SeqCst);
                    let _busy = Busy(busy);
                    handler(event).await
                }
            },
            // Idle instances poll once a second: the emulator serves every receive in Python.
            Duration::from_secs(1),
            Some(self.redelivery.clone()),
        ))
    }

    /// Waits (up to 5 s) for an instance with a batch in progress, lets it run a random few
    /// milliseconds, then aborts it and starts a new one. Whether a batch was cut short.
    async fn kill_mid_batch(&mut self, rng: &mut Rng) -> bool {
        let waited = Instant::now();
        let index = loop {
            if let Some(i) = self
                .instances
                .iter()
                .position(|(busy, _)| busy.load(Ordering::SeqCst) > 0)
            {
                break i;
            }
            if waited.elapsed() > Duration::from_secs(5) {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        };
        tokio::time::sleep(Duration::from_millis(rng.below(150))).await;
        let (busy, task) = &mut self.instances[index];
        let mid_batch = busy.load(Ordering::SeqCst) > 0;
        task.abort();
        // The aborted batch's records stay invisible until their timeout, then come back.
        let _ = task.await;
        let busy = busy.clone();
        tracing::info!(
            worker = self.name,
            instance = index,
            mid_batch,
            "chaos: worker killed"
        );
        self.instances[index].1 = self.spawn(&busy);
        mid_batch
    }

    fn stop(&self) {
        for (_, task) in &self.instances {
            task.abort();
        }
    }
}

/// Messages visible (and, with `in_flight`, received and not yet deleted) on a queue.
async fn depth(sqs: &aws_sdk_sqs::Client, url: &str, in_flight: bool) -> usize {
    let out = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await;
    let Ok(out) = out else { return usize::MAX };
    let count = |name| {
        out.attributes()
            .and_then(|a| a.get(&name))
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0)
    };
    count(QueueAttributeName::ApproximateNumberOfMessages)
        + if in_flight {
            count(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        } else {
            0
        }
}

const EBAY_MESSAGES: &[&str] = &[
    "Buongiorno, ci sono novità sulla spedizione?",
    "Hello, the tracking has not moved for three days. Can you check?",
    "L'articolo è arrivato ma manca un pezzo, come posso fare?",
    "Hallo, kann ich die Bestellung noch stornieren?",
    "Bonjour, pouvez-vous m'envoyer la facture ?",
    "Hola, ¿cuándo llegará mi pedido?",
];

/// Makes the buyer messages: what the sandboxes and the mail generator already produce.
struct Driver {
    mails: MailGenerator,
    s3: aws_sdk_s3::Client,
    ebay_orders: Vec<(String, Option<String>)>,
    next_order: u64,
    tenant: TenantId,
}

impl Driver {
    fn new(stack: &LocalStack, seed: u64) -> Result<Driver, Error> {
        let s = &stack.sandboxes;
        let mails = MailGenerator::new(
            seed,
            s.amazon
                .orders()
                .iter()
                .filter_map(|o| o["orderId"].as_str().map(str::to_owned))
                .collect(),
            s.shopify
                .store_orders()
                .into_iter()
                .map(|(name, _, _)| name)
                .collect(),
        )
        .with_shop(s.shopify.config());
        let ebay_orders = s
            .ebay
            .orders()
            .iter()
            .map(|o| {
                (
                    o["buyer"]["username"]
                        .as_str()
                        .unwrap_or("buyer")
                        .to_owned(),
                    o["lineItems"][0]["legacyItemId"]
                        .as_str()
                        .map(str::to_owned),
                )
            })
            .collect::<Vec<_>>();
        if ebay_orders.is_empty() {
            return Err("the eBay sandbox has no orders to write about".into());
        }
        Ok(Driver {
            mails,
            s3: marketdesk::adapters::aws::s3_client(&stack.config),
            ebay_orders,
            next_order: seed.wrapping_mul(7919),
            tenant: stack.tenant.clone(),
        })
    }

    /// One more buyer message: a relay or store mail (55 %), an eBay message (30 %) or an
    /// Amazon order shipped with its ORDER_CHANGE notification (15 %).
    async fn next(
        &mut self,
        stack: &LocalStack,
        sqs: &aws_sdk_sqs::Client,
        rng: &mut Rng,
    ) -> Result<Inbound, Error> {
        let now = Utc::now();
        let roll = rng.below(100);
        let ingest_url = &stack.resources.queue("IngestQueue").url;
        if roll < 55 {
            // Now and then a mail that took a day to arrive: its SLA thresholds are past, so
            // the sweep alerts on it.
            let at = if rng.chance(8) {
                now - chrono::TimeDelta::hours(rng.range(13, 30) as i64)
            } else {
                now
            };
            let mail = self.mails.next(at);
            let key = deliver(
                &self.s3,
                sqs,
                &stack.resources.mail_bucket,
                ingest_url,
                self.tenant.as_str(),
                &mail,
            )
            .await?;
            return Ok(Inbound {
                kind: InboundKind::Mail,
                external: mail.message_id,
                needle: key,
            });
        }
        if roll < 85 {
            let (buyer, listing) = rng.pick(&self.ebay_orders).clone();
            let body = rng.pick(EBAY_MESSAGES);
            let (_, id) =
                stack
                    .sandboxes
                    .ebay
                    .add_buyer_message(&buyer, listing.as_deref(), body, now);
            return Ok(Inbound {
                kind: InboundKind::EbayMessage,
                needle: format!("\"{id}\""),
                external: id,
            });
        }
        let amazon = &stack.sandboxes.amazon;
        let id = loop {
            self.next_order += 1;
            let order = marketdesk_sandboxes::amazon::sample_order(
                self.next_order,
                "APJ6JRA9NG5V4",
                now - chrono::TimeDelta::hours(2),
            );
            let id = order["orderId"].as_str().unwrap_or_default().to_owned();
            if !id.is_empty() && amazon.order(&id).is_none() {
                amazon.add_order(order);
                break id;
            }
        };
        let notification = amazon
            .ship_order(&id, now)
            .ok_or_else(|| format!("order {id} vanished from the Amazon sandbox"))?;
        sqs.send_message()
            .queue_url(ingest_url)
            .message_body(notification.to_string())
            .send()
            .await
            .map_err(|e| aws_sdk_sqs::error::DisplayErrorContext(e).to_string())?;
        Ok(Inbound {
            kind: InboundKind::OrderChange,
            needle: format!("\"{id}\""),
            external: id,
        })
    }
}

/// Agents replying through the real API router (what `marketdesk dev` serves).
struct ApiClient {
    app: axum::Router,
    token: String,
    replied: std::sync::Mutex<HashSet<String>>,
    /// Open tickets of the last inbox page not replied to yet, with their version.
    candidates: std::sync::Mutex<Vec<(String, u64)>>,
}

impl ApiClient {
    fn new(stack: &LocalStack) -> ApiClient {
        let secret = format!("chaos-{:x}", Utc::now().timestamp_nanos_opt().unwrap_or(0));
        let tokens = DevTokens::new(secret.clone().into_bytes());
        let token = tokens.mint(
            &stack.tenant,
            &AgentId::parse("chaos-agent").expect("valid agent id"),
            Role::Agent,
            Utc::now().timestamp() + 24 * 3600,
        );
        let outbound = marketdesk::adapters::sqs::SqsOutboundQueue::new(
            aws_sdk_sqs::Client::new(&stack.config),
            stack.resources.queue("OutboundQueue").url.clone(),
        );
        let app = api::app(
            api::AppState::local(stack.store.clone(), outbound, tokens)
                .with_escalations(stack.escalation_scheduler()),
        );
        ApiClient {
            app,
            token,
            replied: Default::default(),
            candidates: Default::default(),
        }
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<(StatusCode, serde_json::Value), Error> {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {}", self.token))
            .header("content-type", "application/json")
            .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))?;
        let response = self.app.clone().oneshot(request).await?;
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024).await?;
        let value = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        Ok((status, value))
    }

    /// Replies to an open ticket not answered yet in this run; `None` when there is none.
    /// Tickets come from one inbox page at a time (at the version it lists); a lost race (409)
    /// or a throttled write (5xx) is retried with the ticket read again, as an agent's browser
    /// would.
    async fn reply(&self, rng: &mut Rng, n: usize) -> Result<Option<Reply>, Error> {
        if self.candidates.lock().unwrap().is_empty() {
            let (status, page) = self
                .call("GET", "/v1/tickets?status=open&limit=100", None)
                .await?;
            if !status.is_success() {
                return Ok(None);
            }
            let replied = self.replied.lock().unwrap().clone();
            *self.candidates.lock().unwrap() = page["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| Some((t["id"].as_str()?.to_owned(), t["version"].as_u64()?)))
                .filter(|(id, _)| !replied.contains(id))
                .collect();
        }
        let (ticket, mut version) = {
            let mut candidates = self.candidates.lock().unwrap();
            if candidates.is_empty() {
                return Ok(None);
            }
            let i = rng.below(candidates.len() as u64) as usize;
            candidates.swap_remove(i)
        };
        self.replied.lock().unwrap().insert(ticket.clone());
        let reference = format!("C{:05}", n + 1);
        let body = format!(
            "Buongiorno, grazie per il messaggio. Stiamo verificando la sua richiesta e le \
             rispondiamo al più presto. Cordiali saluti. Rif. {reference}"
        );
        for _ in 0..10 {
            let (status, answer) = self
                .call(
                    "POST",
                    &format!("/v1/tickets/{ticket}/replies"),
                    Some(serde_json::json!({"body": body, "expected_version": version})),
                )
                .await?;
            match status {
                StatusCode::ACCEPTED => {
                    let message = answer["message"]["id"]
                        .as_str()
                        .ok_or("a 202 reply names its message")?
                        .to_owned();
                    return Ok(Some(Reply { message, reference }));
                }
                StatusCode::CONFLICT => {}
                s if s.is_server_error() => tokio::time::sleep(Duration::from_millis(200)).await,
                other => {
                    tracing::warn!(%ticket, %other, %answer, "chaos: reply refused");
                    return Ok(None);
                }
            }
            let (status, view) = self
                .call("GET", &format!("/v1/tickets/{ticket}"), None)
                .await?;
            if status.is_success() {
                version = view["ticket"]["version"].as_u64().unwrap_or(version);
            }
        }
        Ok(None)
    }
}

/// Reads what the run left behind: every message and order item of the table, the quarantine,
/// the SES outbox and eBay's sent messages.
async fn observe(stack: &LocalStack) -> Result<Observed, Error> {
    let mut observed = Observed::default();
    let dynamo = aws_sdk_dynamodb::Client::new(&stack.config);
    let mut start = None;
    loop {
        let page = dynamo
            .scan()
            .table_name(&stack.resources.table)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())?;
        for item in page.items() {
            let value: serde_json::Value = serde_dynamo::from_item(item.clone())?;
            let (pk, sk) = (
                value["PK"].as_str().unwrap_or_default(),
                value["SK"].as_str().unwrap_or_default(),
            );
            if sk.starts_with("MSG#") {
                if value["direction"] == "inbound" {
                    if let Some(id) = value["external"]["message_id"].as_str() {
                        let id = id.trim_start_matches('<').trim_end_matches('>');
                        *observed.stored.entry(id.to_owned()).or_default() += 1;
                    }
                } else if let Some(id) = value["id"].as_str() {
                    let delivery = match value["delivery"]["state"].as_str() {
                        Some("delivered") => Delivery::Delivered,
                        Some("failed") => Delivery::Failed(
                            value["delivery"]["reason"]
                                .as_str()
                                .unwrap_or_default()
                                .to_owned(),
                        ),
                        _ => Delivery::Queued,
                    };
                    observed.deliveries.insert(id.to_owned(), delivery);
                }
            } else if pk.contains("#ORD#amazon#") && sk == "A#META" {
                let shipped = value["status"]
                    .as_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case("shipped"));
                if shipped && let Some(id) = pk.rsplit('#').next() {
                    observed.shipped_orders.insert(id.to_owned());
                }
            } else if pk.ends_with("#QUAR") {
                observed
                    .quarantined
                    .push(value["payload"].as_str().unwrap_or_default().to_owned());
            }
        }
        match page.last_evaluated_key() {
            Some(key) => start = Some(key.clone()),
            None => break,
        }
    }
    for raw in stack.emulator.sent_mail().await? {
        for line in raw.lines() {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            if name.eq_ignore_ascii_case("message-id") {
                let id = value.trim().trim_start_matches('<');
                let id = id.split('@').next().unwrap_or_default();
                *observed.sends.entry(id.to_owned()).or_default() += 1;
            }
        }
    }
    for (_, message) in stack.sandboxes.ebay.sent() {
        let text = message.to_string();
        if let Some(at) = text.find("Rif. C") {
            let reference: String = text[at + 5..].chars().take(6).collect();
            *observed.sends.entry(reference).or_default() += 1;
        }
    }
    Ok(observed)
}

/// One key per Slack post: an SLA alert (or a send failure) is its ticket link and footer
/// (deadline, policy, threshold); any other post is all of it.
fn alert_keys(posts: &[serde_json::Value]) -> Vec<String> {
    posts
        .iter()
        .map(|post| {
            let blocks = post["blocks"].as_array().cloned().unwrap_or_default();
            let links: Vec<&str> = blocks
                .iter()
                .filter(|b| b["type"] == "actions")
                .flat_map(|b| b["elements"].as_array().into_iter().flatten())
                .filter_map(|e| e["url"].as_str())
                .collect();
            let footer: Vec<&str> = blocks
                .iter()
                .filter(|b| b["type"] == "context")
                .flat_map(|b| b["elements"].as_array().into_iter().flatten())
                .filter_map(|e| e["text"].as_str())
                .collect();
            if links.is_empty() {
                // Account-health warnings and digests: a second crossing or another day reads
                // differently, the same post twice reads the same.
                post.to_string()
            } else {
                format!("{} {}", links.join(" "), footer.join(" "))
            }
        })
        .collect()
}
