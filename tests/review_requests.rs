//! Amazon review requests end to end (decision 0022) on the emulator and the SP-API sandbox:
//! an ORDER_CHANGE notification of a delivered order goes through the ingest worker, which
//! creates the order's one schedule; the local schedule firer delivers it to the escalation
//! queue; the escalator decides and asks the Solicitations sandbox. The sandbox judges Amazon's
//! window on the real clock, so these tests date deliveries from `Utc::now()`.

use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::sqs::SqsEvent;
use chrono::{TimeDelta, Utc};
use escalator::Escalator;
use marketdesk::adapters::s3::S3MailBlobs;
use marketdesk::adapters::scheduler::{EventBridgeScheduler, ScheduleTarget};
use marketdesk::adapters::secrets::SecretsManager;
use marketdesk::connectors::Secret;
use marketdesk::connectors::accounts::{ChannelClients, LiveContext};
use marketdesk::connectors::amazon::solicitations::AccountSolicitations;
use marketdesk::connectors::carrier_accounts::TenantTrackers;
use marketdesk::connectors::slack::SlackWebhook;
use marketdesk::domain::audit::action;
use marketdesk::domain::*;
use marketdesk::escalation::{EscalationConfig, NoSchedules};
use marketdesk::ingest::Ingestor;
use marketdesk::review_requests::service::ReviewPlanner;
use marketdesk::review_requests::{ReviewRequestSettings, SkipReason};
use marketdesk::store::*;
use marketdesk_devstack::queues;
use marketdesk_devstack::scheduler::fire_due;
use marketdesk_tests::pipeline::{Pipeline, http};
use marketdesk_tests::{first_inbound, new_ticket};
use serde_json::Value;

type Worker = ingest::Worker<
    marketdesk::adapters::dynamo::DynamoStore,
    S3MailBlobs,
    LiveContext<SecretsManager>,
    NoSchedules,
>;

struct Env {
    p: Pipeline,
    ingest: Worker,
    escalator: Escalator<
        marketdesk::adapters::dynamo::DynamoStore,
        SlackWebhook,
        AccountSolicitations<SecretsManager>,
    >,
}

async fn env(settings: ReviewRequestSettings) -> Env {
    let p = Pipeline::start().await;
    let resources = &p.stack.resources;
    let scheduler = EventBridgeScheduler::from_config(
        &p.stack.config,
        ScheduleTarget {
            group: resources.schedule_group.clone(),
            queue_arn: resources.queue("EscalationQueue").arn.clone(),
            role_arn: "arn:aws:iam::123456789012:role/marketdesk-scheduler".into(),
        },
    );
    let clients = || {
        Arc::new(ChannelClients::new(
            SecretsManager::from_config(&p.stack.config),
            p.sandboxes.endpoints(),
            http(),
        ))
    };
    let live = LiveContext {
        tracker: TenantTrackers::new(clients(), Default::default()),
        clients: clients(),
    };
    let ingest = ingest::Worker::new(
        Ingestor::new(
            p.stack.store.clone(),
            S3MailBlobs::from_config(&p.stack.config),
            live,
            NoSchedules,
        )
        .with_review_requests(Arc::new(ReviewPlanner::new(
            p.stack.store.clone(),
            scheduler,
        ))),
    );
    let webhook = SlackWebhook::lazy(
        "escalations",
        Secret::new(p.sandboxes.slack.webhook_url("escalations")),
        http(),
    );
    let escalator = Escalator::new(
        p.stack.store.clone(),
        webhook,
        EscalationConfig {
            frontend_url: "https://app.example".into(),
            fallback_assignee: None,
        },
    )
    .with_review_requests(AccountSolicitations::new(clients()));
    let admin = AgentId::parse("admin").unwrap();
    let now = Utc::now();
    let audit = AuditEntry::new(
        now,
        admin.as_str(),
        action::REVIEW_REQUESTS_CHANGE,
        "review-requests",
        serde_json::json!({}),
    );
    p.stack
        .store
        .save_review_settings(&p.tenant, &settings, None, &audit, &admin, now)
        .await
        .unwrap();
    Env {
        p,
        ingest,
        escalator,
    }
}

fn opted_in() -> ReviewRequestSettings {
    ReviewRequestSettings {
        enabled: true,
        days_after_delivery: 5,
        ..ReviewRequestSettings::default()
    }
}

impl Env {
    /// An unshipped merchant-fulfilled order of the sandbox, delivered `days` ago, with the
    /// notification Amazon sends about it.
    fn delivered(&self, nth: usize, days: i64) -> (OrderId, Value) {
        let amazon = &self.p.sandboxes.amazon;
        let order = amazon
            .orders()
            .into_iter()
            .filter(|o| {
                o["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
                    && o["fulfillment"]["fulfilledBy"] == "MERCHANT"
            })
            .nth(nth)
            .expect("enough unshipped FBM orders");
        let id = order["orderId"].as_str().unwrap().to_owned();
        let notification = amazon
            .deliver_order(&id, Utc::now() - TimeDelta::days(days))
            .unwrap();
        (OrderId::parse(id).unwrap(), notification)
    }

    async fn notify(&self, notification: &Value) {
        self.p
            .sqs
            .send_message()
            .queue_url(self.p.ingest_queue())
            .message_body(notification.to_string())
            .send()
            .await
            .unwrap();
        queues::settle(
            &self.p.sqs,
            self.p.ingest_queue(),
            &|event| self.ingest.handle(event),
            Duration::from_secs(30),
        )
        .await
        .unwrap();
    }

    /// Names of the review-request schedules in the group.
    async fn schedules(&self) -> Vec<String> {
        let out = aws_sdk_scheduler::Client::new(&self.p.stack.config)
            .list_schedules()
            .group_name(&self.p.stack.resources.schedule_group)
            .send()
            .await
            .unwrap();
        out.schedules()
            .iter()
            .filter_map(|s| s.name().map(str::to_owned))
            .filter(|n| n.starts_with("rr-"))
            .collect()
    }

    fn escalation_queue(&self) -> &str {
        &self.p.stack.resources.queue("EscalationQueue").url
    }

    /// Fires what is due within `ahead`, then runs the escalator until its queue is empty.
    async fn fire(&self, ahead: TimeDelta) -> Vec<String> {
        let fired = fire_due(
            &self.p.stack.config,
            &self.p.stack.resources.schedule_group,
            Utc::now() + ahead,
        )
        .await
        .unwrap();
        self.escalate().await;
        fired
    }

    async fn escalate(&self) {
        queues::settle(
            &self.p.sqs,
            self.escalation_queue(),
            &|event: SqsEvent| async move { self.escalator.handle_sqs(event, Utc::now()).await },
            Duration::from_secs(30),
        )
        .await
        .unwrap();
    }

    async fn record(&self, order: &OrderId) -> Option<ReviewRequestRecord> {
        self.p
            .stack
            .store
            .review_request(&self.p.tenant, order)
            .await
            .unwrap()
    }

    async fn counts(&self) -> ReviewCounts {
        let today = Utc::now().date_naive();
        self.p
            .stack
            .store
            .review_counts(&self.p.tenant, today - TimeDelta::days(1), today)
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn an_order_delivered_six_days_ago_gets_exactly_one_solicitation_though_fired_twice() {
    let e = env(opted_in()).await;
    let (order, notification) = e.delivered(0, 6);
    e.notify(&notification).await;
    // A second save of the delivered order (a redelivered notification) adds no schedule.
    e.notify(&notification).await;
    let schedules = e.schedules().await;
    assert_eq!(schedules.len(), 1, "{schedules:?}");

    // The schedule's payload, kept to deliver it again as a second firing / SQS redelivery.
    let input = aws_sdk_scheduler::Client::new(&e.p.stack.config)
        .get_schedule()
        .group_name(&e.p.stack.resources.schedule_group)
        .name(&schedules[0])
        .send()
        .await
        .unwrap()
        .target()
        .and_then(|t| t.input().map(str::to_owned))
        .unwrap();
    let fired = e.fire(TimeDelta::minutes(2)).await;
    assert_eq!(fired, schedules);
    for _ in 0..2 {
        e.p.sqs
            .send_message()
            .queue_url(e.escalation_queue())
            .message_body(&input)
            .send()
            .await
            .unwrap();
    }
    e.escalate().await;

    assert_eq!(e.p.sandboxes.amazon.solicitations_for(order.as_str()), 1);
    assert_eq!(e.p.sandboxes.amazon.solicitations().len(), 1);
    let record = e.record(&order).await.unwrap();
    assert_eq!(record.outcome, ReviewOutcome::Sent);
    assert_eq!(e.counts().await.sent, 1);
}

#[tokio::test]
async fn an_order_with_an_open_claim_gets_none_and_the_report_says_why() {
    let e = env(opted_in()).await;
    let (order, notification) = e.delivered(1, 6);
    e.notify(&notification).await;
    // The buyer opened an A-to-z claim about the order (the claim notice's ticket).
    let stored =
        e.p.stack
            .store
            .order(&e.p.tenant, Channel::Amazon, &order)
            .await
            .unwrap()
            .unwrap();
    let mut ticket = new_ticket(&e.p.tenant, Utc::now() - TimeDelta::hours(3));
    ticket.order = Some(stored.reference());
    ticket.risk = Some(Risk::AToZClaim);
    e.p.stack
        .store
        .record_inbound(&first_inbound(&ticket, "claim-1"))
        .await
        .unwrap();

    e.fire(TimeDelta::minutes(2)).await;
    assert_eq!(e.p.sandboxes.amazon.solicitations().len(), 0);
    let record = e.record(&order).await.unwrap();
    assert_eq!(
        record.outcome,
        ReviewOutcome::Skipped {
            reason: SkipReason::Claim
        }
    );
    let counts = e.counts().await;
    assert_eq!(counts.sent, 0);
    assert_eq!(counts.skipped.get("claim"), Some(&1));
}

#[tokio::test]
async fn an_order_delivered_three_days_ago_is_scheduled_for_the_chosen_day_not_sent_now() {
    let mut settings = opted_in();
    settings.days_after_delivery = 7;
    let e = env(settings).await;
    let (order, notification) = e.delivered(2, 3);
    e.notify(&notification).await;
    let schedules = e.schedules().await;
    assert_eq!(schedules.len(), 1);
    let schedule = aws_sdk_scheduler::Client::new(&e.p.stack.config)
        .get_schedule()
        .group_name(&e.p.stack.resources.schedule_group)
        .name(&schedules[0])
        .send()
        .await
        .unwrap();
    let due = (Utc::now() + TimeDelta::days(4)).date_naive();
    assert!(
        schedule
            .schedule_expression()
            .unwrap()
            .starts_with(&due.format("at(%Y-%m-%dT").to_string()),
        "{:?}",
        schedule.schedule_expression()
    );
    assert!(e.fire(TimeDelta::minutes(2)).await.is_empty());
    assert!(e.record(&order).await.is_none());
    assert!(e.p.sandboxes.amazon.solicitations().is_empty());
}

#[tokio::test]
async fn an_opted_out_tenant_gets_nothing_scheduled() {
    let e = env(ReviewRequestSettings::default()).await;
    let (_, notification) = e.delivered(3, 6);
    e.notify(&notification).await;
    assert!(e.schedules().await.is_empty());
    assert!(e.fire(TimeDelta::minutes(2)).await.is_empty());
    assert!(e.p.sandboxes.amazon.solicitations().is_empty());
}
