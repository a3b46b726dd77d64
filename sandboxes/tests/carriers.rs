//! The carrier clients against the carriers sandbox: every status round-trips, faults end in
//! success within the retry budget or a typed error, tokens are fetched once under
//! concurrency, and the tracker routes by marketplace name or detection.

use std::sync::Arc;
use std::time::Duration;

use marketdesk::connectors::carriers::{
    CarrierTracker, ClientCredentials, DhlConfig, DhlTracking, UpsConfig, UpsTracking, UspsConfig,
    UspsTracking,
};
use marketdesk::connectors::{
    ConnectorError, ErrorKind, HttpConfig, RateLimit, RetryPolicy, Secret, TrackingLookup,
};
use marketdesk::domain::{Shipment, ShipmentStatus};
use marketdesk_sandboxes::Fault;
use marketdesk_sandboxes::carriers::{
    CarriersConfig, CarriersSandbox, DHL_TRACK_ROUTE, Stage, Tracking, UPS_TOKEN_ROUTE,
    UPS_TRACK_ROUTE, USPS_TOKEN_ROUTE, USPS_TRACK_ROUTE,
};

const UPS_NUMBER: &str = "1Z999AA10123456784";
const USPS_NUMBER: &str = "9400111201080805483016";
const DHL_NUMBER: &str = "3318810025";

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

fn fast() -> RateLimit {
    RateLimit::new(1000.0, 1000)
}

fn dhl(sandbox: &CarriersSandbox) -> DhlTracking {
    dhl_with_key(sandbox, &sandbox.config().dhl_api_key)
}

fn dhl_with_key(sandbox: &CarriersSandbox, key: &str) -> DhlTracking {
    let config = DhlConfig {
        endpoint: sandbox.base_url(),
        rate: fast(),
        http: http(),
        ..DhlConfig::new("tenant_1", Secret::new(key))
    };
    DhlTracking::new(config, http().build_client())
}

fn ups(sandbox: &CarriersSandbox) -> UpsTracking {
    let cfg = sandbox.config();
    let credentials = ClientCredentials::new(
        cfg.ups_client_id.clone(),
        Secret::new(cfg.ups_client_secret.clone()),
    );
    let config = UpsConfig {
        endpoint: sandbox.base_url(),
        rate: fast(),
        http: http(),
        ..UpsConfig::new("tenant_1", credentials)
    };
    UpsTracking::new(config, http().build_client())
}

fn usps(sandbox: &CarriersSandbox) -> UspsTracking {
    let cfg = sandbox.config();
    let credentials = ClientCredentials::new(
        cfg.usps_client_id.clone(),
        Secret::new(cfg.usps_client_secret.clone()),
    );
    let config = UspsConfig {
        endpoint: sandbox.base_url(),
        rate: fast(),
        http: http(),
        ..UspsConfig::new("tenant_1", credentials)
    };
    UspsTracking::new(config, http().build_client())
}

fn tracker(sandbox: &CarriersSandbox) -> CarrierTracker {
    CarrierTracker::new()
        .with_dhl(dhl(sandbox))
        .with_ups(ups(sandbox))
        .with_usps(usps(sandbox))
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

/// The shipment says what the sandbox's history says.
#[track_caller]
fn assert_shipment(shipment: &Shipment, carrier: &str, number: &str, tracking: &Tracking) {
    assert_eq!(shipment.carrier, carrier);
    assert_eq!(shipment.tracking_number, number);
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
        assert!(
            place.contains(&scan.city.to_lowercase()),
            "{place} / {}",
            scan.city
        );
        assert!(!event.description.is_empty());
    }
    assert_eq!(shipment.estimated_delivery, tracking.estimated_delivery);
    assert!(shipment.checked_at.is_some());
    assert!(shipment.tracking_url.as_deref().unwrap().contains(number));
}

#[tokio::test]
async fn dhl_round_trips_every_status() {
    let sandbox = CarriersSandbox::start().await.unwrap();
    let client = dhl(&sandbox);
    for stage in Stage::ALL {
        let tracking = sandbox.set_stage(DHL_NUMBER, stage);
        let shipment = client.track(DHL_NUMBER).await.unwrap().unwrap();
        assert_shipment(&shipment, "dhl", DHL_NUMBER, &tracking);
    }
}

#[tokio::test]
async fn ups_round_trips_every_status() {
    let sandbox = CarriersSandbox::start().await.unwrap();
    let client = ups(&sandbox);
    for stage in Stage::ALL {
        let tracking = sandbox.set_stage(UPS_NUMBER, stage);
        let shipment = client.track(UPS_NUMBER).await.unwrap().unwrap();
        assert_shipment(&shipment, "ups", UPS_NUMBER, &tracking);
    }
    assert_eq!(sandbox.requests(UPS_TOKEN_ROUTE), 1);
}

#[tokio::test]
async fn usps_round_trips_every_status() {
    let sandbox = CarriersSandbox::start().await.unwrap();
    let client = usps(&sandbox);
    for stage in Stage::ALL {
        let tracking = sandbox.set_stage(USPS_NUMBER, stage);
        let shipment = client.track(USPS_NUMBER).await.unwrap().unwrap();
        assert_shipment(&shipment, "usps", USPS_NUMBER, &tracking);
    }
    assert_eq!(sandbox.requests(USPS_TOKEN_ROUTE), 1);
}

#[tokio::test]
async fn seeded_histories_answer_any_well_formed_number_the_same_way_twice() {
    let sandbox = CarriersSandbox::start().await.unwrap();
    let client = ups(&sandbox);
    let first = client.track(UPS_NUMBER).await.unwrap().unwrap();
    let second = client.track(UPS_NUMBER).await.unwrap().unwrap();
    assert_eq!(first.events, second.events);
    assert_shipment(
        &first,
        "ups",
        UPS_NUMBER,
        &sandbox.tracking(UPS_NUMBER).unwrap(),
    );
}

#[tokio::test]
async fn numbers_the_carrier_does_not_know_are_none() {
    let sandbox = CarriersSandbox::start().await.unwrap();
    for n in [DHL_NUMBER, UPS_NUMBER, USPS_NUMBER] {
        sandbox.forget(n);
    }
    assert_eq!(dhl(&sandbox).track(DHL_NUMBER).await.unwrap(), None);
    assert_eq!(ups(&sandbox).track(UPS_NUMBER).await.unwrap(), None);
    assert_eq!(usps(&sandbox).track(USPS_NUMBER).await.unwrap(), None);
}

#[tokio::test]
async fn a_malformed_number_is_refused_before_any_request() {
    let sandbox = CarriersSandbox::start().await.unwrap();
    let err = ups(&sandbox).track("1Z 999/AA").await.unwrap_err();
    assert!(matches!(err.kind, ErrorKind::InvalidRequest(_)), "{err}");
    assert!(sandbox.faults().requests().is_empty());
}

/// Each transient fault, once, on each client's tracking route: the lookup still succeeds.
#[tokio::test]
async fn transient_faults_are_retried_until_the_lookup_succeeds() {
    let faults = [
        Fault::Throttle {
            retry_after: Some(0),
        },
        Fault::ServerError(500),
        Fault::ServerError(503),
        Fault::Delay(Duration::from_millis(800)),
        Fault::TruncatedBody,
        Fault::InvalidJson,
    ];
    let sandbox = CarriersSandbox::start().await.unwrap();
    let (dhl, ups, usps) = (dhl(&sandbox), ups(&sandbox), usps(&sandbox));
    for fault in faults {
        for route in [DHL_TRACK_ROUTE, UPS_TRACK_ROUTE, USPS_TRACK_ROUTE] {
            sandbox.faults().push(route, fault.clone());
        }
        let before = sandbox.faults().requests().len();
        assert!(dhl.track(DHL_NUMBER).await.unwrap().is_some(), "{fault:?}");
        assert!(ups.track(UPS_NUMBER).await.unwrap().is_some(), "{fault:?}");
        assert!(
            usps.track(USPS_NUMBER).await.unwrap().is_some(),
            "{fault:?}"
        );
        for route in [DHL_TRACK_ROUTE, UPS_TRACK_ROUTE, USPS_TRACK_ROUTE] {
            assert_eq!(sandbox.faults().pending(route), 0, "{fault:?} {route}");
        }
        let tracked = sandbox.faults().requests()[before..]
            .iter()
            .filter(|r| r.route != UPS_TOKEN_ROUTE && r.route != USPS_TOKEN_ROUTE)
            .count();
        assert_eq!(
            tracked, 6,
            "one failed and one good request per client: {fault:?}"
        );
    }
}

#[tokio::test]
async fn usps_429_with_retry_after_is_waited_out() {
    let sandbox = CarriersSandbox::start().await.unwrap();
    sandbox.faults().push(
        USPS_TRACK_ROUTE,
        Fault::Throttle {
            retry_after: Some(1),
        },
    );
    let shipment = usps(&sandbox).track(USPS_NUMBER).await.unwrap();
    assert!(shipment.is_some());
    assert_eq!(sandbox.requests(USPS_TRACK_ROUTE), 2);
}

#[tokio::test]
async fn a_retry_after_beyond_the_budget_is_a_typed_throttle_at_once() {
    let sandbox = CarriersSandbox::start().await.unwrap();
    sandbox.faults().push(
        USPS_TRACK_ROUTE,
        Fault::Throttle {
            retry_after: Some(3600),
        },
    );
    let err = usps(&sandbox).track(USPS_NUMBER).await.unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Throttled { .. }), "{err}");
    assert_eq!(err.attempts, 1);
    assert_eq!(sandbox.requests(USPS_TRACK_ROUTE), 1);
}

#[track_caller]
fn assert_names_call_not_secret(err: &ConnectorError, service: &str, call: &str) {
    let text = format!("{err} {err:?}");
    assert_eq!(err.service, service);
    assert_eq!(err.call, call);
    assert!(text.contains(service) && text.contains(call), "{text}");
    let defaults = CarriersConfig::default();
    for secret in [
        defaults.dhl_api_key,
        defaults.ups_client_secret,
        defaults.usps_client_secret,
        "wrong-key".to_owned(),
    ] {
        assert!(!text.contains(&secret), "{text} leaks {secret}");
    }
}

#[tokio::test]
async fn persistent_server_errors_end_in_a_typed_error_naming_carrier_and_call() {
    let sandbox = CarriersSandbox::start().await.unwrap();
    for route in [DHL_TRACK_ROUTE, UPS_TRACK_ROUTE, USPS_TRACK_ROUTE] {
        sandbox.faults().push_n(route, Fault::ServerError(503), 10);
    }
    let cases = [
        (
            dhl(&sandbox).track(DHL_NUMBER).await,
            "dhl-tracking",
            "trackShipments",
        ),
        (
            ups(&sandbox).track(UPS_NUMBER).await,
            "ups-tracking",
            "trackDetails",
        ),
        (
            usps(&sandbox).track(USPS_NUMBER).await,
            "usps-tracking",
            "getTrackingInfo",
        ),
    ];
    for (result, service, call) in cases {
        let err = result.unwrap_err();
        assert!(
            matches!(err.kind, ErrorKind::Server { status: 503, .. }),
            "{err}"
        );
        assert_eq!(err.attempts, 4);
        assert_names_call_not_secret(&err, service, call);
    }
}

#[tokio::test]
async fn a_wrong_dhl_api_key_is_unauthorized_and_never_printed() {
    let sandbox = CarriersSandbox::start().await.unwrap();
    let err = dhl_with_key(&sandbox, "wrong-key")
        .track(DHL_NUMBER)
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert_eq!(err.attempts, 1, "a refused key is not retried");
    assert_names_call_not_secret(&err, "dhl-tracking", "trackShipments");
}

#[tokio::test]
async fn an_expired_token_is_replaced_once_and_the_lookup_succeeds() {
    let sandbox = CarriersSandbox::start().await.unwrap();
    let (ups, usps) = (ups(&sandbox), usps(&sandbox));
    ups.track(UPS_NUMBER).await.unwrap().unwrap();
    usps.track(USPS_NUMBER).await.unwrap().unwrap();
    sandbox.expire_all_tokens();
    ups.track(UPS_NUMBER).await.unwrap().unwrap();
    usps.track(USPS_NUMBER).await.unwrap().unwrap();
    assert_eq!(sandbox.requests(UPS_TOKEN_ROUTE), 2);
    assert_eq!(sandbox.requests(USPS_TOKEN_ROUTE), 2);
    // An API that calls a valid token expired gets one fresh token too.
    sandbox.faults().push(UPS_TRACK_ROUTE, Fault::ExpiredToken);
    ups.track(UPS_NUMBER).await.unwrap().unwrap();
    assert_eq!(sandbox.requests(UPS_TOKEN_ROUTE), 3);
}

#[tokio::test]
async fn refused_client_credentials_are_a_typed_unauthorized_error() {
    let sandbox = CarriersSandbox::start().await.unwrap();
    sandbox.revoke_credentials();
    let err = ups(&sandbox).track(UPS_NUMBER).await.unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert_names_call_not_secret(&err, "ups-oauth", "clientCredentialsToken");
    let err = usps(&sandbox).track(USPS_NUMBER).await.unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert_names_call_not_secret(&err, "usps-oauth", "clientCredentialsToken");
    assert_eq!(sandbox.requests(UPS_TRACK_ROUTE), 0);
}

#[tokio::test]
async fn a_token_endpoint_outage_is_retried() {
    let sandbox = CarriersSandbox::start().await.unwrap();
    sandbox
        .faults()
        .push(UPS_TOKEN_ROUTE, Fault::ServerError(503));
    sandbox.faults().push(
        USPS_TOKEN_ROUTE,
        Fault::Throttle {
            retry_after: Some(0),
        },
    );
    ups(&sandbox).track(UPS_NUMBER).await.unwrap().unwrap();
    usps(&sandbox).track(USPS_NUMBER).await.unwrap().unwrap();
    assert_eq!(sandbox.requests(UPS_TOKEN_ROUTE), 2);
    assert_eq!(sandbox.requests(USPS_TOKEN_ROUTE), 2);
}

#[tokio::test]
async fn twenty_concurrent_lookups_fetch_one_token_per_carrier() {
    let sandbox = CarriersSandbox::start_with(CarriersConfig {
        token_latency: Duration::from_millis(100),
        ..Default::default()
    })
    .await
    .unwrap();
    let ups = Arc::new(ups(&sandbox));
    let usps = Arc::new(usps(&sandbox));
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let ups = ups.clone();
        tasks.push(tokio::spawn(async move { ups.track(UPS_NUMBER).await }));
        let usps = usps.clone();
        tasks.push(tokio::spawn(async move { usps.track(USPS_NUMBER).await }));
    }
    for task in tasks {
        assert!(task.await.unwrap().unwrap().is_some());
    }
    assert_eq!(sandbox.requests(UPS_TOKEN_ROUTE), 1);
    assert_eq!(sandbox.requests(USPS_TOKEN_ROUTE), 1);
    assert_eq!(sandbox.requests(UPS_TRACK_ROUTE), 20);
    assert_eq!(sandbox.requests(USPS_TRACK_ROUTE), 20);
}

#[tokio::test]
async fn the_tracker_routes_by_detection_when_the_marketplace_names_no_carrier() {
    let sandbox = CarriersSandbox::start().await.unwrap();
    let tracker = tracker(&sandbox);
    let cases = [
        ("1z 999 aa1 0123 4567 84", "ups", UPS_TRACK_ROUTE),
        ("9400 1112 0108 0805 4830 16", "usps", USPS_TRACK_ROUTE),
        ("3318810025", "dhl", DHL_TRACK_ROUTE),
    ];
    for (number, carrier, route) in cases {
        let before = sandbox.requests(route);
        let shipment = tracker.track(None, number).await.unwrap().unwrap();
        assert_eq!(shipment.carrier, carrier);
        assert_ne!(shipment.status, ShipmentStatus::Unknown);
        assert_eq!(sandbox.requests(route), before + 1, "{number}");
    }
    // "Other" names no carrier: detection decides.
    let shipment = tracker
        .track(Some("Other"), UPS_NUMBER)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(shipment.carrier, "ups");
}

#[tokio::test]
async fn the_marketplace_carrier_name_wins_over_detection() {
    let sandbox = CarriersSandbox::start().await.unwrap();
    let tracker = tracker(&sandbox);
    // A DHL eCommerce number can look like anything; the marketplace knows better.
    let shipment = tracker
        .track(Some("DHL eCommerce"), "GM2951173225174494")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(shipment.carrier, "dhl");
    assert_eq!(sandbox.requests(DHL_TRACK_ROUTE), 1);
    let shipment = tracker
        .track(Some("USPS"), "EE123456785US")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(shipment.carrier, "usps");
    assert_eq!(sandbox.requests(USPS_TRACK_ROUTE), 1);
}

#[tokio::test]
async fn carriers_without_a_live_client_get_a_link_and_no_request() {
    let sandbox = CarriersSandbox::start().await.unwrap();
    let tracker = tracker(&sandbox);
    let cases = [
        (Some("Poste Italiane"), "RR123456785IT", "poste_italiane"),
        (Some("BRT"), "084123456789012", "brt"),
        (None, "RB123456785GB", "royal_mail"),
        (None, "986578788855", "fedex"),
    ];
    for (name, number, carrier) in cases {
        let shipment = tracker.track(name, number).await.unwrap().unwrap();
        assert_eq!(shipment.carrier, carrier);
        assert_eq!(shipment.status, ShipmentStatus::Unknown);
        assert_eq!(shipment.checked_at, None);
        assert!(shipment.tracking_url.unwrap().contains(number));
    }
    assert_eq!(tracker.track(None, "12345").await.unwrap(), None);
    assert!(sandbox.faults().requests().is_empty());
}
