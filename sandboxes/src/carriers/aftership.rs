//! AfterShip Tracking API, version 2025-07, on the carriers sandbox (same histories as the
//! carriers' own APIs, so `set_stage` moves a parcel for every API at once).
//!
//! - `GET /tracking/2025-07/trackings?tracking_numbers=…&slug=…` (route
//!   `aftershipGetTrackings`): the trackings created so far that match.
//! - `POST /tracking/2025-07/trackings` (`aftershipCreateTracking`): `{"tracking_number",
//!   "slug"}`; `201` with the tracking, `400`/`4003` if it exists, `4010` for an unknown slug,
//!   `4005` for a malformed number.
//!
//! Header `as-api-key`; bodies are `{"meta": {"code", "message", "type"}, "data": …}`; every
//! answer carries `X-RateLimit-Limit`, `-Remaining` and `-Reset`. Unlike the real service,
//! which fills checkpoints in minutes after creation, a created tracking has its history at
//! once; a number the carriers do not know ([`super::CarriersSandbox::forget`]) stays
//! `Pending` without checkpoints, as AfterShip shows it. Bodies validate against
//! `sandboxes/specs/aftership/tracking-2025-07.schema.json`.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, body::Bytes};
use serde_json::{Value, json};
use std::collections::HashMap;

use super::{CarriersState, Scan, Stage, Tracking, fnv, stamp};

pub const GET_TRACKINGS_ROUTE: &str = "aftershipGetTrackings";
pub const CREATE_TRACKING_ROUTE: &str = "aftershipCreateTracking";
pub const PATH: &str = "/tracking/2025-07/trackings";

/// Courier slugs the sandbox's organisation has activated (those of the registry).
const SLUGS: &[&str] = &[
    "ups",
    "usps",
    "fedex",
    "tnt",
    "dhl",
    "amazon",
    "royal-mail",
    "parcel-force",
    "hermes",
    "hermes-de",
    "dpd",
    "yodel",
    "poste-italiane",
    "bartolini",
    "sda-it",
    "gls",
    "inpost-it",
    "spain-correos-es",
    "correosexpress",
    "spanish-seur",
    "mrw-spain",
    "nacex-spain",
    "colissimo",
    "chronopost-france",
    "mondialrelay",
    "relais-colis",
];

/// Per-endpoint ceilings AfterShip documents for 2025-07.
const GET_LIMIT: u32 = 6;
const POST_LIMIT: u32 = 20;

fn meta_body(code: i64, kind: &str, message: &str) -> Value {
    json!({"meta": {"code": code, "message": message, "type": kind}, "data": {}})
}

fn with_limits(mut response: Response, limit: u32, remaining: u32) -> Response {
    let reset = (chrono::Utc::now().timestamp() + 1).to_string();
    let headers = response.headers_mut();
    headers.insert("x-ratelimit-limit", HeaderValue::from(limit));
    headers.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
    if let Ok(v) = HeaderValue::from_str(&reset) {
        headers.insert("x-ratelimit-reset", v);
    }
    response
}

pub(super) fn error(status: StatusCode, code: i64, kind: &str, message: &str) -> Response {
    (status, Json(meta_body(code, kind, message))).into_response()
}

/// A 429 as AfterShip sends it: the envelope and the window's reset instant.
pub(super) fn throttled(route: &str) -> Response {
    let limit = if route == CREATE_TRACKING_ROUTE {
        POST_LIMIT
    } else {
        GET_LIMIT
    };
    with_limits(
        error(
            StatusCode::TOO_MANY_REQUESTS,
            429,
            "TooManyRequests",
            "You have exceeded the API call rate limit. Please retry again at X-RateLimit-Reset.",
        ),
        limit,
        0,
    )
}

fn authorised(state: &CarriersState, headers: &HeaderMap) -> Result<(), Response> {
    let key = headers.get("as-api-key").and_then(|v| v.to_str().ok());
    if key == Some(state.config.aftership_api_key.as_str()) {
        Ok(())
    } else {
        Err(error(
            StatusCode::UNAUTHORIZED,
            401,
            "Unauthorized",
            "Invalid API key.",
        ))
    }
}

fn iso3(country: &str) -> &'static str {
    match country {
        "US" => "USA",
        "DE" => "DEU",
        "IT" => "ITA",
        "GB" => "GBR",
        "ES" => "ESP",
        "FR" => "FRA",
        _ => "USA",
    }
}

fn tag(stage: Stage) -> (&'static str, &'static str, &'static str) {
    match stage {
        Stage::LabelCreated => ("InfoReceived", "InfoReceived_001", "Info Received"),
        Stage::InTransit => ("InTransit", "InTransit_001", "In Transit"),
        Stage::OutForDelivery => ("OutForDelivery", "OutForDelivery_001", "Out for Delivery"),
        Stage::Delivered => ("Delivered", "Delivered_001", "Delivered"),
        Stage::Exception => ("AttemptFail", "AttemptFail_001", "Failed Attempt"),
    }
}

fn checkpoint(slug: &str, scan: &Scan) -> Value {
    let (tag, subtag, subtag_message) = tag(scan.stage);
    json!({
        "checkpoint_time": stamp(scan.at),
        "created_at": stamp(scan.at),
        "slug": slug,
        "city": scan.city,
        "state": null,
        "postal_code": null,
        "country_region": iso3(&scan.country),
        "country_region_name": null,
        "location": format!("{}, {}", scan.city, scan.country),
        "message": scan.description,
        "tag": tag,
        "subtag": subtag,
        "subtag_message": subtag_message,
        "raw_tag": null,
    })
}

/// The id AfterShip gives a tracking: stable per number and slug here.
fn tracking_id(number: &str, slug: &str) -> String {
    format!("{:024x}", u128::from(fnv(&format!("{slug}/{number}"))))
}

fn tracking_body(
    number: &str,
    slug: &str,
    created: chrono::DateTime<chrono::Utc>,
    tracking: Option<&Tracking>,
) -> Value {
    let (tag, subtag, subtag_message) = match tracking {
        Some(t) => tag(t.stage),
        None => ("Pending", "Pending_001", "Pending"),
    };
    let checkpoints: Vec<Value> = tracking
        .map(|t| t.scans.iter().map(|s| checkpoint(slug, s)).collect())
        .unwrap_or_default();
    let updated = tracking
        .and_then(|t| t.scans.last())
        .map_or(created, |s| s.at.max(created));
    let estimate = tracking.and_then(|t| t.estimated_delivery).map(|eta| {
        json!({"type": "specific", "source": "Carrier", "datetime": stamp(eta),
               "datetime_min": null, "datetime_max": null, "revise_reason": null})
    });
    let delivered = tracking.is_some_and(|t| t.stage == Stage::Delivered);
    json!({
        "id": tracking_id(number, slug),
        "legacy_id": null,
        "created_at": stamp(created),
        "updated_at": stamp(updated),
        "tracking_number": number,
        "slug": slug,
        "active": !delivered,
        "title": number,
        "tag": tag,
        "subtag": subtag,
        "subtag_message": subtag_message,
        "origin_country_region": null,
        "destination_country_region": null,
        "courier_tracking_link": null,
        "shipment_delivery_date": if delivered { json!(stamp(updated)) } else { Value::Null },
        "latest_estimated_delivery": estimate.unwrap_or(Value::Null),
        "courier_estimated_delivery_date": null,
        "aftership_estimated_delivery_date": null,
        "checkpoints": checkpoints,
    })
}

fn well_formed(number: &str) -> bool {
    (5..=40).contains(&number.len()) && number.chars().all(|c| c.is_ascii_alphanumeric())
}

pub(super) async fn get_trackings(
    State(state): State<CarriersState>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    if let Err(refused) = authorised(&state, &headers) {
        return refused;
    }
    let numbers: Vec<&str> = params
        .get("tracking_numbers")
        .map(|n| {
            n.split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let slug = params.get("slug").map(String::as_str);
    let created = state.aftership.lock().unwrap().clone();
    let trackings: Vec<Value> = created
        .iter()
        .filter(|((n, s), _)| {
            (numbers.is_empty() || numbers.contains(&n.as_str()))
                && slug.is_none_or(|want| want == s)
        })
        .map(|((n, s), at)| tracking_body(n, s, *at, state.lookup(n).as_ref()))
        .collect();
    let body = json!({
        "meta": {"code": 200, "message": "", "type": "OK"},
        "data": {
            "pagination": {"total": trackings.len(), "next_cursor": null, "has_next_page": false},
            "trackings": trackings,
        }
    });
    with_limits(Json(body).into_response(), GET_LIMIT, GET_LIMIT - 1)
}

pub(super) async fn create_tracking(
    State(state): State<CarriersState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refused) = authorised(&state, &headers) {
        return refused;
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            4001,
            "BadRequest",
            "Invalid JSON data.",
        );
    };
    state.aftership_bodies.lock().unwrap().push(body.clone());
    let Some(number) = body.get("tracking_number").and_then(Value::as_str) else {
        return error(
            StatusCode::BAD_REQUEST,
            4007,
            "BadRequest",
            "`tracking_number` is required.",
        );
    };
    if !well_formed(number) {
        return error(
            StatusCode::BAD_REQUEST,
            4005,
            "BadRequest",
            "The value of `tracking_number` is invalid.",
        );
    }
    let slug = match body.get("slug") {
        Some(Value::String(s)) if SLUGS.contains(&s.as_str()) => s.clone(),
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                4010,
                "BadRequest",
                "The value of `slug` is invalid.",
            );
        }
        None => {
            return error(
                StatusCode::BAD_REQUEST,
                4012,
                "BadRequest",
                "Unable to import shipment as we don't recognize the carrier from this tracking number.",
            );
        }
    };
    let key = (number.to_owned(), slug.clone());
    let created = {
        let mut trackings = state.aftership.lock().unwrap();
        if trackings.contains_key(&key) {
            return error(
                StatusCode::BAD_REQUEST,
                4003,
                "BadRequest",
                "Tracking already exists.",
            );
        }
        let at = state.config.now;
        trackings.insert(key, at);
        at
    };
    let data = tracking_body(number, &slug, created, state.lookup(number).as_ref());
    let body = json!({"meta": {"code": 201, "message": "", "type": "Created"}, "data": data});
    with_limits(
        (StatusCode::CREATED, Json(body)).into_response(),
        POST_LIMIT,
        POST_LIMIT - 1,
    )
}
