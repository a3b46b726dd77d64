//! Storage ports: what the domain needs from persistence, named for the domain, not for the
//! technology. `adapters::dynamo` implements every one of them on one DynamoDB table; each
//! method is one request (a GetItem, a Query, a conditional write or one transaction).

use std::future::Future;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{
    AccountId, AgentId, AuditEntry, Channel, ChannelAccount, Customer, CustomerId, Identity,
    Message, MessageId, Note, Order, OrderId, OrderRef, Presence, SellerId, SlaState, TenantId,
    Ticket, TicketEvent, TicketId, TicketStatus,
};
use crate::sla::SlaPolicy;
use crate::templates::{Template, TemplateId};

mod claims;
mod review_requests;
pub use claims::ClaimStore;
pub use review_requests::{
    ReviewClaim, ReviewCounts, ReviewOutcome, ReviewRequestRecord, ReviewRequestStore,
};

/// The storage layer's one error type.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A conditional write lost: the item changed since it was read (optimistic locking) or
    /// already exists. Nothing was written.
    #[error(
        "{entity} {id} of tenant {tenant} changed concurrently (expected version {expected:?})"
    )]
    Conflict {
        tenant: TenantId,
        entity: &'static str,
        id: String,
        expected: Option<u64>,
    },
    /// A pagination cursor that is malformed or was issued for another tenant or listing.
    #[error("invalid cursor: {0}")]
    InvalidCursor(String),
    /// An item that does not deserialize into its entity: data written by a newer or broken
    /// writer. Names the key, never the content.
    #[error("corrupt item {key}: {reason}")]
    Corrupt { key: String, reason: String },
    /// The store itself failed (network, throttling after retries, permissions).
    #[error("{operation} failed for tenant {tenant}: {message}")]
    Backend {
        tenant: TenantId,
        operation: &'static str,
        message: String,
    },
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A page request: how many items, and where the previous page ended.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    pub limit: Option<u32>,
    /// Opaque cursor from a previous [`Page::next`].
    pub cursor: Option<String>,
}

impl PageRequest {
    pub const DEFAULT_LIMIT: u32 = 25;
    pub const MAX_LIMIT: u32 = 100;

    pub fn first(limit: u32) -> Self {
        PageRequest {
            limit: Some(limit),
            cursor: None,
        }
    }

    /// The limit clamped to 1..=MAX_LIMIT.
    pub fn effective_limit(&self) -> u32 {
        self.limit
            .unwrap_or(Self::DEFAULT_LIMIT)
            .clamp(1, Self::MAX_LIMIT)
    }
}

/// One page of a listing; `next` is an opaque cursor, `None` on the last page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

/// Which queue of tickets to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketQueue {
    /// Every ticket of a status, earliest deadline first.
    Status(TicketStatus),
    /// An agent's assigned tickets, earliest deadline first.
    Agent(AgentId),
}

/// Narrows a queue page. Everything but `due_before` is a DynamoDB filter applied after the
/// page's `limit` is read: a filtered page may hold fewer items than asked (still one Query;
/// follow `next`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketFilter {
    pub status: Option<TicketStatus>,
    pub channel: Option<Channel>,
    pub priority: Option<crate::domain::Priority>,
    pub intent: Option<crate::domain::Intent>,
    pub tag: Option<String>,
    /// Only tickets whose queue deadline is before this instant (overdue at `now`): a key
    /// condition on the deadline-ordered index, so exact and cheap.
    pub due_before: Option<DateTime<Utc>>,
}

impl TicketFilter {
    pub fn is_empty(&self) -> bool {
        *self == TicketFilter::default()
    }
}

/// Everything shown when a ticket is opened, read in one Query.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketView {
    pub ticket: Ticket,
    pub messages: Vec<Message>,
    pub events: Vec<TicketEvent>,
    pub notes: Vec<Note>,
    /// Agents' presence items as stored, expired ones included (TTL deletion is lazy): filter
    /// with [`Presence::is_live`].
    pub presences: Vec<Presence>,
}

/// A change to a ticket made by a person (a reply, a note, an assignment…) with everything it
/// records, written in one transaction conditional on the ticket's version.
#[derive(Debug, Clone)]
pub struct TicketWrite {
    /// The ticket as it is after the change. Its `version` is the version it was read at; the
    /// stored one becomes `version + 1`.
    pub ticket: Ticket,
    /// Outbound messages to append (a reply queued for delivery).
    pub messages: Vec<Message>,
    pub events: Vec<TicketEvent>,
    pub notes: Vec<Note>,
    /// Audit entries recording the change, written in the same transaction.
    pub audit: Vec<AuditEntry>,
    /// Report facts and counters of the change, written in the same transaction.
    pub report: crate::reports::ReportWrite,
}

/// Where an inbound event came from, for idempotency: the same `(source, external_id)` is
/// recorded once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenKey {
    /// e.g. `ebay-msg`, `amazon-mail`, `shopify-webhook`.
    pub source: String,
    pub external_id: String,
}

/// An inbound message and the ticket state it produces, written atomically with its seen
/// record so a redelivered event leaves one message.
#[derive(Debug, Clone)]
pub struct InboundWrite {
    pub seen: SeenKey,
    /// The ticket as it is after this message. Its `version` is the version being written.
    pub ticket: Ticket,
    /// `None` when the ticket is new (the write fails if it exists), else the version it was
    /// read at.
    pub expected_version: Option<u64>,
    pub message: Message,
    /// A reply ingestion sends by itself (`drafts::auto_send`), stored queued for the sender
    /// in the same transaction, so it is on the outbox index even if the queue call fails.
    pub auto_reply: Option<Message>,
    /// For a new ticket: the channel thread key that finds it again, written only if no other
    /// ticket holds it (two workers racing on one new thread: one wins, the other retries).
    pub thread: Option<ThreadKey>,
    /// Further keys pointing at the ticket (Message-IDs, the order), overwritten freely.
    pub links: Vec<ThreadKey>,
    /// Events to record with the message (created, reopened…).
    pub events: Vec<TicketEvent>,
    /// A customer first seen with this message, created with its identities (each written only
    /// if nobody holds it).
    pub new_customer: Option<Customer>,
    /// Identities newly seen for an existing customer.
    pub new_identities: Vec<(Identity, CustomerId)>,
    /// The order as enrichment fetched it, saved unless a newer copy is stored.
    pub order: Option<Order>,
    /// Report facts and counters of the message, written in the same transaction.
    pub report: crate::reports::ReportWrite,
}

/// What ingestion asks the store about one inbound message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundLookup {
    pub seen: SeenKey,
    /// Thread keys, strongest first: the first one found names the ticket.
    pub threads: Vec<ThreadKey>,
    pub identities: Vec<Identity>,
    pub order: Option<OrderRef>,
    /// Finds the order of a conversation that names no order (an eBay buyer and listing).
    pub order_link: Option<OrderLink>,
}

/// A buyer and a listing the buyer ordered, on one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLink {
    pub channel: Channel,
    pub buyer: String,
    pub listing: String,
}

/// What the store knows for an [`InboundLookup`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InboundContext {
    /// The message was recorded before.
    pub seen: bool,
    /// The thread key that matched and its ticket.
    pub thread: Option<ThreadKey>,
    pub ticket: Option<Ticket>,
    /// Identities of the lookup that belong to a customer.
    pub customers: Vec<(Identity, CustomerId)>,
    pub order: Option<Order>,
    /// The order's buyer identities were looked up too (their owners are in `customers`).
    pub order_identities_known: bool,
    /// `order` came from the channel rather than the store: save it with the message.
    pub order_is_fresh: bool,
    /// The customer's lifetime value, when known, for value-based SLA policies.
    pub lifetime_value_minor: i64,
    /// When the message's customer was first seen, if known: tells a repeat customer from a
    /// new one for automation rules.
    pub customer_since: Option<DateTime<Utc>>,
    /// The ticket's report item (open messages awaiting an answer), read with the ticket.
    pub report: Option<crate::reports::TicketFacts>,
}

/// A channel's external thread identifier (eBay conversation id, relay alias + order id…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadKey {
    pub channel: Channel,
    pub external: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboundOutcome {
    Recorded,
    /// This event was recorded before; nothing was written.
    Duplicate,
}

/// Which kind of entity a customer-history entry points at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HistoryEntry {
    Ticket {
        ticket: TicketId,
        channel: Channel,
        subject: String,
        at: DateTime<Utc>,
    },
    Order {
        channel: Channel,
        order: OrderId,
        at: DateTime<Utc>,
        /// The order as last saved (items, shipments with their tracking), so the ticket view
        /// shows it from the customer's history without reading the order item.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        details: Option<Box<Order>>,
    },
}

/// The poll position of a channel account and who holds its lease.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollCursor {
    pub account: AccountId,
    /// The channel's own resume point (a timestamp, page token or offset), opaque here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_until: Option<DateTime<Utc>>,
    pub version: u64,
}

pub trait TicketStore: Send + Sync {
    /// GetItem of the ticket alone.
    fn ticket(
        &self,
        tenant: &TenantId,
        id: &TicketId,
    ) -> impl Future<Output = StoreResult<Option<Ticket>>> + Send;

    /// The ticket with its messages, events and notes: one Query.
    fn ticket_view(
        &self,
        tenant: &TenantId,
        id: &TicketId,
    ) -> impl Future<Output = StoreResult<Option<TicketView>>> + Send;

    /// Writes `ticket` with `version + 1` if the stored version is still `ticket.version`;
    /// returns the written ticket or [`StoreError::Conflict`] having changed nothing.
    fn update_ticket(&self, ticket: &Ticket) -> impl Future<Output = StoreResult<Ticket>> + Send;

    /// Writes `write.ticket` with `version + 1` and appends its messages, events and notes, all
    /// in one transaction that only succeeds if the stored version is still
    /// `write.ticket.version`; returns the written ticket or [`StoreError::Conflict`] having
    /// changed nothing.
    fn write_ticket(&self, write: &TicketWrite)
    -> impl Future<Output = StoreResult<Ticket>> + Send;

    /// Records an inbound message, its ticket and its seen record in one transaction.
    fn record_inbound(
        &self,
        write: &InboundWrite,
    ) -> impl Future<Output = StoreResult<InboundOutcome>> + Send;

    /// Appends an audit event or note (never overwritten).
    fn append_event(
        &self,
        tenant: &TenantId,
        event: &TicketEvent,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    fn append_note(
        &self,
        tenant: &TenantId,
        note: &Note,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// One page of a queue, earliest deadline first: one Query on a sparse index.
    fn queue(
        &self,
        tenant: &TenantId,
        queue: &TicketQueue,
        page: &PageRequest,
    ) -> impl Future<Output = StoreResult<Page<Ticket>>> + Send;

    /// Everything ingestion needs to plan one message: at most two requests (a BatchGetItem
    /// of the seen record, thread keys, identities and order; then one of the ticket and an
    /// order found by link).
    fn inbound_context(
        &self,
        tenant: &TenantId,
        lookup: &InboundLookup,
    ) -> impl Future<Output = StoreResult<InboundContext>> + Send;

    /// [`TicketStore::queue`] narrowed by `filter`: still one Query.
    fn queue_where(
        &self,
        tenant: &TenantId,
        queue: &TicketQueue,
        filter: &TicketFilter,
        page: &PageRequest,
    ) -> impl Future<Output = StoreResult<Page<Ticket>>> + Send;

    /// The ticket a channel thread belongs to.
    fn find_thread(
        &self,
        tenant: &TenantId,
        thread: &ThreadKey,
    ) -> impl Future<Output = StoreResult<Option<TicketId>>> + Send;
}

pub trait CustomerStore: Send + Sync {
    fn customer(
        &self,
        tenant: &TenantId,
        id: &CustomerId,
    ) -> impl Future<Output = StoreResult<Option<Customer>>> + Send;

    /// The customer an identity belongs to.
    fn find_by_identity(
        &self,
        tenant: &TenantId,
        identity: &Identity,
    ) -> impl Future<Output = StoreResult<Option<CustomerId>>> + Send;

    /// Creates the customer with all its identities in one transaction; fails with a conflict
    /// if any identity already belongs to someone (so two workers never create two customers
    /// for one buyer).
    fn create_customer(
        &self,
        tenant: &TenantId,
        customer: &Customer,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Links identities to an existing customer in one transaction; fails with a conflict,
    /// writing nothing, if any of them belongs to someone already.
    fn link_identities(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
        identities: &[Identity],
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Adds a history entry (ticket or order) to the customer's partition.
    fn add_history(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
        entry: &HistoryEntry,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// The customer's tickets and orders on every channel, newest first: one Query.
    fn history(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
        page: &PageRequest,
    ) -> impl Future<Output = StoreResult<Page<HistoryEntry>>> + Send;
}

pub trait OrderStore: Send + Sync {
    fn order(
        &self,
        tenant: &TenantId,
        channel: Channel,
        id: &OrderId,
    ) -> impl Future<Output = StoreResult<Option<Order>>> + Send;

    /// Writes the order unless a copy with a newer channel `updated_at` is stored (a late,
    /// older copy never overwrites a newer one). Returns whether it was written.
    fn save_order(
        &self,
        tenant: &TenantId,
        order: &Order,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// The merchant-fulfilled orders with a shipment whose last change is at or after `since`,
    /// oldest first, at most `limit`: what the VTR watch counts.
    fn shipped_orders(
        &self,
        tenant: &TenantId,
        since: DateTime<Utc>,
        limit: usize,
    ) -> impl Future<Output = StoreResult<Vec<Order>>> + Send;

    /// Claims the one live-tracking refresh of an order's shipments for the window: one
    /// conditional UpdateItem of the customer's history entry of the order (the copy the
    /// ticket view reads), won only if no refresh was claimed after `stale_before`. However
    /// many agents open the ticket, one of them asks the carriers per window.
    fn claim_tracking_refresh(
        &self,
        tenant: &TenantId,
        entry: &OrderHistoryKey,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// Stores refreshed shipments on the order item and its history entry: one transaction,
    /// changing nothing else of either (a concurrent save of the order by ingestion keeps its
    /// items). `false` if either item is gone.
    fn store_shipments(
        &self,
        tenant: &TenantId,
        entry: &OrderHistoryKey,
        shipments: &[crate::domain::Shipment],
    ) -> impl Future<Output = StoreResult<bool>> + Send;
}

/// Names the customer's history entry of an order (and through it the order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderHistoryKey {
    pub customer: CustomerId,
    pub at: DateTime<Utc>,
    pub channel: Channel,
    pub order: OrderId,
}

pub trait AccountStore: Send + Sync {
    /// Every channel account of the tenant: one Query.
    fn accounts(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = StoreResult<Vec<ChannelAccount>>> + Send;

    fn account(
        &self,
        tenant: &TenantId,
        id: &AccountId,
    ) -> impl Future<Output = StoreResult<Option<ChannelAccount>>> + Send;

    /// Creates (`expected_version` None) or updates the account, conditional on its version.
    /// An account with a `seller_id` also claims that seller's route (see
    /// [`account_for_seller`](Self::account_for_seller)) in the same transaction; a seller
    /// routed to another tenant is a conflict, and nothing is written.
    fn save_account(
        &self,
        account: &ChannelAccount,
        expected_version: Option<u64>,
    ) -> impl Future<Output = StoreResult<ChannelAccount>> + Send;

    /// As [`save_account`](Self::save_account), with `audit` written in the same transaction
    /// (nothing is written if any condition fails).
    fn save_account_audited(
        &self,
        account: &ChannelAccount,
        expected_version: Option<u64>,
        audit: &AuditEntry,
    ) -> impl Future<Output = StoreResult<ChannelAccount>> + Send;

    /// Deletes the account at `expected_version` with its poll cursor and, if the account's
    /// seller still routes to it, the seller route, writing `audit` in the same transaction.
    /// A changed or absent account is a conflict, and nothing is deleted.
    fn delete_account(
        &self,
        account: &ChannelAccount,
        expected_version: u64,
        audit: &AuditEntry,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// The tenant and account an SP-API seller's notifications belong to: one GetItem of a key
    /// outside every tenant that holds only the route. The route may be stale (the account
    /// since changed its seller id): callers check the account still names this seller.
    fn account_for_seller(
        &self,
        seller: &SellerId,
    ) -> impl Future<Output = StoreResult<Option<(TenantId, AccountId)>>> + Send;

    /// Takes the account's poll lease for `owner` until `until`, if it is free or expired at
    /// `now`. Returns the cursor under the lease, or a conflict if another run holds it.
    fn acquire_lease(
        &self,
        tenant: &TenantId,
        account: &AccountId,
        owner: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<PollCursor>> + Send;

    /// Moves the cursor to `position`, only while `owner` still holds the lease; with
    /// `release` the lease is given up in the same write.
    fn advance_cursor(
        &self,
        tenant: &TenantId,
        cursor: &PollCursor,
        owner: &str,
        position: Option<String>,
        release: bool,
    ) -> impl Future<Output = StoreResult<PollCursor>> + Send;
}

/// A tenant's automation rules, kept in its configuration partition.
pub trait RuleStore: Send + Sync {
    /// Every rule of the tenant, in no particular order: one Query (other configuration items
    /// of the partition are not read).
    fn rules(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = StoreResult<Vec<crate::automation::Rule>>> + Send;

    fn rule(
        &self,
        tenant: &TenantId,
        id: &crate::domain::RuleId,
    ) -> impl Future<Output = StoreResult<Option<crate::automation::Rule>>> + Send;

    /// Creates (`expected_version` None; a conflict if the id exists) or replaces the rule if
    /// its stored version is still `expected_version`, appending `audit` in the same
    /// transaction; returns it as stored (version 1, or `expected_version + 1`).
    fn save_rule(
        &self,
        rule: &crate::automation::Rule,
        expected_version: Option<u64>,
        audit: &[AuditEntry],
    ) -> impl Future<Output = StoreResult<crate::automation::Rule>> + Send;

    /// Deletes the rule if its stored version is still `expected_version` (a conflict
    /// otherwise, also when it is gone), appending `audit` in the same transaction.
    fn delete_rule(
        &self,
        tenant: &TenantId,
        id: &crate::domain::RuleId,
        expected_version: u64,
        audit: &[AuditEntry],
    ) -> impl Future<Output = StoreResult<()>> + Send;
}

/// A sender's claim on delivering one outbound message. Written once per message, ever: a
/// redelivered queue record finds it and never sends a second time (docs/decisions/0006).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendClaim {
    pub ticket: TicketId,
    pub message: MessageId,
    /// The attempt that claimed it; only it may release the claim.
    pub owner: String,
    pub claimed_at: DateTime<Utc>,
}

/// What [`OutboundStore::claim_send`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// The claim is ours: send.
    Claimed,
    /// Another attempt holds (or held) it.
    Taken(SendClaim),
}

/// Outbound replies: the API queues them on their ticket, the sender records their delivery.
pub trait OutboundStore: Send + Sync {
    /// Appends an outbound message (a reply queued for delivery) to its ticket; a conflict if
    /// a message with its id and time is stored already.
    fn append_outbound(
        &self,
        tenant: &TenantId,
        message: &Message,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Takes the one claim on sending `claim.message`: a conditional write that only the first
    /// attempt wins.
    fn claim_send(
        &self,
        tenant: &TenantId,
        claim: &SendClaim,
    ) -> impl Future<Output = StoreResult<ClaimOutcome>> + Send;

    /// Gives a claim up (nothing was sent), if `claim.owner` still holds it.
    fn release_send(
        &self,
        tenant: &TenantId,
        claim: &SendClaim,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Writes `message` (with its new delivery state) over the stored one if that is still
    /// queued, with `events`, in one transaction; a conflict if it is no longer queued.
    fn record_delivery(
        &self,
        tenant: &TenantId,
        message: &Message,
        events: &[TicketEvent],
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Replies still queued that were written before `before`, oldest first, at most `limit`:
    /// one Query of the outbox index.
    fn queued_replies(
        &self,
        tenant: &TenantId,
        before: DateTime<Utc>,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<Message>>> + Send;
}

/// Counters of one day, channel and agent for reports (atomic additions).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyCounters {
    pub inbound: u64,
    pub replies: u64,
    pub replied_within_24h: u64,
    pub first_response_seconds_sum: u64,
}

pub trait StatsStore: Send + Sync {
    fn add_counters(
        &self,
        tenant: &TenantId,
        day: chrono::NaiveDate,
        channel: Channel,
        agent: Option<&AgentId>,
        add: &DailyCounters,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// The counters of every day, channel and agent of a month: one Query.
    fn month_counters(
        &self,
        tenant: &TenantId,
        year: i32,
        month: u32,
    ) -> impl Future<Output = StoreResult<Vec<(String, DailyCounters)>>> + Send;
}

/// Report facts and day aggregates (`reports`): every read is bounded by days and open
/// messages, never by the number of tickets.
pub trait ReportStore: Send + Sync {
    /// The aggregates of local days `from..=to`: one Query per month the range touches.
    fn report_rows(
        &self,
        tenant: &TenantId,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> impl Future<Output = StoreResult<Vec<(crate::reports::AggKey, crate::reports::Counters)>>> + Send;

    /// Report items of the tickets whose latest open message arrived at or after `since`:
    /// one Query of the sparse open-messages index (paged through).
    fn open_facts(
        &self,
        tenant: &TenantId,
        since: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<Vec<crate::reports::TicketFacts>>> + Send;

    /// Cycles answered late on local days `from..=to`, newest first, at most `limit`: one
    /// Query per month.
    fn breaches(
        &self,
        tenant: &TenantId,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<crate::reports::facts::Breach>>> + Send;

    /// A ticket's report item: one GetItem.
    fn ticket_facts(
        &self,
        tenant: &TenantId,
        ticket: &TicketId,
    ) -> impl Future<Output = StoreResult<Option<crate::reports::TicketFacts>>> + Send;

    /// The ticket and its report item: one BatchGetItem.
    fn ticket_with_facts(
        &self,
        tenant: &TenantId,
        ticket: &TicketId,
    ) -> impl Future<Output = StoreResult<(Option<Ticket>, Option<crate::reports::TicketFacts>)>> + Send;

    /// Writes report counters (and items) that go with no ticket change: one transaction.
    fn record_report(
        &self,
        tenant: &TenantId,
        write: &crate::reports::ReportWrite,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// The account-health alert state of `key` (an account id, or `digest`).
    fn alert_state(
        &self,
        tenant: &TenantId,
        key: &str,
    ) -> impl Future<Output = StoreResult<Option<crate::reports::forecast::AlertState>>> + Send;

    /// Replaces the alert state if the stored one is still at `state.version` (absent for 0):
    /// `Ok(false)` when another writer changed it first (nothing written).
    fn save_alert_state(
        &self,
        tenant: &TenantId,
        key: &str,
        state: &crate::reports::forecast::AlertState,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
}

/// A unit of work that cannot succeed as it is (a malformed payload, an unreadable e-mail) or
/// that used up its retries: kept with its reason for an admin to inspect and redrive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuarantineRecord {
    /// Stable per payload (the queue message id), so a redelivery overwrites its record.
    pub id: String,
    pub tenant: TenantId,
    /// When the payload first arrived.
    pub at: DateTime<Utc>,
    /// Which worker gave up (`ingest`, `escalator`, `sender`).
    pub worker: String,
    /// A short, stable reason (`malformed`, `unreadable_mail`…).
    pub reason: String,
    /// The full error.
    pub detail: String,
    /// The payload as received (truncated to [`QuarantineRecord::MAX_PAYLOAD`] bytes).
    pub payload: String,
    /// The payload was also left to the queue's DLQ (retries exhausted), from where it can be
    /// redriven; otherwise it was acknowledged and lives only here.
    pub in_dlq: bool,
    /// When an admin sent the payload back to its queue (once: a second redrive is refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redriven_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redriven_by: Option<AgentId>,
}

impl QuarantineRecord {
    pub const MAX_PAYLOAD: usize = 64 * 1024;

    pub fn truncate_payload(payload: &str) -> String {
        let mut end = payload.len().min(Self::MAX_PAYLOAD);
        while !payload.is_char_boundary(end) {
            end -= 1;
        }
        payload[..end].to_owned()
    }
}

/// Tenants whose payload could not even be attributed (unparseable JSON) are filed here.
pub const UNATTRIBUTED_TENANT: &str = "_unattributed";

/// The key space of routes from a channel's own ids (an SP-API seller id) to a tenant, for
/// payloads that name no tenant. It holds routes only, never tenant data.
pub const ROUTING_TENANT: &str = "_routing";

pub trait QuarantineStore: Send + Sync {
    fn quarantine(&self, record: &QuarantineRecord)
    -> impl Future<Output = StoreResult<()>> + Send;

    /// The tenant's quarantined payloads, newest first: one Query.
    fn quarantined(
        &self,
        tenant: &TenantId,
        page: &PageRequest,
    ) -> impl Future<Output = StoreResult<Page<QuarantineRecord>>> + Send;

    /// One quarantined payload by id (two GetItems: its id link, then the record).
    fn quarantine_record(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> impl Future<Output = StoreResult<Option<QuarantineRecord>>> + Send;

    /// Marks `record` redriven by `by` at `at`, with `audit`, in one transaction that only
    /// succeeds if it was not redriven before ([`StoreError::Conflict`] otherwise). Returns the
    /// record as written.
    fn mark_redriven(
        &self,
        record: &QuarantineRecord,
        by: &AgentId,
        at: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> impl Future<Output = StoreResult<QuarantineRecord>> + Send;

    /// Takes a redrive mark back (the payload could not be sent), only if it is still `by`'s
    /// mark of `at`.
    fn unmark_redriven(
        &self,
        record: &QuarantineRecord,
        by: &AgentId,
        at: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
}

/// Agents' presence on tickets: items in the ticket's partition that expire on their own.
pub trait PresenceStore: Send + Sync {
    /// Writes (or refreshes) the presence if the ticket exists: one transaction of a condition
    /// check on the ticket and the put. `false` when there is no such ticket of the tenant.
    fn set_presence(
        &self,
        tenant: &TenantId,
        presence: &Presence,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// Removes the agent's presence if the ticket exists; `false` when there is no such ticket.
    fn clear_presence(
        &self,
        tenant: &TenantId,
        ticket: &TicketId,
        agent: &AgentId,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
}

/// What a badge count needs of an open or pending ticket: the projection of one queue entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueEntry {
    pub channel: Channel,
    pub status: TicketStatus,
    #[serde(default)]
    pub sla: SlaState,
}

/// A filter of the audit log; `from`/`to` are inclusive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditQuery {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub actor: Option<String>,
    pub action: Option<String>,
}

pub trait InsightStore: Send + Sync {
    /// Every entry of a status queue, projected to what badge counts need: one Query of the
    /// status index, paged through. Its cost grows with that queue, not with all tickets.
    fn queue_entries(
        &self,
        tenant: &TenantId,
        status: TicketStatus,
    ) -> impl Future<Output = StoreResult<Vec<QueueEntry>>> + Send;

    /// One page of the audit log within `query`'s range, newest first, across the monthly
    /// partitions the range touches (one Query per partition read; a page reads on into the
    /// next month only while it is not full).
    fn audit_log(
        &self,
        tenant: &TenantId,
        query: &AuditQuery,
        page: &PageRequest,
    ) -> impl Future<Output = StoreResult<Page<AuditEntry>>> + Send;
}

/// A tenant's configuration entry (SLA policy, reply template) with who changed it last and
/// its version for optimistic locking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stored<T> {
    pub entry: T,
    /// 1 when created; every accepted write adds one.
    pub version: u64,
    pub updated_at: DateTime<Utc>,
    pub updated_by: AgentId,
}

/// Everything a tenant has configured (its own entries only, no defaults), read at once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoredConfig {
    pub policies: Vec<Stored<SlaPolicy>>,
    pub templates: Vec<Stored<Template>>,
    pub rules: Vec<crate::automation::Rule>,
}

/// A configuration entry to write.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigEntry {
    /// Boxed: a policy is several times the size of a template.
    Policy(Box<SlaPolicy>),
    Template(Template),
    /// Which carrier APIs the tenant has stored credentials for (the values are in the
    /// credential vault only).
    Carriers(crate::connectors::carrier_accounts::CarrierProviders),
}

/// Names a configuration entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigKey {
    Policy(String),
    Template(TemplateId),
    Carriers,
}

impl ConfigEntry {
    pub fn key(&self) -> ConfigKey {
        match self {
            ConfigEntry::Policy(p) => ConfigKey::Policy(p.id.clone()),
            ConfigEntry::Template(t) => ConfigKey::Template(t.id.clone()),
            ConfigEntry::Carriers(_) => ConfigKey::Carriers,
        }
    }
}

/// One part of a configuration write; all parts of a write succeed or fail together.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigChange {
    /// Creates the entry (`expected: None`, it must not exist) or replaces the version read.
    Put {
        entry: ConfigEntry,
        expected: Option<u64>,
    },
    /// Deletes the entry if it is still at `expected`.
    Delete { key: ConfigKey, expected: u64 },
    /// Writes nothing but fails the write unless the entry is still at `version`: the entries
    /// a rule was checked against (e.g. the policies that keep a channel covered).
    Unchanged { key: ConfigKey, version: u64 },
}

/// A reply's reads in one request: the ticket and the tenant's template of that id.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplyContext {
    pub ticket: Option<Ticket>,
    pub template: Option<Stored<Template>>,
}

/// Per-tenant configuration: SLA policies and reply templates, in one partition per tenant.
/// Loaders ignore entries of other kinds stored beside them.
pub trait ConfigStore: Send + Sync {
    /// The tenant's policies and templates: one Query.
    fn tenant_config(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = StoreResult<StoredConfig>> + Send;

    /// The tenant's own policies, by id: one Query.
    fn policies(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = StoreResult<Vec<Stored<SlaPolicy>>>> + Send;

    fn policy(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> impl Future<Output = StoreResult<Option<Stored<SlaPolicy>>>> + Send;

    /// The tenant's own templates (not the starter set), by id: one Query.
    fn templates(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = StoreResult<Vec<Stored<Template>>>> + Send;

    fn template(
        &self,
        tenant: &TenantId,
        id: &TemplateId,
    ) -> impl Future<Output = StoreResult<Option<Stored<Template>>>> + Send;

    /// The record of the tenant's own carrier credentials, if it stored any: one GetItem.
    fn carrier_settings(
        &self,
        tenant: &TenantId,
    ) -> impl Future<
        Output = StoreResult<Option<Stored<crate::connectors::carrier_accounts::CarrierProviders>>>,
    > + Send;

    /// Applies `changes` and appends `audit` in one transaction, stamped with `by` and `at`;
    /// a [`StoreError::Conflict`] having written nothing if any condition fails.
    fn write_config(
        &self,
        tenant: &TenantId,
        changes: &[ConfigChange],
        audit: &[AuditEntry],
        by: &AgentId,
        at: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// The ticket and the tenant's template `template`: one BatchGetItem.
    fn reply_context(
        &self,
        tenant: &TenantId,
        ticket: &TicketId,
        template: &TemplateId,
    ) -> impl Future<Output = StoreResult<ReplyContext>> + Send;

    /// Creates (`expected: None`) or replaces one policy.
    fn put_policy(
        &self,
        tenant: &TenantId,
        policy: &SlaPolicy,
        expected: Option<u64>,
        by: &AgentId,
        at: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        let change = ConfigChange::Put {
            entry: ConfigEntry::Policy(Box::new(policy.clone())),
            expected,
        };
        async move { self.write_config(tenant, &[change], &[], by, at).await }
    }

    fn delete_policy(
        &self,
        tenant: &TenantId,
        id: &str,
        expected: u64,
        by: &AgentId,
        at: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        let change = ConfigChange::Delete {
            key: ConfigKey::Policy(id.to_owned()),
            expected,
        };
        async move { self.write_config(tenant, &[change], &[], by, at).await }
    }

    /// Creates (`expected: None`) or replaces one template.
    fn put_template(
        &self,
        tenant: &TenantId,
        template: &Template,
        expected: Option<u64>,
        by: &AgentId,
        at: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        let change = ConfigChange::Put {
            entry: ConfigEntry::Template(template.clone()),
            expected,
        };
        async move { self.write_config(tenant, &[change], &[], by, at).await }
    }

    fn delete_template(
        &self,
        tenant: &TenantId,
        id: &TemplateId,
        expected: u64,
        by: &AgentId,
        at: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        let change = ConfigChange::Delete {
            key: ConfigKey::Template(id.clone()),
            expected,
        };
        async move { self.write_config(tenant, &[change], &[], by, at).await }
    }
}

/// Amazon seller feedback ([`crate::feedback::FeedbackRecord`]), one record per order and day,
/// and the feedback report job of each Amazon account ([`crate::feedback::ReportJob`]).
pub trait FeedbackStore: Send + Sync {
    fn feedback(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> impl Future<Output = StoreResult<Option<crate::feedback::FeedbackRecord>>> + Send;

    /// Creates (`expected_version` `None`: fails with `Conflict` if it exists) or replaces the
    /// record read at `expected_version`; returns it at its new version.
    fn save_feedback(
        &self,
        record: &crate::feedback::FeedbackRecord,
        expected_version: Option<u64>,
    ) -> impl Future<Output = StoreResult<crate::feedback::FeedbackRecord>> + Send;

    /// One page of the tenant's feedback, by order id: one Query.
    fn feedback_page(
        &self,
        tenant: &TenantId,
        page: &PageRequest,
    ) -> impl Future<Output = StoreResult<Page<crate::feedback::FeedbackRecord>>> + Send;

    /// The feedback left on one Amazon order (one Query).
    fn order_feedback(
        &self,
        tenant: &TenantId,
        order: &OrderId,
    ) -> impl Future<Output = StoreResult<Vec<crate::feedback::FeedbackRecord>>> + Send;

    fn report_job(
        &self,
        tenant: &TenantId,
        account: &AccountId,
    ) -> impl Future<Output = StoreResult<Option<crate::feedback::ReportJob>>> + Send;

    /// Conditional on `expected_version` as [`Self::save_feedback`].
    fn save_report_job(
        &self,
        tenant: &TenantId,
        job: &crate::feedback::ReportJob,
        expected_version: Option<u64>,
    ) -> impl Future<Output = StoreResult<crate::feedback::ReportJob>> + Send;
}
