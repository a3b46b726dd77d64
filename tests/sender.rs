//! The sender end to end on the emulator: queued replies go out through SES (moto) to the
//! Amazon relay alias and through the eBay sandbox's sendMessage, at most once, and a delivered
//! reply stops the ticket's SLA clock; a reply that cannot be sent is recorded and alerted.

use std::sync::{Arc, Mutex};

use aws_lambda_events::event::sqs::SqsEvent;
use chrono::{DateTime, Duration, TimeDelta, Utc};
use marketdesk::adapters::dynamo::DynamoStore;
use marketdesk::adapters::scheduler::{EventBridgeScheduler, ScheduleTarget};
use marketdesk::adapters::ses::SesMailTransport;
use marketdesk::connectors::accounts::{ChannelClients, Endpoints, SecretSource};
use marketdesk::connectors::{ConnectorError, HttpConfig, Notification, Notifier};
use marketdesk::domain::*;
use marketdesk::escalation::EscalationScheduler;
use marketdesk::outbound::{MemoryOutboundQueue, OutboundMessage};
use marketdesk::sla::seed_policies;
use marketdesk::store::*;
use marketdesk_devstack::testing::{TestStack, emulator, fresh_stack};
use marketdesk_sandboxes::ebay::EbaySandbox;
use marketdesk_tests::{at, first_inbound, new_ticket, tenant};
use sender::{Outcome, Sender};

const ALIAS: &str = "x7k2m9q@marketplace.amazon.it";
const SENDER: &str = "help@acme-casa.example";

/// Alerts, as the notifier received them.
#[derive(Clone, Default)]
struct Alerts(Arc<Mutex<Vec<Notification>>>);

impl Notifier for Alerts {
    async fn notify(&self, n: &Notification) -> Result<(), ConnectorError> {
        self.0.lock().unwrap().push(n.clone());
        Ok(())
    }
}

/// The eBay sandbox's credentials, as Secrets Manager would hold them.
struct SandboxSecret(String);

impl SecretSource for SandboxSecret {
    async fn secret(&self, _: &SecretRef) -> Result<String, ConnectorError> {
        Ok(self.0.clone())
    }
}

type TestSender = Sender<
    DynamoStore,
    SesMailTransport,
    ChannelClients<SandboxSecret>,
    EventBridgeScheduler,
    Alerts,
>;

struct Env {
    stack: TestStack,
    tenant: TenantId,
    ebay: EbaySandbox,
    sender: TestSender,
    scheduler: EventBridgeScheduler,
    alerts: Alerts,
    outbound: Arc<MemoryOutboundQueue>,
}

fn day(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

fn sent_at() -> DateTime<Utc> {
    at("2026-11-03T09:12:00Z")
}

async fn env() -> Env {
    let stack = fresh_stack().await;
    let target = ScheduleTarget {
        group: stack.resources.schedule_group.clone(),
        queue_arn: stack.resources.queue("EscalationQueue").arn.clone(),
        role_arn: "arn:aws:iam::123456789012:role/marketdesk-scheduler".into(),
    };
    let scheduler = || EventBridgeScheduler::from_config(&stack.config, target.clone());
    aws_sdk_sesv2::Client::new(&stack.config)
        .create_email_identity()
        .email_identity(SENDER)
        .send()
        .await
        .expect("the sender identity is verified");
    let ebay = EbaySandbox::start().await.unwrap();
    let grant = serde_json::json!({
        "client_id": ebay.config().client_id,
        "client_secret": ebay.config().client_secret,
        "refresh_token": ebay.config().refresh_token,
        "seller_username": ebay.config().seller_username,
    });
    let endpoints = Endpoints {
        ebay_api: Some(ebay.base_url()),
        ebay_token: Some(ebay.token_url()),
        ..Default::default()
    };
    let alerts = Alerts::default();
    let outbound = Arc::new(MemoryOutboundQueue::default());
    let sender = Sender {
        store: stack.store.clone(),
        mail: SesMailTransport::from_config(&stack.config),
        channels: ChannelClients::new(
            SandboxSecret(grant.to_string()),
            endpoints,
            HttpConfig::default(),
        ),
        scheduler: scheduler(),
        notifier: alerts.clone(),
        config: Default::default(),
        frontend_url: Some("https://app.marketdesk.example".into()),
        lease: TimeDelta::minutes(15),
        outbound: outbound.clone(),
    };
    Env {
        outbound,
        scheduler: scheduler(),
        tenant: tenant("acme"),
        stack,
        ebay,
        sender,
        alerts,
    }
}

fn account(tenant: &TenantId, id: &str, channel: Channel, sender: Option<&str>) -> ChannelAccount {
    ChannelAccount {
        id: AccountId::parse(id).unwrap(),
        tenant: tenant.clone(),
        channel,
        marketplace: Marketplace {
            id: if channel == Channel::Ebay {
                "EBAY_IT"
            } else {
                "APJ6JRA9NG5V4"
            }
            .into(),
            country: Some("IT".into()),
            language: Some("it".into()),
        },
        region: Some("eu".into()),
        display_name: "Acme Casa".into(),
        credentials: SecretRef(format!("marketdesk/acme/{id}")),
        sender_address: sender.map(str::to_owned),
        reply_identity: None,
        auto_send_wismo: false,
        poll_interval_minutes: 5,
        enabled: true,
        seller_id: None,
        created_at: sent_at() - Duration::days(30),
        version: 1,
    }
}

/// The agent's reply, queued the way the API queues it.
fn queued_reply(ticket: &Ticket, written: DateTime<Utc>) -> Message {
    Message {
        id: MessageId::generate(written),
        ticket: ticket.id.clone(),
        direction: Direction::Outbound,
        author: AuthorKind::Agent {
            agent: AgentId::parse("anna").unwrap(),
        },
        author_name: Some("Anna".into()),
        subject: None,
        body: "Buongiorno Giulia, il pacco è in consegna oggi con BRT. Cordiali saluti, Anna"
            .into(),
        language: Some("it".into()),
        attachments: vec![],
        external: ExternalRefs::default(),
        sent_at: written,
        received_at: written,
        delivery: Some(DeliveryState::Queued),
    }
}

impl Env {
    /// An Amazon ticket with the buyer's relay message and a queued agent reply.
    async fn amazon_ticket(&self, sender: Option<&str>) -> (Ticket, Message) {
        let store = &self.stack.store;
        store
            .save_account(
                &account(&self.tenant, "acct_amazon_it", Channel::Amazon, sender),
                None,
            )
            .await
            .unwrap();
        let ticket = new_ticket(&self.tenant, sent_at());
        let mut write = first_inbound(&ticket, "m2@mail.amazon.it");
        write.message.external.conversation = Some(ALIAS.into());
        write.message.external.references = vec!["m1@mail.amazon.it".into()];
        store.record_inbound(&write).await.unwrap();
        let ticket = store
            .ticket(&self.tenant, &ticket.id)
            .await
            .unwrap()
            .unwrap();
        let reply = queued_reply(&ticket, sent_at() + Duration::hours(2));
        store.append_outbound(&self.tenant, &reply).await.unwrap();
        (ticket, reply)
    }

    fn request(&self, ticket: &Ticket, reply: &Message) -> OutboundMessage {
        OutboundMessage {
            tenant: self.tenant.clone(),
            ticket: ticket.id.clone(),
            message: reply.id.clone(),
        }
    }

    async fn batch(&self, request: &OutboundMessage, now: DateTime<Utc>) -> Vec<String> {
        let event: SqsEvent = serde_json::from_value(serde_json::json!({"Records": [{
            "messageId": "rec-1",
            "body": serde_json::to_string(request).unwrap(),
            "eventSource": "aws:sqs",
        }]}))
        .unwrap();
        self.sender
            .handle_sqs(event, now)
            .await
            .batch_item_failures
            .into_iter()
            .map(|f| f.item_identifier)
            .collect()
    }

    async fn stored(&self, ticket: &Ticket, id: &MessageId) -> (TicketView, Message) {
        let view = self
            .stack
            .store
            .ticket_view(&self.tenant, &ticket.id)
            .await
            .unwrap()
            .unwrap();
        let message = view.messages.iter().find(|m| &m.id == id).unwrap().clone();
        (view, message)
    }

    async fn schedule_count(&self) -> usize {
        self.schedule_names().await.len()
    }

    async fn schedule_names(&self) -> Vec<String> {
        aws_sdk_scheduler::Client::new(&self.stack.config)
            .list_schedules()
            .group_name(&self.stack.resources.schedule_group)
            .send()
            .await
            .unwrap()
            .schedules()
            .iter()
            .filter_map(|s| s.name().map(str::to_owned))
            .collect()
    }
}

/// What moto's SES "sent" with our Message-ID: (destinations, raw message).
async fn ses_sent(message_id: &str) -> Vec<(Vec<String>, String)> {
    let url = format!("{}/moto-api/data.json", emulator().endpoint());
    let data: serde_json::Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    let header = format!("Message-ID: <{message_id}>");
    data["ses"]["RawMessage"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| {
            let raw = m["raw_data"].as_str()?.to_owned();
            raw.contains(&header).then(|| {
                let to = serde_json::from_value(m["destinations"].clone()).unwrap_or_default();
                (to, raw)
            })
        })
        .collect()
}

#[tokio::test]
async fn a_reply_stored_but_never_queued_is_queued_again_by_the_sweep_and_then_sent_once() {
    let env = env().await;
    let (ticket, reply) = env.amazon_ticket(Some(SENDER)).await;
    let tenants = [env.tenant.clone()];
    let written = reply.sent_at;

    // Moments after the write it may still be waiting in the queue: left alone.
    let early = env
        .sender
        .sweep(&tenants, written + Duration::minutes(1))
        .await;
    assert_eq!(early.unwrap().requeued, 0);
    assert!(env.outbound.sent().is_empty());

    let late = written + sender::RESEND_AFTER + Duration::minutes(1);
    let report = env.sender.sweep(&tenants, late).await.unwrap();
    assert_eq!((report.requeued, report.failed), (1, 0));
    assert_eq!(env.outbound.sent(), vec![env.request(&ticket, &reply)]);

    // Sent from the queue record (and a second record of it sends nothing); then it is off
    // the outbox.
    let request = env.request(&ticket, &reply);
    assert_eq!(
        env.sender.deliver(&request, late).await.unwrap(),
        Outcome::Delivered
    );
    assert_eq!(
        env.sender.deliver(&request, late).await.unwrap(),
        Outcome::AlreadyDelivered
    );
    assert_eq!(
        ses_sent(&format!("{}@acme-casa.example", reply.id))
            .await
            .len(),
        1
    );
    let after = env.sender.sweep(&tenants, late + Duration::hours(1)).await;
    assert_eq!(after.unwrap().requeued, 0);
    assert_eq!(env.outbound.sent().len(), 1);
}

#[tokio::test]
async fn an_amazon_reply_goes_to_the_relay_alias_with_threading_headers_and_stops_the_clock() {
    let env = env().await;
    let (ticket, reply) = env.amazon_ticket(Some(SENDER)).await;
    let now = sent_at() + Duration::hours(3);
    env.scheduler
        .sync(None, &ticket, &seed_policies(), sent_at())
        .await
        .unwrap();
    assert!(env.schedule_count().await > 0, "the deadline has schedules");

    assert!(
        env.batch(&env.request(&ticket, &reply), now)
            .await
            .is_empty()
    );

    let sent = ses_sent(&format!("{}@acme-casa.example", reply.id)).await;
    assert_eq!(sent.len(), 1);
    let (to, raw) = &sent[0];
    assert!(to.iter().any(|t| t.contains(ALIAS)), "{to:?}");
    assert!(
        raw.contains(&format!("From: \"Acme Casa\" <{SENDER}>")),
        "{raw}"
    );
    assert!(raw.contains("In-Reply-To: <m2@mail.amazon.it>"), "{raw}");
    assert!(
        raw.contains("References: <m1@mail.amazon.it> <m2@mail.amazon.it>"),
        "{raw}"
    );
    let subject = raw.lines().find(|l| l.starts_with("Subject: ")).unwrap();
    assert!(subject.contains("Re:"), "{subject}");

    let (view, message) = env.stored(&ticket, &reply.id).await;
    assert_eq!(message.delivery, Some(DeliveryState::Delivered { at: now }));
    let after = view.ticket;
    assert_eq!(after.sla.due_at, None);
    assert_eq!(after.sla.internal_due_at, None);
    assert_eq!(after.sla.first_response_at, Some(now));
    assert_eq!(after.last_agent_reply_at, Some(now));
    assert_eq!(env.schedule_count().await, 0, "stale schedules are deleted");
    let rows = env
        .stack
        .store
        .report_rows(&env.tenant, day("2026-11-03"), day("2026-11-03"))
        .await
        .unwrap();
    let (_, answered) = rows
        .iter()
        .find(|(key, _)| key.agent.as_ref().is_some_and(|a| a.as_str() == "anna"))
        .expect("the agent's counters of the day the message arrived");
    assert_eq!(answered.answered, 1);
    assert_eq!(answered.answered_24h, 1);
    assert_eq!(answered.first_responses, 1);
    assert_eq!(answered.first_response_calendar_seconds, 3 * 3600);
    let facts = env
        .stack
        .store
        .ticket_facts(&env.tenant, &ticket.id)
        .await
        .unwrap()
        .unwrap();
    assert!(facts.open.is_empty(), "the answered message is closed");
    assert!(env.alerts.0.lock().unwrap().is_empty());
}

#[tokio::test]
async fn the_same_outbound_record_delivered_twice_sends_once() {
    let env = env().await;
    let (ticket, reply) = env.amazon_ticket(Some(SENDER)).await;
    let request = env.request(&ticket, &reply);
    let now = sent_at() + Duration::hours(3);
    assert_eq!(
        env.sender.deliver(&request, now).await.unwrap(),
        Outcome::Delivered
    );
    assert_eq!(
        env.sender
            .deliver(&request, now + Duration::minutes(1))
            .await
            .unwrap(),
        Outcome::AlreadyDelivered
    );
    assert!(
        env.batch(&request, now + Duration::minutes(2))
            .await
            .is_empty()
    );
    assert_eq!(
        ses_sent(&format!("{}@acme-casa.example", reply.id))
            .await
            .len(),
        1
    );
    let rows = env
        .stack
        .store
        .report_rows(&env.tenant, day("2026-11-01"), day("2026-11-30"))
        .await
        .unwrap();
    assert_eq!(
        rows.iter().map(|(_, c)| c.answered).sum::<u64>(),
        1,
        "counted once"
    );
}

#[tokio::test]
async fn a_reply_claimed_by_an_attempt_that_never_finished_is_not_sent_again() {
    let env = env().await;
    let (ticket, reply) = env.amazon_ticket(Some(SENDER)).await;
    let request = env.request(&ticket, &reply);
    let claimed = sent_at() + Duration::hours(3);
    let claim = SendClaim {
        ticket: ticket.id.clone(),
        message: reply.id.clone(),
        owner: "crashed-attempt".into(),
        claimed_at: claimed,
    };
    assert_eq!(
        env.stack
            .store
            .claim_send(&env.tenant, &claim)
            .await
            .unwrap(),
        ClaimOutcome::Claimed
    );
    // Within the lease the other attempt may still be sending: retried later.
    assert_eq!(
        env.batch(&request, claimed + Duration::minutes(1)).await,
        ["rec-1"]
    );
    // Past it, the reply is reported as possibly sent, never sent a second time.
    assert!(
        env.batch(&request, claimed + Duration::hours(1))
            .await
            .is_empty()
    );
    let (_, message) = env.stored(&ticket, &reply.id).await;
    let Some(DeliveryState::Failed { reason, .. }) = message.delivery else {
        panic!("recorded as failed: {:?}", message.delivery)
    };
    assert!(reason.starts_with("outcome_unknown"), "{reason}");
    assert!(
        ses_sent(&format!("{}@acme-casa.example", reply.id))
            .await
            .is_empty()
    );
    assert_eq!(env.alerts.0.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn an_ebay_reply_lands_in_the_buyers_conversation() {
    let env = env().await;
    let store = &env.stack.store;
    store
        .save_account(
            &account(&env.tenant, "acct_ebay_it", Channel::Ebay, None),
            None,
        )
        .await
        .unwrap();
    let (conversation, buyer_msg) = env.ebay.add_buyer_message(
        "giulia_r77",
        Some("254000000001"),
        "Salve, quando spedite?",
        sent_at(),
    );
    let mut ticket = new_ticket(&env.tenant, sent_at());
    ticket.channel = Channel::Ebay;
    ticket.account = AccountId::parse("acct_ebay_it").unwrap();
    ticket.thread = format!("conv:{conversation}");
    ticket.sla.policy = Some("ebay".into());
    let mut write = first_inbound(&ticket, &buyer_msg);
    write.thread = Some(ThreadKey {
        channel: Channel::Ebay,
        external: ticket.thread.clone(),
    });
    write.message.external.conversation = Some(conversation.clone());
    store.record_inbound(&write).await.unwrap();
    let reply = queued_reply(&ticket, sent_at() + Duration::hours(1));
    store.append_outbound(&env.tenant, &reply).await.unwrap();

    let now = sent_at() + Duration::hours(1) + Duration::minutes(1);
    assert!(
        env.batch(&env.request(&ticket, &reply), now)
            .await
            .is_empty()
    );
    assert!(
        env.batch(&env.request(&ticket, &reply), now)
            .await
            .is_empty()
    );

    let sent = env.ebay.sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].0, conversation);
    assert_eq!(sent[0].1["messageBody"], reply.body.as_str());
    let (view, message) = env.stored(&ticket, &reply.id).await;
    assert_eq!(message.delivery, Some(DeliveryState::Delivered { at: now }));
    assert_eq!(view.ticket.sla.due_at, None);
}

#[tokio::test]
async fn a_reply_without_a_sender_address_is_recorded_failed_alerted_and_acknowledged() {
    let env = env().await;
    let (ticket, reply) = env.amazon_ticket(None).await;
    let now = sent_at() + Duration::hours(3);

    assert!(
        env.batch(&env.request(&ticket, &reply), now)
            .await
            .is_empty()
    );

    let (view, message) = env.stored(&ticket, &reply.id).await;
    let Some(DeliveryState::Failed { at, reason }) = message.delivery else {
        panic!("recorded as failed: {:?}", message.delivery)
    };
    assert_eq!(at, now);
    assert!(reason.starts_with("no_sender_address"), "{reason}");
    assert!(view.events.iter().any(|e| e.kind
        == TicketEventKind::ReplyFailed {
            message: reply.id.clone(),
            reason: reason.clone(),
        }));
    assert_eq!(
        view.ticket.sla.due_at, ticket.sla.due_at,
        "the clock runs on"
    );
    let alerts = env.alerts.0.lock().unwrap().clone();
    assert_eq!(alerts.len(), 1);
    assert!(alerts[0].body.contains("no_sender_address"));
    assert!(!alerts[0].body.contains(ALIAS));
    assert!(
        ses_sent(&format!("{}@acme-casa.example", reply.id))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn a_ticket_under_a_tenant_only_policy_is_scheduled_and_stopped_by_that_policy() {
    let env = env().await;
    let store = &env.stack.store;
    store
        .save_account(
            &account(&env.tenant, "acct_ebay_it", Channel::Ebay, None),
            None,
        )
        .await
        .unwrap();
    // A policy only this tenant has: eBay within 6 h around the clock (3 h internally).
    let mut vip = seed_policies()
        .into_iter()
        .find(|p| p.id == "amazon")
        .unwrap();
    vip.id = "ebay-vip".into();
    vip.name = "eBay VIP".into();
    vip.channel = marketdesk::sla::ChannelScope::Only(Channel::Ebay);
    vip.first_response.due = marketdesk::sla::SlaDuration::from_hours(6);
    vip.first_response.internal_due = Some(marketdesk::sla::SlaDuration::from_hours(3));
    store
        .put_policy(
            &env.tenant,
            &vip,
            None,
            &AgentId::parse("admin").unwrap(),
            sent_at() - Duration::days(1),
        )
        .await
        .unwrap();

    // Ingested with the real scheduler: its schedules are the ones that policy plans.
    let (conversation, buyer_msg) = env.ebay.add_buyer_message(
        "giulia_r77",
        Some("254000000001"),
        "Salve, quando spedite?",
        sent_at(),
    );
    let ingestor = marketdesk::ingest::Ingestor::new(
        store.clone(),
        marketdesk::adapters::s3::S3MailBlobs::from_config(&env.stack.config),
        marketdesk::ingest::service::StoredContextOnly,
        env.scheduler.clone(),
    );
    let event = marketdesk::ingest::SourceEvent::Message(marketdesk::ingest::MessageEvent {
        tenant: env.tenant.clone(),
        account: AccountId::parse("acct_ebay_it").unwrap(),
        channel: Channel::Ebay,
        conversation: conversation.clone(),
        message_id: buyer_msg,
        direction: Direction::Inbound,
        counterparty: Some("giulia_r77".into()),
        subject: Some("Item 254000000001".into()),
        body: "Salve, quando spedite?".into(),
        sent_at: sent_at(),
        attachments: vec![],
        listing: Some("254000000001".into()),
        order: None,
    });
    let ingested_at = sent_at() + Duration::minutes(1);
    let outcome = ingestor
        .handle(
            &marketdesk::ingest::IngestInput::Source(Box::new(event)),
            ingested_at,
        )
        .await
        .unwrap();
    let marketdesk::ingest::IngestOutcome::Recorded { ticket: id } = outcome else {
        panic!("not recorded: {outcome:?}");
    };
    let ticket = store.ticket(&env.tenant, &id).await.unwrap().unwrap();
    assert_eq!(ticket.sla.policy.as_deref(), Some("ebay-vip"));
    assert_eq!(ticket.sla.due_at, Some(sent_at() + Duration::hours(6)));
    let planned: Vec<String> =
        marketdesk::escalation::plan(None, &ticket, std::slice::from_ref(&vip), ingested_at)
            .unwrap()
            .create
            .into_iter()
            .map(|s| s.name)
            .collect();
    assert!(!planned.is_empty());
    let mut scheduled = env.schedule_names().await;
    scheduled.sort();
    let mut expected = planned.clone();
    expected.sort();
    assert_eq!(scheduled, expected);

    // Delivered before the first threshold (3 h), the reply stops the clock under the same
    // policy and deletes every schedule that policy planned.
    let reply = queued_reply(&ticket, sent_at() + Duration::hours(2));
    store.append_outbound(&env.tenant, &reply).await.unwrap();
    let now = sent_at() + Duration::hours(2) + Duration::minutes(1);
    assert!(
        env.batch(&env.request(&ticket, &reply), now)
            .await
            .is_empty()
    );
    let (view, message) = env.stored(&ticket, &reply.id).await;
    assert_eq!(message.delivery, Some(DeliveryState::Delivered { at: now }));
    let sla = view.ticket.sla;
    assert_eq!(sla.policy.as_deref(), Some("ebay-vip"));
    assert_eq!((sla.due_at, sla.first_response_at), (None, Some(now)));
    assert!(!sla.breached);
    assert_eq!(env.schedule_names().await, Vec::<String>::new());
}
