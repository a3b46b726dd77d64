//! FedEx Track API v1: OAuth client credentials (`POST /oauth/token`, a form with the client
//! id and secret), then `POST /track/v1/trackingnumbers` with a JSON body naming the numbers.
//! FedEx answers HTTP 200 even when it has no record of a number: the refusal is an `error`
//! inside that number's track result.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::connectors::error::{CallContext, ConnectorError, ErrorKind};
use crate::connectors::http::{self, HttpConfig, RateLimit, RateLimiter, RawResponse};
use crate::connectors::oauth::{BodyFormat, ClientAuth, OAuthClient};
use crate::domain::{Shipment, ShipmentStatus, TrackingEvent};

use super::oauth::ClientCredentials;
use super::{Carrier, wire};

const SERVICE: &str = "fedex-tracking";
const CALL: &str = "trackByTrackingNumber";
/// Per-number codes for a number FedEx has no record of (or cannot read as one of its own).
const NOT_FOUND_CODES: [&str; 2] = [
    "TRACKING.TRACKINGNUMBER.NOTFOUND",
    "TRACKING.TRACKINGNUMBER.INVALID",
];

/// Settings of the FedEx client.
#[derive(Debug, Clone)]
pub struct FedexConfig {
    /// A label for errors and logs; never a credential.
    pub account: String,
    /// The project's API key (client id) and secret key at the FedEx developer portal.
    pub credentials: ClientCredentials,
    /// Base URL of both the API and its token endpoint.
    pub endpoint: String,
    /// `X-locale`: the language of FedEx's status texts.
    pub locale: String,
    pub rate: RateLimit,
    pub http: HttpConfig,
}

impl FedexConfig {
    pub const ENDPOINT: &'static str = "https://apis.fedex.com";
    pub const TEST_ENDPOINT: &'static str = "https://apis-sandbox.fedex.com";

    pub fn new(account: impl Into<String>, credentials: ClientCredentials) -> Self {
        Self {
            account: account.into(),
            credentials,
            endpoint: Self::ENDPOINT.to_owned(),
            locale: "en_US".to_owned(),
            rate: RateLimit::new(5.0, 10),
            http: HttpConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct FedexTrackResponse {
    pub transaction_id: Option<String>,
    pub output: Option<FedexOutput>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct FedexOutput {
    pub complete_track_results: Vec<FedexCompleteTrackResult>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct FedexCompleteTrackResult {
    pub tracking_number: Option<String>,
    /// Several when FedEx has reused the number for more than one shipment.
    pub track_results: Vec<FedexTrackResult>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct FedexTrackResult {
    pub tracking_number_info: Option<FedexTrackingNumberInfo>,
    pub latest_status_detail: Option<FedexStatusDetail>,
    pub date_and_times: Vec<FedexDateAndTime>,
    pub estimated_delivery_time_window: Option<FedexTimeWindow>,
    pub scan_events: Vec<FedexScanEvent>,
    pub error: Option<FedexError>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct FedexTrackingNumberInfo {
    pub tracking_number: Option<String>,
    pub carrier_code: Option<String>,
    pub tracking_number_unique_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct FedexStatusDetail {
    /// FedEx's own status code (`OC`, `PU`, `IT`, `OD`, `DL`, `DE`…).
    pub code: Option<String>,
    /// The code FedEx groups it under, the steadier of the two.
    pub derived_code: Option<String>,
    pub status_by_locale: Option<String>,
    pub description: Option<String>,
    pub scan_location: Option<FedexAddress>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct FedexDateAndTime {
    /// `ACTUAL_DELIVERY`, `ESTIMATED_DELIVERY`, `ACTUAL_PICKUP`, `SHIP`, `ACTUAL_TENDER`…
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// ISO 8601 with the local offset.
    pub date_time: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct FedexTimeWindow {
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub window: Option<FedexWindow>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct FedexWindow {
    pub begins: Option<String>,
    pub ends: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct FedexScanEvent {
    /// ISO 8601 with the local offset.
    pub date: Option<String>,
    pub event_type: Option<String>,
    pub event_description: Option<String>,
    pub exception_code: Option<String>,
    pub exception_description: Option<String>,
    pub derived_status_code: Option<String>,
    pub derived_status: Option<String>,
    pub scan_location: Option<FedexAddress>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct FedexAddress {
    pub city: Option<String>,
    pub state_or_province_code: Option<String>,
    pub postal_code: Option<String>,
    pub country_code: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct FedexError {
    pub code: Option<String>,
    pub message: Option<String>,
}

/// The domain status of a FedEx status code. A parcel held at a FedEx location for the buyer
/// to collect is still on its way to the buyer's hands, so in transit (as AfterShip's
/// `AvailableForPickup` is read); delays, cancellations and returns need attention.
pub fn status_of_code(code: &str) -> Option<ShipmentStatus> {
    use ShipmentStatus::*;
    Some(match code.trim().to_ascii_uppercase().as_str() {
        "OC" | "IN" | "LP" => LabelCreated,
        "PU" | "PX" | "IT" | "AR" | "DP" | "AF" | "AA" | "AC" | "AD" | "AP" | "AX" | "CC"
        | "CP" | "DR" | "DS" | "EA" | "ED" | "EO" | "EP" | "FD" | "HL" | "HP" | "LO" | "OF"
        | "OX" | "PF" | "PL" | "PM" | "SF" | "SP" | "TR" | "CH" | "RR" => InTransit,
        "OD" => OutForDelivery,
        "DL" => Delivered,
        "DE" | "SE" | "CA" | "RS" | "CD" | "DY" | "DD" => Exception,
        _ => return None,
    })
}

/// The first of `codes` that names a known status, else the status the text names.
fn status_of(codes: &[Option<&str>], text: &str) -> ShipmentStatus {
    codes
        .iter()
        .flatten()
        .find_map(|c| status_of_code(c))
        .or_else(|| wire::status_from_text(text))
        .unwrap_or(ShipmentStatus::Unknown)
}

impl FedexAddress {
    fn place(&self) -> Option<String> {
        wire::join_place(&[
            self.city.as_deref(),
            self.state_or_province_code.as_deref(),
            self.country_code.as_deref(),
        ])
    }
}

impl FedexStatusDetail {
    fn normalised(&self) -> ShipmentStatus {
        let text = self
            .description
            .as_deref()
            .or(self.status_by_locale.as_deref())
            .unwrap_or_default();
        status_of(&[self.derived_code.as_deref(), self.code.as_deref()], text)
    }
}

impl FedexScanEvent {
    fn to_event(&self) -> Option<TrackingEvent> {
        let description = self
            .event_description
            .clone()
            .filter(|d| !d.trim().is_empty())
            .or_else(|| self.derived_status.clone())
            .unwrap_or_default();
        Some(TrackingEvent {
            at: wire::parse_instant(self.date.as_deref()?)?,
            status: status_of(
                &[
                    self.derived_status_code.as_deref(),
                    self.event_type.as_deref(),
                ],
                &description,
            ),
            description,
            location: self.scan_location.as_ref().and_then(FedexAddress::place),
        })
    }
}

/// The promised delivery: the end of FedEx's delivery window, else its estimated delivery
/// date. Kept only while the parcel is on its way (a delivered one may still carry the old
/// estimate).
fn estimated_delivery(result: &FedexTrackResult) -> Option<DateTime<Utc>> {
    let window = result
        .estimated_delivery_time_window
        .as_ref()
        .and_then(|w| w.window.as_ref())
        .and_then(|w| w.ends.as_deref().or(w.begins.as_deref()))
        .and_then(wire::parse_instant);
    window.or_else(|| {
        result
            .date_and_times
            .iter()
            .filter(|d| d.kind.as_deref() == Some("ESTIMATED_DELIVERY"))
            .find_map(|d| wire::parse_instant(d.date_time.as_deref()?))
    })
}

/// The domain shipment for `number`: `Ok(None)` when FedEx reports it has no record of the
/// number, `Err` for any other per-number error (FedEx gave no tracking for a reason of its
/// own, which a retry of the same request does not change).
pub fn to_shipment(
    ctx: &CallContext,
    number: &str,
    response: &FedexTrackResponse,
    checked_at: DateTime<Utc>,
) -> Result<Option<Shipment>, ConnectorError> {
    let Some(complete) = response.output.as_ref().and_then(|o| {
        o.complete_track_results
            .iter()
            .find(|r| {
                r.tracking_number
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(number))
            })
            .or_else(|| o.complete_track_results.first())
    }) else {
        return Ok(None);
    };
    // A reused number has one result per shipment; the first without an error is current.
    let Some(result) = complete
        .track_results
        .iter()
        .find(|r| r.error.is_none())
        .or_else(|| complete.track_results.first())
    else {
        return Ok(None);
    };
    if let Some(error) = &result.error
        && result.scan_events.is_empty()
    {
        let code = error.code.clone().unwrap_or_default();
        if NOT_FOUND_CODES.contains(&code.as_str()) {
            return Ok(None);
        }
        return Err(ctx.error(ErrorKind::Rejected {
            status: 200,
            code,
            detail: http::truncate_chars(error.message.as_deref().unwrap_or_default(), 300),
        }));
    }
    let mut events: Vec<TrackingEvent> = result
        .scan_events
        .iter()
        .filter_map(FedexScanEvent::to_event)
        .collect();
    events.sort_by_key(|e| std::cmp::Reverse(e.at));
    let status = result
        .latest_status_detail
        .as_ref()
        .map(FedexStatusDetail::normalised)
        .filter(|s| *s != ShipmentStatus::Unknown)
        .or_else(|| events.first().map(|e| e.status))
        .unwrap_or(ShipmentStatus::Unknown);
    let estimated_delivery =
        estimated_delivery(result).filter(|_| status != ShipmentStatus::Delivered);
    Ok(Some(Shipment {
        carrier: Carrier::Fedex.code().to_owned(),
        tracking_number: number.to_owned(),
        tracking_url: Carrier::Fedex.tracking_url(number),
        status,
        events,
        estimated_delivery,
        checked_at: Some(checked_at),
    }))
}

/// The FedEx Track client; its token is cached and shared by concurrent lookups.
pub struct FedexTracking {
    config: FedexConfig,
    http: reqwest::Client,
    limiter: RateLimiter,
    token: Arc<OAuthClient>,
    requests: AtomicU64,
}

impl fmt::Debug for FedexTracking {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FedexTracking")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl FedexTracking {
    pub fn new(config: FedexConfig, http: reqwest::Client) -> Self {
        // FedEx takes the client id and secret as form fields, not HTTP Basic.
        let token = OAuthClient::new(
            config.credentials.token_config(
                "fedex-oauth",
                &config.account,
                format!("{}/oauth/token", config.endpoint.trim_end_matches('/')),
                ClientAuth::Form,
                BodyFormat::Form,
                config.http.timeout,
            ),
            http.clone(),
        );
        Self {
            limiter: RateLimiter::new(config.rate),
            token: Arc::new(token),
            requests: AtomicU64::new(0),
            config,
            http,
        }
    }

    /// The shipment, or `None` if FedEx has no record of the number.
    pub async fn track(&self, number: &str) -> Result<Option<Shipment>, ConnectorError> {
        let ctx = CallContext::new(SERVICE, self.config.account.clone(), CALL);
        let number = wire::checked_number(&ctx, number)?;
        let url = format!(
            "{}/track/v1/trackingnumbers",
            self.config.endpoint.trim_end_matches('/')
        );
        let body = serde_json::json!({
            "includeDetailedScans": true,
            "trackingInfo": [{"trackingNumberInfo": {"trackingNumber": number}}],
        });
        self.config
            .http
            .retry
            .run(|| async {
                let response = wire::with_bearer(
                    &ctx,
                    &self.limiter,
                    self.config.http.retry.budget,
                    &self.token,
                    self.config.http.timeout,
                    || self.request(&url, &body),
                )
                .await?;
                match response.status {
                    200..=299 => {
                        let answer: FedexTrackResponse = response.json(&ctx)?;
                        to_shipment(&ctx, &number, &answer, wire::answered_at(&response))
                    }
                    400 | 404 if is_not_found(&response) => Ok(None),
                    _ => Err(wire::classify(&ctx, &response)),
                }
            })
            .await
    }

    /// Unique per request within this process, to find a call in FedEx's logs.
    fn transaction_id(&self) -> String {
        let n = self.requests.fetch_add(1, Ordering::Relaxed);
        format!("marketdesk-{}-{n}", Utc::now().timestamp_millis())
    }

    fn request(&self, url: &str, body: &serde_json::Value) -> reqwest::RequestBuilder {
        self.http
            .post(url)
            .header("x-locale", &self.config.locale)
            .header("x-customer-transaction-id", self.transaction_id())
            .header("accept", "application/json")
            .json(body)
    }
}

fn is_not_found(response: &RawResponse) -> bool {
    let (code, _) = wire::error_code(response);
    NOT_FOUND_CODES.contains(&code.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connectors::Secret;

    const NUMBER: &str = "123456789012";

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn ctx() -> CallContext {
        CallContext::new(SERVICE, "tenant", CALL)
    }

    fn scan(code: &str, description: &str, date: &str) -> serde_json::Value {
        serde_json::json!({
            "date": date, "eventType": code, "eventDescription": description,
            "derivedStatusCode": code,
            "scanLocation": {"city": "MEMPHIS", "stateOrProvinceCode": "TN", "countryCode": "US"}
        })
    }

    fn answer(result: serde_json::Value) -> FedexTrackResponse {
        serde_json::from_value(serde_json::json!({
            "transactionId": "d1f0e3c2",
            "output": {"completeTrackResults": [{"trackingNumber": NUMBER, "trackResults": [result]}]}
        }))
        .unwrap()
    }

    #[test]
    fn scans_become_events_newest_first_in_utc_with_the_window_end_as_estimate() {
        let body = answer(serde_json::json!({
            "trackingNumberInfo": {"trackingNumber": NUMBER, "carrierCode": "FDXE"},
            "latestStatusDetail": {"code": "OD", "derivedCode": "OD", "statusByLocale": "On FedEx vehicle for delivery",
                                   "description": "On FedEx vehicle for delivery"},
            "dateAndTimes": [
                {"type": "ESTIMATED_DELIVERY", "dateTime": "2026-11-02T00:00:00-06:00"},
                {"type": "SHIP", "dateTime": "2026-10-30T00:00:00-06:00"}
            ],
            "estimatedDeliveryTimeWindow": {"window": {"begins": "2026-11-02T10:00:00-06:00", "ends": "2026-11-02T14:00:00-06:00"}},
            "scanEvents": [
                scan("AR", "Arrived at FedEx location", "2026-11-01T22:15:00-06:00"),
                scan("OD", "On FedEx vehicle for delivery", "2026-11-02T08:30:00-06:00"),
                scan("OC", "Shipment information sent to FedEx", "2026-10-30T12:00:00-06:00")
            ]
        }));
        let shipment = to_shipment(&ctx(), NUMBER, &body, at("2026-11-02T15:00:00Z"))
            .unwrap()
            .unwrap();
        assert_eq!(shipment.carrier, "fedex");
        assert_eq!(shipment.status, ShipmentStatus::OutForDelivery);
        let times: Vec<_> = shipment.events.iter().map(|e| e.at).collect();
        assert_eq!(
            times,
            [
                at("2026-11-02T14:30:00Z"),
                at("2026-11-02T04:15:00Z"),
                at("2026-10-30T18:00:00Z")
            ]
        );
        assert_eq!(shipment.events[2].status, ShipmentStatus::LabelCreated);
        assert_eq!(
            shipment.events[0].location.as_deref(),
            Some("MEMPHIS, TN, US")
        );
        assert_eq!(
            shipment.estimated_delivery,
            Some(at("2026-11-02T20:00:00Z"))
        );
        assert_eq!(shipment.checked_at, Some(at("2026-11-02T15:00:00Z")));
        assert!(shipment.tracking_url.unwrap().contains(NUMBER));
    }

    #[test]
    fn without_a_window_the_estimated_delivery_date_is_used_and_delivered_has_none() {
        let mut result = serde_json::json!({
            "latestStatusDetail": {"derivedCode": "IT", "code": "DP"},
            "dateAndTimes": [{"type": "ESTIMATED_DELIVERY", "dateTime": "2026-11-03T00:00:00-05:00"}],
            "scanEvents": [scan("DP", "Departed FedEx location", "2026-11-01T02:00:00Z")]
        });
        let shipment = to_shipment(&ctx(), NUMBER, &answer(result.clone()), Utc::now())
            .unwrap()
            .unwrap();
        assert_eq!(shipment.status, ShipmentStatus::InTransit);
        assert_eq!(
            shipment.estimated_delivery,
            Some(at("2026-11-03T05:00:00Z"))
        );
        result["latestStatusDetail"] = serde_json::json!({"derivedCode": "DL", "code": "DL"});
        let shipment = to_shipment(&ctx(), NUMBER, &answer(result), Utc::now())
            .unwrap()
            .unwrap();
        assert_eq!(shipment.status, ShipmentStatus::Delivered);
        assert_eq!(shipment.estimated_delivery, None);
    }

    #[test]
    fn every_fedex_status_code_maps_to_the_domain_status() {
        use ShipmentStatus::*;
        let cases = [
            ("OC", LabelCreated),
            ("LP", LabelCreated),
            ("PU", InTransit),
            ("IT", InTransit),
            ("AR", InTransit),
            ("DP", InTransit),
            ("AF", InTransit),
            ("HL", InTransit),
            ("OD", OutForDelivery),
            ("DL", Delivered),
            ("dl", Delivered),
            ("DE", Exception),
            ("SE", Exception),
            ("CA", Exception),
            ("RS", Exception),
        ];
        for (code, expected) in cases {
            assert_eq!(status_of_code(code), Some(expected), "{code}");
        }
        assert_eq!(status_of_code("ZZ"), None);
    }

    #[test]
    fn the_derived_code_wins_and_text_decides_for_unknown_codes() {
        let detail = FedexStatusDetail {
            code: Some("AF".to_owned()),
            derived_code: Some("DE".to_owned()),
            ..Default::default()
        };
        assert_eq!(detail.normalised(), ShipmentStatus::Exception);
        let detail = FedexStatusDetail {
            code: Some("ZZ".to_owned()),
            description: Some("Delivered".to_owned()),
            ..Default::default()
        };
        assert_eq!(detail.normalised(), ShipmentStatus::Delivered);
    }

    #[test]
    fn a_not_found_error_inside_http_200_is_none() {
        let body = answer(serde_json::json!({
            "trackingNumberInfo": {"trackingNumber": NUMBER},
            "error": {"code": "TRACKING.TRACKINGNUMBER.NOTFOUND",
                      "message": "Tracking number cannot be found. Please correct the tracking number and try again."}
        }));
        assert_eq!(
            to_shipment(&ctx(), NUMBER, &body, Utc::now()).unwrap(),
            None
        );
    }

    #[test]
    fn another_per_number_error_is_a_rejection_naming_its_code() {
        let body = answer(serde_json::json!({
            "error": {"code": "TRACKING.DATA.NOTAVAILABLE", "message": "No data"}
        }));
        let err = to_shipment(&ctx(), NUMBER, &body, Utc::now()).unwrap_err();
        assert!(
            matches!(&err.kind, ErrorKind::Rejected { status: 200, code, .. } if code == "TRACKING.DATA.NOTAVAILABLE"),
            "{err}"
        );
    }

    #[test]
    fn the_client_secret_never_prints() {
        let config = FedexConfig::new(
            "tenant",
            ClientCredentials::new("fedex-client", Secret::new("fedex-secret-xyz")),
        );
        let client = FedexTracking::new(config, reqwest::Client::new());
        assert!(!format!("{client:?}").contains("fedex-secret-xyz"));
    }
}
