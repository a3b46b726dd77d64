//! FedEx Track API v1 on the carriers sandbox (same histories as the other carriers, so
//! `set_stage` moves a parcel for every API at once).
//!
//! - `POST /oauth/token` (route `fedexToken`): client credentials as form fields
//!   (`grant_type=client_credentials&client_id=…&client_secret=…`).
//! - `POST /track/v1/trackingnumbers` (`fedexTrack`): bearer token; JSON body with
//!   `trackingInfo[].trackingNumberInfo.trackingNumber`, 1 to 30 entries.
//!
//! As at FedEx, a number it has no record of is not an HTTP error: the answer is 200 and that
//! number's track result carries `error.code = TRACKING.TRACKINGNUMBER.NOTFOUND`. Refusals of
//! the whole request are `{"transactionId", "errors": [{"code", "message"}]}`.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::{CarriersState, Scan, Stage, Tracking, bearer, fnv, form_or_json, token_latency};
use crate::faults::{self, Fault};
use crate::tokens::TokenCheck;

pub const TOKEN_ROUTE: &str = "fedexToken";
pub const TRACK_ROUTE: &str = "fedexTrack";
pub const TOKEN_PATH: &str = "/oauth/token";
pub const TRACK_PATH: &str = "/track/v1/trackingnumbers";

/// FedEx takes at most this many numbers in one request.
const MAX_NUMBERS: usize = 30;

fn transaction_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{:08x}-sbx0-4000-8000-{n:012x}", fnv(&n.to_string()) as u32)
}

/// A refusal of the whole request, in FedEx's error shape.
pub(super) fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({
        "transactionId": transaction_id(),
        "errors": [{"code": code, "message": message}],
    });
    (status, Json(body)).into_response()
}

fn invalid_token() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        "NOT.AUTHORIZED.ERROR",
        "Access token expired. Please modify your request and try again.",
    )
}

fn invalid_client() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        "NOT.AUTHORIZED.ERROR",
        "The given client credentials were not valid. Please modify your request and try again.",
    )
}

/// The fault layer's answers on the FedEx routes.
pub(super) fn render(route: &'static str, fault: &Fault) -> Response {
    match fault {
        Fault::Throttle { retry_after } => faults::with_retry_after(
            error(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE.LIMIT.EXCEEDED",
                "We have received too many requests in a short duration. Please wait a while to try again.",
            ),
            *retry_after,
        ),
        Fault::ServerError(status) => error(
            StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "INTERNAL.SERVER.ERROR",
            "We encountered an unexpected error and are working to resolve the issue. We apologize for any inconvenience. Please check back at a later time.",
        ),
        Fault::ExpiredToken if route == TOKEN_ROUTE => invalid_client(),
        Fault::ExpiredToken => invalid_token(),
        _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

pub(super) async fn token(
    State(state): State<CarriersState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    token_latency(&state).await;
    let config = &state.config;
    let form = form_or_json(&headers, &body);
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    if field("grant_type") != "client_credentials" {
        return error(
            StatusCode::BAD_REQUEST,
            "BAD.REQUEST.ERROR",
            "The given grant_type is not supported. Please modify your request and try again.",
        );
    }
    if field("client_id") != config.fedex_client_id
        || field("client_secret") != config.fedex_client_secret
    {
        return invalid_client();
    }
    let Some((token, lifetime)) = state.fedex_tokens.issue("fedex-sandbox-") else {
        return invalid_client();
    };
    Json(json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": lifetime.as_secs(),
        "scope": "CXS",
    }))
    .into_response()
}

/// Scans are written in local time at a US hub (no daylight saving in the sandbox).
fn local(at: DateTime<Utc>) -> String {
    let offset = FixedOffset::west_opt(6 * 3600).expect("valid offset");
    at.with_timezone(&offset)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// FedEx's event type, derived status code and texts for a sandbox scan.
fn codes(scan: &Scan) -> (&'static str, &'static str, &'static str, &'static str) {
    match scan.stage {
        Stage::LabelCreated => (
            "OC",
            "IN",
            "Label created",
            "Shipment information sent to FedEx",
        ),
        Stage::InTransit if scan.description == "Picked up" => {
            ("PU", "PU", "Picked up", "Picked up")
        }
        Stage::InTransit if scan.description.starts_with("Departed") => {
            ("DP", "IT", "In transit", "Departed FedEx location")
        }
        Stage::InTransit => ("AR", "IT", "In transit", "Arrived at FedEx location"),
        Stage::OutForDelivery => (
            "OD",
            "OD",
            "On FedEx vehicle for delivery",
            "On FedEx vehicle for delivery",
        ),
        Stage::Delivered => ("DL", "DL", "Delivered", "Delivered"),
        Stage::Exception => (
            "DE",
            "DE",
            "Delivery exception",
            "Customer not available or business closed",
        ),
    }
}

fn location(scan: &Scan) -> Value {
    json!({
        "city": scan.city.to_uppercase(),
        "stateOrProvinceCode": if scan.country == "US" { "TN" } else { "" },
        "countryCode": scan.country,
        "residential": false,
    })
}

fn scan_event(scan: &Scan) -> Value {
    let (event_type, derived, status, description) = codes(scan);
    let exception = scan.stage == Stage::Exception;
    json!({
        "date": local(scan.at),
        "eventType": event_type,
        "eventDescription": description,
        "exceptionCode": if exception { "08" } else { "" },
        "exceptionDescription": if exception { scan.description.as_str() } else { "" },
        "scanLocation": location(scan),
        "locationType": "FEDEX_FACILITY",
        "derivedStatusCode": derived,
        "derivedStatus": status,
    })
}

fn track_result(number: &str, tracking: &Tracking) -> Value {
    let scans: Vec<Value> = tracking.scans.iter().rev().map(scan_event).collect();
    let latest = tracking.scans.last().map(|scan| {
        let (code, derived, status, description) = codes(scan);
        json!({"code": code, "derivedCode": derived, "statusByLocale": status,
               "description": description, "scanLocation": location(scan)})
    });
    let mut dates = Vec::new();
    if let Some(first) = tracking.scans.first() {
        dates.push(json!({"type": "SHIP", "dateTime": local(first.at)}));
    }
    if let Some(pickup) = tracking.scans.iter().find(|s| s.description == "Picked up") {
        dates.push(json!({"type": "ACTUAL_PICKUP", "dateTime": local(pickup.at)}));
    }
    if let Some(delivered) = tracking.scans.iter().find(|s| s.stage == Stage::Delivered) {
        dates.push(json!({"type": "ACTUAL_DELIVERY", "dateTime": local(delivered.at)}));
    }
    let mut result = json!({
        "trackingNumberInfo": {
            "trackingNumber": number,
            "trackingNumberUniqueId": format!("12029~{number}~FDEG"),
            "carrierCode": "FDXG",
        },
        "latestStatusDetail": latest.unwrap_or(Value::Null),
        "serviceDetail": {"type": "FEDEX_GROUND", "description": "FedEx Ground"},
        "scanEvents": scans,
    });
    if let Some(eta) = tracking.estimated_delivery {
        dates.push(json!({"type": "ESTIMATED_DELIVERY", "dateTime": local(eta)}));
        result["estimatedDeliveryTimeWindow"] = json!({
            "window": {"begins": local(eta - chrono::Duration::hours(4)), "ends": local(eta)},
        });
    }
    result["dateAndTimes"] = json!(dates);
    result
}

fn not_found(number: &str) -> Value {
    json!({
        "trackingNumberInfo": {"trackingNumber": number, "trackingNumberUniqueId": "", "carrierCode": ""},
        "error": {
            "code": "TRACKING.TRACKINGNUMBER.NOTFOUND",
            "message": "Tracking number cannot be found. Please correct the tracking number and try again.",
        },
    })
}

fn well_formed(number: &str) -> bool {
    (10..=34).contains(&number.len()) && number.chars().all(|c| c.is_ascii_digit())
}

/// The numbers of a track request, or the refusal FedEx gives for its body.
fn numbers(body: &[u8]) -> Result<Vec<String>, Response> {
    let invalid = |message: &str| {
        Err(error(
            StatusCode::BAD_REQUEST,
            "INVALID.INPUT.EXCEPTION",
            message,
        ))
    };
    let Ok(body) = serde_json::from_slice::<Value>(body) else {
        return invalid("Invalid field value in the input");
    };
    let Some(entries) = body.get("trackingInfo").and_then(Value::as_array) else {
        return invalid("trackingInfo is required");
    };
    if entries.is_empty() || entries.len() > MAX_NUMBERS {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "TRACKING.TRACKINGNUMBER.LIMITEXCEEDED",
            "Please provide between 1 and 30 tracking numbers.",
        ));
    }
    entries
        .iter()
        .map(|entry| {
            entry
                .pointer("/trackingNumberInfo/trackingNumber")
                .and_then(Value::as_str)
                .filter(|n| !n.trim().is_empty())
                .map(|n| n.trim().to_owned())
                .ok_or_else(|| {
                    error(
                        StatusCode::BAD_REQUEST,
                        "TRACKING.TRACKINGNUMBER.EMPTY",
                        "Please provide tracking number.",
                    )
                })
        })
        .collect()
}

pub(super) async fn track(
    State(state): State<CarriersState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if bearer(&headers).map(|t| state.fedex_tokens.check(t)) != Some(TokenCheck::Valid) {
        return invalid_token();
    }
    let numbers = match numbers(&body) {
        Ok(numbers) => numbers,
        Err(refused) => return refused,
    };
    let results: Vec<Value> = numbers
        .iter()
        .map(|number| {
            let result = state
                .lookup(number)
                .filter(|_| well_formed(number))
                .map_or_else(|| not_found(number), |t| track_result(number, &t));
            json!({"trackingNumber": number, "trackResults": [result]})
        })
        .collect();
    Json(json!({
        "transactionId": transaction_id(),
        "output": {"completeTrackResults": results},
    }))
    .into_response()
}
