//! Shopify webhooks: the HMAC check of a delivery, its headers, and the order topics' body.
//!
//! Verify before parsing anything, on the raw bytes as received (re-serialised JSON has another
//! signature). Answer 2xx within 5 s; Shopify retries a failed delivery 8 times over 4 hours,
//! so dedupe on [`WebhookDelivery::event_id`].

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::connectors::http::Secret;
use crate::domain::{self, AccountId};

use super::mapping::{self, WebhookOrder};

pub const HMAC_HEADER: &str = "x-shopify-hmac-sha256";
pub const TOPIC_HEADER: &str = "x-shopify-topic";
pub const SHOP_HEADER: &str = "x-shopify-shop-domain";
pub const EVENT_ID_HEADER: &str = "x-shopify-event-id";
pub const WEBHOOK_ID_HEADER: &str = "x-shopify-webhook-id";
pub const API_VERSION_HEADER: &str = "x-shopify-api-version";
pub const TRIGGERED_AT_HEADER: &str = "x-shopify-triggered-at";

/// Why a webhook delivery is refused. Never holds the secret, the signature or the body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("header {0} is missing")]
    MissingHeader(&'static str),
    #[error("header {0} is not valid")]
    InvalidHeader(&'static str),
    #[error("the signature is not base64 of a SHA-256 HMAC")]
    MalformedSignature,
    #[error("the signature does not match the body")]
    SignatureMismatch,
    #[error("the webhook secret is empty")]
    EmptySecret,
    #[error("topic {0} carries no order")]
    NotAnOrderTopic(String),
    #[error("body is not the order resource: {0}")]
    InvalidBody(String),
    #[error("order cannot be mapped: {0}")]
    Mapping(String),
}

/// Checks `X-Shopify-Hmac-Sha256` (`hmac_header`): base64 of the HMAC-SHA256 of `raw_body`
/// keyed with the app's client secret, compared in constant time.
pub fn verify_webhook(
    secret: &Secret,
    raw_body: &[u8],
    hmac_header: &str,
) -> Result<(), WebhookError> {
    if secret.expose().is_empty() {
        return Err(WebhookError::EmptySecret);
    }
    let given = STANDARD
        .decode(hmac_header.trim())
        .map_err(|_| WebhookError::MalformedSignature)?;
    if given.len() != 32 {
        return Err(WebhookError::MalformedSignature);
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes())
        .map_err(|_| WebhookError::EmptySecret)?;
    mac.update(raw_body);
    mac.verify_slice(&given)
        .map_err(|_| WebhookError::SignatureMismatch)
}

/// The value of `X-Shopify-Hmac-Sha256` for `raw_body` (for tests and the sandbox).
pub fn sign_webhook(secret: &Secret, raw_body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(raw_body);
    STANDARD.encode(mac.finalize().into_bytes())
}

/// `X-Shopify-Topic`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum WebhookTopic {
    OrdersCreate,
    OrdersUpdated,
    OrdersPaid,
    OrdersFulfilled,
    OrdersPartiallyFulfilled,
    OrdersCancelled,
    CustomersUpdate,
    AppUninstalled,
    /// Any other topic, as sent.
    Other(String),
}

impl WebhookTopic {
    pub fn parse(value: &str) -> Self {
        match value.trim() {
            "orders/create" => Self::OrdersCreate,
            "orders/updated" => Self::OrdersUpdated,
            "orders/paid" => Self::OrdersPaid,
            "orders/fulfilled" => Self::OrdersFulfilled,
            "orders/partially_fulfilled" => Self::OrdersPartiallyFulfilled,
            "orders/cancelled" => Self::OrdersCancelled,
            "customers/update" => Self::CustomersUpdate,
            "app/uninstalled" => Self::AppUninstalled,
            other => Self::Other(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::OrdersCreate => "orders/create",
            Self::OrdersUpdated => "orders/updated",
            Self::OrdersPaid => "orders/paid",
            Self::OrdersFulfilled => "orders/fulfilled",
            Self::OrdersPartiallyFulfilled => "orders/partially_fulfilled",
            Self::OrdersCancelled => "orders/cancelled",
            Self::CustomersUpdate => "customers/update",
            Self::AppUninstalled => "app/uninstalled",
            Self::Other(s) => s,
        }
    }

    /// Whether the body is an order resource.
    pub fn carries_order(&self) -> bool {
        matches!(
            self,
            Self::OrdersCreate
                | Self::OrdersUpdated
                | Self::OrdersPaid
                | Self::OrdersFulfilled
                | Self::OrdersPartiallyFulfilled
                | Self::OrdersCancelled
        )
    }
}

impl fmt::Display for WebhookTopic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the delivery headers say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    pub topic: WebhookTopic,
    /// `acme.myshopify.com`: which shop (hence which account) the event belongs to.
    pub shop_domain: String,
    /// The same for every retry of one event: the dedupe key.
    pub event_id: String,
    /// The subscription that sent it.
    pub webhook_id: String,
    pub api_version: Option<String>,
    pub triggered_at: Option<DateTime<Utc>>,
}

impl WebhookDelivery {
    /// Reads the delivery headers through `header` (case-insensitive names, as in
    /// `http::HeaderMap`).
    pub fn from_headers<'a>(
        header: impl Fn(&str) -> Option<&'a str>,
    ) -> Result<Self, WebhookError> {
        let required = |name: &'static str| -> Result<String, WebhookError> {
            let value = header(name)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .ok_or(WebhookError::MissingHeader(name))?;
            // Values become keys and log fields: printable ASCII only, bounded.
            if value.len() > 255 || !value.chars().all(|c| c.is_ascii_graphic()) {
                return Err(WebhookError::InvalidHeader(name));
            }
            Ok(value.to_owned())
        };
        let topic = WebhookTopic::parse(&required(TOPIC_HEADER)?);
        let shop_domain = required(SHOP_HEADER)?.to_ascii_lowercase();
        if !shop_domain.contains('.')
            || !shop_domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        {
            return Err(WebhookError::InvalidHeader(SHOP_HEADER));
        }
        let event_id = required(EVENT_ID_HEADER)?;
        let webhook_id = required(WEBHOOK_ID_HEADER)?;
        let api_version = header(API_VERSION_HEADER).map(|v| v.trim().to_owned());
        let triggered_at = match header(TRIGGERED_AT_HEADER) {
            None => None,
            Some(v) => Some(
                DateTime::parse_from_rfc3339(v.trim())
                    .map_err(|_| WebhookError::InvalidHeader(TRIGGERED_AT_HEADER))?
                    .to_utc(),
            ),
        };
        Ok(Self {
            topic,
            shop_domain,
            event_id,
            webhook_id,
            api_version,
            triggered_at,
        })
    }

    /// Reads the delivery headers of an HTTP request.
    pub fn from_header_map(headers: &reqwest::header::HeaderMap) -> Result<Self, WebhookError> {
        Self::from_headers(|name| headers.get(name).and_then(|v| v.to_str().ok()))
    }
}

/// The order in the body of an order topic, mapped like the Admin API's orders.
pub fn parse_order_webhook(
    delivery: &WebhookDelivery,
    account: &AccountId,
    raw_body: &[u8],
) -> Result<domain::Order, WebhookError> {
    if !delivery.topic.carries_order() {
        return Err(WebhookError::NotAnOrderTopic(delivery.topic.to_string()));
    }
    let order: WebhookOrder =
        serde_json::from_slice(raw_body).map_err(|e| WebhookError::InvalidBody(e.to_string()))?;
    mapping::webhook_to_domain_order(&order, account, &delivery.shop_domain)
        .map_err(WebhookError::Mapping)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Channel, Identity, IdentityKind, ShipmentStatus};

    const BODY: &[u8] = br#"{"id":820982911946154508,"email":"jon@example.com","closed_at":null}"#;

    fn secret() -> Secret {
        Secret::new("hush")
    }

    #[test]
    fn a_known_vector_verifies() {
        // The widely published HMAC-SHA256 example: key "key", hex f7bc83f4…2d1a3cd8.
        let header = "97yD9DBThCSxMpjmqm+xQ+9NWaFJRhdZl0edvC0aPNg=";
        let key = Secret::new("key");
        verify_webhook(&key, b"The quick brown fox jumps over the lazy dog", header).unwrap();
        assert_eq!(
            sign_webhook(&key, b"The quick brown fox jumps over the lazy dog"),
            header
        );
    }

    #[test]
    fn a_signed_body_verifies_and_any_change_is_refused() {
        let header = sign_webhook(&secret(), BODY);
        verify_webhook(&secret(), BODY, &header).unwrap();
        let mut tampered = BODY.to_vec();
        tampered[10] ^= 1;
        assert_eq!(
            verify_webhook(&secret(), &tampered, &header),
            Err(WebhookError::SignatureMismatch)
        );
        assert_eq!(
            verify_webhook(&Secret::new("other"), BODY, &header),
            Err(WebhookError::SignatureMismatch)
        );
        let mut wrong = STANDARD.decode(&header).unwrap();
        wrong[0] ^= 0x80;
        assert_eq!(
            verify_webhook(&secret(), BODY, &STANDARD.encode(wrong)),
            Err(WebhookError::SignatureMismatch)
        );
    }

    #[test]
    fn malformed_signatures_and_empty_secrets_are_refused() {
        assert_eq!(
            verify_webhook(&secret(), BODY, "not base64!"),
            Err(WebhookError::MalformedSignature)
        );
        assert_eq!(
            verify_webhook(&secret(), BODY, &STANDARD.encode([0u8; 16])),
            Err(WebhookError::MalformedSignature)
        );
        assert_eq!(
            verify_webhook(&secret(), BODY, ""),
            Err(WebhookError::MalformedSignature)
        );
        let header = sign_webhook(&Secret::new(""), BODY);
        assert_eq!(
            verify_webhook(&Secret::new(""), BODY, &header),
            Err(WebhookError::EmptySecret)
        );
    }

    fn headers(pairs: &[(&str, &'static str)]) -> reqwest::header::HeaderMap {
        let mut map = reqwest::header::HeaderMap::new();
        for (k, v) in pairs {
            map.insert(
                reqwest::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        map
    }

    fn delivery_headers() -> Vec<(&'static str, &'static str)> {
        vec![
            ("X-Shopify-Topic", "orders/updated"),
            ("X-Shopify-Shop-Domain", "Acme.myshopify.com"),
            ("X-Shopify-Event-Id", "98880550-7158-44d4-b7cd-2c97c8a091b5"),
            (
                "X-Shopify-Webhook-Id",
                "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
            ),
            ("X-Shopify-Api-Version", "2026-10"),
            ("X-Shopify-Triggered-At", "2026-11-01T10:00:00.123Z"),
        ]
    }

    #[test]
    fn delivery_headers_become_a_typed_delivery() {
        let d = WebhookDelivery::from_header_map(&headers(&delivery_headers())).unwrap();
        assert_eq!(d.topic, WebhookTopic::OrdersUpdated);
        assert_eq!(d.shop_domain, "acme.myshopify.com");
        assert_eq!(d.event_id, "98880550-7158-44d4-b7cd-2c97c8a091b5");
        assert_eq!(d.webhook_id, "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043");
        assert!(d.triggered_at.is_some());
    }

    #[test]
    fn missing_or_odd_delivery_headers_are_named() {
        let mut pairs = delivery_headers();
        pairs.retain(|(k, _)| *k != "X-Shopify-Event-Id");
        assert_eq!(
            WebhookDelivery::from_header_map(&headers(&pairs)),
            Err(WebhookError::MissingHeader(EVENT_ID_HEADER))
        );
        let mut pairs = delivery_headers();
        pairs[1] = ("X-Shopify-Shop-Domain", "acme.myshopify.com/../x");
        assert_eq!(
            WebhookDelivery::from_header_map(&headers(&pairs)),
            Err(WebhookError::InvalidHeader(SHOP_HEADER))
        );
        let mut pairs = delivery_headers();
        pairs[5] = ("X-Shopify-Triggered-At", "yesterday");
        assert_eq!(
            WebhookDelivery::from_header_map(&headers(&pairs)),
            Err(WebhookError::InvalidHeader(TRIGGERED_AT_HEADER))
        );
    }

    const ORDER_BODY: &str = r##"{
        "id": 5550001002, "admin_graphql_api_id": "gid://shopify/Order/5550001002",
        "name": "#1002", "email": "Marco.Bianchi@example.it", "phone": "+39 333 000 1111",
        "created_at": "2026-10-20T11:00:00+02:00", "updated_at": "2026-10-23T08:15:00+02:00",
        "cancelled_at": null, "currency": "EUR", "total_price": "24.50",
        "financial_status": "paid", "fulfillment_status": "fulfilled",
        "customer": {"id": 7002, "email": "marco.bianchi@example.it", "phone": null,
                     "first_name": "Marco", "last_name": "Bianchi"},
        "line_items": [{"id": 1, "product_id": 8002, "sku": "TZ-01", "title": "Tazza",
                        "quantity": 1, "price": "24.50"}],
        "fulfillments": [{"status": "success", "shipment_status": "in_transit",
                          "tracking_company": "BRT", "tracking_number": "084123456789012",
                          "tracking_numbers": ["084123456789012"],
                          "tracking_url": "https://vas.brt.it/vas/sped_det_show.hsm?referer=sped_numspe_par.htm&Nspediz=084123456789012",
                          "tracking_urls": ["https://vas.brt.it/vas/sped_det_show.hsm?referer=sped_numspe_par.htm&Nspediz=084123456789012"]}]
    }"##;

    #[test]
    fn an_orders_updated_body_maps_to_the_domain_order() {
        let delivery = WebhookDelivery::from_header_map(&headers(&delivery_headers())).unwrap();
        let account = AccountId::parse("acct_shop").unwrap();
        let order = parse_order_webhook(&delivery, &account, ORDER_BODY.as_bytes()).unwrap();
        assert_eq!(order.channel, Channel::Shopify);
        assert_eq!(order.id.as_str(), "1002");
        assert_eq!(order.status, "FULFILLED");
        assert_eq!(order.total.as_ref().unwrap().minor, 2450);
        assert_eq!(order.buyer_name.as_deref(), Some("Marco Bianchi"));
        assert_eq!(
            order.buyer_identities,
            vec![
                Identity::new(IdentityKind::Email, "marco.bianchi@example.it"),
                Identity::new(IdentityKind::Phone, "+39 333 000 1111"),
                Identity::new(IdentityKind::ShopifyCustomer, "7002"),
            ]
        );
        assert_eq!(order.shipments.len(), 1);
        assert_eq!(order.shipments[0].carrier, "brt");
        assert_eq!(order.shipments[0].status, ShipmentStatus::InTransit);
        assert!(order.shipments[0].tracking_url.is_some());
        assert_eq!(order.updated_at.to_rfc3339(), "2026-10-23T06:15:00+00:00");
    }

    #[test]
    fn bodies_of_other_topics_or_shapes_are_refused() {
        let account = AccountId::parse("acct_shop").unwrap();
        let mut delivery = WebhookDelivery::from_header_map(&headers(&delivery_headers())).unwrap();
        assert!(matches!(
            parse_order_webhook(&delivery, &account, b"{\"id\": 1}"),
            Err(WebhookError::InvalidBody(_))
        ));
        delivery.topic = WebhookTopic::parse("app/uninstalled");
        assert!(matches!(
            parse_order_webhook(&delivery, &account, ORDER_BODY.as_bytes()),
            Err(WebhookError::NotAnOrderTopic(_))
        ));
    }
}
