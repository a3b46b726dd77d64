//! Outbound replies (pure): what the sender function sends for a queued agent reply, and what
//! a delivered reply changes on its ticket.
//!
//! - [`OutboundMessage`]: the outbound queue's payload (ids only; the reply itself is stored on
//!   the ticket with `delivery: Queued`).
//! - [`build`]: from the ticket, its messages, the channel account and the customer, the
//!   [`Outgoing`] to send: a MIME e-mail for the e-mail channels (Amazon relay, Shopify store
//!   mail, e-mail) or an [`OutgoingReply`] for eBay's Message API. Whatever cannot be sent is an
//!   [`OutboundError`], which never heals by retrying.
//! - [`reply_effect`]: the ticket after a delivered reply (SLA clock stopped, response time
//!   counted for reports).
//! - Ports: [`MailTransport`] (SES, `adapters::ses`), [`ChannelReplies`] (a channel's own
//!   messaging API, through `connectors::accounts::ChannelClients`) and [`OrderMessaging`]
//!   (Amazon's Messaging API actions on an order, [`actions`]).

use std::future::Future;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::connectors::{ConnectorError, OutgoingReply, SentReply};
use crate::domain::{
    AccountId, AuthorKind, Channel, ChannelAccount, Customer, DeliveryState, Direction,
    IdentityKind, Message, MessageId, OrderAction, TenantId, Ticket, TicketId,
};

pub mod actions;
mod effect;
mod mail;
mod queue;
mod transport;

pub use actions::{NoOrderMessaging, OrderMessaging, OutgoingAction};
pub use effect::{ReplyEffect, reply_effect};
pub use mail::{is_mail_address, reply_subject};
pub use queue::{MemoryOutboundQueue, OutboundQueue, QueueError};

/// The outbound queue's payload: which queued reply of which ticket to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboundMessage {
    pub tenant: TenantId,
    pub ticket: TicketId,
    pub message: MessageId,
}

/// A reply ready for its transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    /// An e-mail (Amazon relay, store mail) for the [`MailTransport`].
    Mail(OutgoingMail),
    /// A message for the channel's own API (eBay), for [`ChannelReplies`].
    Channel(OutgoingReply),
    /// An Amazon Messaging API action on the ticket's order, for [`OrderMessaging`].
    Action(OutgoingAction),
}

/// A complete e-mail. `Debug` leaves out the recipient and the content: both are the buyer's.
#[derive(Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    /// The account's approved sender address (envelope and `From`).
    pub from: String,
    /// The buyer's address (Amazon relay alias or the store customer's e-mail).
    pub to: String,
    /// Our Message-ID, without angle brackets: `{message id}@{sender domain}`.
    pub message_id: String,
    /// The RFC 5322 message, as sent.
    pub raw: Vec<u8>,
}

impl std::fmt::Debug for OutgoingMail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutgoingMail")
            .field("from", &self.from)
            .field("message_id", &self.message_id)
            .field("bytes", &self.raw.len())
            .finish_non_exhaustive()
    }
}

/// Why a queued reply cannot be sent. None of these heal by retrying: the reply is recorded as
/// failed with this reason. Messages name ids, never a buyer's address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutboundError {
    #[error("message {message} is not on ticket {ticket}")]
    MessageNotFound {
        ticket: TicketId,
        message: MessageId,
    },
    #[error("message {message} is not an outgoing reply of an agent or automation")]
    NotAReply { message: MessageId },
    #[error("message {message} is not queued for delivery")]
    NotQueued { message: MessageId },
    #[error("message {message} has an empty body")]
    EmptyBody { message: MessageId },
    #[error(
        "message {message} has attachments; sending attachments by e-mail is not supported yet"
    )]
    AttachmentsUnsupported { message: MessageId },
    #[error("ticket {ticket} is on {ticket_channel} but account {account} is on {account_channel}")]
    WrongAccount {
        ticket: TicketId,
        account: AccountId,
        ticket_channel: Channel,
        account_channel: Channel,
    },
    #[error("ticket {ticket}'s channel account {account} does not exist")]
    NoAccount {
        ticket: TicketId,
        account: AccountId,
    },
    #[error("account {account} has no approved sender address")]
    NoSenderAddress { account: AccountId },
    #[error("account {account} has a sender address that is not a valid e-mail address")]
    InvalidSenderAddress { account: AccountId },
    #[error("ticket {ticket} has no buyer address to reply to")]
    NoRecipient { ticket: TicketId },
    #[error("ticket {ticket} has no eBay conversation to reply in")]
    NoConversation { ticket: TicketId },
    #[error("the e-mail for message {message} could not be written: {reason}")]
    Mime { message: MessageId, reason: String },
    #[error("message {message} is an order action marketdesk cannot send: {reason}")]
    ActionUnsupported { message: MessageId, reason: String },
}

impl OutboundError {
    /// A short, stable reason for the failed delivery state and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            OutboundError::MessageNotFound { .. } => "message_not_found",
            OutboundError::NotAReply { .. } => "not_a_reply",
            OutboundError::NotQueued { .. } => "not_queued",
            OutboundError::EmptyBody { .. } => "empty_body",
            OutboundError::AttachmentsUnsupported { .. } => "attachments_unsupported",
            OutboundError::WrongAccount { .. } => "wrong_account",
            OutboundError::NoAccount { .. } => "no_account",
            OutboundError::NoSenderAddress { .. } => "no_sender_address",
            OutboundError::InvalidSenderAddress { .. } => "invalid_sender_address",
            OutboundError::NoRecipient { .. } => "no_recipient",
            OutboundError::NoConversation { .. } => "no_conversation",
            OutboundError::Mime { .. } => "mime",
            OutboundError::ActionUnsupported { .. } => "action_unsupported",
        }
    }
}

/// What [`build`] reads.
#[derive(Debug, Clone, Copy)]
pub struct ReplyContext<'a> {
    pub ticket: &'a Ticket,
    /// The ticket's messages, in any order.
    pub messages: &'a [Message],
    pub account: &'a ChannelAccount,
    /// The ticket's customer, when loaded: the store customer's e-mail, and the Amazon relay
    /// alias when no buyer message names it.
    pub customer: Option<&'a Customer>,
}

/// The reply `message` of `ctx.ticket`, ready for its transport, dated `now`.
pub fn build(
    ctx: &ReplyContext<'_>,
    message: &MessageId,
    now: DateTime<Utc>,
) -> Result<Outgoing, OutboundError> {
    let ticket = ctx.ticket;
    let reply = ctx
        .messages
        .iter()
        .find(|m| &m.id == message && m.ticket == ticket.id)
        .ok_or_else(|| OutboundError::MessageNotFound {
            ticket: ticket.id.clone(),
            message: message.clone(),
        })?;
    check_reply(reply)?;
    if ctx.account.channel != ticket.channel || ctx.account.id != ticket.account {
        return Err(OutboundError::WrongAccount {
            ticket: ticket.id.clone(),
            account: ctx.account.id.clone(),
            ticket_channel: ticket.channel,
            account_channel: ctx.account.channel,
        });
    }
    if let Some(action) = &reply.external.order_action {
        return order_action(ticket, reply, action).map(Outgoing::Action);
    }
    let buyer = last_buyer_message(ctx.messages, reply);
    match ticket.channel {
        Channel::Ebay => {
            let conversation = buyer
                .and_then(|b| b.external.conversation.clone())
                .or_else(|| ticket.thread.strip_prefix("conv:").map(str::to_owned))
                .filter(|c| !c.trim().is_empty())
                .ok_or_else(|| OutboundError::NoConversation {
                    ticket: ticket.id.clone(),
                })?;
            Ok(Outgoing::Channel(OutgoingReply {
                conversation: Some(conversation),
                recipient: None,
                listing: None,
                body: reply.body.clone(),
                attachments: reply.attachments.clone(),
            }))
        }
        Channel::Amazon | Channel::Shopify | Channel::Email => {
            if !reply.attachments.is_empty() {
                return Err(OutboundError::AttachmentsUnsupported {
                    message: reply.id.clone(),
                });
            }
            let from = sender_address(ctx.account)?;
            let to = recipient(ctx, buyer).ok_or_else(|| OutboundError::NoRecipient {
                ticket: ticket.id.clone(),
            })?;
            mail::compose(ctx, reply, buyer, &from, &to, now).map(Outgoing::Mail)
        }
    }
}

/// A Messaging API action: Amazon tickets only, text only, within the model's limits.
fn order_action(
    ticket: &Ticket,
    reply: &Message,
    action: &OrderAction,
) -> Result<OutgoingAction, OutboundError> {
    let unsupported = |reason: String| OutboundError::ActionUnsupported {
        message: reply.id.clone(),
        reason,
    };
    if ticket.channel != Channel::Amazon {
        return Err(unsupported(format!("ticket is on {}", ticket.channel)));
    }
    if !reply.attachments.is_empty() {
        return Err(unsupported("attachments are not sent".to_owned()));
    }
    let spec = actions::spec(&action.action)
        .ok_or_else(|| unsupported(format!("unknown action '{}'", action.action)))?;
    actions::check_text(spec, &reply.body).map_err(unsupported)?;
    Ok(OutgoingAction {
        order: action.order.clone(),
        marketplace: action.marketplace.clone(),
        action: spec.name.to_owned(),
        text: reply.body.clone(),
    })
}

fn check_reply(reply: &Message) -> Result<(), OutboundError> {
    let is_reply = reply.direction == Direction::Outbound
        && matches!(
            reply.author,
            AuthorKind::Agent { .. } | AuthorKind::Automation { .. }
        );
    if !is_reply {
        return Err(OutboundError::NotAReply {
            message: reply.id.clone(),
        });
    }
    if reply.delivery != Some(DeliveryState::Queued) {
        return Err(OutboundError::NotQueued {
            message: reply.id.clone(),
        });
    }
    if reply.body.trim().is_empty() {
        return Err(OutboundError::EmptyBody {
            message: reply.id.clone(),
        });
    }
    Ok(())
}

/// The buyer's latest message sent before the reply (what it answers); the latest of all if
/// the clocks disagree.
fn last_buyer_message<'m>(messages: &'m [Message], reply: &Message) -> Option<&'m Message> {
    let from_buyer = || {
        messages
            .iter()
            .filter(|m| m.direction == Direction::Inbound && m.author == AuthorKind::Buyer)
    };
    from_buyer()
        .filter(|m| m.sent_at <= reply.sent_at)
        .max_by_key(|m| (m.sent_at, m.id.clone()))
        .or_else(|| from_buyer().max_by_key(|m| (m.sent_at, m.id.clone())))
}

fn sender_address(account: &ChannelAccount) -> Result<String, OutboundError> {
    let address = account
        .sender_address
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| OutboundError::NoSenderAddress {
            account: account.id.clone(),
        })?;
    if !is_mail_address(address) {
        return Err(OutboundError::InvalidSenderAddress {
            account: account.id.clone(),
        });
    }
    Ok(address.to_owned())
}

/// Amazon: the relay alias the buyer wrote from (the buyer message's conversation), else the
/// customer's relay identity. Store and e-mail: the customer's e-mail address.
fn recipient(ctx: &ReplyContext<'_>, buyer: Option<&Message>) -> Option<String> {
    let identity = |kind: IdentityKind| {
        ctx.customer?
            .identities
            .iter()
            .find(|i| i.kind == kind)
            .map(|i| i.value.clone())
    };
    let address = match ctx.ticket.channel {
        Channel::Amazon => buyer
            .and_then(|b| b.external.conversation.clone())
            .or_else(|| identity(IdentityKind::AmazonRelay)),
        Channel::Shopify | Channel::Email => identity(IdentityKind::Email),
        Channel::Ebay => None,
    }?;
    let address = address.trim().to_owned();
    is_mail_address(&address).then_some(address)
}

/// Sends e-mail. An implementation sends the message as given (headers included) and answers
/// the provider's message id; it never logs the recipient.
pub trait MailTransport: Send + Sync {
    fn send_mail(
        &self,
        account: &AccountId,
        mail: &OutgoingMail,
    ) -> impl Future<Output = Result<String, ConnectorError>> + Send;
}

/// Sends a reply through the messaging API of `account`'s channel (eBay). Implementations
/// never send one message twice (see [`crate::connectors::ReplyTransport`]).
pub trait ChannelReplies: Send + Sync {
    fn send_reply(
        &self,
        account: &ChannelAccount,
        reply: &OutgoingReply,
    ) -> impl Future<Output = Result<SentReply, ConnectorError>> + Send;
}

#[cfg(test)]
mod tests;
