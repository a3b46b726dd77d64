//! USPS Tracking 3.0: OAuth client credentials (`POST /oauth2/v3/token`), then
//! `GET /tracking/v3/tracking/{trackingNumber}?expand=DETAIL`. The default quota is about 60
//! requests an hour; excess is answered 429 with `Retry-After`.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::connectors::error::{CallContext, ConnectorError};
use crate::connectors::http::{HttpConfig, RateLimit, RateLimiter};
use crate::domain::{Shipment, ShipmentStatus, TrackingEvent};

use super::oauth::ClientCredentials;
use super::{Carrier, wire};
use crate::connectors::oauth::{BodyFormat, ClientAuth, OAuthClient};

const SERVICE: &str = "usps-tracking";
const CALL: &str = "getTrackingInfo";

/// Settings of the USPS client.
#[derive(Debug, Clone)]
pub struct UspsConfig {
    /// A label for errors and logs; never a credential.
    pub account: String,
    pub credentials: ClientCredentials,
    /// Base URL of both the API and its token endpoint.
    pub endpoint: String,
    /// The default quota: 60 an hour, a burst of 10. A lookup that would have to wait longer
    /// than the retry budget fails at once as throttled instead of sleeping.
    pub rate: RateLimit,
    pub http: HttpConfig,
}

impl UspsConfig {
    pub const ENDPOINT: &'static str = "https://apis.usps.com";
    pub const TEST_ENDPOINT: &'static str = "https://apis-tem.usps.com";

    pub fn new(account: impl Into<String>, credentials: ClientCredentials) -> Self {
        Self {
            account: account.into(),
            credentials,
            endpoint: Self::ENDPOINT.to_owned(),
            rate: RateLimit::new(60.0 / 3600.0, 10),
            http: HttpConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UspsTrackingResponse {
    pub tracking_number: Option<String>,
    /// `Pre-Shipment`, `Accepted`, `In Transit`, `Out for Delivery`, `Delivered`, `Alert`,
    /// `Available for Pickup`, `Delivery Attempt`, `Return to Sender`…
    pub status_category: Option<String>,
    pub status: Option<String>,
    pub status_summary: Option<String>,
    #[serde(alias = "expectedDeliveryDate")]
    pub expected_delivery_time_stamp: Option<String>,
    pub tracking_events: Vec<UspsEvent>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UspsEvent {
    pub event_type: Option<String>,
    pub event_timestamp: Option<String>,
    #[serde(rename = "GMTTimestamp")]
    pub gmt_timestamp: Option<String>,
    pub event_city: Option<String>,
    pub event_state: Option<String>,
    #[serde(rename = "eventZIPCode", alias = "eventZIP")]
    pub event_zip_code: Option<String>,
    pub event_country: Option<String>,
    pub event_code: Option<String>,
}

fn category_status(category: &str) -> Option<ShipmentStatus> {
    let c = category.trim().to_ascii_lowercase();
    Some(match c.as_str() {
        "pre-shipment" | "pre-transit" | "label created" => ShipmentStatus::LabelCreated,
        "accepted" | "in transit" | "in-transit" | "available for pickup" => {
            ShipmentStatus::InTransit
        }
        "out for delivery" => ShipmentStatus::OutForDelivery,
        "delivered" => ShipmentStatus::Delivered,
        "alert" | "delivery attempt" | "return to sender" | "returned" | "undeliverable" => {
            ShipmentStatus::Exception
        }
        _ => return None,
    })
}

impl UspsEvent {
    fn normalised(&self) -> ShipmentStatus {
        let by_code = match self.event_code.as_deref().map(str::trim) {
            Some("GX" | "MA") => Some(ShipmentStatus::LabelCreated),
            Some("OF") => Some(ShipmentStatus::OutForDelivery),
            Some("01") => Some(ShipmentStatus::Delivered),
            // Notice left, refused, undeliverable, returned, dead mail.
            Some("02" | "04" | "05" | "09" | "21" | "29") => Some(ShipmentStatus::Exception),
            _ => None,
        };
        by_code
            .or_else(|| wire::status_from_text(self.event_type.as_deref().unwrap_or_default()))
            // Any other scan moves the parcel along.
            .unwrap_or(ShipmentStatus::InTransit)
    }

    fn to_event(&self) -> Option<TrackingEvent> {
        let at = self
            .gmt_timestamp
            .as_deref()
            .and_then(wire::parse_instant)
            .or_else(|| {
                self.event_timestamp
                    .as_deref()
                    .and_then(wire::parse_instant)
            })?;
        Some(TrackingEvent {
            at,
            status: self.normalised(),
            description: self.event_type.clone().unwrap_or_default(),
            location: wire::join_place(&[
                self.event_city.as_deref(),
                self.event_state.as_deref(),
                self.event_zip_code.as_deref(),
                self.event_country.as_deref(),
            ]),
        })
    }
}

/// The domain shipment for `number`.
pub fn to_shipment(
    number: &str,
    response: &UspsTrackingResponse,
    checked_at: DateTime<Utc>,
) -> Shipment {
    let mut events: Vec<TrackingEvent> = response
        .tracking_events
        .iter()
        .filter_map(UspsEvent::to_event)
        .collect();
    events.sort_by_key(|e| std::cmp::Reverse(e.at));
    let status = response
        .status_category
        .as_deref()
        .and_then(category_status)
        .or_else(|| events.first().map(|e| e.status))
        .or_else(|| wire::status_from_text(response.status.as_deref().unwrap_or_default()))
        .unwrap_or(ShipmentStatus::Unknown);
    Shipment {
        carrier: Carrier::Usps.code().to_owned(),
        tracking_number: number.to_owned(),
        tracking_url: Carrier::Usps.tracking_url(number),
        status,
        events,
        estimated_delivery: response
            .expected_delivery_time_stamp
            .as_deref()
            .and_then(wire::parse_instant),
        checked_at: Some(checked_at),
    }
}

/// The USPS Tracking client; its token is cached and shared by concurrent lookups.
pub struct UspsTracking {
    config: UspsConfig,
    http: reqwest::Client,
    limiter: RateLimiter,
    token: Arc<OAuthClient>,
}

impl fmt::Debug for UspsTracking {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UspsTracking")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl UspsTracking {
    pub fn new(config: UspsConfig, http: reqwest::Client) -> Self {
        let token = OAuthClient::new(
            config.credentials.token_config(
                "usps-oauth",
                &config.account,
                format!("{}/oauth2/v3/token", config.endpoint.trim_end_matches('/')),
                ClientAuth::Form,
                BodyFormat::Json,
                config.http.timeout,
            ),
            http.clone(),
        );
        Self {
            limiter: RateLimiter::new(config.rate),
            token: Arc::new(token),
            config,
            http,
        }
    }

    /// The shipment, or `None` if USPS has no record of the number (404).
    pub async fn track(&self, number: &str) -> Result<Option<Shipment>, ConnectorError> {
        let ctx = CallContext::new(SERVICE, self.config.account.clone(), CALL);
        let number = wire::checked_number(&ctx, number)?;
        let url = format!(
            "{}/tracking/v3/tracking/{number}",
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
                    || {
                        self.http
                            .get(&url)
                            .query(&[("expand", "DETAIL")])
                            .header("accept", "application/json")
                    },
                )
                .await?;
                match response.status {
                    200..=299 => {
                        let body: UspsTrackingResponse = response.json(&ctx)?;
                        Ok(Some(to_shipment(
                            &number,
                            &body,
                            wire::answered_at(&response),
                        )))
                    }
                    404 => Ok(None),
                    _ => Err(wire::classify(&ctx, &response)),
                }
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn the_status_category_wins_and_events_keep_their_places() {
        let body: UspsTrackingResponse = serde_json::from_value(serde_json::json!({
            "trackingNumber": "9400111201080805483016",
            "statusCategory": "Delivered",
            "status": "Delivered, In/At Mailbox",
            "expectedDeliveryTimeStamp": "2026-11-02T20:00:00Z",
            "trackingEvents": [
                {"eventType": "Delivered, In/At Mailbox", "eventTimestamp": "2026-11-02T11:05:00",
                 "GMTTimestamp": "2026-11-02T16:05:00Z", "eventCode": "01",
                 "eventCity": "AUSTIN", "eventState": "TX", "eventZIPCode": "78701"},
                {"eventType": "Shipping Label Created, USPS Awaiting Item",
                 "eventTimestamp": "2026-10-30T09:00:00Z", "eventCode": "GX"}
            ]
        }))
        .unwrap();
        let shipment = to_shipment("9400111201080805483016", &body, at("2026-11-03T00:00:00Z"));
        assert_eq!(shipment.status, ShipmentStatus::Delivered);
        assert_eq!(shipment.events[0].at, at("2026-11-02T16:05:00Z"));
        assert_eq!(
            shipment.events[0].location.as_deref(),
            Some("AUSTIN, TX, 78701")
        );
        assert_eq!(shipment.events[1].status, ShipmentStatus::LabelCreated);
        assert_eq!(
            shipment.estimated_delivery,
            Some(at("2026-11-02T20:00:00Z"))
        );
    }

    #[test]
    fn every_status_category_maps_to_the_domain_status() {
        let cases = [
            ("Pre-Shipment", ShipmentStatus::LabelCreated),
            ("Accepted", ShipmentStatus::InTransit),
            ("In Transit", ShipmentStatus::InTransit),
            ("Out for Delivery", ShipmentStatus::OutForDelivery),
            ("Delivered", ShipmentStatus::Delivered),
            ("Alert", ShipmentStatus::Exception),
            ("Delivery Attempt", ShipmentStatus::Exception),
        ];
        for (category, expected) in cases {
            assert_eq!(category_status(category), Some(expected), "{category}");
        }
        assert_eq!(category_status("Something new"), None);
    }

    #[test]
    fn without_a_category_the_newest_event_decides() {
        let body: UspsTrackingResponse = serde_json::from_value(serde_json::json!({
            "trackingEvents": [
                {"eventType": "Out for Delivery", "eventTimestamp": "2026-11-02T08:00:00Z", "eventCode": "OF"},
                {"eventType": "Arrived at Post Office", "eventTimestamp": "2026-11-02T06:00:00Z", "eventCode": "07"}
            ]
        }))
        .unwrap();
        let shipment = to_shipment("9400111201080805483016", &body, at("2026-11-03T00:00:00Z"));
        assert_eq!(shipment.status, ShipmentStatus::OutForDelivery);
        assert_eq!(shipment.events[1].status, ShipmentStatus::InTransit);
    }
}
