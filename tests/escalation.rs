//! SLA escalation end to end on the emulator: a ticket's deadline becomes EventBridge Scheduler
//! schedules, the local firer delivers them into the escalation queue as time advances, and the
//! escalator alerts the Slack sandbox once per threshold, in order — through a redelivered
//! trigger, a sweep racing the schedules, a lost schedule and a ticket answered in time.

use aws_config::SdkConfig;
use aws_lambda_events::event::sqs::SqsEvent;
use chrono::{DateTime, Duration, Utc};
use escalator::Escalator;
use marketdesk::adapters::dynamo::DynamoStore;
use marketdesk::adapters::scheduler::{EventBridgeScheduler, ScheduleTarget};
use marketdesk::connectors::http::{HttpConfig, Secret};
use marketdesk::connectors::slack::SlackWebhook;
use marketdesk::domain::*;
use marketdesk::escalation::{EscalationConfig, EscalationScheduler};
use marketdesk::sla::seed_policies;
use marketdesk::store::{ConfigStore, TicketStore};
use marketdesk_devstack::scheduler::fire_due;
use marketdesk_devstack::testing::{emulator, unique_prefix};
use marketdesk_devstack::{Resources, StackResources};
use marketdesk_sandboxes::slack::SlackSandbox;
use marketdesk_tests::{at, first_inbound, new_ticket, tenant};

struct Stack {
    config: SdkConfig,
    resources: StackResources,
    store: DynamoStore,
    scheduler: EventBridgeScheduler,
    escalator: Escalator<DynamoStore, SlackWebhook>,
    slack: SlackSandbox,
}

async fn stack() -> Stack {
    let config = emulator().sdk_config().await;
    let resources = Resources::from_template()
        .unwrap()
        .create(&config, &unique_prefix())
        .await
        .unwrap();
    let store = DynamoStore::from_config(&config, &resources.table);
    let scheduler = EventBridgeScheduler::from_config(
        &config,
        ScheduleTarget {
            group: resources.schedule_group.clone(),
            queue_arn: resources.queue("EscalationQueue").arn.clone(),
            role_arn: "arn:aws:iam::123456789012:role/marketdesk-scheduler".into(),
        },
    );
    let slack = SlackSandbox::start().await.unwrap();
    let http = HttpConfig::default();
    let webhook = SlackWebhook::new(
        "escalations",
        Secret::new(slack.webhook_url("escalations")),
        http.build_client(),
        http,
    );
    let escalator = Escalator::new(
        DynamoStore::from_config(&config, &resources.table),
        webhook,
        EscalationConfig {
            frontend_url: "https://app.marketdesk.example".into(),
            fallback_assignee: Some(AgentId::parse("lead-anna").unwrap()),
        },
    );
    Stack {
        config,
        resources,
        store,
        scheduler,
        escalator,
        slack,
    }
}

impl Stack {
    async fn schedule_count(&self) -> usize {
        aws_sdk_scheduler::Client::new(&self.config)
            .list_schedules()
            .group_name(&self.resources.schedule_group)
            .send()
            .await
            .unwrap()
            .schedules()
            .len()
    }

    /// The queue's waiting messages, removed from it, as the Lambda event source would batch them.
    async fn drain_queue(&self) -> SqsEvent {
        let sqs = aws_sdk_sqs::Client::new(&self.config);
        let url = &self.resources.queue("EscalationQueue").url;
        let mut records = Vec::new();
        loop {
            let out = sqs
                .receive_message()
                .queue_url(url)
                .max_number_of_messages(10)
                .send()
                .await
                .unwrap();
            if out.messages().is_empty() {
                break;
            }
            for m in out.messages() {
                records.push(serde_json::json!({
                    "messageId": m.message_id(),
                    "body": m.body(),
                    "eventSource": "aws:sqs",
                }));
                sqs.delete_message()
                    .queue_url(url)
                    .receipt_handle(m.receipt_handle().unwrap())
                    .send()
                    .await
                    .unwrap();
            }
        }
        serde_json::from_value(serde_json::json!({ "Records": records })).unwrap()
    }

    /// Advances time to `now`: fires due schedules, hands the batch to the escalator (twice when
    /// `redeliver`, as SQS may) and returns how many schedules fired.
    async fn advance(&self, now: DateTime<Utc>, redeliver: bool) -> usize {
        let fired = fire_due(&self.config, &self.resources.schedule_group, now)
            .await
            .unwrap();
        let batch = self.drain_queue().await;
        assert_eq!(batch.records.len(), fired.len());
        let rounds = if redeliver { 2 } else { 1 };
        for _ in 0..rounds {
            let response = self.escalator.handle_sqs(batch.clone(), now).await;
            assert!(response.batch_item_failures.is_empty());
        }
        fired.len()
    }

    /// The titles of the alerts Slack showed, in order.
    fn alerts(&self) -> Vec<String> {
        self.slack
            .delivered()
            .iter()
            .map(|p| p["blocks"][0]["text"]["text"].as_str().unwrap().to_string())
            .collect()
    }

    async fn create(&self, ticket: &Ticket, now: DateTime<Utc>) {
        self.store
            .record_inbound(&first_inbound(ticket, &format!("<{}@relay>", ticket.id)))
            .await
            .unwrap();
        self.scheduler
            .sync(None, ticket, &seed_policies(), now)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn warnings_and_breach_fire_in_order_once_each_through_redelivery_and_sweeps() {
    let s = stack().await;
    let demo = tenant("demo");
    let sent = at("2026-03-28T22:30:00Z");
    let ticket = new_ticket(&demo, sent);
    s.create(&ticket, sent + Duration::minutes(2)).await;
    // Amazon: internal breach at 12 h (the 50 % warning coincides), 80 % at 19h12m, breach 24 h.
    assert_eq!(s.schedule_count().await, 3);

    assert_eq!(s.advance(sent + Duration::hours(11), false).await, 0);
    assert!(s.alerts().is_empty());

    assert_eq!(s.advance(sent + Duration::hours(12), true).await, 1);
    s.escalator
        .sweep(
            std::slice::from_ref(&demo),
            sent + Duration::minutes(12 * 60 + 5),
        )
        .await
        .unwrap();
    assert_eq!(s.alerts().len(), 1, "{:?}", s.alerts());

    assert_eq!(
        s.advance(sent + Duration::minutes(19 * 60 + 12), true)
            .await,
        1
    );
    let report = s
        .escalator
        .sweep(std::slice::from_ref(&demo), sent + Duration::hours(20))
        .await
        .unwrap();
    assert_eq!(report.escalated, 0);

    assert_eq!(s.advance(sent + Duration::hours(24), true).await, 1);
    s.escalator
        .sweep(std::slice::from_ref(&demo), sent + Duration::hours(25))
        .await
        .unwrap();

    let alerts = s.alerts();
    assert_eq!(alerts.len(), 3, "{alerts:?}");
    assert!(
        alerts[0].starts_with("Internal SLA target missed"),
        "{alerts:?}"
    );
    assert!(alerts[1].starts_with("SLA warning (80 %)"), "{alerts:?}");
    assert!(alerts[2].starts_with("SLA breached"), "{alerts:?}");
    assert_eq!(
        s.schedule_count().await,
        0,
        "fired schedules delete themselves"
    );

    let view = s
        .store
        .ticket_view(&demo, &ticket.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        view.ticket.priority,
        Priority::Urgent,
        "bumped at each breach"
    );
    assert_eq!(view.ticket.assignee.unwrap().as_str(), "lead-anna");
    assert_eq!(view.ticket.sla.escalated.len(), 3);
    let escalations = view
        .events
        .iter()
        .filter(|e| matches!(e.kind, TicketEventKind::SlaEscalated { .. }))
        .count();
    assert_eq!(escalations, 3);
}

#[tokio::test]
async fn a_ticket_answered_in_time_has_its_schedules_deleted_and_never_alerts() {
    let s = stack().await;
    let demo = tenant("demo");
    let sent = at("2026-03-28T22:30:00Z");
    let ticket = new_ticket(&demo, sent);
    s.create(&ticket, sent + Duration::minutes(1)).await;
    assert_eq!(s.schedule_count().await, 3);

    let replied = sent + Duration::hours(2);
    let ticket = s.store.ticket(&demo, &ticket.id).await.unwrap().unwrap();
    let mut answered = ticket.clone();
    answered.sla.due_at = None;
    answered.sla.internal_due_at = None;
    answered.sla.clock_started_at = None;
    answered.sla.first_response_at = Some(replied);
    answered.last_agent_reply_at = Some(replied);
    let written = s.store.update_ticket(&answered).await.unwrap();
    s.scheduler
        .sync(Some(&ticket), &written, &seed_policies(), replied)
        .await
        .unwrap();
    assert_eq!(s.schedule_count().await, 0);

    assert_eq!(s.advance(sent + Duration::hours(30), false).await, 0);
    s.escalator
        .sweep(std::slice::from_ref(&demo), sent + Duration::hours(30))
        .await
        .unwrap();
    assert!(s.alerts().is_empty(), "{:?}", s.alerts());
}

#[tokio::test]
async fn a_stale_trigger_for_an_answered_ticket_is_acknowledged_without_alerting() {
    let s = stack().await;
    let demo = tenant("demo");
    let sent = at("2026-03-28T22:30:00Z");
    let ticket = new_ticket(&demo, sent);
    s.create(&ticket, sent + Duration::minutes(1)).await;
    // The reply is written but its schedule sync is lost: the schedules still fire.
    let mut answered = s.store.ticket(&demo, &ticket.id).await.unwrap().unwrap();
    answered.sla.due_at = None;
    answered.sla.internal_due_at = None;
    s.store.update_ticket(&answered).await.unwrap();

    assert_eq!(s.advance(sent + Duration::hours(25), false).await, 3);
    assert!(s.alerts().is_empty(), "{:?}", s.alerts());
}

#[tokio::test]
async fn the_sweep_escalates_a_ticket_whose_schedules_were_never_created() {
    let s = stack().await;
    let demo = tenant("demo");
    let sent = at("2026-03-28T22:30:00Z");
    let ticket = new_ticket(&demo, sent);
    s.store
        .record_inbound(&first_inbound(&ticket, "<lost@relay>"))
        .await
        .unwrap();

    let now = sent + Duration::hours(13);
    let report = s
        .escalator
        .sweep(std::slice::from_ref(&demo), now)
        .await
        .unwrap();
    assert_eq!(report.escalated, 1);
    let again = s
        .escalator
        .sweep(std::slice::from_ref(&demo), now + Duration::minutes(5))
        .await
        .unwrap();
    assert_eq!(again.escalated, 0);
    let alerts = s.alerts();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert!(alerts[0].starts_with("Internal SLA target missed"));
}

#[tokio::test]
async fn a_failed_alert_releases_its_claim_so_the_redelivered_trigger_alerts_once() {
    use marketdesk_sandboxes::slack::HookState;
    let s = stack().await;
    let demo = tenant("demo");
    let sent = at("2026-03-28T22:30:00Z");
    let ticket = new_ticket(&demo, sent);
    s.create(&ticket, sent + Duration::minutes(1)).await;
    let now = sent + Duration::hours(12);
    fire_due(&s.config, &s.resources.schedule_group, now)
        .await
        .unwrap();
    let batch = s.drain_queue().await;

    s.slack.set_hook_state("escalations", HookState::Archived);
    let failed = s.escalator.handle_sqs(batch.clone(), now).await;
    assert_eq!(
        failed.batch_item_failures.len(),
        1,
        "reported for redelivery"
    );
    let stored = s.store.ticket(&demo, &ticket.id).await.unwrap().unwrap();
    assert!(stored.sla.escalated.is_empty(), "the claim is released");
    assert_eq!(stored.priority, Priority::Normal, "the bump is undone");

    s.slack.set_hook_state("escalations", HookState::Active);
    let retried = s
        .escalator
        .handle_sqs(batch, now + Duration::minutes(3))
        .await;
    assert!(retried.batch_item_failures.is_empty());
    assert_eq!(s.alerts().len(), 1);
    let stored = s.store.ticket(&demo, &ticket.id).await.unwrap().unwrap();
    assert_eq!(stored.priority, Priority::High);
}

#[tokio::test]
async fn a_ticket_under_a_tenant_only_policy_escalates_by_that_policy() {
    let s = stack().await;
    let acme = tenant("acme");
    // Amazon within 6 h (3 h internally), a policy only this tenant has.
    let mut vip = seed_policies()
        .into_iter()
        .find(|p| p.id == "amazon")
        .unwrap();
    vip.id = "amazon-vip".into();
    vip.first_response.due = marketdesk::sla::SlaDuration::from_hours(6);
    vip.first_response.internal_due = Some(marketdesk::sla::SlaDuration::from_hours(3));
    let sent = at("2026-03-28T22:30:00Z");
    s.store
        .put_policy(
            &acme,
            &vip,
            None,
            &AgentId::parse("admin").unwrap(),
            sent - Duration::days(1),
        )
        .await
        .unwrap();
    let mut ticket = new_ticket(&acme, sent);
    ticket.sla.policy = Some("amazon-vip".into());
    ticket.sla.due_at = Some(sent + Duration::hours(6));
    ticket.sla.internal_due_at = Some(sent + Duration::hours(3));
    s.store
        .record_inbound(&first_inbound(&ticket, "<vip@relay>"))
        .await
        .unwrap();
    s.scheduler
        .sync(None, &ticket, std::slice::from_ref(&vip), sent)
        .await
        .unwrap();

    // Every trigger is judged under the tenant's policy (an unknown one would fail the batch).
    assert_eq!(s.schedule_count().await, 3);
    for at in [
        Duration::hours(3),
        Duration::minutes(4 * 60 + 48),
        Duration::hours(6),
    ] {
        assert_eq!(s.advance(sent + at, false).await, 1);
    }
    let alerts = s.alerts();
    assert_eq!(alerts.len(), 3, "{alerts:?}");
    assert!(alerts[2].starts_with("SLA breached"), "{alerts:?}");
    // The sweep reads the same policies: nothing left to escalate, nothing failed.
    let report = s
        .escalator
        .sweep(std::slice::from_ref(&acme), sent + Duration::hours(7))
        .await
        .unwrap();
    assert_eq!((report.escalated, report.failed), (0, 0));
}

/// An eBay message of the conversation `conversation`, as the poller queues it.
fn ebay_message(
    tenant: &TenantId,
    conversation: &str,
    id: &str,
    direction: Direction,
    sent: &str,
    body: &str,
) -> String {
    use marketdesk::ingest::{MessageEvent, SourceEvent};
    serde_json::to_string(&SourceEvent::Message(MessageEvent {
        tenant: tenant.clone(),
        account: AccountId::parse("acct_ebay_it").unwrap(),
        channel: Channel::Ebay,
        conversation: conversation.into(),
        message_id: id.into(),
        direction,
        counterparty: Some("mario_rossi_77".into()),
        subject: Some(format!("Messaggio {id}")),
        body: body.into(),
        sent_at: at(sent),
        attachments: vec![],
        listing: Some("204512345678".into()),
        order: None,
    }))
    .unwrap()
}

/// An imported eBay history, delivered shuffled and partly twice to one tenant and in channel
/// time order to another, gives both the same tickets, deadlines, levels and Slack alerts; the
/// conversation answered in time alerts nobody.
#[tokio::test]
async fn an_ebay_history_imported_shuffled_and_twice_alerts_exactly_as_in_order() {
    use marketdesk::adapters::s3::S3MailBlobs;
    use marketdesk::domain::badges::SlaLevel;
    use marketdesk::ingest::service::StoredContextOnly;
    use marketdesk::ingest::{Ingestor, parse_body};
    use marketdesk::store::{AccountStore, PageRequest, TicketQueue};

    let s = stack().await;
    let ingestor = Ingestor::new(
        s.store.clone(),
        S3MailBlobs::from_config(&s.config),
        StoredContextOnly,
        s.scheduler.clone(),
    );
    let history = |t: &TenantId| {
        vec![
            ebay_message(
                t,
                "conv-late",
                "a1",
                Direction::Inbound,
                "2026-11-20T08:00:00Z",
                "Buongiorno, dov'è il pacco?",
            ),
            // The seller's reply from eBay, 13 h later: in time.
            ebay_message(
                t,
                "conv-late",
                "a2",
                Direction::Outbound,
                "2026-11-20T21:00:00Z",
                "Spedito ieri con BRT, arriva domani.",
            ),
            // The buyer's next question, unanswered.
            ebay_message(
                t,
                "conv-late",
                "a3",
                Direction::Inbound,
                "2026-11-21T07:00:00Z",
                "Non è ancora arrivato, novità?",
            ),
            ebay_message(
                t,
                "conv-ok",
                "b1",
                Direction::Inbound,
                "2026-11-20T09:00:00Z",
                "È compatibile con il modello 2024?",
            ),
            ebay_message(
                t,
                "conv-ok",
                "b2",
                Direction::Outbound,
                "2026-11-20T12:00:00Z",
                "Sì, è compatibile.",
            ),
        ]
    };
    let import = at("2026-11-21T07:30:00Z");
    let in_order = tenant("inorder");
    let shuffled = tenant("shuffled");
    let mut tickets = Vec::new();
    for (tenant, order) in [
        (&in_order, vec![0, 1, 2, 3, 4]),
        (&shuffled, vec![2, 4, 1, 2, 3, 0, 1, 4, 0]),
    ] {
        for account in marketdesk_devstack::demo::demo_accounts(tenant, at("2026-11-01T00:00:00Z"))
            .into_iter()
            // Only the eBay account: an Amazon seller id belongs to one tenant.
            .filter(|a| a.channel == Channel::Ebay)
        {
            s.store.save_account(&account, None).await.unwrap();
        }
        let bodies = history(tenant);
        for i in order {
            for input in parse_body(&bodies[i]).unwrap() {
                ingestor.handle(&input, import).await.unwrap();
            }
        }
        let mut open = s
            .store
            .queue(
                tenant,
                &TicketQueue::Status(TicketStatus::Open),
                &PageRequest::first(10),
            )
            .await
            .unwrap()
            .items;
        open.sort_by_key(|t| t.thread.clone());
        assert_eq!(open.len(), 2, "{tenant}: one ticket per conversation");
        tickets.push(open);
    }
    let see = |t: &Ticket| {
        (
            t.thread.clone(),
            t.subject.clone(),
            t.message_count,
            t.sla.clock_started_at,
            t.sla.due_at,
            t.sla.warning_at,
            t.sla.first_response_at,
            t.sla.breached,
            SlaLevel::of(&t.sla, import),
        )
    };
    let view: Vec<Vec<_>> = tickets
        .iter()
        .map(|ts| ts.iter().map(see).collect())
        .collect();
    assert_eq!(
        view[0], view[1],
        "shuffled and twice = in channel time order"
    );
    let late = &tickets[1]
        .iter()
        .find(|t| t.thread.contains("conv-late"))
        .unwrap();
    assert_eq!(late.sla.clock_started_at, Some(at("2026-11-21T07:00:00Z")));
    assert_eq!(late.sla.first_response_at, Some(at("2026-11-20T21:00:00Z")));
    assert!(
        !late.sla.breached,
        "the reply 13 h later answered the first question"
    );
    assert_eq!(
        late.subject, "Messaggio a1",
        "the buyer's subject, not the reply's"
    );
    let answered = &tickets[1]
        .iter()
        .find(|t| t.thread.contains("conv-ok"))
        .unwrap();
    assert_eq!(answered.sla.due_at, None);

    // Time passes: every schedule fires at its instant; the level the inbox shows at that
    // instant is the one the alert announces.
    let policy = seed_policies()
        .into_iter()
        .find(|p| Some(&p.id) == late.sla.policy.as_ref())
        .unwrap();
    let planned = marketdesk::escalation::schedules(late, &policy).unwrap();
    assert!(planned.len() >= 2, "{planned:?}");
    let first = planned[0].trigger.fire_at;
    assert_eq!(
        SlaLevel::of(&late.sla, first - Duration::seconds(1)),
        SlaLevel::Ok
    );
    assert_eq!(
        late.sla.warning_at,
        Some(first),
        "the level turns with the first alert"
    );
    for p in &planned {
        let when = p.trigger.fire_at;
        s.advance(when, true).await;
        for (i, t) in tickets.iter().enumerate() {
            let stored = s
                .store
                .ticket(
                    &t[0].tenant,
                    &t.iter()
                        .find(|t| t.thread.contains("conv-late"))
                        .unwrap()
                        .id,
                )
                .await
                .unwrap()
                .unwrap();
            let level = SlaLevel::of(&stored.sla, when);
            let expected = if p.trigger.threshold == marketdesk::sla::BREACH {
                SlaLevel::Breached
            } else {
                SlaLevel::Warning
            };
            assert_eq!(level, expected, "tenant {i} at {}", p.trigger.threshold);
        }
    }
    let alerts_of = |ticket: &Ticket| -> Vec<(String, String)> {
        s.slack
            .delivered()
            .iter()
            .filter(|p| p.to_string().contains(ticket.id.as_str()))
            .map(|p| {
                let fields = p["blocks"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(|b| b["fields"].as_array())
                    .flatten()
                    .filter_map(|f| f["text"].as_str())
                    .find(|f| f.starts_with("*Level*"))
                    .unwrap_or_default()
                    .to_string();
                (
                    p["blocks"][0]["text"]["text"].as_str().unwrap().to_string(),
                    fields,
                )
            })
            .collect()
    };
    let late_alerts: Vec<_> = tickets
        .iter()
        .map(|ts| alerts_of(ts.iter().find(|t| t.thread.contains("conv-late")).unwrap()))
        .collect();
    assert_eq!(late_alerts[0].len(), planned.len(), "{late_alerts:?}");
    assert_eq!(late_alerts[0], late_alerts[1], "the same alerts, once each");
    assert!(
        late_alerts[0][0].0.starts_with("SLA warning (50 %)"),
        "{late_alerts:?}"
    );
    assert_eq!(late_alerts[0][0].1, "*Level*\nwarning");
    for ts in &tickets {
        let ok = ts.iter().find(|t| t.thread.contains("conv-ok")).unwrap();
        assert!(alerts_of(ok).is_empty(), "answered in time: no alert");
    }
}

/// An open claim of `tenant` whose notice states `respond_by`.
fn open_claim(tenant: &TenantId, order: &str, respond_by: &str) -> marketdesk::claims::ClaimRecord {
    marketdesk::claims::open(
        &marketdesk::claims::NoticeFacts {
            tenant: tenant.clone(),
            account: AccountId::parse("acct_amazon_it").unwrap(),
            kind: marketdesk::claims::ClaimKind::AToZ,
            order_id: Some(OrderId::parse(order).unwrap()),
            marketplace_id: Some("APJ6JRA9NG5V4".into()),
            ticket: TicketId::generate(at("2026-03-25T10:00:00Z")),
            reason: Some("Articolo non ricevuto".into()),
            amount: None,
            respond_by: Some(at(respond_by)),
            reference: format!("<{order}@amazon>"),
            sent_at: at("2026-03-25T10:00:00Z"),
        },
        at("2026-03-25T10:01:00Z"),
    )
}

#[tokio::test]
async fn the_sweep_alerts_a_day_before_amazons_claim_deadline_and_when_it_passes_once_each() {
    use marketdesk::claims::{ClaimClockLevel, ClaimStatus};
    use marketdesk::store::ClaimStore;
    use marketdesk_sandboxes::slack::HookState;
    let s = stack().await;
    let demo = tenant("demo");
    let due = at("2026-03-28T22:59:59Z");
    let claim = open_claim(&demo, "405-7418529-6301478", "2026-03-28T22:59:59Z");
    s.store.save_claim(&claim, None).await.unwrap();
    // An answered claim with the same deadline is never alerted.
    let mut answered = open_claim(&demo, "405-1111111-2222222", "2026-03-28T22:59:59Z");
    answered
        .change(
            ClaimStatus::Responded,
            None,
            None,
            &AgentId::parse("alice").unwrap(),
            at("2026-03-26T10:00:00Z"),
        )
        .unwrap();
    s.store.save_claim(&answered, None).await.unwrap();
    let sweep = |now| {
        let demo = demo.clone();
        let escalator = &s.escalator;
        async move { escalator.sweep(&[demo], now).await.unwrap() }
    };

    assert_eq!(sweep(due - Duration::hours(30)).await.claim_alerts, 0);
    assert_eq!(sweep(due - Duration::hours(20)).await.claim_alerts, 1);
    assert_eq!(
        sweep(due - Duration::hours(19)).await.claim_alerts,
        0,
        "once"
    );
    let alerts = s.alerts();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert!(alerts[0].contains("405-7418529-6301478"), "{alerts:?}");
    assert!(alerts[0].contains("20 h left"), "{alerts:?}");

    // Slack refuses the overdue alert: nothing is recorded, the next sweep sends it.
    s.slack.set_hook_state("escalations", HookState::Archived);
    assert_eq!(sweep(due + Duration::hours(1)).await.claim_alerts, 0);
    let stored = s.store.claim(&demo, &claim.id).await.unwrap().unwrap();
    assert_eq!(stored.alerts.len(), 1, "the failed alert is taken back");
    s.slack.set_hook_state("escalations", HookState::Active);
    assert_eq!(sweep(due + Duration::hours(2)).await.claim_alerts, 1);
    assert_eq!(sweep(due + Duration::hours(3)).await.claim_alerts, 0);
    let alerts = s.alerts();
    assert_eq!(alerts.len(), 2, "{alerts:?}");
    assert!(alerts[1].contains("deadline passed"), "{alerts:?}");
    let stored = s.store.claim(&demo, &claim.id).await.unwrap().unwrap();
    let levels: Vec<_> = stored.alerts.iter().map(|a| a.level).collect();
    assert_eq!(levels, [ClaimClockLevel::Warning, ClaimClockLevel::Overdue]);
    let untouched = s.store.claim(&demo, &answered.id).await.unwrap().unwrap();
    assert!(untouched.alerts.is_empty());
}
