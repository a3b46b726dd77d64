//! What arrives on the ingest queue: the pollers' normalised source events, S3 notifications of
//! raw mail that SES stored, and SP-API ORDER_CHANGE notifications that Amazon delivers there.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::IngestError;
use crate::connectors::amazon::notifications::{self, NotificationError, OrderChange};
use crate::connectors::{ChannelMessage, ReceivedFeedback};
use crate::domain::{
    AccountId, Attachment, Channel, Direction, Feedback, Identity, Order, OrderId, SellerId,
    TenantId,
};

/// Longest message body accepted from a channel; marketplaces cap theirs far below this.
pub const MAX_BODY_CHARS: usize = 100_000;

/// A poller's event. The tenant is the poller's own (from its schedule), never the channel's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SourceEvent {
    /// A message read from a channel's messaging API (eBay).
    Message(MessageEvent),
    /// An order that changed on a channel.
    Order(OrderEvent),
    /// Negative or neutral feedback a buyer left (eBay).
    Feedback(FeedbackEvent),
    /// A row of an Amazon account's seller feedback report.
    AmazonFeedback(super::amazon_feedback::AmazonFeedbackEvent),
}

impl SourceEvent {
    pub fn order(tenant: &TenantId, order: Order) -> Self {
        SourceEvent::Order(OrderEvent {
            tenant: tenant.clone(),
            order,
        })
    }

    pub fn message(tenant: &TenantId, message: ChannelMessage) -> Self {
        SourceEvent::Message(MessageEvent::from_channel(tenant.clone(), message))
    }

    pub fn feedback(tenant: &TenantId, received: ReceivedFeedback) -> Self {
        SourceEvent::Feedback(FeedbackEvent {
            tenant: tenant.clone(),
            account: received.account,
            feedback: received.feedback,
            buyer: received.buyer,
            listing: received.listing,
            listing_title: received.listing_title,
        })
    }

    pub fn tenant(&self) -> &TenantId {
        match self {
            SourceEvent::Message(m) => &m.tenant,
            SourceEvent::Order(o) => &o.tenant,
            SourceEvent::Feedback(f) => &f.tenant,
            SourceEvent::AmazonFeedback(f) => &f.tenant,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageEvent {
    pub tenant: TenantId,
    pub account: AccountId,
    pub channel: Channel,
    pub conversation: String,
    pub message_id: String,
    pub direction: Direction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterparty: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub body: String,
    pub sent_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<OrderId>,
}

impl MessageEvent {
    pub fn from_channel(tenant: TenantId, message: ChannelMessage) -> Self {
        MessageEvent {
            tenant,
            account: message.account,
            channel: message.channel,
            conversation: message.conversation,
            message_id: message.message_id,
            direction: message.direction,
            counterparty: message.counterparty,
            subject: message.subject,
            body: message.body,
            sent_at: message.sent_at,
            attachments: message.attachments,
            listing: message.listing,
            order: None,
        }
    }

    /// Rejects what no channel sends: empty ids, oversized bodies, an e-mail channel here.
    pub fn validate(&self) -> Result<(), IngestError> {
        let invalid = |field: &'static str, reason: &str| {
            Err(IngestError::Invalid {
                field,
                reason: reason.to_owned(),
            })
        };
        if self.conversation.trim().is_empty() {
            return invalid("conversation", "must not be empty");
        }
        if self.message_id.trim().is_empty() {
            return invalid("message_id", "must not be empty");
        }
        if self.body.chars().count() > MAX_BODY_CHARS {
            return invalid("body", "longer than 100000 characters");
        }
        if self.channel == Channel::Email || self.channel == Channel::Amazon {
            return invalid("channel", "messages of this channel arrive as e-mail");
        }
        if let Err(reason) = crate::sla::check_instant(self.sent_at) {
            return invalid("sent_at", reason);
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderEvent {
    pub tenant: TenantId,
    pub order: Order,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedbackEvent {
    pub tenant: TenantId,
    pub account: AccountId,
    /// `order` names the line item the feedback is about; the buyer and listing find the order.
    pub feedback: Feedback,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer: Option<Identity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing_title: Option<String>,
}

/// A raw e-mail stored by SES, named by an S3 notification. The key is
/// `inbound/{tenant}/{object}`: SES writes it under the prefix of the tenant's receipt rule,
/// which our infrastructure sets, so the tenant in it is trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailObject {
    pub tenant: TenantId,
    pub bucket: String,
    pub key: String,
    /// When SES stored it (the notification's `eventTime`): the sending time of a mail
    /// without a usable Date header.
    pub arrived_at: Option<DateTime<Utc>>,
}

/// One unit of ingest work.
#[derive(Debug, Clone, PartialEq)]
pub enum IngestInput {
    Source(Box<SourceEvent>),
    Mail(MailObject),
    /// An Amazon order changed (SP-API ORDER_CHANGE). It names the seller, not the tenant:
    /// the store's seller route decides whose order it is.
    OrderChanged {
        seller_id: SellerId,
        order_id: OrderId,
        marketplace_id: String,
        /// Amazon's id of the notification; a redelivery carries the same one.
        notification_id: String,
        /// When the order changed, if Amazon says.
        changed_at: Option<DateTime<Utc>>,
    },
}

impl IngestInput {
    /// The tenant the work belongs to, when the payload itself may say so (an
    /// ORDER_CHANGE notification does not).
    pub fn tenant(&self) -> Option<&TenantId> {
        match self {
            IngestInput::Source(source) => Some(source.tenant()),
            IngestInput::Mail(mail) => Some(&mail.tenant),
            IngestInput::OrderChanged { .. } => None,
        }
    }
}

/// The work in one queue message body: a source event, or every object of an S3
/// notification (S3's own test event yields none).
pub fn parse_body(body: &str) -> Result<Vec<IngestInput>, IngestError> {
    let value: serde_json::Value =
        serde_json::from_str(body).map_err(|e| IngestError::Malformed(e.to_string()))?;
    if value.get("Event").and_then(|e| e.as_str()) == Some("s3:TestEvent") {
        return Ok(Vec::new());
    }
    if value.get("Records").is_some() {
        let event: S3Notification =
            serde_json::from_value(value).map_err(|e| IngestError::Malformed(e.to_string()))?;
        return event.records.into_iter().map(mail_object).collect();
    }
    if notifications::notification_type(&value).is_some() {
        return order_changed(value).map(|input| vec![input]);
    }
    let event: SourceEvent =
        serde_json::from_value(value).map_err(|e| IngestError::Malformed(e.to_string()))?;
    if let SourceEvent::Message(m) = &event {
        m.validate()?;
    }
    if let SourceEvent::AmazonFeedback(f) = &event {
        f.validate()?;
    }
    Ok(vec![IngestInput::Source(Box::new(event))])
}

/// An SP-API notification, validated against the ORDER_CHANGE model.
fn order_changed(value: serde_json::Value) -> Result<IngestInput, IngestError> {
    let notification = OrderChange::from_value(value).map_err(|e| match e {
        NotificationError::Invalid { field, reason } => IngestError::Invalid { field, reason },
        other => IngestError::Malformed(other.to_string()),
    })?;
    let change = notification.payload.order_change_notification;
    Ok(IngestInput::OrderChanged {
        seller_id: change.seller_id,
        order_id: change.amazon_order_id,
        marketplace_id: change.summary.marketplace_id,
        notification_id: notification.notification_metadata.notification_id,
        changed_at: change.order_change_trigger.time_of_order_change,
    })
}

/// The parts of an S3 event notification ingestion reads; S3 sends many more, which are
/// ignored rather than required.
#[derive(Deserialize)]
struct S3Notification {
    #[serde(rename = "Records")]
    records: Vec<S3Record>,
}

#[derive(Deserialize)]
struct S3Record {
    #[serde(rename = "eventName", default)]
    event_name: String,
    /// ISO 8601; an unreadable one is treated as absent (the worker's clock stands in).
    #[serde(rename = "eventTime", default)]
    event_time: Option<String>,
    s3: S3Entity,
}

#[derive(Deserialize)]
struct S3Entity {
    bucket: S3Bucket,
    object: S3Object,
}

#[derive(Deserialize)]
struct S3Bucket {
    name: String,
}

#[derive(Deserialize)]
struct S3Object {
    key: String,
}

fn mail_object(record: S3Record) -> Result<IngestInput, IngestError> {
    if !record.event_name.starts_with("ObjectCreated:") {
        return Err(IngestError::Invalid {
            field: "eventName",
            reason: format!("{} is not an object creation", record.event_name),
        });
    }
    let bucket = record.s3.bucket.name;
    let raw_key = record.s3.object.key;
    // S3 notifications URL-encode the key, spaces as '+'.
    let key = percent_encoding::percent_decode_str(&raw_key.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned();
    let mut parts = key.split('/');
    let tenant = match (parts.next(), parts.next(), parts.next()) {
        (Some("inbound"), Some(tenant), Some(object)) if !object.is_empty() => tenant,
        _ => {
            return Err(IngestError::Invalid {
                field: "s3.object.key",
                reason: "expected inbound/{tenant}/{object}".into(),
            });
        }
    };
    let tenant = TenantId::parse(tenant).map_err(|e| IngestError::Invalid {
        field: "s3.object.key",
        reason: e.to_string(),
    })?;
    if bucket.is_empty() {
        return Err(IngestError::Invalid {
            field: "s3.bucket.name",
            reason: "must not be empty".into(),
        });
    }
    let arrived_at = record
        .event_time
        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.to_utc());
    Ok(IngestInput::Mail(MailObject {
        tenant,
        bucket,
        key,
        arrived_at,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn order_change(seller: &str, order: &str) -> serde_json::Value {
        json!({
            "NotificationVersion": "1.0",
            "NotificationType": "ORDER_CHANGE",
            "PayloadVersion": "1.0",
            "EventTime": "2026-11-01T10:00:00.000Z",
            "Payload": {"OrderChangeNotification": {
                "NotificationLevel": "OrderLevel",
                "SellerId": seller,
                "AmazonOrderId": order,
                "OrderChangeType": "OrderStatusChange",
                "OrderChangeTrigger": {"TimeOfOrderChange": "2026-11-01T09:59:58.000Z", "ChangeReason": "Order status changed"},
                "Summary": {
                    "MarketplaceId": "APJ6JRA9NG5V4",
                    "OrderStatus": "Shipped",
                    "PurchaseDate": "2026-10-30T08:00:00.000Z",
                    "DestinationPostalCode": "20121",
                    "FulfillmentType": "MFN",
                    "OrderType": "StandardOrder",
                    "OrderItems": [{"OrderItemId": "12345678901234", "SellerSKU": "SKU-1", "SupplySourceId": null, "Quantity": 1}]
                }
            }},
            "NotificationMetadata": {
                "ApplicationId": "amzn1.sellerapps.app.1",
                "SubscriptionId": "sub-1",
                "PublishTime": "2026-11-01T10:00:00.500Z",
                "NotificationId": "n-1"
            }
        })
    }

    #[test]
    fn an_order_change_notification_becomes_order_changed_without_a_tenant() {
        let body = order_change("A3SANDBOXSELLER", "403-1234567-7654321").to_string();
        let inputs = parse_body(&body).unwrap();
        let [input] = &inputs[..] else {
            panic!("{inputs:?}")
        };
        assert_eq!(input.tenant(), None);
        let IngestInput::OrderChanged {
            seller_id,
            order_id,
            marketplace_id,
            notification_id,
            changed_at,
        } = input
        else {
            panic!("{input:?}")
        };
        assert_eq!(seller_id.as_str(), "A3SANDBOXSELLER");
        assert_eq!(order_id.as_str(), "403-1234567-7654321");
        assert_eq!(marketplace_id, "APJ6JRA9NG5V4");
        assert_eq!(notification_id, "n-1");
        assert_eq!(
            changed_at.map(|t| t.to_rfc3339()),
            Some("2026-11-01T09:59:58+00:00".into())
        );
    }

    #[test]
    fn an_invalid_notification_is_a_permanent_error_naming_the_field() {
        let bad_order = order_change("A3SANDBOXSELLER", "4031234567").to_string();
        let err = parse_body(&bad_order).unwrap_err();
        assert!(
            matches!(
                err,
                IngestError::Invalid {
                    field: "AmazonOrderId",
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.is_permanent());
        let mut other = order_change("A3SANDBOXSELLER", "403-1234567-7654321");
        other["NotificationType"] = json!("FEED_PROCESSING_FINISHED");
        let err = parse_body(&other.to_string()).unwrap_err();
        assert!(
            matches!(&err, IngestError::Malformed(m) if m.contains("FEED_PROCESSING_FINISHED"))
        );
        assert!(err.is_permanent());
    }

    #[test]
    fn an_s3_notification_carries_the_arrival_time_of_the_mail() {
        let body = json!({"Records": [
            {"eventName": "ObjectCreated:Put", "eventTime": "2026-11-23T08:00:00.000Z",
             "s3": {"bucket": {"name": "mail"}, "object": {"key": "inbound/acme/a%2Bb.eml"}}},
            {"eventName": "ObjectCreated:Put", "eventTime": "not a time",
             "s3": {"bucket": {"name": "mail"}, "object": {"key": "inbound/acme/c.eml"}}}
        ]})
        .to_string();
        let inputs = parse_body(&body).unwrap();
        let arrivals: Vec<_> = inputs
            .iter()
            .map(|i| match i {
                IngestInput::Mail(m) => m.arrived_at.map(|t| t.to_rfc3339()),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(arrivals, [Some("2026-11-23T08:00:00+00:00".into()), None]);
    }
}
