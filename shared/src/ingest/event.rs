//! What arrives on the ingest queue: the pollers' normalised source events, and S3
//! notifications of raw mail that SES stored.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::IngestError;
use crate::connectors::{ChannelMessage, ReceivedFeedback};
use crate::domain::{
    AccountId, Attachment, Channel, Direction, Feedback, Identity, Order, OrderId, TenantId,
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
}

/// One unit of ingest work.
#[derive(Debug, Clone, PartialEq)]
pub enum IngestInput {
    Source(Box<SourceEvent>),
    Mail(MailObject),
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
    let event: SourceEvent =
        serde_json::from_value(value).map_err(|e| IngestError::Malformed(e.to_string()))?;
    if let SourceEvent::Message(m) = &event {
        m.validate()?;
    }
    Ok(vec![IngestInput::Source(Box::new(event))])
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
    Ok(IngestInput::Mail(MailObject {
        tenant,
        bucket,
        key,
    }))
}
