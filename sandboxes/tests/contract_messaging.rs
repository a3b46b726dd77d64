//! Contract and behaviour of the SP-API Messaging client against the sandbox: every request
//! body the client sends and every body the sandbox answers validates against the official
//! model (`shared/specs/amazon/messaging.json`, undeclared properties forbidden); actions are
//! offered per order, refused when not offered, and faults (429, 5xx, expired token) are
//! handled without sending a message twice.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Model, swagger_examples};
use marketdesk::connectors::amazon::messaging::ActionsResponse;
use marketdesk::connectors::amazon::{
    LwaClient, LwaCredentials, Region, SpApiConfig, SpApiMessaging, SpApiOrders,
};
use marketdesk::connectors::{ErrorKind, HttpConfig, RetryPolicy, Secret};
use marketdesk::domain::{AccountId, OrderId};
use marketdesk_sandboxes::Fault;
use marketdesk_sandboxes::amazon::{
    AmazonConfig, AmazonSandbox, GET_MESSAGING_ACTIONS_ROUTE, REFRESH_TOKEN_ROUTE, sample_order,
};
use serde_json::{Value, json};

const SPEC: &str = "amazon/messaging.json";
const IT: &str = "APJ6JRA9NG5V4";
const US: &str = "ATVPDKIKX0DER";

fn http() -> HttpConfig {
    HttpConfig {
        timeout: Duration::from_millis(800),
        connect_timeout: Duration::from_millis(500),
        retry: RetryPolicy {
            min_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(100),
            max_attempts: 4,
            budget: Duration::from_secs(5),
        },
    }
}

fn messaging(sandbox: &AmazonSandbox) -> SpApiMessaging {
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
        vec![IT.to_owned()],
    );
    config.endpoint = Some(sandbox.base_url());
    config.http = http_config;
    SpApiMessaging::sharing(&SpApiOrders::new(config, Arc::new(lwa), client))
}

/// A merchant-fulfilled order in `marketplace` with `status`, stored in the sandbox.
fn fbm_order(sandbox: &AmazonSandbox, seed: u64, marketplace: &str, status: &str) -> OrderId {
    let mut order = sample_order(seed, marketplace, sandbox.config().now);
    order["fulfillment"]["fulfilledBy"] = json!("MERCHANT");
    order["fulfillment"]["fulfillmentStatus"] = json!(status);
    let id = order["orderId"].as_str().unwrap().to_owned();
    sandbox.add_order(order);
    OrderId::parse(id).unwrap()
}

async fn token(sandbox: &AmazonSandbox) -> String {
    let cfg = sandbox.config();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", cfg.refresh_token.as_str()),
        ("client_id", cfg.client_id.as_str()),
        ("client_secret", cfg.client_secret.as_str()),
    ];
    let answer: Value = reqwest::Client::new()
        .post(sandbox.token_url())
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["access_token"].as_str().unwrap().to_owned()
}

/// A raw request with a fresh token: (status, JSON body).
async fn raw(
    sandbox: &AmazonSandbox,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let token = token(sandbox).await;
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", sandbox.base_url()))
        .header("x-amz-access-token", token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn request_model(operation: &str) -> Model {
    let definition = match operation {
        "createUnexpectedProblem" => "CreateUnexpectedProblemRequest",
        "createConfirmDeliveryDetails" => "CreateConfirmDeliveryDetailsRequest",
        "createConfirmOrderDetails" => "CreateConfirmOrderDetailsRequest",
        "createConfirmServiceDetails" => "CreateConfirmServiceDetailsRequest",
        "confirmCustomizationDetails" => "CreateConfirmCustomizationDetailsRequest",
        "createDigitalAccessKey" => "CreateDigitalAccessKeyRequest",
        other => panic!("no request model for {other}"),
    };
    Model::swagger(SPEC, definition)
}

/// Every body the client posted matches its operation's request model.
fn assert_requests_match_the_model(sandbox: &AmazonSandbox) {
    let requests = sandbox.messaging_requests();
    assert!(!requests.is_empty());
    for request in requests {
        let body = request.body.expect("the client sends JSON");
        request_model(request.operation).assert_valid(&body);
    }
}

#[test]
fn the_models_own_examples_validate_and_the_client_reads_them() {
    let model = Model::swagger(SPEC, "GetMessagingActionsForOrderResponse");
    let examples = swagger_examples(SPEC, "/messaging/v1/orders/{amazonOrderId}", "get", "200");
    assert!(!examples.is_empty());
    for example in examples {
        model.assert_valid(&example);
        let parsed: ActionsResponse = serde_json::from_value(example).unwrap();
        let names: Vec<String> = parsed
            .links
            .unwrap()
            .actions
            .iter()
            .filter_map(|l| l.action())
            .collect();
        assert_eq!(names, ["negativeFeedbackRemoval"]);
    }
}

#[tokio::test]
async fn the_offer_validates_and_follows_the_order() {
    let sandbox = AmazonSandbox::start_with(AmazonConfig::default())
        .await
        .unwrap();
    let shipped = fbm_order(&sandbox, 11, IT, "SHIPPED");
    let model = Model::swagger(SPEC, "GetMessagingActionsForOrderResponse");
    let (status, body) = raw(
        &sandbox,
        reqwest::Method::GET,
        &format!("/messaging/v1/orders/{shipped}?marketplaceIds={IT}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    model.assert_valid(&body);

    let client = messaging(&sandbox);
    let offered = client.actions_for_order(&shipped, IT).await.unwrap();
    assert_eq!(
        offered.unwrap(),
        [
            "unexpectedProblem",
            "confirmDeliveryDetails",
            "legalDisclosure",
            "invoice"
        ]
    );
    let unknown = OrderId::parse("402-0000000-0000000").unwrap();
    assert_eq!(client.actions_for_order(&unknown, IT).await.unwrap(), None);
    // The 404 answer is the model's too.
    let (status, body) = raw(
        &sandbox,
        reqwest::Method::GET,
        &format!("/messaging/v1/orders/{unknown}?marketplaceIds={IT}"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    model.assert_valid(&body);
}

#[tokio::test]
async fn an_offered_text_action_is_sent_once_and_matches_the_model() {
    let sandbox = AmazonSandbox::start().await.unwrap();
    let order = fbm_order(&sandbox, 12, IT, "SHIPPED");
    let client = messaging(&sandbox);
    client
        .send_text(
            &order,
            IT,
            "unexpectedProblem",
            "Il corriere ha segnalato un ritardo nella consegna.",
        )
        .await
        .unwrap();
    let sent = sandbox.sent_messages();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].action, "unexpectedProblem");
    assert_eq!(sent[0].order, order.as_str());
    assert_eq!(
        sent[0].body,
        json!({"text": "Il corriere ha segnalato un ritardo nella consegna."})
    );
    assert_requests_match_the_model(&sandbox);
    // The 201 answer is the model's.
    let (status, body) = raw(
        &sandbox,
        reqwest::Method::POST,
        &format!(
            "/messaging/v1/orders/{order}/messages/confirmDeliveryDetails?marketplaceIds={IT}"
        ),
        Some(json!({"text": "Consegna confermata per domani."})),
    )
    .await;
    assert_eq!(status, 201);
    Model::swagger(SPEC, "CreateConfirmDeliveryDetailsResponse").assert_valid(&body);
}

#[tokio::test]
async fn an_action_not_offered_is_refused_and_nothing_is_sent() {
    let sandbox = AmazonSandbox::start().await.unwrap();
    // Unshipped, in the US: no delivery details to confirm yet.
    let order = fbm_order(&sandbox, 13, US, "UNSHIPPED");
    let client = messaging(&sandbox);
    let offered = client.actions_for_order(&order, US).await.unwrap().unwrap();
    assert!(!offered.contains(&"confirmDeliveryDetails".to_owned()));
    let err = client
        .send_text(
            &order,
            US,
            "confirmDeliveryDetails",
            "Your parcel ships today.",
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err.kind, ErrorKind::Rejected { status: 400, .. }),
        "{err}"
    );
    assert!(sandbox.sent_messages().is_empty());
    let (status, body) = raw(
        &sandbox,
        reqwest::Method::POST,
        &format!(
            "/messaging/v1/orders/{order}/messages/confirmDeliveryDetails?marketplaceIds={US}"
        ),
        Some(json!({"text": "Your parcel ships today."})),
    )
    .await;
    assert_eq!(status, 400);
    Model::swagger(SPEC, "CreateConfirmDeliveryDetailsResponse").assert_valid(&body);
}

#[tokio::test]
async fn bodies_outside_the_model_are_refused_by_the_sandbox_and_never_sent_by_the_client() {
    let sandbox = AmazonSandbox::start().await.unwrap();
    let order = fbm_order(&sandbox, 14, IT, "SHIPPED");
    let path =
        format!("/messaging/v1/orders/{order}/messages/unexpectedProblem?marketplaceIds={IT}");
    for body in [
        json!({"text": "x".repeat(2001)}),
        json!({"text": ""}),
        json!({"text": "ok", "subject": "not in the model"}),
        json!({}),
    ] {
        let (status, answer) = raw(&sandbox, reqwest::Method::POST, &path, Some(body)).await;
        assert_eq!(status, 400);
        assert_eq!(answer["errors"][0]["code"], "InvalidInput");
        Model::swagger(SPEC, "CreateUnexpectedProblemResponse").assert_valid(&answer);
    }
    let posted = sandbox.messaging_requests().len();
    let client = messaging(&sandbox);
    let err = client
        .send_text(&order, IT, "unexpectedProblem", &"x".repeat(2001))
        .await
        .unwrap_err();
    assert!(matches!(err.kind, ErrorKind::InvalidRequest(_)), "{err}");
    let err = client
        .send_text(&order, IT, "legalDisclosure", "text")
        .await
        .unwrap_err();
    assert!(matches!(err.kind, ErrorKind::InvalidRequest(_)), "{err}");
    assert_eq!(sandbox.messaging_requests().len(), posted);
    assert!(sandbox.sent_messages().is_empty());
}

#[tokio::test]
async fn a_quota_exceeded_is_backed_off_and_the_message_sent_once() {
    let sandbox = AmazonSandbox::start().await.unwrap();
    let order = fbm_order(&sandbox, 15, IT, "SHIPPED");
    sandbox.faults().push_n(
        "createUnexpectedProblem",
        Fault::Throttle { retry_after: None },
        2,
    );
    sandbox.faults().push(
        GET_MESSAGING_ACTIONS_ROUTE,
        Fault::Throttle { retry_after: None },
    );
    let client = messaging(&sandbox);
    assert!(
        client
            .actions_for_order(&order, IT)
            .await
            .unwrap()
            .is_some()
    );
    client
        .send_text(&order, IT, "unexpectedProblem", "Un problema imprevisto.")
        .await
        .unwrap();
    assert_eq!(sandbox.faults().count("createUnexpectedProblem"), 3);
    assert_eq!(sandbox.sent_messages().len(), 1);
}

#[tokio::test]
async fn a_server_error_after_posting_is_an_unknown_outcome_never_a_second_send() {
    let sandbox = AmazonSandbox::start().await.unwrap();
    let order = fbm_order(&sandbox, 16, IT, "SHIPPED");
    sandbox
        .faults()
        .push("createUnexpectedProblem", Fault::ServerError(500));
    let client = messaging(&sandbox);
    let err = client
        .send_text(&order, IT, "unexpectedProblem", "Un problema imprevisto.")
        .await
        .unwrap_err();
    assert!(matches!(err.kind, ErrorKind::OutcomeUnknown(_)), "{err}");
    assert!(!err.is_transient());
    assert_eq!(sandbox.faults().count("createUnexpectedProblem"), 1);
    // A 503 says the service did not take it: retried, sent once.
    sandbox
        .faults()
        .push("createUnexpectedProblem", Fault::ServerError(503));
    client
        .send_text(&order, IT, "unexpectedProblem", "Un problema imprevisto.")
        .await
        .unwrap();
    assert_eq!(sandbox.sent_messages().len(), 1);
    // A GET is always safe to repeat.
    sandbox
        .faults()
        .push(GET_MESSAGING_ACTIONS_ROUTE, Fault::ServerError(500));
    assert!(
        client
            .actions_for_order(&order, IT)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn an_expired_token_is_replaced_and_the_message_sent_once() {
    let sandbox = AmazonSandbox::start().await.unwrap();
    let order = fbm_order(&sandbox, 17, IT, "SHIPPED");
    let client = messaging(&sandbox);
    assert!(
        client
            .actions_for_order(&order, IT)
            .await
            .unwrap()
            .is_some()
    );
    let tokens = sandbox.faults().count(REFRESH_TOKEN_ROUTE);
    sandbox.expire_all_tokens();
    client
        .send_text(&order, IT, "confirmDeliveryDetails", "Consegna domani.")
        .await
        .unwrap();
    assert_eq!(sandbox.faults().count(REFRESH_TOKEN_ROUTE), tokens + 1);
    assert_eq!(sandbox.sent_messages().len(), 1);
    assert_requests_match_the_model(&sandbox);
}
