//! Orders, their items and shipments with tracking.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{AccountId, Channel, Identity, OrderId};

/// An amount in minor units (cents) of an ISO 4217 currency: no floating point for money.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Money {
    pub minor: i64,
    pub currency: String,
}

/// Points at an order of a channel.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderRef {
    pub channel: Channel,
    pub order: OrderId,
}

/// Who ships the order: it decides who owns the tracking answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FulfillmentChannel {
    /// Fulfilled by the marketplace (Amazon FBA).
    Marketplace,
    /// Fulfilled by the merchant (Amazon FBM, eBay, Shopify).
    Merchant,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderItem {
    /// ASIN, eBay item id or Shopify product id.
    pub product_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    pub title: String,
    pub quantity: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<Money>,
}

/// One normalised status model for every carrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ShipmentStatus {
    LabelCreated,
    InTransit,
    OutForDelivery,
    Delivered,
    Exception,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrackingEvent {
    pub at: DateTime<Utc>,
    pub status: ShipmentStatus,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Shipment {
    /// Carrier code as normalised by the tracking module (`dhl`, `ups`, `usps`, `poste_italiane`…).
    pub carrier: String,
    pub tracking_number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_url: Option<String>,
    pub status: ShipmentStatus,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<TrackingEvent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_delivery: Option<DateTime<Utc>>,
    /// When the live status was last fetched from the carrier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Order {
    pub channel: Channel,
    pub id: OrderId,
    pub account: AccountId,
    pub marketplace_id: String,
    /// The channel's own status word (`Unshipped`, `FULFILLED`…), kept verbatim.
    pub status: String,
    pub fulfillment: FulfillmentChannel,
    pub purchased_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_name: Option<String>,
    /// How the channel identifies the buyer (eBay user, e-mail, phone, Amazon relay alias):
    /// the ingest worker links these to one customer across channels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buyer_identities: Vec<Identity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<Money>,
    pub items: Vec<OrderItem>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shipments: Vec<Shipment>,
    /// The channel's last-modified time; an older copy never overwrites a newer one.
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

impl Order {
    pub fn reference(&self) -> OrderRef {
        OrderRef {
            channel: self.channel,
            order: self.id.clone(),
        }
    }
}
