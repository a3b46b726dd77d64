//! Messages of a conversation.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{AgentId, MessageId, TicketId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Inbound,
    Outbound,
}

/// Who wrote a message. Only an `Agent` reply stops an SLA clock; an `Automation` reply never
/// stops Amazon's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AuthorKind {
    Buyer,
    Agent {
        agent: AgentId,
    },
    Automation {
        rule: String,
    },
    /// The marketplace itself: claim notices, feedback notifications, bounces.
    System,
}

/// Metadata of an attachment; the bytes stay in S3.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub size_bytes: u64,
    /// S3 key (or channel media URL) where the content is kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// Identifiers the channel gave the message, for dedupe and threading.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExternalRefs {
    /// The channel's message id (eBay message id, e-mail Message-ID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// The channel's conversation id (eBay) or relay alias (Amazon).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<String>,
    /// Set on a seller-initiated Amazon Messaging API action: the sender sends the message
    /// through that action on the order, not by e-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_action: Option<OrderAction>,
}

/// An Amazon Messaging API action (`unexpectedProblem`, `confirmDeliveryDetails`…) on an order,
/// as an outbound message carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderAction {
    /// The action's name as `getMessagingActionsForOrder` lists it.
    pub action: String,
    pub order: super::OrderId,
    /// The marketplace the order was placed in.
    pub marketplace: String,
    /// The `Idempotency-Key` the request carried, if any: a retry with it sends nothing new.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

/// Delivery of an outbound message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DeliveryState {
    Queued,
    Delivered { at: DateTime<Utc> },
    Failed { at: DateTime<Utc>, reason: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    pub id: MessageId,
    pub ticket: TicketId,
    pub direction: Direction,
    pub author: AuthorKind,
    /// Display name as the channel shows it (buyer name, agent name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Plain text, without quoted history or channel boilerplate.
    pub body: String,
    /// BCP 47 language of the body when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    #[serde(default)]
    pub external: ExternalRefs,
    /// When the channel says the message was sent; SLA clocks start here.
    pub sent_at: DateTime<Utc>,
    /// When marketdesk stored it.
    pub received_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<DeliveryState>,
}

impl Message {
    /// A reply to `ticket` written at `now` by an agent or an automation, stored queued for
    /// the sender (which threads it on the channel from the ticket).
    pub fn queued_reply(
        ticket: &TicketId,
        author: AuthorKind,
        body: String,
        language: String,
        now: DateTime<Utc>,
    ) -> Self {
        Message {
            id: MessageId::generate(now),
            ticket: ticket.clone(),
            direction: Direction::Outbound,
            author,
            author_name: None,
            subject: None,
            body,
            language: Some(language),
            attachments: Vec::new(),
            external: ExternalRefs::default(),
            sent_at: now,
            received_at: now,
            delivery: Some(DeliveryState::Queued),
        }
    }
}
