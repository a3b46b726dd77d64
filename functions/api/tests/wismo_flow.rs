//! The FBM where-is-my-order flow on the emulator, end to end: a German buyer asks on
//! Amazon.de where their parcel is; ingestion tracks the DPD shipment live through AfterShip
//! (sandbox) and stores a ready German draft with the status, the estimated delivery and the
//! carrier's tracking link, which passes the checker; a new scan re-renders it when the agent
//! opens the ticket; the agent sends it as is and the sender stops the clock.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{Duration, TimeDelta, Utc};
use http_body_util::BodyExt;
use marketdesk::accounts::CredentialVault;
use marketdesk::adapters::s3::S3MailBlobs;
use marketdesk::adapters::scheduler::{EventBridgeScheduler, ScheduleTarget};
use marketdesk::adapters::secrets::SecretsManager;
use marketdesk::adapters::ses::SesMailTransport;
use marketdesk::auth::{DevTokens, Role};
use marketdesk::connectors::accounts::{
    CarrierCredentials, ChannelClients, Endpoints, LiveContext,
};
use marketdesk::connectors::carrier_accounts::{TenantTrackers, carriers_ref};
use marketdesk::connectors::{HttpConfig, Secret};
use marketdesk::domain::*;
use marketdesk::escalation::NoSchedules;
use marketdesk::ingest::{Ingestor, OrderEvent, SourceEvent};
use marketdesk::outbound::MemoryOutboundQueue;
use marketdesk::store::{AccountStore, PageRequest, TicketQueue, TicketStore};
use marketdesk::tracking::RefreshPolicy;
use marketdesk_devstack::testing::fresh_stack;
use marketdesk_sandboxes::carriers::{CarriersSandbox, Scan, Stage, Tracking};
use marketdesk_tests::{at, tenant};
use serde_json::{Value, json};
use tower::ServiceExt;

const SECRET: &[u8] = b"wismo-flow-secret";

/// Slack alerts are not this test's business.
struct Quiet;

impl marketdesk::connectors::Notifier for Quiet {
    async fn notify(
        &self,
        _: &marketdesk::connectors::Notification,
    ) -> Result<(), marketdesk::connectors::ConnectorError> {
        Ok(())
    }
}
const ORDER: &str = "302-8876543-1122334";
const NUMBER: &str = "15501234567890";
const SENDER: &str = "kundenservice@casa-luce.example";

fn de_account(tenant: &TenantId) -> ChannelAccount {
    ChannelAccount {
        id: AccountId::parse("acct_amazon_de").unwrap(),
        tenant: tenant.clone(),
        channel: Channel::Amazon,
        marketplace: Marketplace {
            id: "A1PA6795UKMFR9".into(),
            country: Some("DE".into()),
            language: Some("de".into()),
        },
        region: Some("eu".into()),
        display_name: "Amazon.de".into(),
        credentials: SecretRef("marketdesk/acme/acct_amazon_de".into()),
        sender_address: Some(SENDER.into()),
        seller_id: None,
        reply_identity: Some(ReplyIdentity {
            seller_name: "Casa Luce".into(),
            signature: Some("Ihr Kundenservice".into()),
        }),
        auto_send_wismo: false,
        poll_interval_minutes: 5,
        enabled: true,
        created_at: at("2026-10-01T00:00:00Z"),
        version: 0,
    }
}

fn fbm_order(alias: &str) -> Order {
    Order {
        channel: Channel::Amazon,
        id: OrderId::parse(ORDER).unwrap(),
        account: AccountId::parse("acct_amazon_de").unwrap(),
        marketplace_id: "A1PA6795UKMFR9".into(),
        status: "Shipped".into(),
        fulfillment: FulfillmentChannel::Merchant,
        purchased_at: Utc::now() - Duration::days(3),
        buyer_name: Some("Klaus W.".into()),
        buyer_identities: vec![Identity::new(IdentityKind::AmazonRelay, alias)],
        total: Some(Money {
            minor: 8990,
            currency: "EUR".into(),
        }),
        items: vec![OrderItem {
            product_id: "B0EXAMPL02".into(),
            sku: Some("DRILL-18V".into()),
            title: "Akku-Bohrschrauber 18 V".into(),
            quantity: 1,
            unit_price: None,
        }],
        shipments: vec![Shipment {
            carrier: "DPD".into(),
            tracking_number: NUMBER.into(),
            tracking_url: None,
            status: ShipmentStatus::InTransit,
            events: vec![],
            estimated_delivery: None,
            checked_at: None,
        }],
        updated_at: Utc::now() - Duration::days(2),
        version: 0,
    }
}

/// A relay e-mail as Amazon.de delivers it: "Wo bleibt mein Paket?".
fn wismo_mail(alias: &str) -> String {
    let date = Utc::now().format("%a, %d %b %Y %H:%M:%S +0000");
    format!(
        "Date: {date}\r\n\
         From: \"Klaus W. - Amazon Marketplace\" <{alias}>\r\n\
         To: buyer-messages@inbound.acme-store.example\r\n\
         Message-ID: <wismo-de-1@email.amazonses.com>\r\n\
         Subject: Anfrage von Amazon-Kunde Klaus W. (Bestellung: {ORDER})\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=UTF-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\n\
         Bestellnummer: {ORDER}\r\n\
         1 von Akku-Bohrschrauber 18 V\r\n\
         [ASIN: B0EXAMPL02]\r\n\r\n\
         ------------- Nachricht: -------------\r\n\r\n\
         Guten Tag,\r\n\r\n\
         wo bleibt mein Paket? Ich habe vor drei Tagen bestellt.\r\n\r\n\
         Viele Grüße\r\nKlaus\r\n\r\n\
         ------------- Ende der Nachricht -------------\r\n"
    )
}

fn in_transit(now: chrono::DateTime<Utc>) -> Tracking {
    let scan = |hours: i64, stage, text: &str, city: &str| Scan {
        at: now - Duration::hours(hours),
        stage,
        description: text.into(),
        city: city.into(),
        country: "DE".into(),
    };
    Tracking {
        stage: Stage::InTransit,
        scans: vec![
            scan(40, Stage::LabelCreated, "Paketdaten übermittelt", "Hamburg"),
            scan(
                30,
                Stage::InTransit,
                "Im Paketzentrum angekommen",
                "Hamburg",
            ),
            scan(10, Stage::InTransit, "Im Zustelldepot angekommen", "Köln"),
        ],
        estimated_delivery: Some(now + Duration::hours(30)),
    }
}

async fn call(
    app: &axum::Router,
    method: Method,
    path: &str,
    bearer: &str,
    if_match: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {bearer}"));
    if let Some(tag) = if_match {
        request = request.header(header::IF_MATCH, tag);
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
async fn an_amazon_de_wismo_gets_a_german_live_draft_that_a_new_scan_rerenders_and_sending_stops_the_clock()
 {
    let stack = fresh_stack().await;
    let acme = tenant("acme");
    let alias = format!(
        "{}@marketplace.amazon.de",
        stack.resources.table.to_lowercase()
    );
    stack
        .store
        .save_account(&de_account(&acme), None)
        .await
        .unwrap();
    let sandbox = CarriersSandbox::start().await.unwrap();
    sandbox.set_tracking(NUMBER, in_transit(Utc::now()));
    // The seller's own AfterShip key, stored as the carriers API stores it; the deployment
    // has none, so every live status below comes through the tenant's credentials.
    SecretsManager::from_config(&stack.config)
        .put(
            &carriers_ref(&acme),
            &Secret::new(
                json!({"aftership_api_key": sandbox.config().aftership_api_key}).to_string(),
            ),
        )
        .await
        .unwrap();
    let trackers = || {
        let endpoints = Endpoints {
            aftership: Some(sandbox.base_url()),
            ..Endpoints::default()
        };
        let clients = Arc::new(ChannelClients::new(
            SecretsManager::from_config(&stack.config),
            endpoints,
            HttpConfig::default(),
        ));
        (
            clients.clone(),
            TenantTrackers::new(clients, CarrierCredentials::default()),
        )
    };
    let (clients, tracker) = trackers();
    let worker = ingest::Worker::new(Ingestor::new(
        stack.store.clone(),
        S3MailBlobs::from_config(&stack.config),
        LiveContext { clients, tracker },
        NoSchedules,
    ));

    // The order (from the poller), then the buyer's relay mail through S3.
    let order_event = serde_json::to_string(&SourceEvent::Order(OrderEvent {
        tenant: acme.clone(),
        order: fbm_order(&alias),
    }))
    .unwrap();
    let key = format!("inbound/{acme}/wismo-de");
    marketdesk::adapters::aws::s3_client(&stack.config)
        .put_object()
        .bucket(&stack.resources.mail_bucket)
        .key(&key)
        .body(wismo_mail(&alias).into_bytes().into())
        .send()
        .await
        .unwrap();
    let mail_event = serde_json::to_string(&marketdesk_sandboxes::mail::s3_event(
        &stack.resources.mail_bucket,
        &key,
        1024,
        None,
        Utc::now(),
    ))
    .unwrap();
    for body in [order_event, mail_event] {
        let event = serde_json::from_value(json!({"Records": [{
            "messageId": "m1", "body": body, "eventSource": "aws:sqs",
            "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1763900000000"},
        }]}))
        .unwrap();
        assert!(worker.handle(event).await.batch_item_failures.is_empty());
    }

    let tickets = stack
        .store
        .queue(
            &acme,
            &TicketQueue::Status(TicketStatus::Open),
            &PageRequest::first(10),
        )
        .await
        .unwrap()
        .items;
    assert_eq!(tickets.len(), 1);
    let ticket = &tickets[0];
    assert_eq!(ticket.intent, Some(Intent::WhereIsMyOrder));
    let draft = ticket.draft.clone().expect("a ready draft");
    assert_eq!(
        (draft.template.as_str(), draft.language.as_str()),
        ("wismo_live", "de")
    );
    assert_eq!(draft.compliance, "pass", "{draft:#?}");
    assert!(draft.missing.is_empty(), "{draft:#?}");
    assert!(
        draft.body.starts_with("Guten Tag Klaus W.,"),
        "{}",
        draft.body
    );
    assert!(draft.body.contains("derzeit unterwegs"), "{}", draft.body);
    assert!(draft.body.contains("Köln"), "{}", draft.body);
    let eta = draft.facts.estimated_delivery.expect("an estimate");
    let month = [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ];
    let local = eta.with_timezone(&chrono_tz::Europe::Berlin);
    use chrono::Datelike;
    let german_date = format!(
        "{}. {} {}",
        local.day(),
        month[local.month0() as usize],
        local.year()
    );
    assert!(
        draft.body.contains(&german_date),
        "{german_date}: {}",
        draft.body
    );
    let link = draft.facts.tracking_url.clone().expect("a tracking link");
    assert!(link.starts_with("https://tracking.dpd.de/"), "{link}");
    assert!(draft.body.contains(&link));
    assert!(
        draft
            .body
            .trim_end()
            .ends_with("Casa Luce\nIhr Kundenservice"),
        "{}",
        draft.body
    );
    assert_eq!(draft.facts.shipment_status, Some(ShipmentStatus::InTransit));

    // A new scan: out for delivery. The agent opens the ticket; the stale shipment is asked
    // again (an age of zero makes every view stale) and the draft is rendered anew.
    let mut scanned = in_transit(Utc::now());
    scanned.stage = Stage::OutForDelivery;
    scanned.scans.push(Scan {
        at: Utc::now() - Duration::minutes(5),
        stage: Stage::OutForDelivery,
        description: "Das Paket ist in Zustellung".into(),
        city: "Köln".into(),
        country: "DE".into(),
    });
    sandbox.set_tracking(NUMBER, scanned);
    let queue = Arc::new(MemoryOutboundQueue::default());
    let app = api::app(
        api::AppState::local(stack.store.clone(), queue.clone(), DevTokens::new(SECRET))
            .with_tracking(
                trackers().1,
                RefreshPolicy {
                    max_age: Duration::zero(),
                    ..RefreshPolicy::default()
                },
            ),
    );
    let token = DevTokens::new(SECRET).mint(
        &acme,
        &AgentId::parse("anna").unwrap(),
        Role::Agent,
        4_102_444_800,
    );
    let path = format!("/v1/tickets/{}", ticket.id);
    let (status, view) = call(&app, Method::GET, &path, &token, None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(view["order"]["shipments"][0]["status"], "out_for_delivery");
    let redrafted = &view["ticket"]["draft"];
    assert_eq!(
        redrafted["facts"]["shipment_status"], "out_for_delivery",
        "{view:#}"
    );
    let body = redrafted["body"].as_str().unwrap().to_owned();
    assert!(body.contains("in Zustellung"), "{body}");
    assert_ne!(body, draft.body);
    let version = view["ticket"]["version"].as_u64().unwrap();
    assert!(version > ticket.version);

    // Sent as is: accepted, queued, the draft has served; the sender delivers and stops the
    // clock.
    let (status, _) = call(
        &app,
        Method::POST,
        &format!("{path}/replies"),
        &token,
        None,
        Some(json!({"body": body, "expected_version": version})),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let stored = stack
        .store
        .ticket(&acme, &ticket.id)
        .await
        .unwrap()
        .unwrap();
    assert!(stored.draft.is_none());
    aws_sdk_sesv2::Client::new(&stack.config)
        .create_email_identity()
        .email_identity(SENDER)
        .send()
        .await
        .unwrap();
    let sender = sender::Sender {
        store: stack.store.clone(),
        mail: SesMailTransport::from_config(&stack.config),
        channels: ChannelClients::new(
            SecretsManager::from_config(&stack.config),
            Endpoints::default(),
            HttpConfig::default(),
        ),
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
    let queued = queue.sent();
    assert_eq!(queued.len(), 1);
    assert_eq!(
        sender.deliver(&queued[0], Utc::now()).await.unwrap(),
        sender::Outcome::Delivered
    );
    let after = stack
        .store
        .ticket(&acme, &ticket.id)
        .await
        .unwrap()
        .unwrap();
    assert!(
        after.sla.due_at.is_none(),
        "the clock stopped: {:?}",
        after.sla
    );
    assert!(after.last_agent_reply_at.is_some());
}
