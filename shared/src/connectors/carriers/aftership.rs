//! AfterShip Tracking API (version 2025-07), the aggregator behind every carrier without a
//! direct client (Royal Mail, Poste Italiane, Correos, Colissimo, BRT, GLS, DPD, Evri…).
//!
//! - `GET /tracking/2025-07/trackings?tracking_numbers={n}&slug={slug}`: the tracking if
//!   AfterShip already follows the number.
//! - `POST /tracking/2025-07/trackings` `{"tracking_number", "slug"}`: start following it; the
//!   answer is the new tracking (AfterShip fills its checkpoints in as the courier reports).
//!   `4003` (already exists: another worker created it first) reads it again.
//!
//! Header `as-api-key`; every body is the envelope `{"meta": {"code", "message", "type"},
//! "data": …}`. Statuses are AfterShip's normalised `tag`s (`InTransit`, `OutForDelivery`,
//! `Delivered`, `Exception`…); checkpoints carry their own tag. A 429 names its wait in
//! `Retry-After` or `X-RateLimit-Reset` (Unix seconds). The wire model is
//! `sandboxes/specs/aftership/tracking-2025-07.schema.json`.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::connectors::error::{CallContext, ConnectorError, ErrorKind};
use crate::connectors::http::{self, HttpConfig, RateLimit, RateLimiter, RawResponse, Secret};
use crate::domain::{Shipment, ShipmentStatus, TrackingEvent};

use super::{Carrier, registry, wire};

const SERVICE: &str = "aftership";
/// The API version this client speaks; part of every path.
pub const API_VERSION: &str = "2025-07";

/// `meta.code` of a create refused because the tracking exists already.
const ALREADY_EXISTS: i64 = 4003;
/// `meta.code`s saying AfterShip cannot follow this number with this courier: the shipment
/// keeps its public link, nothing is worth retrying.
const CANNOT_TRACK: [i64; 5] = [4004, 4005, 4010, 4012, 4017];

/// Settings of the AfterShip client.
#[derive(Clone)]
pub struct AftershipConfig {
    /// A label for errors and logs (the tenant, say); never the key.
    pub account: String,
    pub api_key: Secret,
    /// Base URL without the version path: production, or a sandbox.
    pub endpoint: String,
    /// AfterShip allows 6 GET and 20 POST /trackings a second; one limiter below both.
    pub rate: RateLimit,
    pub http: HttpConfig,
}

impl fmt::Debug for AftershipConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AftershipConfig")
            .field("account", &self.account)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl AftershipConfig {
    pub const ENDPOINT: &'static str = "https://api.aftership.com";

    pub fn new(account: impl Into<String>, api_key: Secret) -> Self {
        Self {
            account: account.into(),
            api_key,
            endpoint: Self::ENDPOINT.to_owned(),
            rate: RateLimit::new(5.0, 5),
            http: HttpConfig::default(),
        }
    }
}

/// `{"meta": …, "data": …}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Envelope<T> {
    pub meta: Meta,
    #[serde(default = "Option::default")]
    pub data: Option<T>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Meta {
    pub code: i64,
    pub message: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// `data` of `GET /trackings`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TrackingsPage {
    pub trackings: Vec<AsTracking>,
}

/// The tracking object (the fields this client reads).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AsTracking {
    pub id: String,
    pub tracking_number: String,
    pub slug: Option<String>,
    /// `Pending`, `InfoReceived`, `InTransit`, `OutForDelivery`, `AttemptFail`, `Delivered`,
    /// `AvailableForPickup`, `Exception`, `Expired`.
    pub tag: Option<String>,
    pub subtag: Option<String>,
    pub subtag_message: Option<String>,
    pub checkpoints: Vec<AsCheckpoint>,
    pub latest_estimated_delivery: Option<AsEstimate>,
    pub courier_estimated_delivery_date: Option<AsCourierEstimate>,
    pub aftership_estimated_delivery_date: Option<AsCourierEstimate>,
    pub expected_delivery: Option<String>,
}

/// `latest_estimated_delivery`: a time or a range, from the courier or AfterShip's model.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AsEstimate {
    pub datetime: Option<String>,
    pub datetime_min: Option<String>,
    pub datetime_max: Option<String>,
}

/// `courier_estimated_delivery_date` / `aftership_estimated_delivery_date`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AsCourierEstimate {
    pub estimated_delivery_date: Option<String>,
    pub estimated_delivery_date_min: Option<String>,
    pub estimated_delivery_date_max: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AsCheckpoint {
    pub checkpoint_time: Option<String>,
    pub message: Option<String>,
    pub tag: Option<String>,
    pub subtag: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-3 (`country_iso3` before 2024-07).
    #[serde(alias = "country_iso3")]
    pub country_region: Option<String>,
    pub location: Option<String>,
}

/// `POST /trackings` body.
#[derive(Debug, Clone, Serialize)]
pub struct CreateTracking<'a> {
    pub tracking_number: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slug: Option<&'a str>,
}

/// The domain status of an AfterShip tag. `AvailableForPickup` is a parcel waiting at a
/// pickup point: still on its way to the buyer's hands, so in transit (its checkpoint text
/// says where); `Pending`/`Expired` say AfterShip has nothing (yet, or any more).
pub fn status_of_tag(tag: &str) -> ShipmentStatus {
    match tag {
        "InfoReceived" => ShipmentStatus::LabelCreated,
        "InTransit" | "AvailableForPickup" => ShipmentStatus::InTransit,
        "OutForDelivery" => ShipmentStatus::OutForDelivery,
        "Delivered" => ShipmentStatus::Delivered,
        "AttemptFail" | "Exception" => ShipmentStatus::Exception,
        _ => ShipmentStatus::Unknown,
    }
}

impl AsCheckpoint {
    fn to_event(&self) -> Option<TrackingEvent> {
        let at = wire::parse_instant(self.checkpoint_time.as_deref()?)?;
        let status = self
            .tag
            .as_deref()
            .map(status_of_tag)
            .filter(|s| *s != ShipmentStatus::Unknown)
            .or_else(|| wire::status_from_text(self.message.as_deref().unwrap_or("")))
            .unwrap_or(ShipmentStatus::InTransit);
        let location = wire::join_place(&[
            self.city.as_deref(),
            self.postal_code.as_deref(),
            self.country_region.as_deref(),
        ])
        .or_else(|| self.location.clone().filter(|l| !l.trim().is_empty()));
        Some(TrackingEvent {
            at,
            status,
            description: self.message.clone().unwrap_or_default(),
            location,
        })
    }
}

impl AsTracking {
    /// The latest estimate: AfterShip's combined one, else the courier's, else its model's,
    /// else the legacy field; the end of a range (a promise is kept by its latest day).
    fn estimated_delivery(&self) -> Option<DateTime<Utc>> {
        let latest = self.latest_estimated_delivery.as_ref().and_then(|e| {
            [&e.datetime, &e.datetime_max, &e.datetime_min]
                .into_iter()
                .flatten()
                .find_map(|t| wire::parse_instant(t))
        });
        let dated = |e: &Option<AsCourierEstimate>| {
            e.as_ref().and_then(|e| {
                [
                    &e.estimated_delivery_date,
                    &e.estimated_delivery_date_max,
                    &e.estimated_delivery_date_min,
                ]
                .into_iter()
                .flatten()
                .find_map(|t| wire::parse_instant(t))
            })
        };
        latest
            .or_else(|| dated(&self.courier_estimated_delivery_date))
            .or_else(|| dated(&self.aftership_estimated_delivery_date))
            .or_else(|| {
                self.expected_delivery
                    .as_deref()
                    .and_then(wire::parse_instant)
            })
    }
}

/// The domain shipment for `number` of `carrier` from AfterShip's tracking.
pub fn to_shipment(
    carrier: &Carrier,
    number: &str,
    tracking: &AsTracking,
    checked_at: DateTime<Utc>,
) -> Shipment {
    let mut events: Vec<TrackingEvent> = tracking
        .checkpoints
        .iter()
        .filter_map(AsCheckpoint::to_event)
        .collect();
    events.sort_by_key(|e| std::cmp::Reverse(e.at));
    let status = tracking
        .tag
        .as_deref()
        .map(status_of_tag)
        .filter(|s| *s != ShipmentStatus::Unknown)
        .or_else(|| events.first().map(|e| e.status))
        .unwrap_or(ShipmentStatus::Unknown);
    let delivered = status == ShipmentStatus::Delivered;
    Shipment {
        carrier: carrier.code().to_owned(),
        tracking_number: number.to_owned(),
        tracking_url: carrier.tracking_url(number),
        status,
        events,
        // A delivered parcel has no estimate left to show.
        estimated_delivery: (!delivered)
            .then(|| tracking.estimated_delivery())
            .flatten(),
        checked_at: Some(checked_at),
    }
}

/// AfterShip's courier slug for `carrier`, from the registry.
pub fn slug(carrier: &Carrier) -> Option<&'static str> {
    registry::find(carrier.code())?.aftership.as_deref()
}

/// The AfterShip Tracking client.
pub struct AftershipTracking {
    config: AftershipConfig,
    http: reqwest::Client,
    limiter: RateLimiter,
}

impl fmt::Debug for AftershipTracking {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AftershipTracking")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// What one attempt got back.
enum Answer {
    Tracking(Box<AsTracking>, DateTime<Utc>),
    Missing,
    Exists,
    CannotTrack,
}

impl AftershipTracking {
    pub fn new(config: AftershipConfig, http: reqwest::Client) -> Self {
        Self {
            limiter: RateLimiter::new(config.rate),
            config,
            http,
        }
    }

    fn url(&self) -> String {
        format!(
            "{}/tracking/{API_VERSION}/trackings",
            self.config.endpoint.trim_end_matches('/')
        )
    }

    /// The shipment as AfterShip follows it, creating the tracking on first sight. `None` if
    /// AfterShip cannot follow the number with this courier.
    pub async fn track(
        &self,
        carrier: &Carrier,
        number: &str,
    ) -> Result<Option<Shipment>, ConnectorError> {
        let ctx = CallContext::new(SERVICE, self.config.account.clone(), "getTrackings");
        let number = wire::checked_number(&ctx, number)?;
        let slug = slug(carrier);
        // Read, create if missing, and read once more if another worker created it meanwhile.
        for _ in 0..2 {
            match self.find(&ctx, &number, slug).await? {
                Answer::Tracking(t, at) => return Ok(Some(to_shipment(carrier, &number, &t, at))),
                Answer::CannotTrack => return Ok(None),
                Answer::Missing | Answer::Exists => {}
            }
            match self.create(&number, slug).await? {
                Answer::Tracking(t, at) => return Ok(Some(to_shipment(carrier, &number, &t, at))),
                Answer::CannotTrack => return Ok(None),
                Answer::Missing | Answer::Exists => {}
            }
        }
        Ok(None)
    }

    async fn find(
        &self,
        ctx: &CallContext,
        number: &str,
        slug: Option<&str>,
    ) -> Result<Answer, ConnectorError> {
        let mut query = vec![("tracking_numbers", number.to_owned())];
        if let Some(slug) = slug {
            query.push(("slug", slug.to_owned()));
        }
        let url = self.url();
        let response = self.send(ctx, || self.http.get(&url).query(&query)).await?;
        match response.status {
            200..=299 => {
                let body: Envelope<TrackingsPage> = response.json(ctx)?;
                let found = body
                    .data
                    .unwrap_or_default()
                    .trackings
                    .into_iter()
                    .find(|t| {
                        t.tracking_number.eq_ignore_ascii_case(number)
                            && slug.is_none_or(|s| t.slug.as_deref().is_none_or(|ts| ts == s))
                    });
                Ok(match found {
                    Some(t) => Answer::Tracking(Box::new(t), wire::answered_at(&response)),
                    None => Answer::Missing,
                })
            }
            _ => refusal(ctx, &response),
        }
    }

    async fn create(&self, number: &str, slug: Option<&str>) -> Result<Answer, ConnectorError> {
        let ctx = CallContext::new(SERVICE, self.config.account.clone(), "createTracking");
        let body = CreateTracking {
            tracking_number: number,
            slug,
        };
        let url = self.url();
        let response = self.send(&ctx, || self.http.post(&url).json(&body)).await?;
        match response.status {
            200..=299 => {
                let body: Envelope<AsTracking> = response.json(&ctx)?;
                match body.data {
                    Some(t) => Ok(Answer::Tracking(Box::new(t), wire::answered_at(&response))),
                    None => Err(ctx.error(ErrorKind::InvalidResponse {
                        status: response.status,
                        detail: "no tracking in data".into(),
                        transient: false,
                    })),
                }
            }
            _ => refusal(&ctx, &response),
        }
    }

    /// One request under the rate limiter, retried while transient.
    async fn send(
        &self,
        ctx: &CallContext,
        request: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<RawResponse, ConnectorError> {
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
                let request = request()
                    .header("as-api-key", self.config.api_key.expose())
                    .header("accept", "application/json");
                let response = http::execute(ctx, request, self.config.http.timeout).await?;
                match response.status {
                    429 | 500..=599 => Err(classify(ctx, &response)),
                    _ => Ok(response),
                }
            })
            .await
    }
}

/// What a non-2xx answer that is not worth retrying means.
fn refusal(ctx: &CallContext, response: &RawResponse) -> Result<Answer, ConnectorError> {
    let code = meta(response).code;
    if code == ALREADY_EXISTS {
        return Ok(Answer::Exists);
    }
    if response.status == 404 && code == 404 {
        return Ok(Answer::Missing);
    }
    if CANNOT_TRACK.contains(&code) {
        return Ok(Answer::CannotTrack);
    }
    Err(classify(ctx, response))
}

fn meta(response: &RawResponse) -> Meta {
    serde_json::from_slice::<Envelope<serde_json::Value>>(&response.body)
        .map(|e| e.meta)
        .unwrap_or_default()
}

/// The wait a 429 asks for: `Retry-After`, else until `X-RateLimit-Reset` (Unix seconds).
fn rate_limit_wait(response: &RawResponse) -> Option<Duration> {
    response.retry_after().or_else(|| {
        let reset = response.number_header("x-ratelimit-reset")?;
        // Adapters may read the clock; only the domain may not.
        let now = Utc::now().timestamp() as f64;
        Some(Duration::from_secs_f64((reset - now).clamp(0.0, 60.0)))
    })
}

/// The error of a refusal, named by AfterShip's `meta.code` and message.
fn classify(ctx: &CallContext, response: &RawResponse) -> ConnectorError {
    let status = response.status;
    let meta = meta(response);
    let code = if meta.code == 0 {
        String::new()
    } else {
        meta.code.to_string()
    };
    let detail = http::truncate_chars(&meta.message.unwrap_or_else(|| response.excerpt()), 300);
    let kind = match status {
        429 => ErrorKind::Throttled {
            retry_after: rate_limit_wait(response),
        },
        500..=599 => ErrorKind::Server { status, detail },
        401 | 403 => ErrorKind::Unauthorized {
            status,
            code,
            detail,
        },
        _ => ErrorKind::Rejected {
            status,
            code,
            detail,
        },
    };
    ctx.error(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn tracking(json: serde_json::Value) -> AsTracking {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn every_tag_maps_to_a_domain_status() {
        use ShipmentStatus::*;
        for (tag, status) in [
            ("Pending", Unknown),
            ("InfoReceived", LabelCreated),
            ("InTransit", InTransit),
            ("OutForDelivery", OutForDelivery),
            ("AttemptFail", Exception),
            ("Delivered", Delivered),
            ("AvailableForPickup", InTransit),
            ("Exception", Exception),
            ("Expired", Unknown),
            ("SomethingNew", Unknown),
        ] {
            assert_eq!(status_of_tag(tag), status, "{tag}");
        }
    }

    #[test]
    fn a_royal_mail_tracking_keeps_checkpoints_newest_first_and_the_latest_estimate() {
        let t = tracking(serde_json::json!({
            "id": "kx1", "tracking_number": "AB123456785GB", "slug": "royal-mail",
            "tag": "InTransit", "subtag": "InTransit_001",
            "latest_estimated_delivery": {"type": "range", "source": "Carrier",
                "datetime": null, "datetime_min": "2026-11-03", "datetime_max": "2026-11-04"},
            "checkpoints": [
                {"checkpoint_time": "2026-10-30T08:00:00+00:00", "message": "Item received",
                 "tag": "InfoReceived", "city": "London", "country_region": "GBR"},
                {"checkpoint_time": "2026-10-31T06:10:00+00:00", "message": "In transit to delivery office",
                 "tag": "InTransit", "city": "Swindon", "postal_code": "SN1", "country_region": "GBR"},
                {"message": "no time: dropped", "tag": "InTransit"}
            ]
        }));
        let checked = at("2026-10-31T09:00:00Z");
        let s = to_shipment(&Carrier::RoyalMail, "AB123456785GB", &t, checked);
        assert_eq!(s.carrier, "royal_mail");
        assert_eq!(s.status, ShipmentStatus::InTransit);
        assert_eq!(s.events.len(), 2);
        assert_eq!(s.events[0].location.as_deref(), Some("Swindon, SN1, GBR"));
        assert_eq!(s.events[1].status, ShipmentStatus::LabelCreated);
        assert_eq!(s.estimated_delivery, Some(at("2026-11-04T00:00:00Z")));
        assert_eq!(s.checked_at, Some(checked));
        assert!(s.tracking_url.unwrap().contains("royalmail.com"));
    }

    #[test]
    fn the_courier_estimate_is_used_when_there_is_no_latest_and_delivered_has_none() {
        let t = tracking(serde_json::json!({
            "tracking_number": "X1", "tag": "OutForDelivery",
            "courier_estimated_delivery_date": {"estimated_delivery_date": "2026-11-02"}
        }));
        let s = to_shipment(&Carrier::Correos, "X1", &t, at("2026-11-01T00:00:00Z"));
        assert_eq!(s.status, ShipmentStatus::OutForDelivery);
        assert_eq!(s.estimated_delivery, Some(at("2026-11-02T00:00:00Z")));
        let t = tracking(serde_json::json!({
            "tracking_number": "X1", "tag": "Delivered",
            "courier_estimated_delivery_date": {"estimated_delivery_date": "2026-11-02"}
        }));
        let s = to_shipment(&Carrier::Correos, "X1", &t, at("2026-11-01T00:00:00Z"));
        assert_eq!(s.estimated_delivery, None);
    }

    #[test]
    fn a_pending_tracking_takes_its_status_from_the_last_checkpoint() {
        let t = tracking(serde_json::json!({
            "tracking_number": "X1", "tag": "Pending",
            "checkpoints": [{"checkpoint_time": "2026-10-30T08:00:00Z",
                             "message": "Out for delivery", "country_iso3": "ITA"}]
        }));
        let s = to_shipment(&Carrier::Brt, "X1", &t, at("2026-11-01T00:00:00Z"));
        assert_eq!(s.status, ShipmentStatus::OutForDelivery);
        assert_eq!(s.events[0].location.as_deref(), Some("ITA"));
    }

    #[test]
    fn every_registry_carrier_has_an_aftership_slug() {
        for c in registry::carriers() {
            assert!(
                c.aftership.as_deref().is_some_and(|s| !s.is_empty()),
                "{} has no AfterShip slug",
                c.code
            );
        }
    }

    #[test]
    fn the_api_key_never_prints() {
        let config = AftershipConfig::new("tenant", Secret::new("as-key-123"));
        assert!(!format!("{config:?}").contains("as-key-123"));
    }
}
