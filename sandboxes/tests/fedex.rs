//! FedEx Track API v1 against the carriers sandbox: the tracker routes FedEx numbers to the
//! direct client, which normalises every status; a number FedEx does not know (reported inside
//! HTTP 200) is `None`; a refused token is replaced once; throttling, outages and wrong
//! credentials end in typed errors; and the sandbox refuses requests as FedEx does.

use std::time::Duration;

use marketdesk::connectors::carriers::{
    AftershipConfig, AftershipTracking, Carrier, CarrierTracker, ClientCredentials, FedexConfig,
    FedexTracking,
};
use marketdesk::connectors::{
    ConnectorError, ErrorKind, HttpConfig, RateLimit, RetryPolicy, Secret, TrackingLookup,
};
use marketdesk::domain::{Shipment, ShipmentStatus};
use marketdesk_sandboxes::Fault;
use marketdesk_sandboxes::carriers::{
    AFTERSHIP_CREATE_ROUTE, CarriersConfig, CarriersSandbox, FEDEX_TOKEN_ROUTE, FEDEX_TRACK_ROUTE,
    Stage, Tracking,
};
use serde_json::{Value, json};

/// A FedEx Express 12-digit number (its check digit holds).
const NUMBER: &str = "986578788855";

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

fn fedex_with_secret(sandbox: &CarriersSandbox, secret: &str) -> FedexTracking {
    let credentials = ClientCredentials::new(
        sandbox.config().fedex_client_id.clone(),
        Secret::new(secret),
    );
    let config = FedexConfig {
        endpoint: sandbox.base_url(),
        rate: RateLimit::new(1000.0, 1000),
        http: http(),
        ..FedexConfig::new("tenant_1", credentials)
    };
    FedexTracking::new(config, http().build_client())
}

fn fedex(sandbox: &CarriersSandbox) -> FedexTracking {
    fedex_with_secret(sandbox, &sandbox.config().fedex_client_secret.clone())
}

fn domain_status(stage: Stage) -> ShipmentStatus {
    match stage {
        Stage::LabelCreated => ShipmentStatus::LabelCreated,
        Stage::InTransit => ShipmentStatus::InTransit,
        Stage::OutForDelivery => ShipmentStatus::OutForDelivery,
        Stage::Delivered => ShipmentStatus::Delivered,
        Stage::Exception => ShipmentStatus::Exception,
    }
}

/// The shipment says what the sandbox's history says, newest event first.
#[track_caller]
fn assert_shipment(shipment: &Shipment, tracking: &Tracking) {
    assert_eq!(shipment.carrier, "fedex");
    assert_eq!(shipment.tracking_number, NUMBER);
    assert_eq!(
        shipment.status,
        domain_status(tracking.stage),
        "{shipment:?}"
    );
    assert_eq!(shipment.events.len(), tracking.scans.len());
    for (event, scan) in shipment.events.iter().zip(tracking.scans.iter().rev()) {
        assert_eq!(event.at, scan.at);
        assert_eq!(event.status, domain_status(scan.stage), "{event:?}");
        let place = event.location.as_deref().unwrap_or_default().to_lowercase();
        assert!(place.contains(&scan.city.to_lowercase()), "{place}");
        assert!(!event.description.is_empty());
    }
    assert_eq!(shipment.estimated_delivery, tracking.estimated_delivery);
    assert!(shipment.checked_at.is_some());
    let link = shipment.tracking_url.as_deref().unwrap();
    assert!(
        link.contains("fedex.com") && link.contains(NUMBER),
        "{link}"
    );
}

#[track_caller]
fn assert_names_call_not_secret(err: &ConnectorError, service: &str, call: &str) {
    let text = format!("{err} {err:?}");
    assert_eq!(err.service, service);
    assert_eq!(err.call, call);
    for secret in [
        CarriersConfig::default().fedex_client_secret,
        "wrong-secret".to_owned(),
    ] {
        assert!(!text.contains(&secret), "{text} leaks {secret}");
    }
}

#[tokio::test]
async fn a_fedex_number_through_the_tracker_gets_every_status_with_events_and_a_link() {
    let sandbox = CarriersSandbox::start().await.unwrap();
    let tracker = CarrierTracker::new().with_fedex(fedex(&sandbox));
    assert!(tracker.is_live(&Carrier::Fedex));
    for stage in Stage::ALL {
        let tracking = sandbox.set_stage(NUMBER, stage);
        // Spaced as printed on a label; no carrier named, so detection decides.
        let shipment = tracker
            .track(None, "9865 7878 8855")
            .await
            .unwrap()
            .unwrap();
        assert_shipment(&shipment, &tracking);
    }
    let shipment = tracker.track(Some("FedEx"), NUMBER).await.unwrap().unwrap();
    assert_eq!(shipment.carrier, "fedex");
    assert_eq!(sandbox.requests(FEDEX_TRACK_ROUTE), Stage::ALL.len() + 1);
    assert_eq!(
        sandbox.requests(FEDEX_TOKEN_ROUTE),
        1,
        "the token is cached"
    );
}

#[tokio::test]
async fn a_delivered_history_is_delivered_with_no_estimate_left() {
    let sandbox = CarriersSandbox::start().await.unwrap();
    let tracking = sandbox.set_stage(NUMBER, Stage::Delivered);
    let shipment = fedex(&sandbox).track(NUMBER).await.unwrap().unwrap();
    assert_shipment(&shipment, &tracking);
    assert_eq!(shipment.status, ShipmentStatus::Delivered);
    assert_eq!(shipment.events[0].status, ShipmentStatus::Delivered);
    assert_eq!(shipment.events[0].at, tracking.scans.last().unwrap().at);
    assert_eq!(shipment.estimated_delivery, None);
}

#[tokio::test]
async fn a_number_fedex_does_not_know_is_none_not_an_error() {
    let sandbox = CarriersSandbox::start().await.unwrap();
    sandbox.forget(NUMBER);
    assert_eq!(fedex(&sandbox).track(NUMBER).await.unwrap(), None);
    let tracker = CarrierTracker::new().with_fedex(fedex(&sandbox));
    assert_eq!(tracker.track(Some("FedEx"), NUMBER).await.unwrap(), None);
    assert_eq!(sandbox.requests(FEDEX_TRACK_ROUTE), 2, "not retried");
}

#[tokio::test]
async fn an_expired_token_is_replaced_once_and_the_lookup_succeeds() {
    let sandbox = CarriersSandbox::start().await.unwrap();
    let client = fedex(&sandbox);
    client.track(NUMBER).await.unwrap().unwrap();
    sandbox.expire_all_tokens();
    client.track(NUMBER).await.unwrap().unwrap();
    assert_eq!(sandbox.requests(FEDEX_TOKEN_ROUTE), 2);
    // FedEx calling a token it issued invalid gets one fresh token too.
    sandbox
        .faults()
        .push(FEDEX_TRACK_ROUTE, Fault::ExpiredToken);
    client.track(NUMBER).await.unwrap().unwrap();
    assert_eq!(sandbox.requests(FEDEX_TOKEN_ROUTE), 3);
    assert_eq!(sandbox.requests(FEDEX_TRACK_ROUTE), 5);
}

#[tokio::test]
async fn a_token_refused_again_after_re_auth_is_an_unauthorized_error() {
    let sandbox = CarriersSandbox::start().await.unwrap();
    sandbox
        .faults()
        .push_n(FEDEX_TRACK_ROUTE, Fault::ExpiredToken, 2);
    let err = fedex(&sandbox).track(NUMBER).await.unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert!(
        matches!(&err.kind, ErrorKind::Unauthorized { status: 401, code, .. } if code == "NOT.AUTHORIZED.ERROR"),
        "{err}"
    );
    assert_eq!(err.attempts, 1, "re-authenticated once, then not retried");
    assert_eq!(sandbox.requests(FEDEX_TOKEN_ROUTE), 2);
    assert_eq!(sandbox.requests(FEDEX_TRACK_ROUTE), 2);
    assert_names_call_not_secret(&err, "fedex-tracking", "trackByTrackingNumber");
}

#[tokio::test]
async fn a_429_is_waited_out_within_the_budget_and_typed_beyond_it() {
    let sandbox = CarriersSandbox::start().await.unwrap();
    let client = fedex(&sandbox);
    sandbox.faults().push(
        FEDEX_TRACK_ROUTE,
        Fault::Throttle {
            retry_after: Some(0),
        },
    );
    assert!(client.track(NUMBER).await.unwrap().is_some());
    assert_eq!(sandbox.requests(FEDEX_TRACK_ROUTE), 2);
    sandbox.faults().push(
        FEDEX_TRACK_ROUTE,
        Fault::Throttle {
            retry_after: Some(3600),
        },
    );
    let err = client.track(NUMBER).await.unwrap_err();
    assert!(
        matches!(
            err.kind,
            ErrorKind::Throttled {
                retry_after: Some(d)
            } if d == Duration::from_secs(3600)
        ),
        "{err}"
    );
    assert_eq!(err.attempts, 1);
    assert_eq!(sandbox.requests(FEDEX_TRACK_ROUTE), 3);
}

#[tokio::test]
async fn server_errors_are_retried_then_end_in_a_typed_transient_error() {
    let sandbox = CarriersSandbox::start().await.unwrap();
    let client = fedex(&sandbox);
    sandbox
        .faults()
        .push(FEDEX_TRACK_ROUTE, Fault::ServerError(500));
    assert!(client.track(NUMBER).await.unwrap().is_some());
    sandbox
        .faults()
        .push_n(FEDEX_TRACK_ROUTE, Fault::ServerError(503), 10);
    let err = client.track(NUMBER).await.unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::Server { status: 503, .. }),
        "{err}"
    );
    assert_eq!(err.attempts, 4);
    assert_names_call_not_secret(&err, "fedex-tracking", "trackByTrackingNumber");
}

#[tokio::test]
async fn a_wrong_client_secret_is_an_unauthorized_error_and_nothing_is_tracked() {
    let sandbox = CarriersSandbox::start().await.unwrap();
    let err = fedex_with_secret(&sandbox, "wrong-secret")
        .track(NUMBER)
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert_eq!(err.attempts, 1, "refused credentials are not retried");
    assert_names_call_not_secret(&err, "fedex-oauth", "clientCredentialsToken");
    assert_eq!(sandbox.requests(FEDEX_TRACK_ROUTE), 0);
}

#[tokio::test]
async fn without_fedex_credentials_fedex_numbers_go_through_aftership() {
    let sandbox = CarriersSandbox::start().await.unwrap();
    let config = AftershipConfig {
        endpoint: sandbox.base_url(),
        rate: RateLimit::new(1000.0, 1000),
        http: http(),
        ..AftershipConfig::new(
            "tenant_1",
            Secret::new(sandbox.config().aftership_api_key.clone()),
        )
    };
    let tracker =
        CarrierTracker::new().with_aftership(AftershipTracking::new(config, http().build_client()));
    assert!(tracker.is_live(&Carrier::Fedex));
    let tracking = sandbox.set_stage(NUMBER, Stage::InTransit);
    let shipment = tracker.track(None, NUMBER).await.unwrap().unwrap();
    assert_eq!(shipment.carrier, "fedex");
    assert_eq!(shipment.status, domain_status(tracking.stage));
    assert_eq!(sandbox.requests(AFTERSHIP_CREATE_ROUTE), 1);
    assert_eq!(sandbox.requests(FEDEX_TRACK_ROUTE), 0);
}

/// The sandbox holds clients to FedEx's rules: a bearer token, 1 to 30 numbers, and
/// per-number not-found inside HTTP 200.
#[tokio::test]
async fn the_sandbox_refuses_requests_as_fedex_does() {
    let sandbox = CarriersSandbox::start().await.unwrap();
    let http = reqwest::Client::new();
    let base = sandbox.base_url();
    let track = |token: Option<&str>, body: Value| {
        let mut request = http
            .post(format!("{base}/track/v1/trackingnumbers"))
            .header("x-locale", "en_US")
            .json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let entry = |n: &str| json!({"trackingNumberInfo": {"trackingNumber": n}});

    let refused = track(None, json!({"trackingInfo": [entry(NUMBER)]}))
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "NOT.AUTHORIZED.ERROR");
    assert!(body["transactionId"].is_string());

    let config = sandbox.config();
    let token: Value = http
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", config.fedex_client_id.as_str()),
            ("client_secret", config.fedex_client_secret.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(token["token_type"], "bearer");
    assert!(token["expires_in"].as_u64().unwrap() > 0);
    let token = token["access_token"].as_str().unwrap();

    let too_many: Vec<Value> = (0..31).map(|_| entry(NUMBER)).collect();
    for body in [
        json!({"trackingInfo": []}),
        json!({"trackingInfo": too_many}),
        json!({"includeDetailedScans": true}),
    ] {
        let answer = track(Some(token), body.clone()).await.unwrap();
        assert_eq!(answer.status(), 400, "{body}");
        let answer: Value = answer.json().await.unwrap();
        assert!(answer["errors"][0]["code"].is_string(), "{answer}");
    }

    let unknown = "123456789012";
    sandbox.forget(unknown);
    let answer = track(
        Some(token),
        json!({"includeDetailedScans": true, "trackingInfo": [entry(NUMBER), entry(unknown)]}),
    )
    .await
    .unwrap();
    assert_eq!(answer.status(), 200);
    let answer: Value = answer.json().await.unwrap();
    let results = answer["output"]["completeTrackResults"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert!(results[0]["trackResults"][0]["error"].is_null());
    assert!(results[0]["trackResults"][0]["scanEvents"].is_array());
    assert_eq!(
        results[1]["trackResults"][0]["error"]["code"],
        "TRACKING.TRACKINGNUMBER.NOTFOUND"
    );
}
