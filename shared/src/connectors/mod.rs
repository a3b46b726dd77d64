//! Connectors: HTTP clients of the marketplaces and Slack, behind one small port per concern.
//!
//! Ports are traits with native `async fn` semantics, written as `fn … -> impl Future + Send`
//! so that handlers running on a multi-threaded runtime can hold them across `.await`s. They
//! are used as generics (`H: OrderLookup`), not as `dyn` objects: no boxing, no `async-trait`
//! dependency. A caller that needs to pick an implementation at run time wraps the concrete
//! clients in an enum.
//!
//! Every client shares [`http`]: secrets that never print, per-request timeouts, one retry
//! policy (exponential backoff with jitter, `Retry-After` and rate-limit headers honoured, a
//! total budget), a token bucket per account and operation, and one error type
//! ([`ConnectorError`]). Base URLs are configurable so that tests and the local stack point
//! the clients at the sandboxes (`marketdesk-sandboxes`).

use std::future::Future;

use chrono::{DateTime, Utc};

use crate::domain::{
    AccountId, Attachment, Channel, Direction, Feedback, Identity, Order, OrderId, Shipment,
};

pub mod accounts;
pub mod amazon;
pub mod carrier_accounts;
pub mod carriers;
pub mod ebay;
pub mod error;
pub mod http;
pub mod money;
pub mod oauth;
pub mod shopify;
pub mod slack;
pub mod token;

pub use error::{CallContext, ConnectorError, ErrorDetails, ErrorKind};
pub use http::{HttpConfig, RateLimit, RetryPolicy, Secret};
pub use oauth::{BodyFormat, ClientAuth, Grant, OAuthClient, OAuthConfig, OAuthCredentials};

/// A message for the team (escalations, broken hooks); each notifier renders it its own way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notification {
    /// One line, shown as the heading.
    pub title: String,
    /// Plain text; it may quote buyers and is escaped by the notifier.
    pub body: String,
    /// `(label, value)` pairs such as ("Channel", "amazon.it").
    pub fields: Vec<(String, String)>,
    /// `(label, url)` buttons such as ("Open ticket", "https://…").
    pub links: Vec<(String, String)>,
    /// Small print under the message.
    pub footer: Option<String>,
}

/// Tells the team something.
pub trait Notifier: Send + Sync {
    fn notify(
        &self,
        notification: &Notification,
    ) -> impl Future<Output = Result<(), ConnectorError>> + Send;
}

/// Live tracking of a parcel (see [`carriers::CarrierTracker`]).
pub trait TrackingLookup: Send + Sync {
    /// The shipment as its carrier reports it now. `carrier` is the name the marketplace gave
    /// (`UPS`, `Poste Italiane`, eBay `shippingCarrierCode`…) and wins over detection from the
    /// number. `None` when no carrier can be told or the carrier has no record of the number.
    fn track(
        &self,
        carrier: Option<&str>,
        number: &str,
    ) -> impl Future<Output = Result<Option<Shipment>, ConnectorError>> + Send;
}

/// Reads one order of the channel account the implementation is bound to.
pub trait OrderLookup: Send + Sync {
    /// The order with its items and shipments, or `None` if the channel does not know it.
    fn order(
        &self,
        id: &OrderId,
    ) -> impl Future<Output = Result<Option<Order>, ConnectorError>> + Send;
}

/// One page of changed orders.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderPage {
    pub orders: Vec<Order>,
    /// Pass it back to get the next page; `None` on the last page.
    pub next_page: Option<String>,
    /// The channel's statement that every change before this instant has been listed (SP-API's
    /// `lastUpdatedBefore`); the next poll can start there.
    pub complete_until: Option<DateTime<Utc>>,
}

/// Lists the orders of the bound account that changed since an instant, a page at a time, so a
/// poller can save its place after each page and resume from it after a failure.
pub trait OrderSource: Send + Sync {
    /// The page after `page_token` (the first page if `None`) of orders updated at or after
    /// `since`. A failed page's error carries `resume_from` = the token to ask for again.
    fn changed_orders(
        &self,
        since: DateTime<Utc>,
        page_token: Option<&str>,
    ) -> impl Future<Output = Result<OrderPage, ConnectorError>> + Send;
}

/// Orders fetched before a page failed: keep them, and resume from `error.resume_from`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{error} ({} order(s) fetched before the failure)", fetched.len())]
pub struct PartialFetch {
    pub fetched: Vec<Order>,
    pub error: ConnectorError,
}

/// Follows the pages of `source` from `page_token` up to `max_pages` pages. On failure the
/// orders already fetched come back with the error, whose `resume_from` is the failed page's
/// token; on success the token of the first page not fetched (if the limit stopped it) is
/// returned with the orders.
pub async fn fetch_changed_orders<S: OrderSource>(
    source: &S,
    since: DateTime<Utc>,
    mut page_token: Option<String>,
    max_pages: usize,
) -> Result<(Vec<Order>, Option<String>), PartialFetch> {
    let mut fetched = Vec::new();
    for _ in 0..max_pages {
        match source.changed_orders(since, page_token.as_deref()).await {
            Ok(page) => {
                fetched.extend(page.orders);
                page_token = page.next_page;
                if page_token.is_none() {
                    break;
                }
            }
            Err(mut error) => {
                error.resume_from = page_token;
                return Err(PartialFetch { fetched, error });
            }
        }
    }
    Ok((fetched, page_token))
}

/// Feedback a buyer left for the seller, with what the channel says about who and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedFeedback {
    pub account: AccountId,
    /// `order` names the channel's order line item (eBay `orderLineItemId`): feedback is left
    /// per line item. With `buyer` and `listing` it finds the order, as for conversations.
    pub feedback: Feedback,
    /// Who left it (eBay user name), for linking to the customer.
    pub buyer: Option<Identity>,
    /// The listing (eBay item id) the feedback is about.
    pub listing: Option<String>,
    pub listing_title: Option<String>,
    /// The seller's public reply, if one was given already.
    pub reply: Option<String>,
}

/// One page of feedback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackPage {
    /// Newest first, as the channel lists it.
    pub feedback: Vec<ReceivedFeedback>,
    /// Pass it back to get the next page; `None` on the last page.
    pub next_page: Option<String>,
}

/// Reads negative and neutral feedback received by the bound account: they become tickets.
pub trait FeedbackSource: Send + Sync {
    /// The page after `page_token` (the first page if `None`) of negative and neutral feedback
    /// left at or after `since`. A failed page's error carries `resume_from`.
    fn feedback_since(
        &self,
        since: DateTime<Utc>,
        page_token: Option<&str>,
    ) -> impl Future<Output = Result<FeedbackPage, ConnectorError>> + Send;
}

/// A message as a channel delivered it, before it is threaded into a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelMessage {
    pub channel: Channel,
    pub account: AccountId,
    /// The channel's conversation id (eBay `conversationId`).
    pub conversation: String,
    /// The channel's message id, for dedupe.
    pub message_id: String,
    /// `Inbound` from the buyer, `Outbound` from the seller (sent from another tool, say).
    pub direction: Direction,
    /// The buyer's user name on the channel, whichever way the message went.
    pub counterparty: Option<String>,
    pub subject: Option<String>,
    pub body: String,
    /// When the channel says the message was sent; SLA clocks start here.
    pub sent_at: DateTime<Utc>,
    /// Media as the channel hosts it (`location` = its URL; size unknown = 0).
    pub attachments: Vec<Attachment>,
    /// The listing the conversation is about (eBay item id): with the buyer's user name it
    /// finds the order.
    pub listing: Option<String>,
}

/// One page of messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessagePage {
    /// Oldest first.
    pub messages: Vec<ChannelMessage>,
    /// Pass it back to get the next page; `None` on the last page.
    pub next_page: Option<String>,
}

/// Reads buyer conversations of the bound account.
pub trait ConversationSource: Send + Sync {
    /// Messages sent at or after `since` in conversations with buyers, a page of
    /// conversations at a time. A failed page's error carries `resume_from`.
    fn messages_since(
        &self,
        since: DateTime<Utc>,
        page_token: Option<&str>,
    ) -> impl Future<Output = Result<MessagePage, ConnectorError>> + Send;
}

/// A reply to send through a channel's own messaging API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutgoingReply {
    /// The conversation to answer in; `None` starts one with `recipient`.
    pub conversation: Option<String>,
    /// The buyer's user name, for a new conversation.
    pub recipient: Option<String>,
    /// The listing a new conversation is about.
    pub listing: Option<String>,
    pub body: String,
    /// Each must have an `https://` `location` the channel can fetch.
    pub attachments: Vec<Attachment>,
}

/// What the channel said about a sent reply. Both fields are `None` when the channel accepted
/// the message but its answer could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentReply {
    pub message_id: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// Sends replies through a channel's messaging API. An implementation never sends a message
/// twice: when it cannot tell whether a failed attempt went through it checks the
/// conversation, and if that fails too it answers [`ErrorKind::OutcomeUnknown`].
pub trait ReplyTransport: Send + Sync {
    fn send_reply(
        &self,
        reply: &OutgoingReply,
    ) -> impl Future<Output = Result<SentReply, ConnectorError>> + Send;
}
