//! The Shopify Admin GraphQL client against the Shopify sandbox: pagination, the updated-since
//! filter, the cost bucket and THROTTLED, transport faults, auth, mapping and webhooks.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::routing::post;
use chrono::{DateTime, Utc};
use marketdesk::connectors::shopify::{
    ShopifyAdmin, ShopifyConfig, WebhookDelivery, WebhookTopic, parse_order_webhook, verify_webhook,
};
use marketdesk::connectors::{
    ErrorKind, HttpConfig, OrderLookup, OrderSource, RetryPolicy, Secret, fetch_changed_orders,
};
use marketdesk::domain::{AccountId, Channel, IdentityKind, OrderId};
use marketdesk_sandboxes::Fault;
use marketdesk_sandboxes::shopify::{GRAPHQL_ROUTE, ShopConfig, ShopifySandbox};

fn http() -> HttpConfig {
    HttpConfig {
        timeout: Duration::from_millis(500),
        connect_timeout: Duration::from_millis(500),
        retry: RetryPolicy {
            min_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(100),
            max_attempts: 4,
            budget: Duration::from_secs(5),
        },
    }
}

fn account() -> AccountId {
    AccountId::parse("acct_shop").unwrap()
}

fn client_with(sandbox: &ShopifySandbox, change: impl FnOnce(&mut ShopifyConfig)) -> ShopifyAdmin {
    let mut config = ShopifyConfig::new(
        account(),
        sandbox.config().shop_domain.clone(),
        Secret::new(sandbox.access_token()),
    );
    config.endpoint = Some(sandbox.base_url());
    config.http = http();
    change(&mut config);
    let client = config.http.build_client();
    ShopifyAdmin::new(config, client).unwrap()
}

fn client(sandbox: &ShopifySandbox) -> ShopifyAdmin {
    client_with(sandbox, |_| {})
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn long_ago() -> DateTime<Utc> {
    at("2020-01-01T00:00:00Z")
}

fn names(orders: &[marketdesk::domain::Order]) -> BTreeSet<String> {
    orders.iter().map(|o| o.id.as_str().to_owned()).collect()
}

fn seeded_names(sandbox: &ShopifySandbox, since: DateTime<Utc>) -> BTreeSet<String> {
    sandbox
        .orders()
        .iter()
        .filter(|o| at(o["updatedAt"].as_str().unwrap()) >= since)
        .map(|o| {
            o["name"]
                .as_str()
                .unwrap()
                .trim_start_matches('#')
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn following_every_page_returns_exactly_the_seeded_orders() {
    let sandbox = ShopifySandbox::start().await.unwrap();
    let client = client(&sandbox);
    let (orders, rest) = fetch_changed_orders(&client, long_ago(), None, 100)
        .await
        .unwrap();
    assert_eq!(rest, None);
    assert_eq!(orders.len(), 30);
    assert_eq!(names(&orders), seeded_names(&sandbox, long_ago()));
    // Pages of 10: four requests (the last one finds the end).
    assert!(sandbox.faults().count(GRAPHQL_ROUTE) >= 3);
    // Oldest change first, so a poller can resume from the last one it saw.
    assert!(
        orders
            .windows(2)
            .all(|w| w[0].updated_at <= w[1].updated_at)
    );
}

#[tokio::test]
async fn only_orders_updated_at_or_after_the_instant_are_listed() {
    let sandbox = ShopifySandbox::start().await.unwrap();
    let mut times: Vec<DateTime<Utc>> = sandbox
        .orders()
        .iter()
        .map(|o| at(o["updatedAt"].as_str().unwrap()))
        .collect();
    times.sort();
    let since = times[times.len() / 2];
    let (orders, _) = fetch_changed_orders(&client(&sandbox), since, None, 100)
        .await
        .unwrap();
    assert!(!orders.is_empty() && orders.len() < 30);
    assert!(orders.iter().all(|o| o.updated_at >= since));
    assert_eq!(names(&orders), seeded_names(&sandbox, since));
}

#[tokio::test]
async fn a_throttled_query_waits_for_the_bucket_and_then_succeeds() {
    let sandbox = ShopifySandbox::start_with(ShopConfig {
        restore_rate: 1000.0,
        ..ShopConfig::default()
    })
    .await
    .unwrap();
    sandbox.drain_bucket();
    let page = client(&sandbox)
        .changed_orders(long_ago(), None)
        .await
        .unwrap();
    assert_eq!(page.orders.len(), 10);
    assert!(sandbox.throttled_answers() >= 1);
}

#[tokio::test]
async fn a_throttle_longer_than_the_budget_is_a_typed_throttle_error() {
    let sandbox = ShopifySandbox::start_with(ShopConfig {
        restore_rate: 1.0,
        ..ShopConfig::default()
    })
    .await
    .unwrap();
    sandbox.drain_bucket();
    let err = client(&sandbox)
        .changed_orders(long_ago(), None)
        .await
        .unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Throttled { .. }), "{err}");
    assert!(err.retry_after().unwrap() > Duration::from_secs(100));
    assert_eq!(err.account, "acct_shop");
}

#[tokio::test]
async fn the_client_paces_itself_from_the_cost_numbers_instead_of_being_throttled() {
    let sandbox = ShopifySandbox::start_with(ShopConfig {
        bucket_size: 500.0,
        restore_rate: 300.0,
        ..ShopConfig::default()
    })
    .await
    .unwrap();
    let client = client(&sandbox);
    let (orders, _) = fetch_changed_orders(&client, long_ago(), None, 100)
        .await
        .unwrap();
    assert_eq!(orders.len(), 30);
    assert_eq!(sandbox.throttled_answers(), 0);
    assert!(client.bucket().available() <= 500.0);
}

#[tokio::test]
async fn transport_faults_are_retried_until_the_page_arrives() {
    let faults = [
        Fault::Throttle {
            retry_after: Some(0),
        },
        Fault::ServerError(502),
        Fault::ServerError(503),
        Fault::Delay(Duration::from_millis(800)),
        Fault::InvalidJson,
        Fault::TruncatedBody,
    ];
    for fault in faults {
        let sandbox = ShopifySandbox::start().await.unwrap();
        sandbox.faults().push(GRAPHQL_ROUTE, fault.clone());
        let page = client(&sandbox)
            .changed_orders(long_ago(), None)
            .await
            .unwrap_or_else(|e| panic!("{fault:?}: {e}"));
        assert_eq!(page.orders.len(), 10, "{fault:?}");
        assert_eq!(sandbox.faults().count(GRAPHQL_ROUTE), 2, "{fault:?}");
    }
}

#[tokio::test]
async fn faults_that_outlast_the_retries_end_in_a_typed_error_with_the_page_to_resume() {
    let sandbox = ShopifySandbox::start().await.unwrap();
    let client = client(&sandbox);
    let first = client.changed_orders(long_ago(), None).await.unwrap();
    let token = first.next_page.clone().unwrap();
    sandbox
        .faults()
        .push_n(GRAPHQL_ROUTE, Fault::ServerError(500), 10);
    let err = client
        .changed_orders(long_ago(), Some(&token))
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::Server { status: 500, .. }),
        "{err}"
    );
    assert_eq!(err.attempts, 4);
    assert_eq!(err.resume_from.as_deref(), Some(token.as_str()));
    sandbox.faults().clear();
    sandbox
        .faults()
        .push_n(GRAPHQL_ROUTE, Fault::InvalidJson, 10);
    let err = client.changed_orders(long_ago(), None).await.unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::InvalidResponse { .. }),
        "{err}"
    );
}

#[tokio::test]
async fn a_refused_token_is_an_auth_error_and_is_not_retried() {
    let sandbox = ShopifySandbox::start().await.unwrap();
    let wrong = client_with(&sandbox, |c| c.access_token = Secret::new("shpat_wrong"));
    let err = wrong.changed_orders(long_ago(), None).await.unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert_eq!(err.attempts, 1);
    assert!(!err.to_string().contains("shpat_wrong"));

    sandbox.faults().push(GRAPHQL_ROUTE, Fault::ExpiredToken);
    let err = client(&sandbox)
        .changed_orders(long_ago(), None)
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
}

#[tokio::test]
async fn graphql_errors_in_a_200_become_typed_errors_naming_the_operation() {
    let sandbox = ShopifySandbox::start().await.unwrap();
    // 250 orders with their line items cost more than a single query may.
    let greedy = client_with(&sandbox, |c| c.page_size = 250);
    let err = greedy.changed_orders(long_ago(), None).await.unwrap_err();
    match &err.kind {
        ErrorKind::Rejected { status, code, .. } => {
            assert_eq!((*status, code.as_str()), (200, "MAX_COST_EXCEEDED"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.call, "ChangedOrders");
    assert_eq!(err.attempts, 1);
}

#[tokio::test]
async fn an_order_is_found_by_name_or_gid_with_its_tracking_and_buyer() {
    let sandbox = ShopifySandbox::start().await.unwrap();
    let client = client(&sandbox);
    let raw = sandbox
        .orders()
        .into_iter()
        .find(|o| o["fulfillments"].as_array().is_some_and(|f| !f.is_empty()))
        .unwrap();
    let name = raw["name"].as_str().unwrap();
    let order = client
        .order(&OrderId::parse(name.trim_start_matches('#')).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(order.channel, Channel::Shopify);
    assert_eq!(format!("#{}", order.id), name);
    let info = &raw["fulfillments"][0]["trackingInfo"][0];
    let shipment = &order.shipments[0];
    assert_eq!(shipment.tracking_number, info["number"].as_str().unwrap());
    assert_eq!(shipment.tracking_url.as_deref(), info["url"].as_str());
    assert!(!shipment.carrier.is_empty() && shipment.carrier != "unknown");
    let email = raw["customer"]["defaultEmailAddress"]["emailAddress"]
        .as_str()
        .unwrap();
    assert!(
        order
            .buyer_identities
            .iter()
            .any(|i| i.kind == IdentityKind::Email && i.value == email)
    );
    assert!(
        order
            .buyer_identities
            .iter()
            .any(|i| i.kind == IdentityKind::ShopifyCustomer)
    );
    assert!(order.total.is_some() && !order.items.is_empty());

    let by_gid = client
        .order(&OrderId::parse(raw["id"].as_str().unwrap()).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_gid, order);
    assert_eq!(client.order_by_name(name).await.unwrap(), Some(order));
    assert_eq!(
        client
            .order(&OrderId::parse("9999").unwrap())
            .await
            .unwrap(),
        None
    );
    let err = client.order_by_name("#1001 OR x").await.unwrap_err();
    assert!(matches!(err.kind, ErrorKind::InvalidRequest(_)));
}

#[tokio::test]
async fn a_signed_webhook_from_the_sandbox_verifies_and_maps_to_the_order() {
    let sandbox = ShopifySandbox::start().await.unwrap();
    let received: Arc<Mutex<Vec<(HeaderMap, Bytes)>>> = Arc::default();
    let sink = received.clone();
    let app = Router::new().route(
        "/hooks/shopify",
        post(move |headers: HeaderMap, body: Bytes| {
            let sink = sink.clone();
            async move {
                sink.lock().unwrap().push((headers, body));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/shopify", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let response = sandbox
        .send_webhook(&url, "orders/updated", "#1003", "evt-1")
        .await
        .unwrap()
        .unwrap();
    assert!(response.status().is_success());
    let (headers, body) = received.lock().unwrap().pop().unwrap();
    let secret = Secret::new(sandbox.webhook_secret());
    let signature = headers["x-shopify-hmac-sha256"].to_str().unwrap();
    verify_webhook(&secret, &body, signature).unwrap();
    assert!(verify_webhook(&Secret::new("not-the-secret"), &body, signature).is_err());
    let delivery = WebhookDelivery::from_header_map(&headers).unwrap();
    assert_eq!(delivery.topic, WebhookTopic::OrdersUpdated);
    assert_eq!(delivery.event_id, "evt-1");
    assert_eq!(delivery.shop_domain, sandbox.config().shop_domain);
    let order = parse_order_webhook(&delivery, &account(), &body).unwrap();
    let via_api = client(&sandbox)
        .order(&OrderId::parse("1003").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(order.id, via_api.id);
    assert_eq!(order.total, via_api.total);
    assert_eq!(order.updated_at, via_api.updated_at);
    assert_eq!(
        order
            .shipments
            .iter()
            .map(|s| &s.tracking_number)
            .collect::<Vec<_>>(),
        via_api
            .shipments
            .iter()
            .map(|s| &s.tracking_number)
            .collect::<Vec<_>>()
    );
    assert_eq!(order.buyer_identities, via_api.buyer_identities);
}

#[tokio::test]
async fn an_added_order_is_listed_after_its_update() {
    let sandbox = ShopifySandbox::start().await.unwrap();
    let customer = sandbox.customers()[0].clone();
    let now = sandbox.config().now;
    let mut order = marketdesk_sandboxes::shopify::sample_order(9, 2001, &customer, now);
    order["updatedAt"] = serde_json::json!("2026-11-02T00:00:00Z");
    sandbox.add_order(order);
    let page = client(&sandbox)
        .changed_orders(at("2026-11-01T12:00:00Z"), None)
        .await
        .unwrap();
    assert_eq!(names(&page.orders), BTreeSet::from(["2001".to_owned()]));
    assert_eq!(page.next_page, None);
}
