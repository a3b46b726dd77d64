//! DHL Shipment Tracking – Unified: `GET /track/shipments?trackingNumber=…`, header
//! `DHL-API-Key`. One API for DHL Express, Parcel, eCommerce and Deutsche Post.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::connectors::error::{CallContext, ConnectorError, ErrorKind};
use crate::connectors::http::{self, HttpConfig, RateLimit, RateLimiter, Secret};
use crate::domain::{Shipment, ShipmentStatus, TrackingEvent};

use super::{Carrier, wire};

const SERVICE: &str = "dhl-tracking";
const CALL: &str = "trackShipments";

/// Settings of the DHL client.
#[derive(Clone)]
pub struct DhlConfig {
    /// A label for errors and logs (the tenant, say); never the key.
    pub account: String,
    pub api_key: Secret,
    /// Base URL: production, or a sandbox.
    pub endpoint: String,
    /// `service` filter (`express`, `parcel-de`, `ecommerce`…); `None` lets DHL search all.
    pub service: Option<String>,
    /// The language of status texts.
    pub language: String,
    /// The starter tier allows 250 calls a day; this only smooths bursts, 429s do the rest.
    pub rate: RateLimit,
    pub http: HttpConfig,
}

impl fmt::Debug for DhlConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DhlConfig")
            .field("account", &self.account)
            .field("endpoint", &self.endpoint)
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

impl DhlConfig {
    pub const ENDPOINT: &'static str = "https://api-eu.dhl.com";

    pub fn new(account: impl Into<String>, api_key: Secret) -> Self {
        Self {
            account: account.into(),
            api_key,
            endpoint: Self::ENDPOINT.to_owned(),
            service: None,
            language: "en".to_owned(),
            rate: RateLimit::new(1.0, 5),
            http: HttpConfig::default(),
        }
    }
}

/// `GET /track/shipments` answer.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DhlResponse {
    pub shipments: Vec<DhlShipment>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DhlShipment {
    pub id: String,
    pub service: Option<String>,
    pub status: Option<DhlEvent>,
    pub estimated_time_of_delivery: Option<String>,
    pub events: Vec<DhlEvent>,
}

/// A status or an event: the same shape in DHL's model.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DhlEvent {
    pub timestamp: Option<String>,
    pub location: Option<DhlLocation>,
    /// `pre-transit`, `transit`, `delivered`, `failure`, `unknown`.
    pub status_code: Option<String>,
    pub status: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DhlLocation {
    pub address: Option<DhlAddress>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DhlAddress {
    pub address_locality: Option<String>,
    pub postal_code: Option<String>,
    pub country_code: Option<String>,
}

impl DhlEvent {
    fn text(&self) -> String {
        [self.status.as_deref(), self.description.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn normalised_status(&self) -> ShipmentStatus {
        let text = self.text();
        match self.status_code.as_deref().unwrap_or("unknown") {
            "pre-transit" => ShipmentStatus::LabelCreated,
            // DHL has no code of its own for the last mile; its text says so.
            "transit" => match wire::status_from_text(&text) {
                Some(ShipmentStatus::OutForDelivery) => ShipmentStatus::OutForDelivery,
                _ => ShipmentStatus::InTransit,
            },
            "delivered" => ShipmentStatus::Delivered,
            "failure" => ShipmentStatus::Exception,
            _ => wire::status_from_text(&text).unwrap_or(ShipmentStatus::Unknown),
        }
    }

    fn place(&self) -> Option<String> {
        let address = self.location.as_ref()?.address.as_ref()?;
        wire::join_place(&[
            address.address_locality.as_deref(),
            address.postal_code.as_deref(),
            address.country_code.as_deref(),
        ])
    }

    fn to_event(&self) -> Option<TrackingEvent> {
        let at = wire::parse_instant(self.timestamp.as_deref()?)?;
        let description = self
            .description
            .clone()
            .filter(|d| !d.trim().is_empty())
            .or_else(|| self.status.clone())
            .unwrap_or_default();
        Some(TrackingEvent {
            at,
            status: self.normalised_status(),
            description,
            location: self.place(),
        })
    }
}

/// The domain shipment for `number` from DHL's answer; `None` if it lists no shipment.
pub fn to_shipment(
    number: &str,
    response: &DhlResponse,
    checked_at: DateTime<Utc>,
) -> Option<Shipment> {
    let shipment = response
        .shipments
        .iter()
        .find(|s| s.id.eq_ignore_ascii_case(number))
        .or_else(|| response.shipments.first())?;
    let mut events: Vec<TrackingEvent> = shipment
        .events
        .iter()
        .filter_map(DhlEvent::to_event)
        .collect();
    events.sort_by_key(|e| std::cmp::Reverse(e.at));
    let status = shipment
        .status
        .as_ref()
        .map(DhlEvent::normalised_status)
        .or_else(|| events.first().map(|e| e.status))
        .unwrap_or(ShipmentStatus::Unknown);
    Some(Shipment {
        carrier: Carrier::Dhl.code().to_owned(),
        tracking_number: number.to_owned(),
        tracking_url: Carrier::Dhl.tracking_url(number),
        status,
        events,
        estimated_delivery: shipment
            .estimated_time_of_delivery
            .as_deref()
            .and_then(wire::parse_instant),
        checked_at: Some(checked_at),
    })
}

/// The DHL Unified Tracking client.
pub struct DhlTracking {
    config: DhlConfig,
    http: reqwest::Client,
    limiter: RateLimiter,
}

impl fmt::Debug for DhlTracking {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DhlTracking")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl DhlTracking {
    pub fn new(config: DhlConfig, http: reqwest::Client) -> Self {
        Self {
            limiter: RateLimiter::new(config.rate),
            config,
            http,
        }
    }

    /// The shipment, or `None` if DHL does not know the number (404).
    pub async fn track(&self, number: &str) -> Result<Option<Shipment>, ConnectorError> {
        let ctx = CallContext::new(SERVICE, self.config.account.clone(), CALL);
        let number = wire::checked_number(&ctx, number)?;
        let url = format!(
            "{}/track/shipments",
            self.config.endpoint.trim_end_matches('/')
        );
        let mut query = vec![
            ("trackingNumber", number.clone()),
            ("language", self.config.language.clone()),
        ];
        if let Some(service) = &self.config.service {
            query.push(("service", service.clone()));
        }
        self.config
            .http
            .retry
            .run(|| async {
                if let Err(wait) = self
                    .limiter
                    .acquire_within(self.config.http.retry.budget)
                    .await
                {
                    return Err(ctx.error(ErrorKind::Throttled {
                        retry_after: Some(wait),
                    }));
                }
                let request = self
                    .http
                    .get(&url)
                    .query(&query)
                    .header("DHL-API-Key", self.config.api_key.expose())
                    .header("accept", "application/json");
                let response = http::execute(&ctx, request, self.config.http.timeout).await?;
                match response.status {
                    200..=299 => {
                        let body: DhlResponse = response.json(&ctx)?;
                        Ok(to_shipment(&number, &body, wire::answered_at(&response)))
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

    fn response(json: serde_json::Value) -> DhlResponse {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_shipment_in_transit_keeps_events_newest_first_with_places() {
        let body = response(serde_json::json!({"shipments": [{
            "id": "3318810025",
            "service": "express",
            "status": {"timestamp": "2026-10-30T09:00:00+01:00", "statusCode": "transit",
                       "status": "Processed at LEIPZIG - GERMANY",
                       "location": {"address": {"addressLocality": "Leipzig", "countryCode": "DE"}}},
            "estimatedTimeOfDelivery": "2026-11-02T18:00:00Z",
            "events": [
                {"timestamp": "2026-10-29T10:00:00Z", "statusCode": "pre-transit",
                 "description": "Shipment information received"},
                {"timestamp": "2026-10-30T08:00:00Z", "statusCode": "transit",
                 "description": "Processed at LEIPZIG - GERMANY",
                 "location": {"address": {"addressLocality": "Leipzig", "countryCode": "DE"}}},
                {"statusCode": "transit", "description": "no time: dropped"}
            ]
        }]}));
        let checked = at("2026-10-31T00:00:00Z");
        let shipment = to_shipment("3318810025", &body, checked).unwrap();
        assert_eq!(shipment.status, ShipmentStatus::InTransit);
        assert_eq!(shipment.carrier, "dhl");
        assert_eq!(shipment.events.len(), 2);
        assert_eq!(shipment.events[0].location.as_deref(), Some("Leipzig, DE"));
        assert_eq!(shipment.events[1].status, ShipmentStatus::LabelCreated);
        assert_eq!(
            shipment.estimated_delivery,
            Some(at("2026-11-02T18:00:00Z"))
        );
        assert_eq!(shipment.checked_at, Some(checked));
        assert!(shipment.tracking_url.unwrap().contains("3318810025"));
    }

    #[test]
    fn every_dhl_status_code_maps_to_the_domain_status() {
        let cases = [
            ("pre-transit", "Label created", ShipmentStatus::LabelCreated),
            ("transit", "Arrived at hub", ShipmentStatus::InTransit),
            (
                "transit",
                "Shipment is out with courier for delivery",
                ShipmentStatus::OutForDelivery,
            ),
            ("delivered", "Delivered", ShipmentStatus::Delivered),
            (
                "failure",
                "Recipient not at home",
                ShipmentStatus::Exception,
            ),
            ("unknown", "", ShipmentStatus::Unknown),
        ];
        for (code, text, expected) in cases {
            let event = DhlEvent {
                status_code: Some(code.to_owned()),
                description: Some(text.to_owned()),
                ..Default::default()
            };
            assert_eq!(event.normalised_status(), expected, "{code} {text}");
        }
    }

    #[test]
    fn no_shipment_in_the_answer_is_none() {
        let body = response(serde_json::json!({"shipments": []}));
        assert_eq!(to_shipment("1", &body, at("2026-10-31T00:00:00Z")), None);
    }

    #[test]
    fn the_api_key_never_prints() {
        let config = DhlConfig::new("tenant", Secret::new("dhl-key-123"));
        assert!(!format!("{config:?}").contains("dhl-key-123"));
    }
}
