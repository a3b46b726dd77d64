//! The parts of SP-API Orders 2026-01-01 (`specs/amazon/orders_2026-01-01.json`) that we read,
//! with the model's field names. Unknown fields are ignored so that additions by Amazon do not
//! break parsing; closed enums fall back to `Unknown` for the same reason.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `SearchOrdersResponse`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchOrdersResponse {
    pub orders: Vec<Order>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagination: Option<Pagination>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated_before: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_before: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `GetOrderResponse`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GetOrderResponse {
    pub order: Order,
}

/// `Order`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub order_id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub order_aliases: Vec<Alias>,
    pub created_time: DateTime<Utc>,
    pub last_updated_time: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub programs: Vec<String>,
    pub sales_channel: SalesChannel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer: Option<Buyer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<Recipient>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proceeds: Option<OrderProceeds>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfillment: Option<OrderFulfillment>,
    pub order_items: Vec<OrderItem>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<OrderPackage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alias {
    pub alias_id: String,
    pub alias_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SalesChannel {
    /// `AMAZON` or `NON_AMAZON`.
    pub channel_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marketplace_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marketplace_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Buyer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_name: Option<String>,
    /// The anonymised relay alias (`…@marketplace.amazon.de`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_company_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_purchase_order_number: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recipient {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_address: Option<CustomerAddress>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerAddress {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderProceeds {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grand_total: Option<Money>,
}

/// `Money`: a decimal string and an ISO 4217 code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Money {
    pub amount: String,
    pub currency_code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderFulfillment {
    pub fulfillment_status: FulfillmentStatus,
    /// `AMAZON` or `MERCHANT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfilled_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfillment_service_level: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_by_window: Option<DateTimeRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deliver_by_window: Option<DateTimeRange>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DateTimeRange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earliest_date_time: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_date_time: Option<DateTime<Utc>>,
}

/// `FulfillmentStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FulfillmentStatus {
    PendingAvailability,
    Pending,
    Unshipped,
    PartiallyShipped,
    Shipped,
    Cancelled,
    Unfulfillable,
    #[serde(other)]
    Unknown,
}

impl FulfillmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PendingAvailability => "PENDING_AVAILABILITY",
            Self::Pending => "PENDING",
            Self::Unshipped => "UNSHIPPED",
            Self::PartiallyShipped => "PARTIALLY_SHIPPED",
            Self::Shipped => "SHIPPED",
            Self::Cancelled => "CANCELLED",
            Self::Unfulfillable => "UNFULFILLABLE",
            Self::Unknown => "UNKNOWN",
        }
    }
}

/// `OrderItem`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderItem {
    pub order_item_id: String,
    pub quantity_ordered: u32,
    pub product: ItemProduct,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proceeds: Option<ItemProceeds>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfillment: Option<ItemFulfillment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemProduct {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller_sku: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<ItemPrice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemPrice {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_designation: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemProceeds {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proceeds_total: Option<Money>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemFulfillment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity_fulfilled: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity_unfulfilled: Option<u32>,
}

/// `OrderPackage`: carrier, tracking number and status (no restricted data token needed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderPackage {
    pub package_reference_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_time: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_status: Option<PackageStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_time: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_number: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub package_items: Vec<PackageItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageStatus {
    pub status: PackageState,
    /// `OUT_FOR_DELIVERY`, `DELIVERED`, `LOST`, `DAMAGED`… (open list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detailed_status: Option<String>,
}

/// `PackageStatus.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PackageState {
    Pending,
    InTransit,
    Shipped,
    Delivered,
    Cancelled,
    Undeliverable,
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageItem {
    pub order_item_id: String,
    pub quantity: u32,
}

/// `ErrorList`, the body of every SP-API error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorList {
    pub errors: Vec<Error>,
}

/// `Error`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Error {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

/// The datasets `includedData` can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IncludedData {
    Buyer,
    Recipient,
    Proceeds,
    Expense,
    Promotion,
    Cancellation,
    Fulfillment,
    Packages,
    Tax,
    Payment,
    FulfillmentOrders,
}

impl IncludedData {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Buyer => "BUYER",
            Self::Recipient => "RECIPIENT",
            Self::Proceeds => "PROCEEDS",
            Self::Expense => "EXPENSE",
            Self::Promotion => "PROMOTION",
            Self::Cancellation => "CANCELLATION",
            Self::Fulfillment => "FULFILLMENT",
            Self::Packages => "PACKAGES",
            Self::Tax => "TAX",
            Self::Payment => "PAYMENT",
            Self::FulfillmentOrders => "FULFILLMENT_ORDERS",
        }
    }
}

/// `fulfilledBy` filter values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FulfilledBy {
    Merchant,
    Amazon,
}

impl FulfilledBy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Merchant => "MERCHANT",
            Self::Amazon => "AMAZON",
        }
    }
}
