//! The LWA + SP-API Orders client against the Amazon sandbox: pagination, mapping, faults,
//! and token refresh under concurrency.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use marketdesk::connectors::amazon::{
    LwaClient, LwaCredentials, Region, SearchOrdersQuery, SpApiConfig, SpApiOrders,
};
use marketdesk::connectors::{
    ErrorKind, HttpConfig, OrderLookup, OrderSource, RateLimit, RetryPolicy, Secret,
    fetch_changed_orders,
};
use marketdesk::domain::{AccountId, Channel, FulfillmentChannel, OrderId, ShipmentStatus};
use marketdesk_sandboxes::Fault;
use marketdesk_sandboxes::amazon::{
    self, AmazonConfig, AmazonSandbox, GET_ORDER_ROUTE, SEARCH_ORDERS_ROUTE,
};
use serde_json::json;

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

fn client_with(sandbox: &AmazonSandbox, change: impl FnOnce(&mut SpApiConfig)) -> SpApiOrders {
    let cfg = sandbox.config();
    let credentials = LwaCredentials {
        client_id: cfg.client_id.clone(),
        client_secret: Secret::new(cfg.client_secret.clone()),
        refresh_token: Secret::new(cfg.refresh_token.clone()),
    };
    let http_config = http();
    let client = http_config.build_client();
    let lwa = LwaClient::new(
        "acct_eu",
        credentials,
        sandbox.token_url(),
        client.clone(),
        http_config.timeout,
    );
    let mut config = SpApiConfig::new(
        AccountId::parse("acct_eu").unwrap(),
        Region::Europe,
        cfg.marketplace_ids.clone(),
    );
    config.endpoint = Some(sandbox.base_url());
    config.http = http_config;
    config.search_rate = RateLimit::new(1000.0, 1000);
    config.get_rate = RateLimit::new(1000.0, 1000);
    change(&mut config);
    SpApiOrders::new(config, Arc::new(lwa), client)
}

fn client(sandbox: &AmazonSandbox) -> SpApiOrders {
    client_with(sandbox, |_| {})
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn long_ago() -> DateTime<Utc> {
    at("2026-01-01T00:00:00Z")
}

fn some_order_id(sandbox: &AmazonSandbox) -> OrderId {
    OrderId::parse(sandbox.orders()[0]["orderId"].as_str().unwrap()).unwrap()
}

/// A merchant-fulfilled order on amazon.co.uk with one Royal Mail parcel out for delivery.
fn fbm_order() -> serde_json::Value {
    json!({
        "orderId": "202-1234567-8901234",
        "createdTime": "2026-10-25T09:15:00Z",
        "lastUpdatedTime": "2026-10-26T16:30:00Z",
        "salesChannel": {"channelName": "AMAZON", "marketplaceId": "A1F83G8C2ARO7P", "marketplaceName": "Amazon.co.uk"},
        "buyer": {"buyerName": "James Wilson", "buyerEmail": "x1y2z3@marketplace.amazon.co.uk"},
        "proceeds": {"grandTotal": {"amount": "103.97", "currencyCode": "GBP"}},
        "fulfillment": {
            "fulfillmentStatus": "SHIPPED",
            "fulfilledBy": "MERCHANT",
            "deliverByWindow": {"earliestDateTime": "2026-10-27T00:00:00Z", "latestDateTime": "2026-10-30T23:59:59Z"}
        },
        "orderItems": [{
            "orderItemId": "20212345678901",
            "quantityOrdered": 3,
            "product": {
                "asin": "B08DFPV54V",
                "title": "Echo Dot (4th Gen)",
                "sellerSku": "ECHO-DOT-4-UK",
                "price": {"unitPrice": {"amount": "29.99", "currencyCode": "GBP"}}
            }
        }],
        "packages": [{
            "packageReferenceId": "UK-PKG-2026-001",
            "packageStatus": {"status": "IN_TRANSIT", "detailedStatus": "OUT_FOR_DELIVERY"},
            "carrier": "Royal Mail",
            "trackingNumber": "RR123456785GB",
            "packageItems": [{"orderItemId": "20212345678901", "quantity": 3}]
        }]
    })
}

#[tokio::test]
async fn get_order_maps_items_packages_and_tracking_of_a_merchant_fulfilled_order() {
    let sandbox = AmazonSandbox::start().await.unwrap();
    sandbox.add_order(fbm_order());

    let order = client(&sandbox)
        .order(&OrderId::parse("202-1234567-8901234").unwrap())
        .await
        .unwrap()
        .unwrap();

    assert_eq!(order.channel, Channel::Amazon);
    assert_eq!(order.account.as_str(), "acct_eu");
    assert_eq!(order.marketplace_id, "A1F83G8C2ARO7P");
    assert_eq!(order.status, "SHIPPED");
    assert_eq!(order.fulfillment, FulfillmentChannel::Merchant);
    assert_eq!(order.purchased_at, at("2026-10-25T09:15:00Z"));
    assert_eq!(order.updated_at, at("2026-10-26T16:30:00Z"));
    assert_eq!(
        order.total.as_ref().map(|m| (m.minor, m.currency.as_str())),
        Some((10397, "GBP"))
    );
    assert_eq!(order.items.len(), 1);
    let item = &order.items[0];
    assert_eq!(
        (item.product_id.as_str(), item.sku.as_deref(), item.quantity),
        ("B08DFPV54V", Some("ECHO-DOT-4-UK"), 3)
    );
    assert_eq!(item.unit_price.as_ref().map(|m| m.minor), Some(2999));
    assert_eq!(order.shipments.len(), 1);
    let shipment = &order.shipments[0];
    assert_eq!(
        (shipment.carrier.as_str(), shipment.tracking_number.as_str()),
        ("royal_mail", "RR123456785GB")
    );
    assert_eq!(shipment.status, ShipmentStatus::OutForDelivery);
    assert_eq!(
        shipment.estimated_delivery,
        Some(at("2026-10-30T23:59:59Z"))
    );
    // Buyer data was not asked for, so it is not there.
    assert_eq!(order.buyer_name, None);
}

#[tokio::test]
async fn fulfilled_by_amazon_maps_to_marketplace_fulfillment() {
    let sandbox = AmazonSandbox::start().await.unwrap();
    let mut fba = fbm_order();
    fba["orderId"] = json!("202-7654321-0000001");
    fba["fulfillment"]["fulfilledBy"] = json!("AMAZON");
    sandbox.add_order(fba);

    let order = client(&sandbox)
        .order(&OrderId::parse("202-7654321-0000001").unwrap())
        .await
        .unwrap()
        .unwrap();

    assert_eq!(order.fulfillment, FulfillmentChannel::Marketplace);
}

#[tokio::test]
async fn an_unknown_order_is_none_not_an_error() {
    let sandbox = AmazonSandbox::start().await.unwrap();
    let found = client(&sandbox)
        .order(&OrderId::parse("999-0000000-0000000").unwrap())
        .await
        .unwrap();
    assert_eq!(found, None);
    assert_eq!(sandbox.faults().count(GET_ORDER_ROUTE), 1);
}

#[tokio::test]
async fn changed_orders_follow_the_pages_to_every_order_updated_since() {
    let sandbox = AmazonSandbox::start().await.unwrap();
    let orders = client_with(&sandbox, |c| c.page_size = 7);

    let (fetched, rest) = fetch_changed_orders(&orders, long_ago(), None, 100)
        .await
        .unwrap();

    assert_eq!(rest, None);
    assert_eq!(fetched.len(), 40);
    assert_eq!(
        sandbox.faults().count(SEARCH_ORDERS_ROUTE),
        6,
        "40 orders in pages of 7"
    );
    let ids: HashSet<_> = fetched.iter().map(|o| o.id.as_str().to_owned()).collect();
    assert_eq!(ids.len(), 40, "no order twice");
    for order in &fetched {
        let raw = sandbox.order(order.id.as_str()).unwrap();
        let expected = match raw["fulfillment"]["fulfilledBy"].as_str() {
            Some("AMAZON") => FulfillmentChannel::Marketplace,
            _ => FulfillmentChannel::Merchant,
        };
        assert_eq!(order.fulfillment, expected, "{}", order.id);
        assert_eq!(
            order.items.len(),
            raw["orderItems"].as_array().unwrap().len()
        );
    }
    assert!(
        fetched
            .windows(2)
            .all(|w| w[0].updated_at <= w[1].updated_at),
        "oldest change first"
    );
}

#[tokio::test]
async fn changed_orders_start_at_the_instant_given() {
    let sandbox = AmazonSandbox::start().await.unwrap();
    let since = at("2026-10-20T00:00:00Z");
    let expected = sandbox
        .orders()
        .iter()
        .filter(|o| at(o["lastUpdatedTime"].as_str().unwrap()) >= since)
        .count();

    let page = client(&sandbox).changed_orders(since, None).await.unwrap();

    assert_eq!(page.orders.len(), expected);
    assert!(page.orders.iter().all(|o| o.updated_at >= since));
    assert!(page.complete_until.is_some());
}

#[tokio::test]
async fn a_failed_page_keeps_what_was_fetched_and_the_cursor_to_resume_from() {
    let sandbox = AmazonSandbox::start().await.unwrap();
    let orders = client_with(&sandbox, |c| c.page_size = 10);
    // First page passes, then the next page fails on every attempt.
    sandbox.faults().push(SEARCH_ORDERS_ROUTE, Fault::Pass);
    sandbox
        .faults()
        .push_n(SEARCH_ORDERS_ROUTE, Fault::ServerError(503), 4);

    let partial = fetch_changed_orders(&orders, long_ago(), None, 100)
        .await
        .unwrap_err();

    assert_eq!(partial.fetched.len(), 10);
    assert_eq!(
        partial.error.kind,
        ErrorKind::Server {
            status: 503,
            detail: "Service temporarily unavailable. Please try again.".into()
        }
    );
    assert_eq!(partial.error.attempts, 4);
    let cursor = partial
        .error
        .resume_from
        .clone()
        .expect("the failed page's token");

    let (rest, _) = fetch_changed_orders(&orders, long_ago(), Some(cursor), 100)
        .await
        .unwrap();
    let all: HashSet<_> = partial
        .fetched
        .iter()
        .chain(&rest)
        .map(|o| o.id.clone())
        .collect();
    assert_eq!(all.len(), 40, "resuming lost nothing and repeated nothing");
    assert_eq!(partial.fetched.len() + rest.len(), 40);
}

#[tokio::test]
async fn a_failed_first_page_says_to_restart_the_query() {
    let sandbox = AmazonSandbox::start().await.unwrap();
    sandbox
        .faults()
        .push(SEARCH_ORDERS_ROUTE, Fault::ExpiredToken);
    sandbox
        .faults()
        .push(SEARCH_ORDERS_ROUTE, Fault::ExpiredToken);

    let err = client(&sandbox)
        .changed_orders(long_ago(), None)
        .await
        .unwrap_err();

    assert!(err.is_unauthorized(), "{err}");
    assert_eq!(err.resume_from, None);
}

#[tokio::test]
async fn throttling_server_errors_hangs_and_garbled_bodies_are_retried_to_success() {
    let sandbox = AmazonSandbox::start().await.unwrap();
    let id = some_order_id(&sandbox);
    let faults = sandbox.faults();
    faults.push(
        GET_ORDER_ROUTE,
        Fault::Throttle {
            retry_after: Some(1),
        },
    );
    faults.push(GET_ORDER_ROUTE, Fault::Delay(Duration::from_secs(2)));
    faults.push(GET_ORDER_ROUTE, Fault::TruncatedBody);
    let client = client_with(&sandbox, |c| c.http.retry.max_attempts = 6);
    let started = Instant::now();

    let order = client.order(&id).await.unwrap().unwrap();

    assert_eq!(order.id, id);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was honoured"
    );
    assert_eq!(sandbox.faults().count(GET_ORDER_ROUTE), 4);

    faults.push(GET_ORDER_ROUTE, Fault::InvalidJson);
    faults.push(GET_ORDER_ROUTE, Fault::ServerError(500));
    assert!(client.order(&id).await.unwrap().is_some());
    assert_eq!(sandbox.faults().count(GET_ORDER_ROUTE), 7);
}

#[tokio::test]
async fn persistent_faults_end_in_typed_errors_within_the_budget() {
    let sandbox = AmazonSandbox::start().await.unwrap();
    let id = some_order_id(&sandbox);
    let client = client(&sandbox);
    type Expected = fn(&ErrorKind) -> bool;
    let cases: [(Fault, Expected); 4] = [
        (Fault::InvalidJson, |k| {
            matches!(
                k,
                ErrorKind::InvalidResponse {
                    status: 200,
                    transient: true,
                    ..
                }
            )
        }),
        (Fault::ServerError(500), |k| {
            matches!(k, ErrorKind::Server { status: 500, .. })
        }),
        (Fault::Delay(Duration::from_secs(2)), |k| {
            matches!(k, ErrorKind::Timeout(_))
        }),
        (Fault::Throttle { retry_after: None }, |k| {
            matches!(k, ErrorKind::Throttled { retry_after: None })
        }),
    ];
    for (fault, expected) in cases {
        sandbox.faults().clear();
        sandbox.faults().push_n(GET_ORDER_ROUTE, fault.clone(), 10);
        let started = Instant::now();

        let err = client.order(&id).await.unwrap_err();

        assert!(expected(&err.kind), "{fault:?} gave {err}");
        assert_eq!(err.attempts, 4, "{fault:?}");
        assert_eq!(
            (err.service, err.call, err.account.as_str()),
            ("sp-api", "getOrder", "acct_eu")
        );
        assert!(
            err.request_id.is_some() || matches!(err.kind, ErrorKind::Timeout(_)),
            "{err:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(5) + Duration::from_millis(600),
            "{fault:?} overran the budget"
        );
    }
}

#[tokio::test]
async fn a_retry_after_longer_than_the_budget_is_reported_at_once() {
    let sandbox = AmazonSandbox::start().await.unwrap();
    sandbox.faults().push(
        SEARCH_ORDERS_ROUTE,
        Fault::Throttle {
            retry_after: Some(600),
        },
    );
    let started = Instant::now();

    let err = client(&sandbox)
        .changed_orders(long_ago(), None)
        .await
        .unwrap_err();

    assert_eq!(err.retry_after(), Some(Duration::from_secs(600)));
    assert_eq!(err.attempts, 1);
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn the_rate_limit_header_slows_the_client_instead_of_hitting_429s() {
    let config = AmazonConfig {
        rate_limit_header: Some(0.01),
        ..AmazonConfig::default()
    };
    let sandbox = AmazonSandbox::start_with(config).await.unwrap();
    let id = some_order_id(&sandbox);
    let client = client_with(&sandbox, |c| c.get_rate = RateLimit::new(1000.0, 2));

    // The first answer sets the rate to 0.01/s; the bucket (burst 2) then lets two more through.
    for _ in 0..3 {
        client.order(&id).await.unwrap();
    }
    let err = client.order(&id).await.unwrap_err();

    assert!(
        matches!(err.kind, ErrorKind::Throttled { retry_after: Some(wait) } if wait > Duration::from_secs(60)),
        "{err}"
    );
    assert_eq!(
        sandbox.faults().count(GET_ORDER_ROUTE),
        3,
        "the fourth call never left the client"
    );
}

#[tokio::test]
async fn a_higher_announced_rate_lifts_the_clients_default_usage_plan() {
    let sandbox = AmazonSandbox::start().await.unwrap();
    let id = some_order_id(&sandbox);
    // One call, then one every 100 s: without the header the second call would wait that long.
    let client = client_with(&sandbox, |c| c.get_rate = RateLimit::new(0.01, 1));
    sandbox.set_rate_limit_header(Some(50.0));

    let calls = async {
        for _ in 0..5 {
            client.order(&id).await.unwrap();
        }
    };
    tokio::time::timeout(Duration::from_secs(20), calls)
        .await
        .expect("the announced 50/s replaced the 0.01/s plan after the first answer");
    assert_eq!(sandbox.faults().count(GET_ORDER_ROUTE), 5);
}

#[tokio::test]
async fn an_expired_access_token_is_replaced_once_and_the_call_succeeds() {
    let sandbox = AmazonSandbox::start().await.unwrap();
    let id = some_order_id(&sandbox);
    let client = client(&sandbox);
    client.order(&id).await.unwrap();
    assert_eq!(sandbox.token_requests(), 1);

    sandbox.faults().push(GET_ORDER_ROUTE, Fault::ExpiredToken);
    client.order(&id).await.unwrap();

    assert_eq!(sandbox.token_requests(), 2);
    assert_eq!(sandbox.faults().count(GET_ORDER_ROUTE), 3);
}

#[tokio::test]
async fn a_revoked_refresh_token_is_a_permanent_authorization_error() {
    let sandbox = AmazonSandbox::start().await.unwrap();
    sandbox.revoke_refresh_token();
    let id = some_order_id(&sandbox);

    let err = client(&sandbox).order(&id).await.unwrap_err();

    assert!(err.is_unauthorized() && !err.is_transient(), "{err}");
    assert_eq!((err.service, err.call), ("lwa", "refreshAccessToken"));
    assert!(matches!(&err.kind, ErrorKind::Unauthorized { code, .. } if code == "invalid_grant"));
    assert_eq!(
        sandbox.token_requests(),
        1,
        "a refused grant is not retried"
    );
    assert_eq!(sandbox.faults().count(GET_ORDER_ROUTE), 0);
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains(&sandbox.config().refresh_token)
            && !shown.contains(&sandbox.config().client_secret)
    );
}

#[tokio::test]
async fn a_token_endpoint_failure_is_retried_by_the_calling_operation() {
    let sandbox = AmazonSandbox::start().await.unwrap();
    sandbox
        .faults()
        .push(amazon::REFRESH_TOKEN_ROUTE, Fault::ServerError(500));
    sandbox
        .faults()
        .push(amazon::REFRESH_TOKEN_ROUTE, Fault::TruncatedBody);
    let id = some_order_id(&sandbox);

    client(&sandbox).order(&id).await.unwrap();

    assert_eq!(sandbox.token_requests(), 3);
}

#[tokio::test]
async fn fifty_concurrent_calls_refresh_the_token_once_per_expiry() {
    let config = AmazonConfig {
        token_lifetime: Duration::from_secs(2),
        token_latency: Duration::from_millis(50),
        ..AmazonConfig::default()
    };
    let sandbox = AmazonSandbox::start_with(config).await.unwrap();
    let client = Arc::new(client(&sandbox));
    let ids: Vec<OrderId> = sandbox
        .orders()
        .iter()
        .map(|o| OrderId::parse(o["orderId"].as_str().unwrap()).unwrap())
        .collect();
    let burst = |client: Arc<SpApiOrders>| {
        let ids = ids.clone();
        async move {
            let tasks: Vec<_> = (0..50)
                .map(|i| {
                    let client = client.clone();
                    let id = ids[i % ids.len()].clone();
                    tokio::spawn(async move { client.order(&id).await })
                })
                .collect();
            for task in tasks {
                assert!(task.await.unwrap().unwrap().is_some());
            }
        }
    };

    burst(client.clone()).await;
    assert_eq!(sandbox.token_requests(), 1, "first use");

    burst(client.clone()).await;
    assert_eq!(sandbox.token_requests(), 1, "token still fresh");

    tokio::time::sleep(Duration::from_millis(1700)).await;
    burst(client.clone()).await;
    assert_eq!(
        sandbox.token_requests(),
        2,
        "renewed once as it neared expiry"
    );

    sandbox.expire_all_tokens();
    burst(client.clone()).await;
    assert_eq!(
        sandbox.token_requests(),
        3,
        "replaced once after Amazon refused it"
    );
}

#[tokio::test]
async fn impossible_queries_are_refused_before_any_request() {
    let sandbox = AmazonSandbox::start().await.unwrap();
    let mut query = SearchOrdersQuery::updated_since(long_ago());
    query.max_results_per_page = Some(500);

    let err = client(&sandbox).search_orders(&query).await.unwrap_err();

    assert!(matches!(err.kind, ErrorKind::InvalidRequest(_)), "{err}");
    assert_eq!(sandbox.faults().requests().len(), 0);
}

#[tokio::test]
async fn the_same_seed_serves_the_same_orders() {
    let a = AmazonSandbox::start_with(AmazonConfig {
        seed: 42,
        ..AmazonConfig::default()
    })
    .await
    .unwrap();
    let b = AmazonSandbox::start_with(AmazonConfig {
        seed: 42,
        ..AmazonConfig::default()
    })
    .await
    .unwrap();
    let c = AmazonSandbox::start_with(AmazonConfig {
        seed: 43,
        ..AmazonConfig::default()
    })
    .await
    .unwrap();
    let fetch = |s: &AmazonSandbox| {
        let client = client(s);
        async move {
            fetch_changed_orders(&client, long_ago(), None, 10)
                .await
                .unwrap()
                .0
        }
    };
    let (from_a, from_b, from_c) = (fetch(&a).await, fetch(&b).await, fetch(&c).await);
    assert_eq!(from_a, from_b);
    assert_ne!(from_a, from_c);
}
