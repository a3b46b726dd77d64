//! The Fulfillment API v1 (`specs/ebay/sell_fulfillment_v1_oas3.json`): the parts of
//! `getOrders`, `getOrder` and `getShippingFulfillments` the helpdesk reads, with the model's
//! field names. Everything is optional as in the model; the mapping decides what it needs.

use serde::{Deserialize, Serialize};

use super::Error;

/// `OrderSearchPagedCollection`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderSearchPagedCollection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u32>,
    #[serde(default)]
    pub orders: Vec<Order>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Error>,
}

/// `Order`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    #[serde(default)]
    pub order_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer: Option<Buyer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_status: Option<CancelStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_date: Option<String>,
    /// `getShippingFulfillment` URIs; empty until the seller ships.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fulfillment_hrefs: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fulfillment_start_instructions: Vec<FulfillmentStartInstruction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified_date: Option<String>,
    #[serde(default)]
    pub line_items: Vec<LineItem>,
    /// `NOT_STARTED`, `IN_PROGRESS` or `FULFILLED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_fulfillment_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_payment_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pricing_summary: Option<PricingSummary>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller_id: Option<String>,
}

/// `Buyer`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Buyer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_registration_address: Option<ExtendedContact>,
}

/// `ExtendedContact` (name and e-mail only; e-mail is returned for 14 days after the sale).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtendedContact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
}

/// `CancelStatus`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelStatus {
    /// `CANCELED`, `IN_PROGRESS` or `NONE_REQUESTED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_date: Option<String>,
}

/// `FulfillmentStartInstruction`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FulfillmentStartInstruction {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfillment_instructions_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_estimated_delivery_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_estimated_delivery_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_step: Option<ShippingStep>,
}

/// `ShippingStep`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShippingStep {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_carrier_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_service_code: Option<String>,
}

/// `LineItem`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LineItem {
    #[serde(default)]
    pub line_item_id: String,
    /// The listing's item id, as conversations reference it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy_item_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy_variation_id: Option<String>,
    /// Price × quantity, before discounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_item_cost: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_item_fulfillment_instructions: Option<LineItemFulfillmentInstructions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_item_fulfillment_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing_marketplace_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchase_marketplace_id: Option<String>,
    #[serde(default)]
    pub quantity: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<Amount>,
}

/// `LineItemFulfillmentInstructions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LineItemFulfillmentInstructions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_estimated_delivery_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_estimated_delivery_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_by_date: Option<String>,
}

/// `PricingSummary` (the parts read).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PricingSummary {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_cost: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_subtotal: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<Amount>,
}

/// `Amount`: a decimal string and an ISO 4217 currency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Amount {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// `ShippingFulfillmentPagedCollection`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShippingFulfillmentPagedCollection {
    #[serde(default)]
    pub fulfillments: Vec<ShippingFulfillment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Error>,
}

/// `ShippingFulfillment`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShippingFulfillment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfillment_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub line_items: Vec<LineItemReference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipment_tracking_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipped_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_carrier_code: Option<String>,
}

/// `LineItemReference`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LineItemReference {
    #[serde(default)]
    pub line_item_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u32>,
}
