//! Contract: every SP-API Orders body the sandbox sends validates against the official model
//! (`shared/specs/amazon/orders_2026-01-01.json`, with undeclared properties forbidden), and the
//! client's types read those bodies and map them to the domain.

mod common;

use std::collections::HashSet;

use common::{Model, swagger_examples};
use marketdesk::connectors::amazon::model::{ErrorList, GetOrderResponse, SearchOrdersResponse};
use marketdesk::connectors::amazon::to_domain_order;
use marketdesk::connectors::money::parse_money;
use marketdesk::domain::{AccountId, FulfillmentChannel};
use marketdesk_sandboxes::Fault;
use marketdesk_sandboxes::amazon::{
    AmazonConfig, AmazonSandbox, GET_ORDER_ROUTE, SEARCH_ORDERS_ROUTE,
};
use serde_json::Value;

const SPEC: &str = "amazon/orders_2026-01-01.json";
const ALL_DATA: &str = "BUYER,RECIPIENT,PROCEEDS,EXPENSE,PROMOTION,CANCELLATION,FULFILLMENT,PACKAGES,TAX,PAYMENT,FULFILLMENT_ORDERS";

struct Session {
    sandbox: AmazonSandbox,
    http: reqwest::Client,
    token: String,
}

impl Session {
    async fn start(config: AmazonConfig) -> Self {
        let sandbox = AmazonSandbox::start_with(config).await.unwrap();
        let http = reqwest::Client::new();
        let cfg = sandbox.config();
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", cfg.refresh_token.as_str()),
            ("client_id", cfg.client_id.as_str()),
            ("client_secret", cfg.client_secret.as_str()),
        ];
        let token: Value = http
            .post(sandbox.token_url())
            .form(&form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = token["access_token"].as_str().unwrap().to_owned();
        Self {
            sandbox,
            http,
            token,
        }
    }

    async fn get(&self, path: &str, query: &[(&str, &str)]) -> (u16, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.sandbox.base_url()))
            .query(query)
            .header("x-amz-access-token", &self.token)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body = response.bytes().await.unwrap();
        let json = serde_json::from_slice(&body)
            .unwrap_or_else(|e| panic!("HTTP {status}: not JSON ({e})"));
        (status, json)
    }
}

/// What the domain order must say, read straight from the JSON (independently of the client).
fn assert_maps(raw: &Value) {
    let parsed: marketdesk::connectors::amazon::model::Order =
        serde_json::from_value(raw.clone()).unwrap();
    let account = AccountId::parse("acct_1").unwrap();
    let order = to_domain_order(&parsed, &account, "APJ6JRA9NG5V4").unwrap();
    assert_eq!(order.id.as_str(), raw["orderId"]);
    assert_eq!(order.marketplace_id, raw["salesChannel"]["marketplaceId"]);
    assert_eq!(order.status, raw["fulfillment"]["fulfillmentStatus"]);
    let expected = if raw["fulfillment"]["fulfilledBy"] == "AMAZON" {
        FulfillmentChannel::Marketplace
    } else {
        FulfillmentChannel::Merchant
    };
    assert_eq!(order.fulfillment, expected);
    assert_eq!(
        order.items.len(),
        raw["orderItems"].as_array().unwrap().len()
    );
    for (item, raw_item) in order
        .items
        .iter()
        .zip(raw["orderItems"].as_array().unwrap())
    {
        assert_eq!(item.product_id, raw_item["product"]["asin"]);
        assert_eq!(
            Some(u64::from(item.quantity)),
            raw_item["quantityOrdered"].as_u64()
        );
    }
    if let Some(total) = raw.get("proceeds").and_then(|p| p.get("grandTotal")) {
        let expected = parse_money(
            total["amount"].as_str().unwrap(),
            total["currencyCode"].as_str().unwrap(),
        )
        .unwrap();
        assert_eq!(order.total, Some(expected));
    }
    let tracked: Vec<&str> = raw
        .get("packages")
        .and_then(Value::as_array)
        .map(|p| {
            p.iter()
                .filter_map(|p| p["trackingNumber"].as_str())
                .collect()
        })
        .unwrap_or_default();
    let mapped: Vec<&str> = order
        .shipments
        .iter()
        .map(|s| s.tracking_number.as_str())
        .collect();
    assert_eq!(mapped, tracked);
}

#[test]
fn the_schemas_accept_the_models_own_examples_and_the_client_reads_them() {
    let search = Model::swagger(SPEC, "SearchOrdersResponse");
    let get = Model::swagger(SPEC, "GetOrderResponse");
    let search_examples = swagger_examples(SPEC, "/orders/2026-01-01/orders", "get", "200");
    let get_examples = swagger_examples(SPEC, "/orders/2026-01-01/orders/{orderId}", "get", "200");
    assert!(!search_examples.is_empty() && !get_examples.is_empty());
    for example in &search_examples {
        search.assert_valid(example);
        let parsed: SearchOrdersResponse = serde_json::from_value(example.clone()).unwrap();
        assert!(!parsed.orders.is_empty());
    }
    for example in &get_examples {
        get.assert_valid(example);
        let parsed: GetOrderResponse = serde_json::from_value(example.clone()).unwrap();
        assert_maps(&serde_json::to_value(&example["order"]).unwrap());
        assert_eq!(
            parsed.order.packages[0].tracking_number.as_deref(),
            Some("RR123456789GB")
        );
    }
}

#[test]
fn the_strict_schema_catches_a_misspelt_field() {
    let get = Model::swagger(SPEC, "GetOrderResponse");
    let mut example =
        swagger_examples(SPEC, "/orders/2026-01-01/orders/{orderId}", "get", "200").remove(0);
    example["order"]["orderID"] = example["order"]["orderId"].clone();
    assert!(!get.is_valid(&example));
}

#[tokio::test]
async fn search_orders_pages_validate_against_the_model_and_map_to_domain_orders() {
    let session = Session::start(AmazonConfig {
        orders: 60,
        ..AmazonConfig::default()
    })
    .await;
    let model = Model::swagger(SPEC, "SearchOrdersResponse");
    let mut token: Option<String> = None;
    let mut seen = HashSet::new();
    loop {
        let mut query = vec![
            ("lastUpdatedAfter", "2026-01-01T00:00:00Z"),
            ("maxResultsPerPage", "25"),
            ("includedData", ALL_DATA),
        ];
        if let Some(t) = &token {
            query.push(("paginationToken", t.as_str()));
        }
        let (status, body) = session.get("/orders/2026-01-01/orders", &query).await;
        assert_eq!(status, 200, "{body}");
        model.assert_valid(&body);
        let page: SearchOrdersResponse = serde_json::from_value(body.clone()).unwrap();
        assert!(page.last_updated_before.is_some());
        for order in body["orders"].as_array().unwrap() {
            assert_maps(order);
            assert!(seen.insert(order["orderId"].as_str().unwrap().to_owned()));
        }
        match page.pagination.and_then(|p| p.next_token) {
            Some(next) => token = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), 60);
}

#[tokio::test]
async fn get_order_with_every_dataset_and_with_none_validates_for_every_seeded_order() {
    let session = Session::start(AmazonConfig::default()).await;
    let model = Model::swagger(SPEC, "GetOrderResponse");
    for order in session.sandbox.orders() {
        let path = format!(
            "/orders/2026-01-01/orders/{}",
            order["orderId"].as_str().unwrap()
        );
        let (status, full) = session.get(&path, &[("includedData", ALL_DATA)]).await;
        assert_eq!(status, 200);
        model.assert_valid(&full);
        assert_maps(&full["order"]);

        let (status, bare) = session.get(&path, &[]).await;
        assert_eq!(status, 200);
        model.assert_valid(&bare);
        assert!(
            bare["order"].get("fulfillment").is_none() && bare["order"].get("packages").is_none()
        );
    }
}

#[tokio::test]
async fn every_error_the_sandbox_sends_is_an_error_list() {
    let session = Session::start(AmazonConfig::default()).await;
    let model = Model::swagger(SPEC, "ErrorList");
    let orders = "/orders/2026-01-01/orders";
    let faults = session.sandbox.faults();
    faults.push(SEARCH_ORDERS_ROUTE, Fault::Throttle { retry_after: None });
    faults.push(SEARCH_ORDERS_ROUTE, Fault::ServerError(500));
    faults.push(SEARCH_ORDERS_ROUTE, Fault::ServerError(503));
    faults.push(GET_ORDER_ROUTE, Fault::ExpiredToken);
    let after = ("lastUpdatedAfter", "2026-01-01T00:00:00Z");
    type Query<'a> = Vec<(&'a str, &'a str)>;
    let cases: Vec<(u16, &str, Query)> = vec![
        (429, orders, vec![after]),
        (500, orders, vec![after]),
        (503, orders, vec![after]),
        (400, orders, vec![]),
        (
            400,
            orders,
            vec![after, ("createdAfter", "2026-01-01T00:00:00Z")],
        ),
        (400, orders, vec![after, ("maxResultsPerPage", "101")]),
        (400, orders, vec![after, ("includedData", "EVERYTHING")]),
        (
            400,
            orders,
            vec![after, ("paginationToken", "bm90LWEtdG9rZW4")],
        ),
        (
            400,
            orders,
            vec![
                ("createdAfter", "2026-01-01T00:00:00Z"),
                ("lastUpdatedBefore", "2026-02-01T00:00:00Z"),
            ],
        ),
        (403, "/orders/2026-01-01/orders/202-1234567-8901234", vec![]),
        (404, "/orders/2026-01-01/orders/202-0000000-0000000", vec![]),
        (400, "/orders/2026-01-01/orders/not-an-order", vec![]),
    ];
    for (expected, path, query) in cases {
        let (status, body) = session.get(path, &query).await;
        assert_eq!(status, expected, "{path} {query:?}: {body}");
        model.assert_valid(&body);
        let parsed: ErrorList = serde_json::from_value(body).unwrap();
        assert!(!parsed.errors[0].code.is_empty());
    }
}

#[tokio::test]
async fn a_token_not_issued_by_the_sandbox_is_refused() {
    let mut session = Session::start(AmazonConfig::default()).await;
    session.token = "Atza|forged".to_owned();
    let (status, body) = session
        .get(
            "/orders/2026-01-01/orders",
            &[("lastUpdatedAfter", "2026-01-01T00:00:00Z")],
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(body["errors"][0]["code"], "Unauthorized");
}

#[tokio::test]
async fn a_pagination_token_only_works_with_the_query_that_issued_it() {
    let session = Session::start(AmazonConfig::default()).await;
    let orders = "/orders/2026-01-01/orders";
    let (_, first) = session
        .get(
            orders,
            &[
                ("lastUpdatedAfter", "2026-01-01T00:00:00Z"),
                ("maxResultsPerPage", "5"),
            ],
        )
        .await;
    let token = first["pagination"]["nextToken"].as_str().unwrap();

    let (status, _) = session
        .get(
            orders,
            &[
                ("lastUpdatedAfter", "2026-02-01T00:00:00Z"),
                ("paginationToken", token),
            ],
        )
        .await;
    assert_eq!(status, 400);
    // maxResultsPerPage and includedData may change between pages.
    let query = [
        ("lastUpdatedAfter", "2026-01-01T00:00:00Z"),
        ("paginationToken", token),
        ("maxResultsPerPage", "50"),
        ("includedData", "PACKAGES"),
    ];
    let (status, _) = session.get(orders, &query).await;
    assert_eq!(status, 200);
}
