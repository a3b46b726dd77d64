//! DHL Unified Tracking, UPS Tracking, FedEx Track and USPS Tracking v3 (each of the last
//! three with its OAuth token endpoint) on one server.
//!
//! - `GET /track/shipments?trackingNumber=…` (route `dhlTrack`): header `DHL-API-Key`.
//! - `POST /security/v1/oauth/token` (`upsToken`): client credentials, HTTP Basic.
//! - `GET /api/track/v1/details/{inquiryNumber}` (`upsTrack`): bearer token, `transId` and
//!   `transactionSrc` headers required.
//! - `POST /oauth/token` (`fedexToken`) and `POST /track/v1/trackingnumbers` (`fedexTrack`):
//!   FedEx Track API v1, not-found inside HTTP 200 ([`fedex`]).
//! - `POST /oauth2/v3/token` (`uspsToken`): client credentials in a JSON or form body.
//! - `GET /tracking/v3/tracking/{trackingNumber}` (`uspsTrack`): bearer token.
//! - AfterShip Tracking 2025-07, `GET`/`POST /tracking/2025-07/trackings`
//!   (`aftershipGetTrackings`, `aftershipCreateTracking`): header `as-api-key` ([`aftership`]).
//!
//! Any well-formed number has a tracking history seeded from the number: its stage (label
//! created, in transit, out for delivery, delivered, exception) comes from a hash of the
//! number, so the local stack sees variety and tests see the same answer every time. Tests
//! replace a history with [`CarriersSandbox::set_tracking`] or make a number unknown with
//! [`CarriersSandbox::forget`]. The bodies follow the carriers' public documentation (there is
//! no official model in `../shared/specs` for them).

// Handlers return their refusal (`Err(Response)`) early; the size of that is irrelevant here.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::faults::{self, Fault, FaultLayer, Faults};
use crate::rng::Rng;
use crate::server::{self, Running};
use crate::tokens::{TokenCheck, TokenIssuer};

pub const DHL_TRACK_ROUTE: &str = "dhlTrack";
pub const UPS_TOKEN_ROUTE: &str = "upsToken";
pub const UPS_TRACK_ROUTE: &str = "upsTrack";
pub const USPS_TOKEN_ROUTE: &str = "uspsToken";
pub const USPS_TRACK_ROUTE: &str = "uspsTrack";
pub use aftership::{
    CREATE_TRACKING_ROUTE as AFTERSHIP_CREATE_ROUTE, GET_TRACKINGS_ROUTE as AFTERSHIP_GET_ROUTE,
};
pub use fedex::{TOKEN_ROUTE as FEDEX_TOKEN_ROUTE, TRACK_ROUTE as FEDEX_TRACK_ROUTE};

pub mod aftership;
pub mod fedex;

/// How the sandbox is set up.
#[derive(Debug, Clone)]
pub struct CarriersConfig {
    pub seed: u64,
    /// Generated histories end before this instant.
    pub now: DateTime<Utc>,
    pub dhl_api_key: String,
    pub ups_client_id: String,
    pub ups_client_secret: String,
    pub fedex_client_id: String,
    pub fedex_client_secret: String,
    pub usps_client_id: String,
    pub usps_client_secret: String,
    pub aftership_api_key: String,
    /// Lifetime of issued access tokens (UPS: 4 hours, FedEx: 1 hour, USPS: 8 hours).
    pub token_lifetime: Duration,
    /// Time the token endpoints take to answer, to make concurrent fetches overlap.
    pub token_latency: Duration,
}

impl Default for CarriersConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            now: DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z")
                .expect("valid")
                .to_utc(),
            dhl_api_key: "sandbox-dhl-api-key".to_owned(),
            ups_client_id: "sandbox-ups-client".to_owned(),
            ups_client_secret: "sandbox-ups-secret".to_owned(),
            fedex_client_id: "sandbox-fedex-client".to_owned(),
            fedex_client_secret: "sandbox-fedex-secret".to_owned(),
            usps_client_id: "sandbox-usps-client".to_owned(),
            usps_client_secret: "sandbox-usps-secret".to_owned(),
            aftership_api_key: "sandbox-aftership-api-key".to_owned(),
            token_lifetime: Duration::from_secs(14_399),
            token_latency: Duration::ZERO,
        }
    }
}

/// Where a parcel is, in the sandbox's own words; each API renders it its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    LabelCreated,
    InTransit,
    OutForDelivery,
    Delivered,
    Exception,
}

impl Stage {
    pub const ALL: [Stage; 5] = [
        Stage::LabelCreated,
        Stage::InTransit,
        Stage::OutForDelivery,
        Stage::Delivered,
        Stage::Exception,
    ];
}

/// One scan of a parcel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    pub at: DateTime<Utc>,
    pub stage: Stage,
    pub description: String,
    pub city: String,
    pub country: String,
}

/// A parcel's history as the sandbox answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracking {
    pub stage: Stage,
    /// Oldest first; the last one is the current state.
    pub scans: Vec<Scan>,
    pub estimated_delivery: Option<DateTime<Utc>>,
}

const PLACES: [(&str, &str); 8] = [
    ("Louisville", "US"),
    ("Memphis", "US"),
    ("Chicago", "US"),
    ("Leipzig", "DE"),
    ("Milano", "IT"),
    ("Bologna", "IT"),
    ("East Midlands", "GB"),
    ("Madrid", "ES"),
];

/// FNV-1a: a stable hash of the number, independent of Rust's `Hasher` versions.
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The history the sandbox makes up for `number` at `stage` (or the stage its hash picks).
pub fn generated(seed: u64, now: DateTime<Utc>, number: &str, stage: Option<Stage>) -> Tracking {
    let hash = fnv(number);
    let stage = stage.unwrap_or(Stage::ALL[(hash % 5) as usize]);
    let mut rng = Rng::new(seed ^ hash);
    let start = now - chrono::Duration::hours(rng.range(72, 144) as i64);
    let mut at = start;
    let mut scans = Vec::new();
    let mut push = |rng: &mut Rng, at: &mut DateTime<Utc>, stage: Stage, text: &str| {
        let (city, country) = *rng.pick(&PLACES);
        scans.push(Scan {
            at: *at,
            stage,
            description: text.to_owned(),
            city: city.to_owned(),
            country: country.to_owned(),
        });
        *at += chrono::Duration::minutes(rng.range(120, 720) as i64);
    };
    push(
        &mut rng,
        &mut at,
        Stage::LabelCreated,
        "Shipping label created",
    );
    if stage != Stage::LabelCreated {
        push(&mut rng, &mut at, Stage::InTransit, "Picked up");
        for _ in 0..rng.range(1, 3) {
            push(&mut rng, &mut at, Stage::InTransit, "Arrived at facility");
            push(&mut rng, &mut at, Stage::InTransit, "Departed facility");
        }
    }
    match stage {
        Stage::OutForDelivery | Stage::Delivered => {
            push(&mut rng, &mut at, Stage::OutForDelivery, "Out for delivery");
            if stage == Stage::Delivered {
                push(&mut rng, &mut at, Stage::Delivered, "Delivered");
            }
        }
        Stage::Exception => push(
            &mut rng,
            &mut at,
            Stage::Exception,
            "Delivery attempted, recipient not available",
        ),
        _ => {}
    }
    let estimated_delivery = matches!(
        stage,
        Stage::LabelCreated | Stage::InTransit | Stage::OutForDelivery
    )
    .then(|| now + chrono::Duration::hours(rng.range(6, 72) as i64));
    Tracking {
        stage,
        scans,
        estimated_delivery,
    }
}

/// AfterShip trackings created so far: (number, slug) → creation instant.
type AftershipTrackings = std::collections::BTreeMap<(String, String), DateTime<Utc>>;

#[derive(Debug, Clone)]
struct CarriersState {
    config: Arc<CarriersConfig>,
    /// `Some` = a test's history, `None` = a number the carriers do not know.
    overrides: Arc<Mutex<HashMap<String, Option<Tracking>>>>,
    ups_tokens: TokenIssuer,
    fedex_tokens: TokenIssuer,
    usps_tokens: TokenIssuer,
    /// AfterShip trackings created so far: (number, slug) → creation instant.
    aftership: Arc<Mutex<AftershipTrackings>>,
    /// Every AfterShip create body received, for contract tests.
    aftership_bodies: Arc<Mutex<Vec<Value>>>,
}

impl CarriersState {
    fn lookup(&self, number: &str) -> Option<Tracking> {
        if let Some(entry) = self.overrides.lock().unwrap().get(number) {
            return entry.clone();
        }
        Some(generated(self.config.seed, self.config.now, number, None))
    }
}

/// A running carriers sandbox; it stops when dropped.
#[derive(Debug)]
pub struct CarriersSandbox {
    server: Running,
    state: CarriersState,
    faults: Faults,
}

impl CarriersSandbox {
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(CarriersConfig::default()).await
    }

    pub async fn start_with(config: CarriersConfig) -> std::io::Result<Self> {
        Self::start_at(server::localhost(), config).await
    }

    pub async fn start_at(addr: SocketAddr, config: CarriersConfig) -> std::io::Result<Self> {
        let state = CarriersState {
            ups_tokens: TokenIssuer::new(config.seed, config.token_lifetime),
            fedex_tokens: TokenIssuer::new(config.seed ^ 0xfu64, config.token_lifetime),
            usps_tokens: TokenIssuer::new(config.seed ^ 0x5u64, config.token_lifetime),
            config: Arc::new(config),
            overrides: Arc::default(),
            aftership: Arc::default(),
            aftership_bodies: Arc::default(),
        };
        let faults = Faults::default();
        let layer = |route| {
            middleware::from_fn_with_state(
                FaultLayer {
                    faults: faults.clone(),
                    route,
                    render,
                },
                faults::apply,
            )
        };
        let router = Router::new()
            .route(
                "/track/shipments",
                get(dhl_track).layer(layer(DHL_TRACK_ROUTE)),
            )
            .route(
                "/security/v1/oauth/token",
                post(ups_token).layer(layer(UPS_TOKEN_ROUTE)),
            )
            .route(
                "/api/track/v1/details/{number}",
                get(ups_track).layer(layer(UPS_TRACK_ROUTE)),
            )
            .route(
                fedex::TOKEN_PATH,
                post(fedex::token).layer(layer(FEDEX_TOKEN_ROUTE)),
            )
            .route(
                fedex::TRACK_PATH,
                post(fedex::track).layer(layer(FEDEX_TRACK_ROUTE)),
            )
            .route(
                "/oauth2/v3/token",
                post(usps_token).layer(layer(USPS_TOKEN_ROUTE)),
            )
            .route(
                "/tracking/v3/tracking/{number}",
                get(usps_track).layer(layer(USPS_TRACK_ROUTE)),
            )
            .route(
                aftership::PATH,
                get(aftership::get_trackings)
                    .layer(layer(AFTERSHIP_GET_ROUTE))
                    .merge(post(aftership::create_tracking).layer(layer(AFTERSHIP_CREATE_ROUTE))),
            )
            .with_state(state.clone());
        let server = server::serve(router, addr).await?;
        Ok(Self {
            server,
            state,
            faults,
        })
    }

    /// The base URL of every carrier API and token endpoint.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    pub fn config(&self) -> &CarriersConfig {
        &self.state.config
    }

    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// What the sandbox answers for `number` (`None` = not found).
    pub fn tracking(&self, number: &str) -> Option<Tracking> {
        self.state.lookup(number)
    }

    /// Answers `tracking` for `number` from now on.
    pub fn set_tracking(&self, number: &str, tracking: Tracking) {
        self.state
            .overrides
            .lock()
            .unwrap()
            .insert(number.to_owned(), Some(tracking));
    }

    /// Answers a generated history at `stage` for `number`; returns it.
    pub fn set_stage(&self, number: &str, stage: Stage) -> Tracking {
        let config = &self.state.config;
        let tracking = generated(config.seed, config.now, number, Some(stage));
        self.set_tracking(number, tracking.clone());
        tracking
    }

    /// The carriers answer "not found" for `number` from now on.
    pub fn forget(&self, number: &str) {
        self.state
            .overrides
            .lock()
            .unwrap()
            .insert(number.to_owned(), None);
    }

    /// Requests received by a route (e.g. [`UPS_TOKEN_ROUTE`]).
    pub fn requests(&self, route: &str) -> usize {
        self.faults.count(route)
    }

    /// The bodies of every AfterShip create request received, oldest first.
    pub fn aftership_bodies(&self) -> Vec<Value> {
        self.state.aftership_bodies.lock().unwrap().clone()
    }

    /// Every access token issued so far is refused from now on.
    pub fn expire_all_tokens(&self) {
        self.state.ups_tokens.forget_all();
        self.state.fedex_tokens.forget_all();
        self.state.usps_tokens.forget_all();
    }

    /// The token endpoints refuse the client credentials from now on.
    pub fn revoke_credentials(&self) {
        self.state.ups_tokens.revoke_refresh_token();
        self.state.fedex_tokens.revoke_refresh_token();
        self.state.usps_tokens.revoke_refresh_token();
    }
}

// ---- errors -------------------------------------------------------------------------------

fn dhl_problem(status: StatusCode, title: &str, detail: &str) -> Response {
    let body = json!({"status": status.as_u16(), "title": title, "detail": detail});
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/problem+json"),
    );
    response
}

fn ups_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({"response": {"errors": [{"code": code, "message": message}]}});
    (status, Json(body)).into_response()
}

fn usps_error(status: StatusCode, message: &str) -> Response {
    let body = json!({"apiVersion": "3.0.0", "error": {
        "code": status.as_u16().to_string(),
        "message": message,
        "errors": [{"status": status.as_u16().to_string(), "title": message}],
    }});
    (status, Json(body)).into_response()
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

fn render(route: &'static str, fault: &Fault) -> Response {
    if route == FEDEX_TOKEN_ROUTE || route == FEDEX_TRACK_ROUTE {
        return fedex::render(route, fault);
    }
    if route == AFTERSHIP_GET_ROUTE || route == AFTERSHIP_CREATE_ROUTE {
        return match fault {
            Fault::Throttle { retry_after } => {
                faults::with_retry_after(aftership::throttled(route), *retry_after)
            }
            Fault::ServerError(status) => aftership::error(
                StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                500,
                "InternalError",
                "Something went wrong on AfterShip's end.",
            ),
            Fault::ExpiredToken => aftership::error(
                StatusCode::UNAUTHORIZED,
                401,
                "Unauthorized",
                "Invalid API key.",
            ),
            _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        };
    }
    match fault {
        Fault::Throttle { retry_after } => {
            let response = match route {
                DHL_TRACK_ROUTE => dhl_problem(
                    StatusCode::TOO_MANY_REQUESTS,
                    "Too many requests",
                    "Rate limit exceeded",
                ),
                UPS_TOKEN_ROUTE | UPS_TRACK_ROUTE => {
                    ups_error(StatusCode::TOO_MANY_REQUESTS, "10429", "Too Many Requests")
                }
                _ => usps_error(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests"),
            };
            faults::with_retry_after(response, *retry_after)
        }
        Fault::ServerError(status) => {
            let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            match route {
                DHL_TRACK_ROUTE => dhl_problem(status, "Internal Server Error", "Try again later"),
                UPS_TOKEN_ROUTE | UPS_TRACK_ROUTE => ups_error(status, "10500", "General Failure"),
                _ => usps_error(status, "Internal Server Error"),
            }
        }
        Fault::ExpiredToken => match route {
            DHL_TRACK_ROUTE => dhl_problem(
                StatusCode::UNAUTHORIZED,
                "Unauthorized",
                "Unauthorized for given resource.",
            ),
            UPS_TOKEN_ROUTE => ups_error(StatusCode::UNAUTHORIZED, "10401", "ClientId is Invalid"),
            UPS_TRACK_ROUTE => ups_invalid_token(),
            USPS_TOKEN_ROUTE => oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "Client authentication failed",
            ),
            _ => usps_invalid_token(),
        },
        _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

fn ups_invalid_token() -> Response {
    ups_error(
        StatusCode::UNAUTHORIZED,
        "250002",
        "Invalid Authentication Information.",
    )
}

fn usps_invalid_token() -> Response {
    usps_error(StatusCode::UNAUTHORIZED, "OAuth token invalid or expired")
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

async fn token_latency(state: &CarriersState) {
    if !state.config.token_latency.is_zero() {
        tokio::time::sleep(state.config.token_latency).await;
    }
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

// ---- DHL ----------------------------------------------------------------------------------

fn dhl_event(scan: &Scan) -> Value {
    let (code, status) = match scan.stage {
        Stage::LabelCreated => ("pre-transit", "The shipment has been pre-advised"),
        Stage::InTransit => ("transit", "In transit"),
        Stage::OutForDelivery => ("transit", "Shipment is out with courier for delivery"),
        Stage::Delivered => ("delivered", "Delivered"),
        Stage::Exception => ("failure", "Delivery failed"),
    };
    json!({
        // DHL often writes local times without an offset; the sandbox's are UTC.
        "timestamp": scan.at.format("%Y-%m-%dT%H:%M:%S").to_string(),
        "location": {"address": {"addressLocality": scan.city, "countryCode": scan.country}},
        "statusCode": code,
        "status": status,
        "description": scan.description,
    })
}

fn dhl_body(number: &str, tracking: &Tracking) -> Value {
    let events: Vec<Value> = tracking.scans.iter().rev().map(dhl_event).collect();
    let mut shipment = json!({
        "id": number,
        "service": "express",
        "origin": {"address": {"addressLocality": "Leipzig", "countryCode": "DE"}},
        "destination": {"address": {"addressLocality": "Milano", "countryCode": "IT"}},
        "status": events.first().cloned().unwrap_or(Value::Null),
        "details": {"product": {"productName": "EXPRESS WORLDWIDE"}, "totalNumberOfPieces": 1},
        "events": events,
    });
    if let Some(eta) = tracking.estimated_delivery {
        shipment["estimatedTimeOfDelivery"] = json!(stamp(eta));
    }
    json!({"shipments": [shipment]})
}

async fn dhl_track(
    State(state): State<CarriersState>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let key = headers.get("dhl-api-key").and_then(|v| v.to_str().ok());
    if key != Some(state.config.dhl_api_key.as_str()) {
        return dhl_problem(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "Unauthorized for given resource.",
        );
    }
    let Some(number) = params.get("trackingNumber").filter(|n| !n.is_empty()) else {
        return dhl_problem(
            StatusCode::BAD_REQUEST,
            "Bad Request",
            "trackingNumber is required",
        );
    };
    let well_formed =
        (5..=39).contains(&number.len()) && number.chars().all(|c| c.is_ascii_alphanumeric());
    match state.lookup(number).filter(|_| well_formed) {
        Some(tracking) => Json(dhl_body(number, &tracking)).into_response(),
        None => dhl_problem(
            StatusCode::NOT_FOUND,
            "No result found",
            "No shipment with given tracking number found.",
        ),
    }
}

// ---- UPS ----------------------------------------------------------------------------------

fn ups_activity(scan: &Scan) -> Value {
    let (kind, code, status_code, description) = match scan.stage {
        Stage::LabelCreated => (
            "M",
            "MP",
            "003",
            "Shipper created a label, UPS has not received the package yet.",
        ),
        Stage::InTransit if scan.description == "Picked up" => ("P", "PU", "038", "Pickup Scan"),
        Stage::InTransit if scan.description.starts_with("Departed") => {
            ("I", "DP", "005", "Departed from Facility")
        }
        Stage::InTransit => ("I", "AR", "005", "Arrived at Facility"),
        Stage::OutForDelivery => ("I", "OT", "021", "Out For Delivery Today"),
        Stage::Delivered => ("D", "KB", "011", "Delivered"),
        Stage::Exception => (
            "X",
            "U2",
            "007",
            "The receiver was not available for delivery. We'll make a second attempt the next business day.",
        ),
    };
    // The local time is an hour ahead of UTC, as at a European hub in winter.
    let local = scan.at + chrono::Duration::hours(1);
    json!({
        "location": {"address": {"city": scan.city.to_uppercase(), "stateProvince": "",
                                 "countryCode": scan.country, "country": scan.country},
                     "slic": "4001"},
        "status": {"type": kind, "description": description, "code": code, "statusCode": status_code},
        "date": local.format("%Y%m%d").to_string(),
        "time": local.format("%H%M%S").to_string(),
        "gmtDate": scan.at.format("%Y%m%d").to_string(),
        "gmtOffset": "+01:00",
        "gmtTime": scan.at.format("%H:%M:%S").to_string(),
    })
}

fn ups_body(number: &str, tracking: &Tracking) -> Value {
    let activity: Vec<Value> = tracking.scans.iter().rev().map(ups_activity).collect();
    let current = activity
        .first()
        .map(|a| json!({"description": a["status"]["description"], "code": a["status"]["statusCode"]}))
        .unwrap_or(Value::Null);
    let mut package = json!({
        "trackingNumber": number,
        "activity": activity,
        "currentStatus": current,
        "packageCount": 1,
        "service": {"code": "003", "levelCode": "GND", "description": "UPS Ground"},
    });
    if let Some(eta) = tracking.estimated_delivery {
        package["deliveryDate"] =
            json!([{"type": "SDD", "date": eta.format("%Y%m%d").to_string()}]);
        package["deliveryTime"] =
            json!({"type": "EOD", "startTime": "", "endTime": eta.format("%H%M%S").to_string()});
    } else if let Some(last) = tracking
        .scans
        .last()
        .filter(|s| s.stage == Stage::Delivered)
    {
        package["deliveryDate"] =
            json!([{"type": "DEL", "date": last.at.format("%Y%m%d").to_string()}]);
    }
    json!({"trackResponse": {"shipment": [{"inquiryNumber": number, "package": [package]}]}})
}

async fn ups_token(
    State(state): State<CarriersState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    token_latency(&state).await;
    let config = &state.config;
    let expected = format!(
        "Basic {}",
        STANDARD.encode(format!(
            "{}:{}",
            config.ups_client_id, config.ups_client_secret
        ))
    );
    if headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        != Some(expected.as_str())
    {
        return ups_error(StatusCode::UNAUTHORIZED, "10401", "ClientId is Invalid");
    }
    let form = form_or_json(&headers, &body);
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return ups_error(
            StatusCode::BAD_REQUEST,
            "10400",
            "Invalid/Missing grant_type",
        );
    }
    let Some((token, lifetime)) = state.ups_tokens.issue("ups-sandbox-") else {
        return ups_error(StatusCode::UNAUTHORIZED, "10401", "ClientId is Invalid");
    };
    Json(json!({
        "token_type": "Bearer",
        "issued_at": state.config.now.timestamp_millis().to_string(),
        "client_id": config.ups_client_id,
        "access_token": token,
        // UPS writes the lifetime as a string.
        "expires_in": lifetime.as_secs().to_string(),
        "status": "approved",
    }))
    .into_response()
}

async fn ups_track(
    State(state): State<CarriersState>,
    headers: HeaderMap,
    Path(number): Path<String>,
) -> Response {
    if bearer(&headers).map(|t| state.ups_tokens.check(t)) != Some(TokenCheck::Valid) {
        return ups_invalid_token();
    }
    for required in ["transId", "transactionSrc"] {
        let value = headers
            .get(required)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if value.is_empty() || value.len() > 32 {
            return ups_error(
                StatusCode::BAD_REQUEST,
                "10400",
                &format!("Invalid/Missing {required}"),
            );
        }
    }
    let well_formed = number.len() == 18
        && number.starts_with("1Z")
        && number
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase());
    if !well_formed {
        return ups_error(StatusCode::BAD_REQUEST, "151018", "Invalid tracking number");
    }
    match state.lookup(&number) {
        Some(tracking) => Json(ups_body(&number, &tracking)).into_response(),
        None => ups_error(
            StatusCode::NOT_FOUND,
            "151044",
            "No tracking information available",
        ),
    }
}

// ---- USPS ---------------------------------------------------------------------------------

fn form_or_json(headers: &HeaderMap, body: &[u8]) -> HashMap<String, String> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/json"));
    if json {
        serde_json::from_slice::<HashMap<String, Value>>(body)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_owned())))
            .collect()
    } else {
        form_pairs(body)
    }
}

/// `a=b&c=d` without percent-decoding beyond `+`; the sandbox's clients send plain values.
fn form_pairs(body: &[u8]) -> HashMap<String, String> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.replace('+', " ")))
        .collect()
}

fn usps_event(scan: &Scan) -> Value {
    let (code, text) = match scan.stage {
        Stage::LabelCreated => (
            "GX",
            "Shipping Label Created, USPS Awaiting Item".to_owned(),
        ),
        Stage::InTransit if scan.description == "Picked up" => {
            ("03", "USPS picked up item".to_owned())
        }
        Stage::InTransit if scan.description.starts_with("Departed") => {
            ("EF", "Departed USPS Regional Facility".to_owned())
        }
        Stage::InTransit => ("10", "Arrived at USPS Regional Facility".to_owned()),
        Stage::OutForDelivery => ("OF", "Out for Delivery".to_owned()),
        Stage::Delivered => ("01", "Delivered, In/At Mailbox".to_owned()),
        Stage::Exception => (
            "02",
            "Notice Left (No Authorized Recipient Available)".to_owned(),
        ),
    };
    let local = scan.at - chrono::Duration::hours(5);
    json!({
        "eventType": text,
        "eventTimestamp": local.format("%Y-%m-%dT%H:%M:%S").to_string(),
        "GMTTimestamp": stamp(scan.at),
        "GMTOffset": "-05:00",
        "eventCountry": if scan.country == "US" { "" } else { scan.country.as_str() },
        "eventCity": scan.city.to_uppercase(),
        "eventState": if scan.country == "US" { "KY" } else { "" },
        "eventZIPCode": if scan.country == "US" { "40201" } else { "" },
        "firm": "",
        "name": "",
        "authorizedAgent": false,
        "eventCode": code,
    })
}

fn usps_body(number: &str, tracking: &Tracking) -> Value {
    let events: Vec<Value> = tracking.scans.iter().rev().map(usps_event).collect();
    let category = match tracking.stage {
        Stage::LabelCreated => "Pre-Shipment",
        Stage::InTransit => "In Transit",
        Stage::OutForDelivery => "Out for Delivery",
        Stage::Delivered => "Delivered",
        Stage::Exception => "Alert",
    };
    let status = events
        .first()
        .map(|e| e["eventType"].clone())
        .unwrap_or(Value::Null);
    let mut body = json!({
        "trackingNumber": number,
        "mailClass": "Priority Mail",
        "mailType": "Domestic Mail",
        "destinationCity": "AUSTIN",
        "destinationState": "TX",
        "destinationZIP": "78701",
        "statusCategory": category,
        "status": status,
        "statusSummary": format!("Your item's status: {}", status.as_str().unwrap_or_default()),
        "trackingEvents": events,
    });
    if let Some(eta) = tracking.estimated_delivery {
        body["expectedDeliveryTimeStamp"] = json!(stamp(eta));
    }
    body
}

async fn usps_token(
    State(state): State<CarriersState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    token_latency(&state).await;
    let config = &state.config;
    let form = form_or_json(&headers, &body);
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    if field("grant_type") != "client_credentials" {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type must be client_credentials",
        );
    }
    if field("client_id") != config.usps_client_id
        || field("client_secret") != config.usps_client_secret
    {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed",
        );
    }
    let Some((token, lifetime)) = state.usps_tokens.issue("usps-sandbox-") else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed",
        );
    };
    Json(json!({
        "access_token": token,
        "token_type": "Bearer",
        "issued_at": state.config.now.timestamp_millis(),
        "expires_in": lifetime.as_secs(),
        "status": "approved",
        "scope": "tracking",
        "issuer": "api.usps.com",
        "client_id": config.usps_client_id,
    }))
    .into_response()
}

fn usps_well_formed(number: &str) -> bool {
    let digits = number.chars().all(|c| c.is_ascii_digit()) && (20..=34).contains(&number.len());
    let s10 = number.len() == 13 && number.ends_with("US");
    digits || s10
}

async fn usps_track(
    State(state): State<CarriersState>,
    headers: HeaderMap,
    Path(number): Path<String>,
) -> Response {
    if bearer(&headers).map(|t| state.usps_tokens.check(t)) != Some(TokenCheck::Valid) {
        return usps_invalid_token();
    }
    if !usps_well_formed(&number) {
        return usps_error(StatusCode::BAD_REQUEST, "Invalid tracking number");
    }
    match state.lookup(&number) {
        Some(tracking) => Json(usps_body(&number, &tracking)).into_response(),
        None => usps_error(StatusCode::NOT_FOUND, "The tracking number was not found"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histories_are_deterministic_and_end_in_their_stage_before_now() {
        let now = CarriersConfig::default().now;
        for stage in Stage::ALL {
            let a = generated(7, now, "1Z999AA10123456784", Some(stage));
            let b = generated(7, now, "1Z999AA10123456784", Some(stage));
            assert_eq!(a, b);
            assert_eq!(a.stage, stage);
            assert_eq!(a.scans.last().unwrap().stage, stage);
            assert!(a.scans.windows(2).all(|w| w[0].at < w[1].at));
            assert!(a.scans.iter().all(|s| s.at < now));
        }
    }

    #[test]
    fn numbers_spread_over_every_stage() {
        let now = CarriersConfig::default().now;
        let stages: std::collections::HashSet<Stage> = (0..100)
            .map(|i| generated(1, now, &format!("33188100{i:02}"), None).stage)
            .collect();
        assert_eq!(stages.len(), 5);
    }
}
