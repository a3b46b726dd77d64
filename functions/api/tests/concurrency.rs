//! Collision protection under real concurrency, on the emulator (which applies DynamoDB writes
//! atomically, docs/decisions/0002): many agents reply to one ticket at the same version, one
//! reply is accepted, the others are 409, and the sender sends exactly one message.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{DateTime, Duration, TimeDelta, Utc};
use marketdesk::adapters::scheduler::{EventBridgeScheduler, ScheduleTarget};
use marketdesk::adapters::ses::SesMailTransport;
use marketdesk::auth::{DevTokens, Role};
use marketdesk::connectors::accounts::{ChannelClients, Endpoints, SecretSource};
use marketdesk::connectors::{ConnectorError, HttpConfig, Notification, Notifier};
use marketdesk::domain::*;
use marketdesk::outbound::MemoryOutboundQueue;
use marketdesk::store::{AccountStore, TicketStore};
use marketdesk_devstack::testing::{emulator, fresh_stack};
use marketdesk_tests::{at, first_inbound, new_ticket, tenant};
use sender::{Outcome, Sender};
use serde_json::json;
use tower::ServiceExt;

const SECRET: &[u8] = b"concurrency-test-secret";
const AGENTS: usize = 50;
const SENDER: &str = "help@acme-casa.example";
const COMPLIANT: &str =
    "Buongiorno, il pacco è partito ieri ed è in viaggio con BRT. Cordiali saluti.";

#[derive(Clone, Default)]
struct Alerts(Arc<Mutex<Vec<Notification>>>);

impl Notifier for Alerts {
    async fn notify(&self, n: &Notification) -> Result<(), ConnectorError> {
        self.0.lock().unwrap().push(n.clone());
        Ok(())
    }
}

/// Amazon replies go by e-mail: no marketplace credentials are read.
struct NoSecrets;

impl SecretSource for NoSecrets {
    async fn secret(&self, _: &SecretRef) -> Result<String, ConnectorError> {
        Ok(String::new())
    }
}

fn amazon_account(tenant: &TenantId, created: DateTime<Utc>) -> ChannelAccount {
    ChannelAccount {
        id: AccountId::parse("acct_amazon_it").unwrap(),
        tenant: tenant.clone(),
        channel: Channel::Amazon,
        marketplace: Marketplace {
            id: "APJ6JRA9NG5V4".into(),
            country: Some("IT".into()),
            language: Some("it".into()),
        },
        region: Some("eu".into()),
        display_name: "Acme Casa".into(),
        credentials: SecretRef("marketdesk/acme/acct_amazon_it".into()),
        sender_address: Some(SENDER.into()),
        reply_identity: None,
        auto_send_wismo: false,
        poll_interval_minutes: 5,
        enabled: true,
        seller_id: None,
        created_at: created,
        version: 1,
    }
}

/// Raw messages moto's SES accepted for `alias`.
async fn ses_sent_to(alias: &str) -> usize {
    let url = format!("{}/moto-api/data.json", emulator().endpoint());
    let data: serde_json::Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    data["ses"]["RawMessage"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|m| m["destinations"].to_string().contains(alias))
        .count()
}

#[tokio::test]
async fn fifty_concurrent_replies_at_one_version_one_is_202_the_rest_409_and_one_is_sent() {
    let stack = fresh_stack().await;
    let acme = tenant("acme");
    let written = at("2026-11-20T10:00:00Z");
    // An alias of this test only, so the SES count ignores other tests' mail.
    let alias = format!(
        "{}@marketplace.amazon.it",
        stack.resources.table.to_lowercase()
    );
    stack
        .store
        .save_account(&amazon_account(&acme, written - Duration::days(30)), None)
        .await
        .unwrap();
    aws_sdk_sesv2::Client::new(&stack.config)
        .create_email_identity()
        .email_identity(SENDER)
        .send()
        .await
        .unwrap();
    let ticket = new_ticket(&acme, written);
    let mut inbound = first_inbound(&ticket, "<c1@relay>");
    inbound.message.external.conversation = Some(alias.clone());
    stack.store.record_inbound(&inbound).await.unwrap();

    let queue = Arc::new(MemoryOutboundQueue::default());
    let app = api::app(api::AppState::local(
        stack.store.clone(),
        queue.clone(),
        DevTokens::new(SECRET),
    ));
    let path = format!("/v1/tickets/{}/replies", ticket.id);
    let replies = (0..AGENTS).map(|n| {
        let token = DevTokens::new(SECRET).mint(
            &acme,
            &AgentId::parse(format!("agent{n}")).unwrap(),
            Role::Agent,
            4_102_444_800,
        );
        let request = Request::builder()
            .method(Method::POST)
            .uri(&path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::from(
                json!({"body": COMPLIANT, "expected_version": 1}).to_string(),
            ))
            .unwrap();
        tokio::spawn(app.clone().oneshot(request))
    });
    let mut statuses = Vec::new();
    for reply in replies.collect::<Vec<_>>() {
        statuses.push(reply.await.unwrap().unwrap().status());
    }
    let accepted = statuses
        .iter()
        .filter(|s| **s == StatusCode::ACCEPTED)
        .count();
    let conflicts = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((accepted, conflicts), (1, AGENTS - 1), "{statuses:?}");

    let queued = queue.sent();
    assert_eq!(queued.len(), 1, "only the accepted reply is queued");

    let target = ScheduleTarget {
        group: stack.resources.schedule_group.clone(),
        queue_arn: stack.resources.queue("EscalationQueue").arn.clone(),
        role_arn: "arn:aws:iam::123456789012:role/marketdesk-scheduler".into(),
    };
    let alerts = Alerts::default();
    let sender = Sender {
        store: stack.store.clone(),
        mail: SesMailTransport::from_config(&stack.config),
        channels: ChannelClients::new(NoSecrets, Endpoints::default(), HttpConfig::default()),
        scheduler: EventBridgeScheduler::from_config(&stack.config, target),
        notifier: alerts.clone(),
        config: Default::default(),
        frontend_url: None,
        lease: TimeDelta::minutes(15),
        outbound: queue.clone(),
    };
    let now = written + Duration::hours(1);
    // The queue delivers at least once: a redelivered record must not send again.
    let mut outcomes = Vec::new();
    for request in queued.iter().chain(queued.iter()) {
        outcomes.push(sender.deliver(request, now).await.unwrap());
    }
    assert_eq!(outcomes, [Outcome::Delivered, Outcome::AlreadyDelivered]);
    assert_eq!(ses_sent_to(&alias).await, 1, "exactly one message sent");
    assert!(alerts.0.lock().unwrap().is_empty());

    let view = stack
        .store
        .ticket_view(&acme, &ticket.id)
        .await
        .unwrap()
        .unwrap();
    let replies: Vec<_> = view
        .messages
        .iter()
        .filter(|m| m.direction == Direction::Outbound)
        .collect();
    assert_eq!(replies.len(), 1, "one reply is stored");
    assert_eq!(
        replies[0].delivery,
        Some(DeliveryState::Delivered { at: now })
    );
}
