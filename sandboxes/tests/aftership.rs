//! AfterShip: the sandbox's answers and the client's requests validate against the schema
//! written from AfterShip's documentation (`sandboxes/specs/aftership/`), and every carrier
//! of the registry gets a normalised live status through the aggregator, or at least its
//! public tracking link, never a bare "unknown".

use std::time::Duration;

use marketdesk::connectors::carriers::{
    AftershipConfig, AftershipTracking, Carrier, CarrierTracker, registry,
};
use marketdesk::connectors::{
    ErrorKind, HttpConfig, RateLimit, RetryPolicy, Secret, TrackingLookup,
};
use marketdesk::domain::ShipmentStatus;
use marketdesk_sandboxes::Fault;
use marketdesk_sandboxes::carriers::{
    AFTERSHIP_CREATE_ROUTE, AFTERSHIP_GET_ROUTE, CarriersSandbox, Stage,
};
use serde_json::{Value, json};

const SCHEMA: &str = "specs/aftership/tracking-2025-07.schema.json";

struct Schema {
    root: Value,
}

impl Schema {
    fn load() -> Self {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SCHEMA);
        let text = std::fs::read_to_string(&path).unwrap();
        Self {
            root: serde_json::from_str(&text).unwrap(),
        }
    }

    fn assert_valid(&self, definition: &str, instance: &Value) {
        assert!(
            self.root["definitions"].get(definition).is_some(),
            "no definition {definition}"
        );
        let schema = json!({
            "$ref": format!("#/definitions/{definition}"),
            "definitions": self.root["definitions"],
        });
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft7)
            .build(&schema)
            .unwrap();
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "not a valid {definition}:\n{}\n{instance:#}",
            errors.join("\n")
        );
    }
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

fn client(sandbox: &CarriersSandbox, key: &str) -> AftershipTracking {
    let config = AftershipConfig {
        endpoint: sandbox.base_url(),
        rate: RateLimit::new(1000.0, 1000),
        http: http(),
        ..AftershipConfig::new("tenant_1", Secret::new(key))
    };
    AftershipTracking::new(config, http().build_client())
}

fn tracker(sandbox: &CarriersSandbox) -> CarrierTracker {
    CarrierTracker::new().with_aftership(client(sandbox, &sandbox.config().aftership_api_key))
}

async fn raw(
    sandbox: &CarriersSandbox,
    method: reqwest::Method,
    query: &[(&str, &str)],
    body: Option<Value>,
    key: &str,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .request(
            method,
            format!("{}/tracking/2025-07/trackings", sandbox.base_url()),
        )
        .query(query)
        .header("as-api-key", key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn every_sandbox_answer_validates_against_the_documented_schema() {
    let schema = Schema::load();
    let sandbox = CarriersSandbox::start().await.unwrap();
    let key = sandbox.config().aftership_api_key.clone();
    let get = |n: &'static str| [("tracking_numbers", n), ("slug", "royal-mail")];

    let (status, empty) = raw(
        &sandbox,
        reqwest::Method::GET,
        &get("AB123456785GB"),
        None,
        &key,
    )
    .await;
    assert_eq!(status, 200);
    schema.assert_valid("GetTrackingsResponse", &empty);
    assert_eq!(empty["data"]["trackings"], json!([]));

    for stage in Stage::ALL {
        let number = format!("RM{stage:?}123GB").to_ascii_uppercase();
        sandbox.set_stage(&number, stage);
        let body = json!({"tracking_number": number, "slug": "royal-mail"});
        schema.assert_valid("CreateTrackingRequest", &body);
        let (status, created) = raw(&sandbox, reqwest::Method::POST, &[], Some(body), &key).await;
        assert_eq!(status, 201, "{created}");
        schema.assert_valid("CreateTrackingResponse", &created);
    }
    sandbox.forget("PENDING123GB");
    let (_, pending) = raw(
        &sandbox,
        reqwest::Method::POST,
        &[],
        Some(json!({"tracking_number": "PENDING123GB", "slug": "royal-mail"})),
        &key,
    )
    .await;
    schema.assert_valid("CreateTrackingResponse", &pending);
    assert_eq!(pending["data"]["tag"], "Pending");

    let (_, found) = raw(
        &sandbox,
        reqwest::Method::GET,
        &[("tracking_numbers", "RMINTRANSIT123GB")],
        None,
        &key,
    )
    .await;
    schema.assert_valid("GetTrackingsResponse", &found);
    assert_eq!(found["data"]["trackings"][0]["tag"], "InTransit");

    for (body, code) in [
        (
            json!({"tracking_number": "RMINTRANSIT123GB", "slug": "royal-mail"}),
            4003,
        ),
        (
            json!({"tracking_number": "RM1X23GB", "slug": "pony-express"}),
            4010,
        ),
        (json!({"tracking_number": "RM/1"}), 4005),
        (json!({"slug": "royal-mail"}), 4007),
    ] {
        let (status, error) = raw(&sandbox, reqwest::Method::POST, &[], Some(body), &key).await;
        assert_eq!(status, 400);
        schema.assert_valid("ErrorResponse", &error);
        assert_eq!(error["meta"]["code"], code);
    }
    let (status, unauthorised) =
        raw(&sandbox, reqwest::Method::GET, &get("X1234"), None, "wrong").await;
    assert_eq!(status, 401);
    schema.assert_valid("ErrorResponse", &unauthorised);

    sandbox
        .faults()
        .push(AFTERSHIP_GET_ROUTE, Fault::Throttle { retry_after: None });
    let response = reqwest::Client::new()
        .get(format!("{}/tracking/2025-07/trackings", sandbox.base_url()))
        .query(&get("X1234"))
        .header("as-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 429);
    assert!(response.headers().contains_key("x-ratelimit-reset"));
    schema.assert_valid("ErrorResponse", &response.json().await.unwrap());
}

#[tokio::test]
async fn the_clients_requests_validate_against_the_documented_schema() {
    let schema = Schema::load();
    let sandbox = CarriersSandbox::start().await.unwrap();
    let tracker = tracker(&sandbox);
    for (name, number) in [
        ("Royal Mail", "AB123456785GB"),
        ("BRT", "123456789012"),
        ("SEUR", "00123456789"),
    ] {
        tracker.track(Some(name), number).await.unwrap().unwrap();
    }
    let bodies = sandbox.aftership_bodies();
    assert_eq!(bodies.len(), 3);
    for body in &bodies {
        schema.assert_valid("CreateTrackingRequest", body);
    }
    let queries: Vec<_> = sandbox
        .faults()
        .requests()
        .into_iter()
        .filter(|r| r.route == AFTERSHIP_GET_ROUTE)
        .collect();
    assert_eq!(queries.len(), 3);
    for recorded in queries {
        let text = recorded.query.unwrap_or_default();
        let query: serde_json::Map<String, Value> = text
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| {
                let v = percent_encoding::percent_decode_str(&v.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned();
                (k.to_owned(), Value::String(v))
            })
            .collect();
        schema.assert_valid("GetTrackingsQuery", &Value::Object(query));
    }
}

/// A realistic number for each carrier the issue names, and how marketplaces name it.
const CARRIERS: &[(&str, &str)] = &[
    ("Royal Mail", "AB123456785GB"),
    ("Poste Italiane", "RR123456785IT"),
    ("Correos", "PQ4F6P0702945620108001K"),
    ("Colissimo", "6A12345678901"),
    ("La Poste", "8R00000000001"),
    ("BRT", "067123456789012"),
    ("GLS", "ZV1234567890"),
    ("DPD", "15501234567890"),
    ("Hermes", "H1234567890123456789"),
    ("Evri", "H01HYA0012345678"),
    ("SEUR", "00123456789"),
    ("MRW", "01234567890123"),
    ("SDA", "8G12345678901"),
    ("Chronopost", "XY123456789FR"),
    ("Mondial Relay", "12345678"),
    ("Parcelforce", "CP123456789GB"),
    ("Amazon Logistics", "TBA123456789012"),
    ("FedEx", "794612345678"),
    ("Yodel", "JD0002212345678901"),
    ("InPost", "600123456789012345678901"),
    ("Correos Express", "3230000012345678"),
    ("Nacex", "1234567890"),
    ("Relais Colis", "RC1234567890"),
    ("TNT", "GE123456789WW"),
];

#[tokio::test]
async fn every_listed_carrier_gets_a_live_status_through_the_aggregator() {
    let sandbox = CarriersSandbox::start().await.unwrap();
    let tracker = tracker(&sandbox);
    for (i, (name, number)) in CARRIERS.iter().enumerate() {
        let stage = Stage::ALL[i % Stage::ALL.len()];
        sandbox.set_stage(number, stage);
        let shipment = tracker.track(Some(name), number).await.unwrap().unwrap();
        let expected = match stage {
            Stage::LabelCreated => ShipmentStatus::LabelCreated,
            Stage::InTransit => ShipmentStatus::InTransit,
            Stage::OutForDelivery => ShipmentStatus::OutForDelivery,
            Stage::Delivered => ShipmentStatus::Delivered,
            Stage::Exception => ShipmentStatus::Exception,
        };
        assert_eq!(shipment.status, expected, "{name}");
        assert!(shipment.checked_at.is_some(), "{name}");
        assert!(!shipment.events.is_empty(), "{name}");
        let link = shipment
            .tracking_url
            .unwrap_or_else(|| panic!("{name}: no link"));
        assert_eq!(
            registry::tracking_link(&link).map(|c| c.code.as_str()),
            Some(shipment.carrier.as_str()),
            "{name}: {link}"
        );
        // A second look reads the tracking AfterShip already follows: no second create.
        tracker.track(Some(name), number).await.unwrap().unwrap();
    }
    assert_eq!(sandbox.requests(AFTERSHIP_CREATE_ROUTE), CARRIERS.len());
}

#[tokio::test]
async fn without_any_live_client_every_listed_carrier_still_gets_its_tracking_link() {
    let tracker = CarrierTracker::new();
    for (name, number) in CARRIERS {
        let shipment = tracker.track(Some(name), number).await.unwrap().unwrap();
        assert_eq!(shipment.status, ShipmentStatus::Unknown, "{name}");
        let link = shipment
            .tracking_url
            .unwrap_or_else(|| panic!("{name}: no link"));
        assert!(registry::tracking_link(&link).is_some(), "{name}: {link}");
    }
}

#[tokio::test]
async fn a_number_aftership_cannot_follow_keeps_its_link_and_a_pending_one_says_unknown_with_a_link()
 {
    let sandbox = CarriersSandbox::start().await.unwrap();
    let tracker = tracker(&sandbox);
    sandbox.forget("RR999999995IT");
    let pending = tracker
        .track(Some("Poste Italiane"), "RR999999995IT")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pending.status, ShipmentStatus::Unknown);
    assert!(pending.checked_at.is_some());
    assert!(pending.tracking_url.unwrap().contains("poste.it"));

    sandbox.faults().push(
        AFTERSHIP_CREATE_ROUTE,
        Fault::Status {
            status: 400,
            body: json!({"meta": {"code": 4012, "message": "Unable to import shipment", "type": "BadRequest"}, "data": {}}).to_string(),
        },
    );
    let link_only = tracker
        .track(Some("GLS"), "ZV9999999999")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(link_only.status, ShipmentStatus::Unknown);
    assert_eq!(link_only.checked_at, None);
    assert!(link_only.tracking_url.unwrap().contains("gls-group"));
}

#[tokio::test]
async fn a_throttled_call_waits_for_the_reset_and_a_hang_is_a_timeout() {
    let sandbox = CarriersSandbox::start().await.unwrap();
    let tracker = tracker(&sandbox);
    sandbox.set_stage("AB123456785GB", Stage::InTransit);
    sandbox
        .faults()
        .push(AFTERSHIP_GET_ROUTE, Fault::Throttle { retry_after: None });
    let shipment = tracker
        .track(Some("Royal Mail"), "AB123456785GB")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(shipment.status, ShipmentStatus::InTransit);
    assert_eq!(sandbox.requests(AFTERSHIP_GET_ROUTE), 2);

    sandbox
        .faults()
        .push_n(AFTERSHIP_GET_ROUTE, Fault::Delay(Duration::from_secs(3)), 4);
    let err = tracker
        .track(Some("Royal Mail"), "AB123456785GB")
        .await
        .unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Timeout(_)), "{err}");

    let wrong = CarrierTracker::new().with_aftership(client(&sandbox, "wrong"));
    let err = wrong
        .track(Some("Royal Mail"), "AB123456785GB")
        .await
        .unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Unauthorized { .. }), "{err}");
}

#[tokio::test]
async fn a_direct_carrier_without_credentials_goes_through_the_aggregator() {
    let sandbox = CarriersSandbox::start().await.unwrap();
    let tracker = tracker(&sandbox);
    sandbox.set_stage("3318810025", Stage::OutForDelivery);
    assert!(tracker.is_live(&Carrier::Dhl));
    let shipment = tracker
        .track(Some("DHL"), "3318810025")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(shipment.carrier, "dhl");
    assert_eq!(shipment.status, ShipmentStatus::OutForDelivery);
    assert!(shipment.estimated_delivery.is_some());
}
