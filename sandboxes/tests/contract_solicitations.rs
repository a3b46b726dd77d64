//! Contract: the Solicitations v1 sandbox and client against the official model
//! (`shared/specs/amazon/solicitations.json`, undeclared properties forbidden): every answer the
//! sandbox sends validates, every request the client makes is one the model declares, the
//! action is offered only 5 to 30 days after delivery, and one order gets one solicitation.

mod common;

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use common::{Model, swagger_examples};
use marketdesk::connectors::amazon::{
    LwaClient, LwaCredentials, Region, ReviewSolicitor, Solicited, SpApiConfig, SpApiSolicitations,
};
use marketdesk::connectors::{HttpConfig, RateLimit, RetryPolicy, Secret};
use marketdesk::domain::{AccountId, OrderId};
use marketdesk_sandboxes::amazon::{
    self, AmazonSandbox, CREATE_REVIEW_SOLICITATION_ROUTE, GET_SOLICITATION_ACTIONS_ROUTE,
};
use marketdesk_sandboxes::{Fault, Recorded};
use serde_json::Value;

const SPEC: &str = "amazon/solicitations.json";
const IT: &str = "APJ6JRA9NG5V4";
const ACTIONS_PATH: &str = "/solicitations/v1/orders/{amazonOrderId}";

fn actions_model() -> Model {
    Model::swagger(SPEC, "GetSolicitationActionsForOrderResponse")
}

fn create_model() -> Model {
    Model::swagger(
        SPEC,
        "CreateProductReviewAndSellerFeedbackSolicitationResponse",
    )
}

/// An order of the sandbox delivered `days` ago (real clock, as the window is judged).
fn delivered_order(sandbox: &AmazonSandbox, seed: u64, days: i64) -> String {
    let now = Utc::now();
    let order = amazon::sample_order(seed, IT, now - TimeDelta::days(days + 3));
    let id = order["orderId"].as_str().unwrap().to_owned();
    sandbox.add_order(order);
    sandbox
        .deliver_order(&id, now - TimeDelta::days(days))
        .unwrap();
    id
}

async fn token(sandbox: &AmazonSandbox, http: &reqwest::Client) -> String {
    let cfg = sandbox.config();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", cfg.refresh_token.as_str()),
        ("client_id", cfg.client_id.as_str()),
        ("client_secret", cfg.client_secret.as_str()),
    ];
    let body: Value = http
        .post(sandbox.token_url())
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

async fn call(
    sandbox: &AmazonSandbox,
    method: reqwest::Method,
    path: &str,
    query: &[(&str, &str)],
    token: &str,
) -> (u16, Value) {
    let response = reqwest::Client::new()
        .request(method, format!("{}{path}", sandbox.base_url()))
        .query(query)
        .header("x-amz-access-token", token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = response.bytes().await.unwrap();
    let json =
        serde_json::from_slice(&body).unwrap_or_else(|e| panic!("HTTP {status}: not JSON ({e})"));
    (status, json)
}

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

fn client(sandbox: &AmazonSandbox) -> SpApiSolicitations {
    let cfg = sandbox.config();
    let http_config = http();
    let http = http_config.build_client();
    let lwa = LwaClient::new(
        "acct_it",
        LwaCredentials {
            client_id: cfg.client_id.clone(),
            client_secret: Secret::new(cfg.client_secret.clone()),
            refresh_token: Secret::new(cfg.refresh_token.clone()),
        },
        sandbox.token_url(),
        http.clone(),
        http_config.timeout,
    );
    let mut config = SpApiConfig::new(
        AccountId::parse("acct_it").unwrap(),
        Region::Europe,
        vec![IT.to_owned()],
    );
    config.endpoint = Some(sandbox.base_url());
    config.http = http_config;
    SpApiSolicitations::with_rate(&config, Arc::new(lwa), http, RateLimit::new(50.0, 10))
}

/// Checks a request the sandbox received against the model: a declared path and method, only
/// declared query parameters, `marketplaceIds` with exactly one value (`maxItems: 1`).
fn assert_declared(request: &Recorded) {
    let spec: Value =
        serde_json::from_str(&std::fs::read_to_string(common::specs_dir().join(SPEC)).unwrap())
            .unwrap();
    let segments: Vec<&str> = request.path.trim_start_matches('/').split('/').collect();
    let template = spec["paths"]
        .as_object()
        .unwrap()
        .keys()
        .find(|t| {
            let parts: Vec<&str> = t.trim_start_matches('/').split('/').collect();
            parts.len() == segments.len()
                && parts
                    .iter()
                    .zip(&segments)
                    .all(|(p, s)| p.starts_with('{') || p == s)
        })
        .unwrap_or_else(|| panic!("{} is not a path of the model", request.path));
    let operation = &spec["paths"][template][request.method.to_ascii_lowercase()];
    assert!(
        operation.is_object(),
        "{} {} is not an operation of the model",
        request.method,
        request.path
    );
    let declared: Vec<&str> = operation["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["in"] == "query")
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    // The values are marketplace ids (letters and digits) and their separators.
    let pairs: Vec<(String, String)> = request
        .query
        .as_deref()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (name, value) = p.split_once('=').unwrap_or((p, ""));
            (
                name.to_owned(),
                value.replace("%2C", ",").replace("%2c", ","),
            )
        })
        .collect();
    for (name, value) in &pairs {
        assert!(
            declared.contains(&name.as_str()),
            "undeclared parameter {name}"
        );
        if name == "marketplaceIds" {
            assert_eq!(value.split(',').count(), 1, "maxItems 1: {value}");
        }
    }
    for p in operation["parameters"].as_array().unwrap() {
        if p["in"] == "query" && p["required"] == true {
            let name = p["name"].as_str().unwrap();
            assert!(pairs.iter().any(|(n, _)| n == name), "missing {name}");
        }
    }
}

#[test]
fn the_strict_schemas_accept_the_models_examples_and_catch_a_misspelt_field() {
    let examples = swagger_examples(SPEC, ACTIONS_PATH, "get", "200");
    assert!(!examples.is_empty());
    for example in &examples {
        // The model's own example omits `_embedded.actions[]._links.self`, which its schema
        // requires (the sandbox sends it); the rest of the example is checked as given.
        let mut example = example.clone();
        assert!(!actions_model().is_valid(&example));
        example["_embedded"]["actions"][0]["_links"]["self"] = serde_json::json!({"href": "/solicitations/v1/orders/903-1671087-0812628/solicitations/productReviewAndSellerFeedback"});
        actions_model().assert_valid(&example);
    }
    let mut wrong = examples[0].clone();
    wrong["_links"]["action"] = wrong["_links"]["actions"].clone();
    assert!(!actions_model().is_valid(&wrong));
    create_model().assert_valid(&serde_json::json!({}));
}

#[tokio::test]
async fn the_action_is_offered_only_inside_the_window_and_once_per_order() {
    let sandbox = AmazonSandbox::start().await.unwrap();
    let http = reqwest::Client::new();
    let token = token(&sandbox, &http).await;
    let six = delivered_order(&sandbox, 61, 6);
    let three = delivered_order(&sandbox, 31, 3);
    let late = delivered_order(&sandbox, 311, 31);
    let q = [("marketplaceIds", IT)];
    let get = |id: &str| format!("/solicitations/v1/orders/{id}");
    let post = |id: &str| {
        format!("/solicitations/v1/orders/{id}/solicitations/productReviewAndSellerFeedback")
    };
    for (id, offered) in [(&six, true), (&three, false), (&late, false)] {
        let (status, body) = call(&sandbox, reqwest::Method::GET, &get(id), &q, &token).await;
        assert_eq!(status, 200);
        actions_model().assert_valid(&body);
        assert_eq!(
            body["_links"]["actions"].as_array().unwrap().len(),
            usize::from(offered),
            "{id}: {body}"
        );
    }
    let (status, body) = call(&sandbox, reqwest::Method::POST, &post(&six), &q, &token).await;
    assert_eq!(status, 201, "{body}");
    create_model().assert_valid(&body);
    // Asked once: no longer offered, and a second request is refused.
    let (_, body) = call(&sandbox, reqwest::Method::GET, &get(&six), &q, &token).await;
    assert!(body["_links"]["actions"].as_array().unwrap().is_empty());
    for id in [&six, &three, &late] {
        let (status, body) = call(&sandbox, reqwest::Method::POST, &post(id), &q, &token).await;
        assert_eq!(status, 403, "{id}: {body}");
        create_model().assert_valid(&body);
    }
    assert_eq!(sandbox.solicitations_for(&six), 1);
    assert_eq!(sandbox.solicitations().len(), 1);
}

#[tokio::test]
async fn every_error_the_sandbox_sends_validates_against_the_model() {
    let sandbox = AmazonSandbox::start().await.unwrap();
    let http = reqwest::Client::new();
    let token = token(&sandbox, &http).await;
    let id = delivered_order(&sandbox, 7, 6);
    let faults = sandbox.faults();
    faults.push(
        GET_SOLICITATION_ACTIONS_ROUTE,
        Fault::Throttle { retry_after: None },
    );
    faults.push(GET_SOLICITATION_ACTIONS_ROUTE, Fault::ServerError(500));
    faults.push(GET_SOLICITATION_ACTIONS_ROUTE, Fault::ServerError(503));
    faults.push(GET_SOLICITATION_ACTIONS_ROUTE, Fault::ExpiredToken);
    let path = format!("/solicitations/v1/orders/{id}");
    let one = [("marketplaceIds", IT)];
    type Q<'a> = Vec<(&'a str, &'a str)>;
    let cases: Vec<(u16, String, Q)> = vec![
        (429, path.clone(), one.to_vec()),
        (500, path.clone(), one.to_vec()),
        (503, path.clone(), one.to_vec()),
        (403, path.clone(), one.to_vec()),
        (400, path.clone(), vec![]),
        (
            400,
            path.clone(),
            vec![("marketplaceIds", "APJ6JRA9NG5V4,A1PA6795UKMFR9")],
        ),
        (
            400,
            path.clone(),
            vec![("marketplaceIds", "A1PA6795UKMFR9")],
        ),
        (
            400,
            path.clone(),
            vec![("marketplaceIds", IT), ("extra", "1")],
        ),
        (
            400,
            "/solicitations/v1/orders/not-an-order".into(),
            one.to_vec(),
        ),
        (
            404,
            "/solicitations/v1/orders/402-0000000-0000000".into(),
            one.to_vec(),
        ),
    ];
    for (expected, path, query) in cases {
        let (status, body) = call(&sandbox, reqwest::Method::GET, &path, &query, &token).await;
        assert_eq!(status, expected, "{path} {query:?}: {body}");
        actions_model().assert_valid(&body);
        assert!(!body["errors"][0]["code"].as_str().unwrap().is_empty());
    }
    faults.push(
        CREATE_REVIEW_SOLICITATION_ROUTE,
        Fault::Throttle {
            retry_after: Some(1),
        },
    );
    let create = format!("{path}/solicitations/productReviewAndSellerFeedback");
    let (status, body) = call(&sandbox, reqwest::Method::POST, &create, &one, &token).await;
    assert_eq!(status, 429);
    assert_eq!(body["errors"][0]["code"], "QuotaExceeded");
    create_model().assert_valid(&body);
    assert!(sandbox.solicitations().is_empty());
}

#[tokio::test]
async fn the_client_sends_one_solicitation_through_throttling_and_an_expired_token() {
    let sandbox = AmazonSandbox::start().await.unwrap();
    let client = client(&sandbox);
    let id = delivered_order(&sandbox, 8, 6);
    let order = OrderId::parse(&id).unwrap();
    let faults = sandbox.faults();
    faults.push(GET_SOLICITATION_ACTIONS_ROUTE, Fault::ExpiredToken);
    faults.push(
        CREATE_REVIEW_SOLICITATION_ROUTE,
        Fault::Throttle { retry_after: None },
    );
    faults.push(CREATE_REVIEW_SOLICITATION_ROUTE, Fault::ServerError(503));
    // The 503 is ambiguous: the client reads the actions again, finds it still offered and
    // reports the failure rather than resend blindly; the next attempt (SQS) sends it.
    let first = client.request_review(&order, IT).await;
    assert!(first.is_err(), "{first:?}");
    assert_eq!(sandbox.solicitations_for(&id), 0);
    assert_eq!(
        client.request_review(&order, IT).await.unwrap(),
        Solicited::Sent
    );
    assert_eq!(
        client.request_review(&order, IT).await.unwrap(),
        Solicited::NotOffered
    );
    assert_eq!(sandbox.solicitations_for(&id), 1);
    let early = OrderId::parse(delivered_order(&sandbox, 9, 3)).unwrap();
    assert_eq!(
        client.request_review(&early, IT).await.unwrap(),
        Solicited::NotOffered
    );
    let unknown = OrderId::parse("402-0000000-0000000").unwrap();
    assert_eq!(
        client.request_review(&unknown, IT).await.unwrap(),
        Solicited::NotOffered
    );
    let requests: Vec<Recorded> = faults
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/solicitations/"))
        .collect();
    assert!(requests.len() >= 8, "{requests:?}");
    requests.iter().for_each(assert_declared);
}

#[tokio::test]
async fn an_answer_lost_after_the_solicitation_was_made_is_not_sent_again() {
    let sandbox = AmazonSandbox::start().await.unwrap();
    let client = client(&sandbox);
    let id = delivered_order(&sandbox, 10, 6);
    let order = OrderId::parse(&id).unwrap();
    // Carried out, answered after the client's 500 ms timeout.
    sandbox.faults().push(
        CREATE_REVIEW_SOLICITATION_ROUTE,
        Fault::SlowAnswer(Duration::from_secs(2)),
    );
    assert_eq!(
        client.request_review(&order, IT).await.unwrap(),
        Solicited::Sent
    );
    assert_eq!(sandbox.solicitations_for(&id), 1);
    sandbox.faults().requests().iter().for_each(|r| {
        if r.path.starts_with("/solicitations/") {
            assert_declared(r);
        }
    });
}
