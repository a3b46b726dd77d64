//! Amazon Messaging API actions on a ticket's order, end to end on the emulator and the Amazon
//! sandbox: the API lists what Amazon offers for the order; an action that is not offered,
//! or whose text breaks Amazon's rules, is refused and nothing is queued or sent; an offered
//! one is stored as an outbound message, queued, and sent by the sender exactly once — even
//! when the POST is retried and the SQS record redelivered; an action Amazon stops offering
//! before the sender gets to it is recorded as failed and not sent.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{Duration, TimeDelta, Utc};
use http_body_util::BodyExt;
use marketdesk::accounts::CredentialVault;
use marketdesk::adapters::scheduler::{EventBridgeScheduler, ScheduleTarget};
use marketdesk::adapters::secrets::SecretsManager;
use marketdesk::adapters::ses::SesMailTransport;
use marketdesk::auth::{DevTokens, Role};
use marketdesk::connectors::accounts::{ChannelClients, Endpoints};
use marketdesk::connectors::{HttpConfig, Secret};
use marketdesk::domain::*;
use marketdesk::outbound::MemoryOutboundQueue;
use marketdesk::store::{AccountStore, TicketStore};
use marketdesk_devstack::testing::fresh_stack;
use marketdesk_sandboxes::amazon::{AmazonSandbox, sample_order};
use marketdesk_tests::{first_inbound, new_ticket, tenant};
use serde_json::{Value, json};
use tower::ServiceExt;

const SECRET: &[u8] = b"order-actions-secret";
const IT: &str = "APJ6JRA9NG5V4";

struct Quiet;

impl marketdesk::connectors::Notifier for Quiet {
    async fn notify(
        &self,
        _: &marketdesk::connectors::Notification,
    ) -> Result<(), marketdesk::connectors::ConnectorError> {
        Ok(())
    }
}

fn it_account(tenant: &TenantId) -> ChannelAccount {
    ChannelAccount {
        id: AccountId::parse("acct_amazon_it").unwrap(),
        tenant: tenant.clone(),
        channel: Channel::Amazon,
        marketplace: Marketplace {
            id: IT.into(),
            country: Some("IT".into()),
            language: Some("it".into()),
        },
        region: Some("eu".into()),
        display_name: "Amazon.it".into(),
        credentials: SecretRef(format!("marketdesk/{tenant}/acct_amazon_it")),
        sender_address: Some("assistenza@casa-luce.example".into()),
        seller_id: None,
        reply_identity: None,
        auto_send_wismo: false,
        poll_interval_minutes: 5,
        enabled: true,
        created_at: Utc::now() - Duration::days(30),
        version: 0,
    }
}

async fn call(
    app: &axum::Router,
    method: Method,
    path: &str,
    bearer: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {bearer}"))
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
    let response = app
        .clone()
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn a_messaging_action_is_sent_once_and_only_when_amazon_offers_it() {
    let stack = fresh_stack().await;
    let acme = tenant("acme");
    let amazon = AmazonSandbox::start().await.unwrap();

    // The seller's Amazon.it account, its LWA grant in Secrets Manager as the accounts API
    // stores it, and a shipped FBM order the buyer wrote about.
    let account = it_account(&acme);
    stack.store.save_account(&account, None).await.unwrap();
    let cfg = amazon.config();
    SecretsManager::from_config(&stack.config)
        .put(
            &account.credentials,
            &Secret::new(
                json!({"client_id": cfg.client_id, "client_secret": cfg.client_secret,
                    "refresh_token": cfg.refresh_token})
                .to_string(),
            ),
        )
        .await
        .unwrap();
    let ticket = new_ticket(&acme, Utc::now() - Duration::hours(2));
    let order_id = ticket.order.as_ref().unwrap().order.to_string();
    let mut order = sample_order(21, IT, cfg.now);
    order["orderId"] = json!(order_id);
    order["fulfillment"]["fulfilledBy"] = json!("MERCHANT");
    order["fulfillment"]["fulfillmentStatus"] = json!("SHIPPED");
    amazon.add_order(order);
    stack
        .store
        .record_inbound(&first_inbound(&ticket, "<buyer-1@amazon.it>"))
        .await
        .unwrap();

    let endpoints = Endpoints {
        amazon_spapi: Some(amazon.base_url()),
        amazon_lwa: Some(amazon.token_url()),
        ..Endpoints::default()
    };
    let clients = || {
        ChannelClients::new(
            SecretsManager::from_config(&stack.config),
            endpoints.clone(),
            HttpConfig::default(),
        )
    };
    let queue = Arc::new(MemoryOutboundQueue::default());
    let app = api::app(
        api::AppState::local(stack.store.clone(), queue.clone(), DevTokens::new(SECRET))
            .with_order_messaging(Arc::new(clients())),
    );
    let token = DevTokens::new(SECRET).mint(
        &acme,
        &AgentId::parse("anna").unwrap(),
        Role::Agent,
        4_102_444_800,
    );
    let path = format!("/v1/tickets/{}/order-actions", ticket.id);

    // What Amazon offers for the shipped FBM order on Amazon.it.
    let (status, offered) = call(&app, Method::GET, &path, &token, None, None).await;
    assert_eq!(status, StatusCode::OK, "{offered:#}");
    assert_eq!(offered["order"], order_id.as_str());
    assert_eq!(offered["marketplace"], IT);
    let names: Vec<(&str, bool)> = offered["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap(),
                a["supported"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("unexpectedProblem", true),
            ("confirmDeliveryDetails", true),
            ("legalDisclosure", false),
            ("invoice", false)
        ]
    );

    // Not offered (the order has shipped): refused, nothing stored, queued or sent.
    let (status, problem) = call(
        &app,
        Method::POST,
        &format!("{path}/confirmOrderDetails"),
        &token,
        None,
        Some(json!({"text": "Può confermarci il colore scelto?"})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem:#}");
    assert_eq!(
        problem["type"]
            .as_str()
            .map(|t| t.ends_with("action-not-offered")),
        Some(true),
        "{problem:#}"
    );
    // Attachment-only actions are not sent by marketdesk.
    let (status, _) = call(
        &app,
        Method::POST,
        &format!("{path}/legalDisclosure"),
        &token,
        None,
        Some(json!({"text": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Offered, but the text asks for a review with a discount: blocked with findings.
    let (status, problem) = call(
        &app,
        Method::POST,
        &format!("{path}/unexpectedProblem"),
        &token,
        None,
        Some(json!({"text": "Ci scusiamo per il ritardo: lasciaci una recensione a cinque stelle e avrai uno sconto del 10%."})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem:#}");
    assert!(!problem["findings"].as_array().unwrap().is_empty());
    // Longer than the model allows: 400 naming the field.
    let (status, problem) = call(
        &app,
        Method::POST,
        &format!("{path}/unexpectedProblem"),
        &token,
        None,
        Some(json!({"text": "a".repeat(2001)})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(problem["field"], "text");
    assert!(queue.sent().is_empty());
    let view = stack
        .store
        .ticket_view(&acme, &ticket.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.messages.len(), 1, "only the buyer's message");

    // Offered and compliant: accepted and queued once, however often the POST is retried.
    let text = "Gentile cliente, il corriere ci ha segnalato un ritardo: il pacco arriverà con due giorni di ritardo. Ci scusiamo per l'inconveniente.";
    let body = json!({"text": text});
    let (status, accepted) = call(
        &app,
        Method::POST,
        &format!("{path}/unexpectedProblem"),
        &token,
        Some("retry-1"),
        Some(body.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{accepted:#}");
    assert_eq!(accepted["created"], true);
    let message_id = accepted["message"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        accepted["message"]["external"]["order_action"]["action"],
        "unexpectedProblem"
    );
    for key in [Some("retry-1"), None] {
        let (status, again) = call(
            &app,
            Method::POST,
            &format!("{path}/unexpectedProblem"),
            &token,
            key,
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{again:#}");
        assert_eq!(again["created"], false);
        assert_eq!(again["message"]["id"], message_id.as_str());
    }
    let queued = queue.sent();
    assert_eq!(queued.len(), 1);

    // The sender sends it; the redelivered record sends nothing more.
    let sender = sender::Sender {
        store: stack.store.clone(),
        mail: SesMailTransport::from_config(&stack.config),
        channels: clients(),
        scheduler: EventBridgeScheduler::from_config(
            &stack.config,
            ScheduleTarget {
                group: stack.resources.schedule_group.clone(),
                queue_arn: stack.resources.queue("EscalationQueue").arn.clone(),
                role_arn: "arn:aws:iam::123456789012:role/marketdesk-scheduler".into(),
            },
        ),
        notifier: Quiet,
        config: Default::default(),
        frontend_url: None,
        lease: TimeDelta::minutes(15),
        outbound: queue.clone(),
    };
    let record = serde_json::to_string(&queued[0]).unwrap();
    let batch = || {
        serde_json::from_value(json!({"Records": [{
            "messageId": "sqs-1", "body": record, "eventSource": "aws:sqs",
            "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1763900000000"},
        }]}))
        .unwrap()
    };
    for _ in 0..2 {
        let answer = sender.handle_sqs(batch(), Utc::now()).await;
        assert!(answer.batch_item_failures.is_empty());
    }
    assert_eq!(
        sender.deliver(&queued[0], Utc::now()).await.unwrap(),
        sender::Outcome::AlreadyDelivered
    );
    let sent = amazon.sent_messages();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].action, "unexpectedProblem");
    assert_eq!(sent[0].order, order_id);
    assert_eq!(sent[0].marketplace, IT);
    assert_eq!(sent[0].body, json!({"text": text}));

    // On the ticket: the outbound message with its action and outcome; the SLA clock runs on
    // (a Messaging API message answers no buyer message).
    let view = stack
        .store
        .ticket_view(&acme, &ticket.id)
        .await
        .unwrap()
        .unwrap();
    let action = view
        .messages
        .iter()
        .find(|m| m.id.as_str() == message_id)
        .unwrap();
    assert_eq!(action.direction, Direction::Outbound);
    assert_eq!(
        action.external.order_action.as_ref().unwrap().action,
        "unexpectedProblem"
    );
    assert!(matches!(
        action.delivery,
        Some(DeliveryState::Delivered { .. })
    ));
    assert_eq!(view.ticket.sla.due_at, ticket.sla.due_at);
    assert!(view.ticket.last_agent_reply_at.is_none());

    // Accepted while offered, but Amazon stops offering it before the sender runs: recorded
    // as failed, not sent.
    let (status, accepted) = call(
        &app,
        Method::POST,
        &format!("{path}/confirmDeliveryDetails"),
        &token,
        None,
        Some(json!({"text": "Il pacco sarà consegnato domani tra le 9 e le 13."})),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{accepted:#}");
    amazon.set_offered_actions(&order_id, &["legalDisclosure"]);
    let queued = queue.sent();
    assert_eq!(queued.len(), 2);
    let outcome = sender.deliver(&queued[1], Utc::now()).await.unwrap();
    assert!(
        matches!(&outcome, sender::Outcome::Failed(reason) if reason.starts_with("not_offered")),
        "{outcome:?}"
    );
    assert_eq!(amazon.sent_messages().len(), 1);

    // And the API now says so too.
    let (_, offered) = call(&app, Method::GET, &path, &token, None, None).await;
    assert_eq!(offered["actions"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_ticket_without_an_amazon_order_offers_nothing_and_says_why() {
    let stack = fresh_stack().await;
    let acme = tenant("acme");
    let mut ticket = new_ticket(&acme, Utc::now() - Duration::hours(1));
    ticket.order = None;
    stack
        .store
        .record_inbound(&first_inbound(&ticket, "<no-order@amazon.it>"))
        .await
        .unwrap();
    let app = api::app(api::AppState::local(
        stack.store.clone(),
        MemoryOutboundQueue::default(),
        DevTokens::new(SECRET),
    ));
    let token = DevTokens::new(SECRET).mint(
        &acme,
        &AgentId::parse("anna").unwrap(),
        Role::Agent,
        4_102_444_800,
    );
    let path = format!("/v1/tickets/{}/order-actions", ticket.id);
    let (status, answer) = call(&app, Method::GET, &path, &token, None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["actions"], json!([]));
    assert_eq!(answer["reason"], "no_order");
    let (status, _) = call(
        &app,
        Method::POST,
        &format!("{path}/unexpectedProblem"),
        &token,
        None,
        Some(json!({"text": "Un ritardo imprevisto."})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Another tenant's ticket is not found.
    let other = DevTokens::new(SECRET).mint(
        &tenant("other"),
        &AgentId::parse("bob").unwrap(),
        Role::Agent,
        4_102_444_800,
    );
    let (status, _) = call(&app, Method::GET, &path, &other, None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
