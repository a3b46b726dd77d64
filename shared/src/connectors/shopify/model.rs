//! The parts of the Admin GraphQL API this connector reads, with Shopify's field names, and the
//! GraphQL documents it sends. Fields Shopify may leave `null` are optional here.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The fields of an order every operation asks for.
const ORDER_FIELDS: &str = "fragment OrderFields on Order {
  id
  name
  createdAt
  updatedAt
  cancelledAt
  displayFinancialStatus
  displayFulfillmentStatus
  email
  phone
  currentTotalPriceSet { shopMoney { amount currencyCode } }
  customer {
    id
    displayName
    defaultEmailAddress { emailAddress }
    defaultPhoneNumber { phoneNumber }
  }
  lineItems(first: 100) {
    nodes {
      id
      title
      quantity
      sku
      product { id }
      originalUnitPriceSet { shopMoney { amount currencyCode } }
    }
  }
  fulfillments(first: 20) {
    status
    displayStatus
    estimatedDeliveryAt
    trackingInfo(first: 10) { company number url }
  }
}";

/// `operationName` of the changed-orders query (the sandbox recognises it by this name).
pub const CHANGED_ORDERS: &str = "ChangedOrders";
/// `operationName` of the look-up by order name.
pub const ORDER_BY_NAME: &str = "OrderByName";
/// `operationName` of the look-up by GID.
pub const ORDER_BY_ID: &str = "OrderById";

/// The GraphQL document of an operation.
pub fn document(operation: &str) -> String {
    let body = match operation {
        CHANGED_ORDERS => {
            "query ChangedOrders($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, sortKey: UPDATED_AT, query: $query) {
    nodes { ...OrderFields }
    pageInfo { hasNextPage endCursor }
  }
}"
        }
        ORDER_BY_NAME => {
            "query OrderByName($query: String!) {
  orders(first: 1, query: $query) {
    nodes { ...OrderFields }
    pageInfo { hasNextPage endCursor }
  }
}"
        }
        ORDER_BY_ID => {
            "query OrderById($id: ID!) {
  order(id: $id) { ...OrderFields }
}"
        }
        _ => "",
    };
    format!("{body}\n{ORDER_FIELDS}")
}

/// The envelope of every GraphQL answer.
#[derive(Debug, Clone, Deserialize)]
pub struct GraphQlResponse<T> {
    #[serde(default = "none")]
    pub data: Option<T>,
    #[serde(default)]
    pub errors: Vec<GraphQlError>,
    #[serde(default)]
    pub extensions: Option<Extensions>,
}

fn none<T>() -> Option<T> {
    None
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GraphQlError {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub extensions: Option<ErrorExtensions>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorExtensions {
    /// `THROTTLED`, `ACCESS_DENIED`, `INTERNAL_SERVER_ERROR`, `MAX_COST_EXCEEDED`…
    #[serde(default)]
    pub code: Option<String>,
}

impl GraphQlError {
    pub fn code(&self) -> Option<&str> {
        self.extensions.as_ref().and_then(|e| e.code.as_deref())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Extensions {
    #[serde(default)]
    pub cost: Option<Cost>,
}

/// `extensions.cost`: what the query cost and what is left in the shop's bucket.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cost {
    #[serde(default)]
    pub requested_query_cost: Option<f64>,
    #[serde(default)]
    pub actual_query_cost: Option<f64>,
    #[serde(default)]
    pub throttle_status: Option<ThrottleStatus>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThrottleStatus {
    pub maximum_available: f64,
    pub currently_available: f64,
    /// Points restored per second.
    pub restore_rate: f64,
}

/// `data` of `ChangedOrders` and `OrderByName`.
#[derive(Debug, Clone, Deserialize)]
pub struct OrdersData {
    pub orders: Connection<Order>,
}

/// `data` of `OrderById`.
#[derive(Debug, Clone, Deserialize)]
pub struct OrderData {
    #[serde(default)]
    pub order: Option<Order>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection<T> {
    #[serde(default = "Vec::new")]
    pub nodes: Vec<T>,
    #[serde(default)]
    pub page_info: Option<PageInfo>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    #[serde(default)]
    pub has_next_page: bool,
    #[serde(default)]
    pub end_cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    /// `gid://shopify/Order/…`
    pub id: String,
    /// `#1001`
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub cancelled_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub display_financial_status: Option<String>,
    #[serde(default)]
    pub display_fulfillment_status: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub current_total_price_set: Option<MoneyBag>,
    #[serde(default)]
    pub customer: Option<Customer>,
    #[serde(default)]
    pub line_items: Option<Connection<LineItem>>,
    #[serde(default)]
    pub fulfillments: Vec<Fulfillment>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MoneyBag {
    pub shop_money: MoneyV2,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MoneyV2 {
    /// A decimal string (`"49.90"`).
    pub amount: String,
    pub currency_code: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    /// `gid://shopify/Customer/…`
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub default_email_address: Option<EmailAddress>,
    #[serde(default)]
    pub default_phone_number: Option<PhoneNumber>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailAddress {
    #[serde(default)]
    pub email_address: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhoneNumber {
    #[serde(default)]
    pub phone_number: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LineItem {
    pub id: String,
    #[serde(default)]
    pub title: String,
    pub quantity: i64,
    #[serde(default)]
    pub sku: Option<String>,
    #[serde(default)]
    pub product: Option<Node>,
    #[serde(default)]
    pub original_unit_price_set: Option<MoneyBag>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Node {
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fulfillment {
    /// `SUCCESS`, `CANCELLED`, `ERROR`, `FAILURE`, `OPEN`, `PENDING`.
    #[serde(default)]
    pub status: Option<String>,
    /// `LABEL_PRINTED`, `IN_TRANSIT`, `OUT_FOR_DELIVERY`, `DELIVERED`, `FAILURE`…
    #[serde(default)]
    pub display_status: Option<String>,
    #[serde(default)]
    pub estimated_delivery_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub tracking_info: Vec<TrackingInfo>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TrackingInfo {
    #[serde(default)]
    pub company: Option<String>,
    #[serde(default)]
    pub number: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_its_document_with_the_order_fragment() {
        for op in [CHANGED_ORDERS, ORDER_BY_NAME, ORDER_BY_ID] {
            let doc = document(op);
            assert!(doc.starts_with(&format!("query {op}(")), "{doc}");
            assert!(doc.contains("fragment OrderFields on Order"));
            assert!(doc.contains("trackingInfo(first: 10) { company number url }"));
        }
        assert!(document(CHANGED_ORDERS).contains("sortKey: UPDATED_AT"));
    }
}
