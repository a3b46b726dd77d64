//! UPS Tracking API: OAuth client credentials (`POST /security/v1/oauth/token`), then
//! `GET /api/track/v1/details/{inquiryNumber}` with the `transId` and `transactionSrc` headers.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use serde::Deserialize;

use crate::connectors::error::{CallContext, ConnectorError};
use crate::connectors::http::{HttpConfig, RateLimit, RateLimiter, RawResponse};
use crate::domain::{Shipment, ShipmentStatus, TrackingEvent};

use super::oauth::ClientCredentials;
use super::{Carrier, wire};
use crate::connectors::oauth::{BodyFormat, ClientAuth, OAuthClient};

const SERVICE: &str = "ups-tracking";
const CALL: &str = "trackDetails";
/// UPS answers these for a number it has no record of (or cannot read).
const NOT_FOUND_CODES: [&str; 3] = ["151018", "151044", "TW0001"];

/// Settings of the UPS client.
#[derive(Debug, Clone)]
pub struct UpsConfig {
    /// A label for errors and logs; never a credential.
    pub account: String,
    pub credentials: ClientCredentials,
    /// Base URL of both the API and its token endpoint.
    pub endpoint: String,
    /// `transactionSrc`: names our application in UPS's logs.
    pub transaction_src: String,
    pub rate: RateLimit,
    pub http: HttpConfig,
}

impl UpsConfig {
    pub const ENDPOINT: &'static str = "https://onlinetools.ups.com";
    pub const TEST_ENDPOINT: &'static str = "https://wwwcie.ups.com";

    pub fn new(account: impl Into<String>, credentials: ClientCredentials) -> Self {
        Self {
            account: account.into(),
            credentials,
            endpoint: Self::ENDPOINT.to_owned(),
            transaction_src: "marketdesk".to_owned(),
            rate: RateLimit::new(5.0, 10),
            http: HttpConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UpsTrackApiResponse {
    pub track_response: Option<UpsTrackResponse>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UpsTrackResponse {
    pub shipment: Vec<UpsShipment>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UpsShipment {
    pub inquiry_number: Option<String>,
    pub package: Vec<UpsPackage>,
    pub warnings: Vec<UpsWarning>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UpsWarning {
    pub code: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UpsPackage {
    pub tracking_number: Option<String>,
    pub delivery_date: Vec<UpsDeliveryDate>,
    pub delivery_time: Option<UpsDeliveryTime>,
    pub activity: Vec<UpsActivity>,
    pub current_status: Option<UpsStatus>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UpsDeliveryDate {
    /// `SDD` scheduled, `RDD` rescheduled, `DEL` delivered.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// `YYYYMMDD`.
    pub date: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UpsDeliveryTime {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub start_time: Option<String>,
    /// `HHMMSS`.
    pub end_time: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UpsActivity {
    pub location: Option<UpsLocation>,
    pub status: Option<UpsStatus>,
    /// Local `YYYYMMDD` and `HHMMSS`.
    pub date: Option<String>,
    pub time: Option<String>,
    /// `-05:00`: the local time's offset.
    pub gmt_offset: Option<String>,
    pub gmt_date: Option<String>,
    /// `HH:MM:SS` in UTC.
    pub gmt_time: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UpsStatus {
    /// `M` manifest, `P` pickup, `I` in transit, `D` delivered, `X` exception, `RS` returned.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub description: Option<String>,
    pub code: Option<String>,
    pub status_code: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UpsLocation {
    pub address: Option<UpsAddress>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UpsAddress {
    pub city: Option<String>,
    pub state_province: Option<String>,
    pub postal_code: Option<String>,
    pub country_code: Option<String>,
}

impl UpsStatus {
    fn normalised(&self) -> ShipmentStatus {
        let description = self.description.as_deref().unwrap_or_default();
        // Out for delivery is an `I` activity: its code (`OT`/`OF`, status 021) tells.
        let out_for_delivery = matches!(self.code.as_deref(), Some("OT" | "OF"))
            || self.status_code.as_deref() == Some("021")
            || wire::status_from_text(description) == Some(ShipmentStatus::OutForDelivery);
        match self.kind.as_deref() {
            Some("M") => ShipmentStatus::LabelCreated,
            Some("I" | "P") if out_for_delivery => ShipmentStatus::OutForDelivery,
            Some("I" | "P") => ShipmentStatus::InTransit,
            Some("D") => ShipmentStatus::Delivered,
            Some("X" | "RS") => ShipmentStatus::Exception,
            _ => wire::status_from_text(description).unwrap_or(ShipmentStatus::Unknown),
        }
    }
}

fn ups_date(date: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(date.trim(), "%Y%m%d").ok()
}

fn ups_time(time: &str) -> Option<NaiveTime> {
    let time = time.trim();
    NaiveTime::parse_from_str(time, "%H%M%S")
        .or_else(|_| NaiveTime::parse_from_str(time, "%H:%M:%S"))
        .ok()
}

impl UpsActivity {
    /// UTC from the GMT fields, else local time with its offset, else local time as UTC.
    fn instant(&self) -> Option<DateTime<Utc>> {
        if let (Some(d), Some(t)) = (self.gmt_date.as_deref(), self.gmt_time.as_deref())
            && let (Some(d), Some(t)) = (ups_date(d), ups_time(t))
        {
            return Some(NaiveDateTime::new(d, t).and_utc());
        }
        let local = NaiveDateTime::new(
            ups_date(self.date.as_deref()?)?,
            ups_time(self.time.as_deref().unwrap_or("000000"))?,
        );
        let offset = self
            .gmt_offset
            .as_deref()
            .and_then(|o| {
                format!("2000-01-01T00:00:00{}", o.trim())
                    .parse::<DateTime<FixedOffset>>()
                    .ok()
            })
            .map(|d| *d.offset());
        Some(match offset {
            Some(offset) => offset.from_local_datetime(&local).single()?.to_utc(),
            None => local.and_utc(),
        })
    }

    fn to_event(&self) -> Option<TrackingEvent> {
        let status = self.status.clone().unwrap_or_default();
        let address = self.location.as_ref().and_then(|l| l.address.as_ref());
        Some(TrackingEvent {
            at: self.instant()?,
            status: status.normalised(),
            description: status.description.unwrap_or_default(),
            location: address.and_then(|a| {
                wire::join_place(&[
                    a.city.as_deref(),
                    a.state_province.as_deref(),
                    a.country_code.as_deref(),
                ])
            }),
        })
    }
}

/// The scheduled (or rescheduled) delivery: the date at the end of the window UPS gives, read
/// as UTC since UPS gives no zone for it.
fn estimated_delivery(package: &UpsPackage) -> Option<DateTime<Utc>> {
    let date = package
        .delivery_date
        .iter()
        .filter(|d| matches!(d.kind.as_deref(), Some("SDD" | "RDD")))
        .filter_map(|d| ups_date(d.date.as_deref()?))
        .max()?;
    let end = package
        .delivery_time
        .as_ref()
        .and_then(|t| t.end_time.as_deref())
        .and_then(ups_time)
        .unwrap_or(NaiveTime::from_hms_opt(23, 59, 59)?);
    Some(NaiveDateTime::new(date, end).and_utc())
}

/// The domain shipment for `number`; `None` when UPS lists no package or warns that it has no
/// tracking information.
pub fn to_shipment(
    number: &str,
    response: &UpsTrackApiResponse,
    checked_at: DateTime<Utc>,
) -> Option<Shipment> {
    let shipment = response.track_response.as_ref()?.shipment.first()?;
    let package = shipment
        .package
        .iter()
        .find(|p| {
            p.tracking_number
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(number))
        })
        .or_else(|| shipment.package.first())?;
    let not_found = shipment.warnings.iter().any(|w| {
        w.code
            .as_deref()
            .is_some_and(|c| NOT_FOUND_CODES.contains(&c))
    });
    if not_found && package.activity.is_empty() {
        return None;
    }
    let mut events: Vec<TrackingEvent> = package
        .activity
        .iter()
        .filter_map(UpsActivity::to_event)
        .collect();
    events.sort_by_key(|e| std::cmp::Reverse(e.at));
    let status = events
        .first()
        .map(|e| e.status)
        .or_else(|| package.current_status.as_ref().map(UpsStatus::normalised))
        .unwrap_or(ShipmentStatus::Unknown);
    Some(Shipment {
        carrier: Carrier::Ups.code().to_owned(),
        tracking_number: number.to_owned(),
        tracking_url: Carrier::Ups.tracking_url(number),
        status,
        events,
        estimated_delivery: estimated_delivery(package),
        checked_at: Some(checked_at),
    })
}

/// The UPS Tracking client; its token is cached and shared by concurrent lookups.
pub struct UpsTracking {
    config: UpsConfig,
    http: reqwest::Client,
    limiter: RateLimiter,
    token: Arc<OAuthClient>,
    requests: AtomicU64,
}

impl fmt::Debug for UpsTracking {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpsTracking")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl UpsTracking {
    pub fn new(config: UpsConfig, http: reqwest::Client) -> Self {
        let token = OAuthClient::new(
            config.credentials.token_config(
                "ups-oauth",
                &config.account,
                format!(
                    "{}/security/v1/oauth/token",
                    config.endpoint.trim_end_matches('/')
                ),
                ClientAuth::Basic,
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

    /// The shipment, or `None` if UPS has no record of the number.
    pub async fn track(&self, number: &str) -> Result<Option<Shipment>, ConnectorError> {
        let ctx = CallContext::new(SERVICE, self.config.account.clone(), CALL);
        let number = wire::checked_number(&ctx, number)?;
        let url = format!(
            "{}/api/track/v1/details/{number}",
            self.config.endpoint.trim_end_matches('/')
        );
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
                    || self.request(&url),
                )
                .await?;
                match response.status {
                    200..=299 => {
                        let body: UpsTrackApiResponse = response.json(&ctx)?;
                        Ok(to_shipment(&number, &body, wire::answered_at(&response)))
                    }
                    400 | 404 if is_not_found(&response) => Ok(None),
                    _ => Err(wire::classify(&ctx, &response)),
                }
            })
            .await
    }

    /// Unique per request within this process, at most 32 characters (UPS's limit).
    fn trans_id(&self) -> String {
        let n = self.requests.fetch_add(1, Ordering::Relaxed);
        format!("md{}-{n}", Utc::now().timestamp_millis())
    }

    fn request(&self, url: &str) -> reqwest::RequestBuilder {
        self.http
            .get(url)
            .query(&[("locale", "en_US"), ("returnSignature", "false")])
            .header("transId", self.trans_id())
            .header("transactionSrc", &self.config.transaction_src)
            .header("accept", "application/json")
    }
}

fn is_not_found(response: &RawResponse) -> bool {
    let (code, _) = wire::error_code(response);
    NOT_FOUND_CODES.contains(&code.as_str()) || response.status == 404
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connectors::Secret;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn activity(
        kind: &str,
        code: &str,
        description: &str,
        date: &str,
        time: &str,
    ) -> serde_json::Value {
        serde_json::json!({
            "location": {"address": {"city": "LOUISVILLE", "stateProvince": "KY", "countryCode": "US"}},
            "status": {"type": kind, "code": code, "description": description, "statusCode": "005"},
            "date": date, "time": time, "gmtOffset": "-05:00"
        })
    }

    #[test]
    fn activities_become_events_in_utc_and_the_newest_gives_the_status() {
        let body: UpsTrackApiResponse = serde_json::from_value(serde_json::json!({
            "trackResponse": {"shipment": [{"inquiryNumber": "1Z999AA10123456784", "package": [{
                "trackingNumber": "1Z999AA10123456784",
                "deliveryDate": [{"type": "SDD", "date": "20261102"}],
                "deliveryTime": {"type": "EOD", "endTime": "190000"},
                "activity": [
                    activity("I", "OT", "Out For Delivery Today", "20261102", "083000"),
                    activity("I", "AR", "Arrived at Facility", "20261101", "221500"),
                    activity("M", "MP", "Shipper created a label", "20261030", "120000")
                ]
            }]}]}
        }))
        .unwrap();
        let shipment =
            to_shipment("1Z999AA10123456784", &body, at("2026-11-02T14:00:00Z")).unwrap();
        assert_eq!(shipment.status, ShipmentStatus::OutForDelivery);
        assert_eq!(shipment.events.len(), 3);
        assert_eq!(shipment.events[0].at, at("2026-11-02T13:30:00Z"));
        assert_eq!(shipment.events[2].status, ShipmentStatus::LabelCreated);
        assert_eq!(
            shipment.events[1].location.as_deref(),
            Some("LOUISVILLE, KY, US")
        );
        assert_eq!(
            shipment.estimated_delivery,
            Some(at("2026-11-02T19:00:00Z"))
        );
    }

    #[test]
    fn every_activity_type_maps_to_the_domain_status() {
        let cases = [
            ("M", "MP", ShipmentStatus::LabelCreated),
            ("P", "PU", ShipmentStatus::InTransit),
            ("I", "DP", ShipmentStatus::InTransit),
            ("I", "OT", ShipmentStatus::OutForDelivery),
            ("D", "KB", ShipmentStatus::Delivered),
            ("X", "U2", ShipmentStatus::Exception),
            ("RS", "RS", ShipmentStatus::Exception),
        ];
        for (kind, code, expected) in cases {
            let status = UpsStatus {
                kind: Some(kind.to_owned()),
                code: Some(code.to_owned()),
                ..Default::default()
            };
            assert_eq!(status.normalised(), expected, "{kind} {code}");
        }
    }

    #[test]
    fn a_not_found_warning_without_activity_is_none() {
        let body: UpsTrackApiResponse = serde_json::from_value(serde_json::json!({
            "trackResponse": {"shipment": [{
                "inquiryNumber": "1Z999AA10123456784",
                "package": [{"trackingNumber": "1Z999AA10123456784"}],
                "warnings": [{"code": "TW0001", "message": "Tracking Information Not Found"}]
            }]}
        }))
        .unwrap();
        assert_eq!(
            to_shipment("1Z999AA10123456784", &body, at("2026-11-02T14:00:00Z")),
            None
        );
    }

    #[test]
    fn the_client_secret_never_prints() {
        let config = UpsConfig::new(
            "tenant",
            ClientCredentials::new("ups-client", Secret::new("ups-secret-xyz")),
        );
        let client = UpsTracking::new(config, reqwest::Client::new());
        assert!(!format!("{client:?}").contains("ups-secret-xyz"));
    }
}
