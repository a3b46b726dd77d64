//! SP-API notifications as they arrive on our SQS queue: the envelope every notification shares
//! and the ORDER_CHANGE payload (`specs/amazon/OrderChangeNotification.json`), with the model's
//! field names.
//!
//! Unlike the Orders model, these types are strict: a body that does not match the official
//! schema (a missing required field, a value outside one of its enums, an order id not in 3-7-7
//! form) is refused with a [`NotificationError`] and quarantined. Nothing is lost by that: a
//! notification only makes an order arrive sooner, and the poller still reads every order.
//! A notification names a seller, never a tenant; routing it is the store's job
//! (`AccountStore::account_for_seller`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{OrderId, SellerId};

/// `NotificationType` of the one notification we subscribe to.
pub const ORDER_CHANGE: &str = "ORDER_CHANGE";

/// Longest seller or marketplace id accepted; Amazon's are 10–15 characters.
const MAX_AMAZON_ID_LEN: usize = 64;

/// Why a body is not a notification we can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotificationError {
    /// Not JSON, or not shaped like the official model.
    #[error("not a valid SP-API notification: {0}")]
    Malformed(String),
    #[error("unsupported notification type {0} (only ORDER_CHANGE is subscribed)")]
    UnsupportedType(String),
    #[error("invalid {field}: {reason}")]
    Invalid { field: &'static str, reason: String },
}

/// The envelope every SP-API notification shares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Notification<P> {
    pub notification_version: String,
    pub notification_type: String,
    pub payload_version: String,
    /// When the notification was published.
    pub event_time: DateTime<Utc>,
    pub payload: P,
    pub notification_metadata: NotificationMetadata,
}

/// An ORDER_CHANGE notification.
pub type OrderChange = Notification<OrderChangePayload>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NotificationMetadata {
    pub application_id: String,
    pub subscription_id: String,
    pub publish_time: DateTime<Utc>,
    /// Unique per notification; a redelivery carries the same one.
    pub notification_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrderChangePayload {
    pub order_change_notification: OrderChangeNotification,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrderChangeNotification {
    pub notification_level: NotificationLevel,
    pub seller_id: SellerId,
    pub amazon_order_id: OrderId,
    pub order_change_type: OrderChangeType,
    pub order_change_trigger: OrderChangeTrigger,
    pub summary: OrderChangeSummary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NotificationLevel {
    OrderLevel,
    OrderItemLevel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderChangeType {
    BuyerRequestedChange,
    DeliveryTipChange,
    OrderStatusChange,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrderChangeTrigger {
    /// Required but nullable in the model: null when the change has no timestamp.
    pub time_of_order_change: Option<DateTime<Utc>>,
    pub change_reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrderChangeSummary {
    pub marketplace_id: String,
    pub order_status: OrderStatus,
    /// Required but nullable in the model.
    pub purchase_date: Option<DateTime<Utc>>,
    /// Required but nullable in the model.
    pub destination_postal_code: Option<String>,
    pub fulfillment_type: FulfillmentType,
    pub order_type: OrderType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_of_items_shipped: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_of_items_unshipped: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earliest_delivery_date: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_delivery_date: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earliest_ship_date: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_ship_date: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_notify_date: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_programs: Option<Vec<OrderProgram>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_programs: Option<Vec<ShippingProgram>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub easy_ship_shipment_status: Option<EasyShipShipmentStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub electronic_invoice_status: Option<ElectronicInvoiceStatus>,
    pub order_items: Vec<OrderChangeItem>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderStatus {
    Pending,
    Unshipped,
    PartiallyShipped,
    Shipped,
    Canceled,
    Unfulfillable,
    InvoiceUnconfirmed,
    PendingAvailability,
}

/// `AFN` (fulfilled by Amazon) or `MFN` (by the merchant).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FulfillmentType {
    #[serde(rename = "AFN")]
    Afn,
    #[serde(rename = "MFN")]
    Mfn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderType {
    StandardOrder,
    LongLeadTimeOrder,
    Preorder,
    BackOrder,
    SourcingOnDemandOrder,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderProgram {
    Business,
    Prime,
    Premium,
    #[serde(rename = "IBA")]
    Iba,
    Replacement,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ShippingProgram {
    ShipDateSet,
    GlobalExpress,
    #[serde(rename = "ISPU")]
    Ispu,
    AccessPoint,
    #[serde(rename = "TFM")]
    Tfm,
    EasyShip,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EasyShipShipmentStatus {
    PendingSchedule,
    PendingPickUp,
    PendingDropOff,
    LabelCanceled,
    PickedUp,
    DroppedOff,
    #[serde(rename = "AtOriginFC")]
    AtOriginFc,
    #[serde(rename = "AtDestinationFC")]
    AtDestinationFc,
    Delivered,
    RejectedByBuyer,
    Undeliverable,
    ReturningToSeller,
    ReturnedToSeller,
    Lost,
    OutForDelivery,
    Damaged,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ElectronicInvoiceStatus {
    NotRequired,
    NotFound,
    Processing,
    Errored,
    Accepted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderItemStatus {
    Unshipped,
    Shipped,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrderChangeItem {
    pub order_item_id: String,
    #[serde(rename = "SellerSKU")]
    pub seller_sku: String,
    /// Required but nullable in the model.
    pub supply_source_id: Option<String>,
    pub quantity: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_item_status: Option<OrderItemStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity_shipped: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_buyer_requested_cancel: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_earliest_delivery_date: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_latest_delivery_date: Option<DateTime<Utc>>,
}

/// The `NotificationType` of a JSON body, if it looks like an SP-API notification at all;
/// lets the ingest queue tell notifications from our own events before parsing either.
pub fn notification_type(body: &serde_json::Value) -> Option<&str> {
    body.get("NotificationType")?.as_str()
}

impl OrderChange {
    /// Reads and validates an ORDER_CHANGE notification.
    pub fn parse(body: &str) -> Result<Self, NotificationError> {
        let value: serde_json::Value =
            serde_json::from_str(body).map_err(|e| NotificationError::Malformed(e.to_string()))?;
        Self::from_value(value)
    }

    /// Validates an already parsed body: its type first (so a notification of another type is
    /// named as such, not as malformed), then its shape, then the ids it will be routed by.
    pub fn from_value(value: serde_json::Value) -> Result<Self, NotificationError> {
        match notification_type(&value) {
            Some(ORDER_CHANGE) => {}
            Some(other) => return Err(NotificationError::UnsupportedType(truncate(other))),
            None => {
                return Err(NotificationError::Malformed(
                    "NotificationType is missing or not a string".into(),
                ));
            }
        }
        let notification: OrderChange = serde_json::from_value(value)
            .map_err(|e| NotificationError::Malformed(e.to_string()))?;
        notification.validate()?;
        Ok(notification)
    }

    /// Checks what the model states in prose only: the ids' formats.
    pub fn validate(&self) -> Result<(), NotificationError> {
        let change = self.change();
        let invalid = |field: &'static str, reason: &str| {
            Err(NotificationError::Invalid {
                field,
                reason: reason.to_owned(),
            })
        };
        if !is_amazon_id(change.seller_id.as_str()) {
            return invalid("SellerId", "expected 1–64 ASCII letters and digits");
        }
        if !is_amazon_order_id(change.amazon_order_id.as_str()) {
            return invalid("AmazonOrderId", "expected the 3-7-7 digit form");
        }
        if !is_amazon_id(&change.summary.marketplace_id) {
            return invalid("MarketplaceId", "expected 1–64 ASCII letters and digits");
        }
        if self.notification_metadata.notification_id.trim().is_empty() {
            return invalid("NotificationId", "must not be empty");
        }
        Ok(())
    }

    pub fn change(&self) -> &OrderChangeNotification {
        &self.payload.order_change_notification
    }
}

fn is_amazon_id(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= MAX_AMAZON_ID_LEN
        && value.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// `\d{3}-\d{7}-\d{7}`.
fn is_amazon_order_id(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    matches!(parts.as_slice(), [a, b, c]
        if a.len() == 3 && b.len() == 7 && c.len() == 7
            && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())))
}

/// Error messages quote at most this much of a value from outside.
fn truncate(value: &str) -> String {
    value.chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// The example the official model gives.
    fn example() -> Value {
        json!({
            "NotificationVersion": "1.0",
            "NotificationType": "ORDER_CHANGE",
            "PayloadVersion": "1.0",
            "EventTime": "2020-01-11T00:09:53.109Z",
            "Payload": {
                "OrderChangeNotification": {
                    "NotificationLevel": "OrderLevel",
                    "SellerId": "A3TH9S8BH6GOGM",
                    "AmazonOrderId": "903-8868176-2219830",
                    "OrderChangeType": "BuyerRequestedChange",
                    "OrderChangeTrigger": {
                        "TimeOfOrderChange": "2022-11-29T19:42:04.284Z",
                        "ChangeReason": "Buyer Requested Cancel"
                    },
                    "Summary": {
                        "MarketplaceId": "ATVPDKIKX0DER",
                        "OrderStatus": "Unshipped",
                        "PurchaseDate": "2022-07-13T19:42:04.284Z",
                        "DestinationPostalCode": "48110",
                        "FulfillmentType": "MFN",
                        "OrderType": "StandardOrder",
                        "NumberOfItemsShipped": 0,
                        "NumberOfItemsUnshipped": 10,
                        "EarliestDeliveryDate": "2022-11-07T19:42:04.284Z",
                        "OrderPrograms": ["Business"],
                        "ShippingPrograms": ["EasyShip"],
                        "EasyShipShipmentStatus": "Delivered",
                        "ElectronicInvoiceStatus": "NotFound",
                        "OrderItems": [{
                            "OrderItemId": "OIID34853450",
                            "SellerSKU": "SellerSKUID1",
                            "SupplySourceId": "d7679e14-031b-4ab3-a81b-ec4fc7a460b3",
                            "OrderItemStatus": "Unshipped",
                            "Quantity": 10,
                            "QuantityShipped": 0,
                            "IsBuyerRequestedCancel": true
                        }]
                    }
                }
            },
            "NotificationMetadata": {
                "ApplicationId": "app-id-d0e9e693-c3ad-4373-979f-ed4ec98dd746",
                "SubscriptionId": "subscription-id-d0e9e693-c3ad-4373-979f-ed4ec98dd746",
                "PublishTime": "2020-07-13T19:42:04.284Z",
                "NotificationId": "d0e9e693-c3ad-4373-979f-ed4ec98dd746"
            }
        })
    }

    fn change(mut edit: impl FnMut(&mut Value)) -> Value {
        let mut value = example();
        edit(&mut value["Payload"]["OrderChangeNotification"]);
        value
    }

    #[test]
    fn the_models_example_parses_with_its_routing_fields_and_round_trips() {
        let parsed = OrderChange::parse(&example().to_string()).unwrap();
        let c = parsed.change();
        assert_eq!(c.seller_id.as_str(), "A3TH9S8BH6GOGM");
        assert_eq!(c.amazon_order_id.as_str(), "903-8868176-2219830");
        assert_eq!(c.summary.marketplace_id, "ATVPDKIKX0DER");
        assert_eq!(c.summary.fulfillment_type, FulfillmentType::Mfn);
        assert_eq!(
            c.summary.order_items[0].is_buyer_requested_cancel,
            Some(true)
        );
        assert_eq!(serde_json::to_value(&parsed).unwrap(), example());
    }

    #[test]
    fn null_timestamps_the_model_allows_are_accepted() {
        let body = change(|c| {
            c["OrderChangeTrigger"]["TimeOfOrderChange"] = Value::Null;
            c["Summary"]["PurchaseDate"] = Value::Null;
        });
        let parsed = OrderChange::from_value(body.clone()).unwrap();
        assert_eq!(
            parsed.change().order_change_trigger.time_of_order_change,
            None
        );
        assert_eq!(serde_json::to_value(&parsed).unwrap(), body);
    }

    #[test]
    fn another_notification_type_is_named_as_unsupported() {
        let mut body = example();
        body["NotificationType"] = json!("ANY_OFFER_CHANGED");
        assert_eq!(
            OrderChange::from_value(body),
            Err(NotificationError::UnsupportedType(
                "ANY_OFFER_CHANGED".into()
            ))
        );
    }

    #[test]
    fn a_missing_required_field_is_malformed_and_named() {
        let body = change(|c| {
            c.as_object_mut().unwrap().remove("SellerId");
        });
        let err = OrderChange::from_value(body).unwrap_err();
        assert!(
            matches!(&err, NotificationError::Malformed(m) if m.contains("SellerId")),
            "{err}"
        );
        let mut body = example();
        body.as_object_mut().unwrap().remove("NotificationMetadata");
        assert!(matches!(
            OrderChange::from_value(body),
            Err(NotificationError::Malformed(_))
        ));
    }

    #[test]
    fn a_value_outside_the_models_enums_is_refused() {
        let body = change(|c| c["Summary"]["OrderStatus"] = json!("Teleported"));
        let err = OrderChange::from_value(body).unwrap_err();
        assert!(
            matches!(&err, NotificationError::Malformed(m) if m.contains("Teleported")),
            "{err}"
        );
    }

    #[test]
    fn ids_that_could_not_be_amazons_are_refused_before_routing() {
        let key_injection = change(|c| c["SellerId"] = json!("A1#TKT#x"));
        assert!(matches!(
            OrderChange::from_value(key_injection),
            Err(NotificationError::Malformed(_))
        ));
        let punctuation = change(|c| c["SellerId"] = json!("A1-B2"));
        assert!(matches!(
            OrderChange::from_value(punctuation),
            Err(NotificationError::Invalid {
                field: "SellerId",
                ..
            })
        ));
        let order = change(|c| c["AmazonOrderId"] = json!("903-886817-2219830"));
        assert!(matches!(
            OrderChange::from_value(order),
            Err(NotificationError::Invalid {
                field: "AmazonOrderId",
                ..
            })
        ));
        let market = change(|c| c["Summary"]["MarketplaceId"] = json!(""));
        assert!(matches!(
            OrderChange::from_value(market),
            Err(NotificationError::Invalid {
                field: "MarketplaceId",
                ..
            })
        ));
    }

    #[test]
    fn a_body_that_is_not_json_or_has_no_type_is_malformed() {
        assert!(matches!(
            OrderChange::parse("{not json"),
            Err(NotificationError::Malformed(_))
        ));
        assert!(matches!(
            OrderChange::parse(r#"{"NotificationType": 3}"#),
            Err(NotificationError::Malformed(_))
        ));
    }

    #[test]
    fn the_order_id_form_is_exactly_three_seven_seven_digits() {
        assert!(is_amazon_order_id("403-1234567-7654321"));
        assert!(!is_amazon_order_id("403-1234567-765432a"));
        assert!(!is_amazon_order_id("403-1234567-7654321-1"));
        assert!(!is_amazon_order_id("4031234567765432"));
    }
}
