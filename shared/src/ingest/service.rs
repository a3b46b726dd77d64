//! The I/O around [`plan`](super::plan): look up, enrich, plan, write — retried on a lost race,
//! idempotent on redelivery.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::event::{IngestInput, MailObject, MessageEvent, OrderEvent, SourceEvent};
use super::inbound::{self, Inbound};
use super::{IngestError, plan};
use crate::claims::ClaimKind;
use crate::connectors::ConnectorError;
use crate::domain::{
    Channel, ChannelAccount, Customer, CustomerId, IdentityKind, Order, OrderId, OrderRef,
    SellerId, Shipment, TenantId, Ticket,
};
use crate::escalation::EscalationScheduler;
use crate::inbound_mail::{self, MailKind};
use crate::outbound::{OutboundMessage, OutboundQueue};
use crate::sla::SlaPolicy;
use crate::store::{
    AccountStore, ClaimStore, ConfigStore, CustomerStore, FeedbackStore, HistoryEntry,
    InboundContext, InboundLookup, InboundOutcome, OrderLink, OrderStore, StoreError, TicketStore,
};
use crate::tenant_cache::TenantCache;
use crate::tenant_config::ConfigCache;

/// How many times a message is re-planned after losing a race on its ticket or customer.
const CONFLICT_ATTEMPTS: usize = 4;

/// How long a tenant's channel accounts are reused before they are read again.
const ACCOUNTS_TTL: Duration = Duration::from_secs(60);

/// Live tracking older than this is refreshed when a buyer writes.
const TRACKING_MAX_AGE: chrono::Duration = chrono::Duration::minutes(30);

/// What became of one piece of work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestOutcome {
    Recorded {
        ticket: crate::domain::TicketId,
    },
    /// Seen before; the ticket it was recorded on when known.
    Duplicate {
        ticket: Option<crate::domain::TicketId>,
    },
    OrderSaved {
        written: bool,
    },
    /// Nothing to do (a notification of a disabled account, an order the channel forgot).
    Nothing,
}

/// Where raw mail is read from (S3).
pub trait MailBlobs: Send + Sync {
    fn raw_mail(
        &self,
        bucket: &str,
        key: &str,
    ) -> impl Future<Output = Result<Vec<u8>, IngestError>> + Send;
}

/// Live context from the channels and carriers. Failures never stop a message: it is recorded
/// without the context and the failure is logged.
pub trait Enricher: Send + Sync {
    fn order(
        &self,
        account: &ChannelAccount,
        id: &OrderId,
    ) -> impl Future<Output = Result<Option<Order>, ConnectorError>> + Send;

    /// The shipment's live status from its carrier, with `tenant`'s carrier credentials.
    fn track(
        &self,
        tenant: &TenantId,
        shipment: &Shipment,
    ) -> impl Future<Output = Result<Option<Shipment>, ConnectorError>> + Send;
}

/// No live lookups: orders come only from the pollers.
#[derive(Debug, Clone, Copy, Default)]
pub struct StoredContextOnly;

impl Enricher for StoredContextOnly {
    async fn order(
        &self,
        _account: &ChannelAccount,
        _id: &OrderId,
    ) -> Result<Option<Order>, ConnectorError> {
        Ok(None)
    }

    async fn track(
        &self,
        _tenant: &TenantId,
        _shipment: &Shipment,
    ) -> Result<Option<Shipment>, ConnectorError> {
        Ok(None)
    }
}

/// The ingest worker's logic, generic over its ports.
pub struct Ingestor<S, B, E, W> {
    store: S,
    blobs: B,
    enricher: E,
    scheduler: W,
    accounts: TenantCache<Vec<ChannelAccount>>,
    /// Tenants' SLA policies (`ConfigCache::policies`) and automation rules, read once a minute
    /// (`tenant_config::CONFIG_TTL`): a saved change applies within a minute, and a warm worker
    /// spends no request of its per-message budget on them.
    config: ConfigCache,
    /// Where a reply ingestion sends by itself is handed to the sender; without one, the
    /// sender's outbox sweep finds it (it is stored queued either way).
    outbound: Option<Arc<dyn OutboundQueue>>,
    /// Schedules the review request of a delivered Amazon order (decision 0022); none
    /// without it.
    review_requests: Option<Arc<dyn crate::review_requests::service::OrderSaved>>,
}

impl<S, B, E, W> Ingestor<S, B, E, W>
where
    S: TicketStore
        + CustomerStore
        + OrderStore
        + AccountStore
        + ConfigStore
        + FeedbackStore
        + ClaimStore,
    B: MailBlobs,
    E: Enricher,
    W: EscalationScheduler,
{
    pub fn new(store: S, blobs: B, enricher: E, scheduler: W) -> Self {
        Ingestor {
            store,
            blobs,
            enricher,
            scheduler,
            accounts: TenantCache::new(ACCOUNTS_TTL),
            config: ConfigCache::default(),
            outbound: None,
            review_requests: None,
        }
    }

    /// Schedules review requests of delivered Amazon orders through `planner` when orders
    /// are saved.
    pub fn with_review_requests(
        mut self,
        planner: Arc<dyn crate::review_requests::service::OrderSaved>,
    ) -> Self {
        self.review_requests = Some(planner);
        self
    }

    /// Hands automatic replies (`drafts::auto_send`) to the sender through `queue`.
    pub fn with_outbound(mut self, queue: Arc<dyn OutboundQueue>) -> Self {
        self.outbound = Some(queue);
        self
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    pub async fn handle(
        &self,
        input: &IngestInput,
        now: DateTime<Utc>,
    ) -> Result<IngestOutcome, IngestError> {
        match input {
            IngestInput::Source(source) => match &**source {
                SourceEvent::Message(m) => self.message(m, now).await,
                SourceEvent::Order(o) => self.order(o, now).await,
                SourceEvent::Feedback(f) => {
                    let account = self.account(&f.tenant, &f.account).await?;
                    self.inbound(&account, &inbound::from_feedback(f), now)
                        .await
                }
                SourceEvent::AmazonFeedback(f) => self.amazon_feedback(f, now).await,
            },
            IngestInput::Mail(m) => self.mail(m, now).await,
            IngestInput::OrderChanged {
                seller_id,
                order_id,
                marketplace_id,
                ..
            } => {
                self.order_changed(seller_id, order_id, marketplace_id, now)
                    .await
            }
        }
    }

    async fn accounts(&self, tenant: &TenantId) -> Result<Vec<ChannelAccount>, IngestError> {
        let accounts = self
            .accounts
            .get_or_load(tenant, || self.store.accounts(tenant))
            .await?;
        Ok(accounts)
    }

    pub(super) async fn account(
        &self,
        tenant: &TenantId,
        id: &crate::domain::AccountId,
    ) -> Result<ChannelAccount, IngestError> {
        self.accounts(tenant)
            .await?
            .into_iter()
            .find(|a| &a.id == id)
            .ok_or_else(|| IngestError::UnknownAccount(id.to_string()))
    }

    async fn message(
        &self,
        event: &MessageEvent,
        now: DateTime<Utc>,
    ) -> Result<IngestOutcome, IngestError> {
        let account = self.account(&event.tenant, &event.account).await?;
        if account.channel != event.channel {
            return Err(IngestError::Invalid {
                field: "channel",
                reason: format!("account {} is not a {} account", account.id, event.channel),
            });
        }
        self.inbound(&account, &inbound::from_message(event), now)
            .await
    }

    async fn mail(
        &self,
        object: &MailObject,
        now: DateTime<Utc>,
    ) -> Result<IngestOutcome, IngestError> {
        let raw = self.blobs.raw_mail(&object.bucket, &object.key).await?;
        let arrival = inbound_mail::ParseOptions::arrived_at(object.arrived_at.unwrap_or(now));
        let mail = inbound_mail::parse_with(&raw, &arrival)
            .map_err(|e| IngestError::Mail(e.to_string()))?;
        let kind = inbound_mail::classify(&mail);
        let accounts = self.accounts(&object.tenant).await?;
        let account = inbound::mail_account(&accounts, &mail, &kind)?;
        if matches!(kind, MailKind::DeliveryFailed(_) | MailKind::AutoReply(_)) {
            tracing::info!(kind = kind.name(), "system mail recorded on its thread");
        }
        let inbound = inbound::from_mail(&object.tenant, account, &mail, &kind, &object.key);
        let outcome = self.inbound(account, &inbound, now).await?;
        // The records a notice keeps beside its ticket are written after it, and again when
        // the notice is seen again (a crash between the two writes): both writes are idempotent.
        let ticket = match &outcome {
            IngestOutcome::Recorded { ticket } => Some(ticket.clone()),
            IngestOutcome::Duplicate { ticket } => ticket.clone(),
            IngestOutcome::OrderSaved { .. } | IngestOutcome::Nothing => None,
        };
        if let Some(ticket) = ticket {
            match &kind {
                // A feedback notice and the feedback report's row for it are one feedback record.
                MailKind::NegativeFeedback(notice) => {
                    self.feedback_notice(account, notice, &inbound, ticket, now)
                        .await?
                }
                MailKind::AToZClaim(notice) => {
                    self.claim_notice(account, ClaimKind::AToZ, notice, &inbound, ticket, now)
                        .await?
                }
                MailKind::Chargeback(notice) => {
                    let kind = ClaimKind::Chargeback;
                    self.claim_notice(account, kind, notice, &inbound, ticket, now)
                        .await?
                }
                _ => {}
            }
        }
        Ok(outcome)
    }

    pub(super) async fn inbound(
        &self,
        account: &ChannelAccount,
        inbound: &Inbound,
        now: DateTime<Utc>,
    ) -> Result<IngestOutcome, IngestError> {
        let tenant = &inbound.tenant;
        let config = self.config.get(&self.store, tenant).await?;
        let policies = config.sla_policies();
        let mut extra_identities = Vec::new();
        let mut last_conflict = None;
        for _ in 0..CONFLICT_ATTEMPTS {
            let mut identities: Vec<_> = inbound.sender.iter().cloned().collect();
            identities.extend(inbound.other_identities.iter().cloned());
            identities.extend(extra_identities.iter().cloned());
            let lookup = InboundLookup {
                seen: inbound.seen.clone(),
                threads: inbound.lookup.clone(),
                identities,
                order: inbound.order.as_ref().map(|order| OrderRef {
                    channel: inbound.channel,
                    order: order.clone(),
                }),
                order_link: order_link(inbound),
            };
            let mut ctx = self.store.inbound_context(tenant, &lookup).await?;
            if ctx.seen {
                // The write happened; its schedules may not have (a crash in between).
                if let Some(ticket) = &ctx.ticket {
                    self.schedule(None, ticket, policies, now).await;
                }
                return Ok(IngestOutcome::Duplicate {
                    ticket: ctx.ticket.as_ref().map(|t| t.id.clone()),
                });
            }
            self.enrich(account, inbound, &mut ctx, now).await;
            if let Some(order) = ctx.order.as_ref().filter(|_| ctx.order_is_fresh) {
                extra_identities = order.buyer_identities.clone();
            }
            let mut write = plan(inbound, &ctx, policies, &config.rules, now);
            // A buyer's question a template answers gets a ready draft, rendered from the
            // order as enriched above (live tracking), in the same write as the ticket.
            if write.message.direction == crate::domain::Direction::Inbound {
                let order = write.order.as_ref().or(ctx.order.as_ref());
                write.ticket.draft =
                    crate::drafts::refreshed(&write.ticket, order, account, &config.templates, now)
                        .or(write.ticket.draft.take());
                // Where the account lets it, a live WISMO answer goes out without an agent,
                // stored queued in the same write.
                let send = write.ticket.draft.as_ref().is_some_and(|draft| {
                    crate::drafts::auto_send(account, &write.ticket, &write.message, draft, now)
                });
                if send
                    && let Some((reply, event)) =
                        crate::drafts::send_automatically(&mut write.ticket, now)
                {
                    write.auto_reply = Some(reply);
                    write.events.push(event);
                }
            }
            match self.store.record_inbound(&write).await {
                Ok(InboundOutcome::Recorded) => {
                    let mut after = write.ticket.clone();
                    after.version = write.expected_version.map_or(1, |v| v + 1);
                    self.schedule(ctx.ticket.as_ref(), &after, policies, now)
                        .await;
                    if let Some(reply) = &write.auto_reply {
                        self.hand_to_sender(&after, reply).await;
                    }
                    return Ok(IngestOutcome::Recorded { ticket: after.id });
                }
                Ok(InboundOutcome::Duplicate) => {
                    return Ok(IngestOutcome::Duplicate { ticket: None });
                }
                Err(conflict @ StoreError::Conflict { .. }) => last_conflict = Some(conflict),
                Err(other) => return Err(other.into()),
            }
        }
        Err(last_conflict
            .map(IngestError::Store)
            .unwrap_or_else(|| IngestError::Malformed("no attempt made".into())))
    }

    /// Queues a stored automatic reply for the sender. A failure is logged, not returned: the
    /// reply is stored queued, and the sender's outbox sweep queues it within minutes.
    async fn hand_to_sender(&self, ticket: &Ticket, reply: &crate::domain::Message) {
        let Some(queue) = &self.outbound else {
            return;
        };
        let queued = OutboundMessage {
            tenant: ticket.tenant.clone(),
            ticket: ticket.id.clone(),
            message: reply.id.clone(),
        };
        match queue.enqueue(&queued).await {
            Ok(()) => {
                tracing::info!(tenant = %ticket.tenant, ticket = %ticket.id, "automatic reply queued for the sender")
            }
            Err(err) => {
                tracing::warn!(error = %err, "automatic reply stored but not queued; the outbox sweep will queue it")
            }
        }
    }

    /// Brings the ticket's escalation schedules in line with its deadline. A failure is logged,
    /// not returned: the message is recorded, and the escalator's sweep finds a due ticket
    /// whose schedule is missing.
    async fn schedule(
        &self,
        before: Option<&Ticket>,
        after: &Ticket,
        policies: &[SlaPolicy],
        now: DateTime<Utc>,
    ) {
        if let Err(err) = self.scheduler.sync(before, after, policies, now).await {
            tracing::warn!(tenant = %after.tenant, ticket = %after.id, error = %err, "escalation schedules not updated");
        }
    }

    /// The order from the channel when the store lacks it, and the carrier's live status of an
    /// FBM shipment when ours is stale.
    async fn enrich(
        &self,
        account: &ChannelAccount,
        inbound: &Inbound,
        ctx: &mut InboundContext,
        now: DateTime<Utc>,
    ) {
        if ctx.order.is_none()
            && let Some(id) = &inbound.order
        {
            match self.enricher.order(account, id).await {
                Ok(Some(order)) => {
                    ctx.order = Some(order);
                    ctx.order_is_fresh = true;
                }
                Ok(None) => {}
                Err(err) => {
                    tracing::warn!(account = %account.id, error = %err, "order lookup failed")
                }
            }
        }
        let Some(order) = ctx.order.as_mut() else {
            return;
        };
        if order.fulfillment != crate::domain::FulfillmentChannel::Merchant {
            return;
        }
        for shipment in &mut order.shipments {
            crate::connectors::carriers::ensure_link(shipment);
            if !crate::tracking::needs_refresh(shipment, now, TRACKING_MAX_AGE) {
                continue;
            }
            match self.enricher.track(&account.tenant, shipment).await {
                Ok(Some(mut live)) => {
                    crate::connectors::carriers::ensure_link(&mut live);
                    *shipment = live;
                    ctx.order_is_fresh = true;
                }
                Ok(None) => {}
                Err(err) => tracing::warn!(error = %err, "live tracking failed"),
            }
        }
    }

    /// An order from a poller: saved (unless a newer copy is stored) and filed in its buyer's
    /// history, creating the customer if the buyer is new.
    async fn order(
        &self,
        event: &OrderEvent,
        now: DateTime<Utc>,
    ) -> Result<IngestOutcome, IngestError> {
        let order = &event.order;
        let tenant = &event.tenant;
        let account = self.account(tenant, &order.account).await?;
        if account.channel != order.channel {
            return Err(IngestError::Invalid {
                field: "order.channel",
                reason: format!("account {} is not a {} account", account.id, order.channel),
            });
        }
        let written = self.store.save_order(tenant, order).await?;
        if let Some(planner) = &self.review_requests {
            // Named per order: a second save, or a redelivery (which may find the order
            // written already), cannot make a second schedule.
            planner
                .order_saved(tenant, order, now)
                .await
                .map_err(|e| IngestError::ReviewRequest(e.to_string()))?;
        }
        // A stale copy (a newer one is stored) must not replace the history's details either.
        if order.buyer_identities.is_empty() || !written {
            return Ok(IngestOutcome::OrderSaved { written });
        }
        let customer = self.customer_for(tenant, order, now).await?;
        let entry = HistoryEntry::Order {
            channel: order.channel,
            order: order.id.clone(),
            at: order.purchased_at,
            details: Some(Box::new(order.clone())),
        };
        self.store.add_history(tenant, &customer, &entry).await?;
        Ok(IngestOutcome::OrderSaved { written })
    }

    /// An ORDER_CHANGE notification: the seller's route names the tenant and account (never
    /// the payload), the order is read from the channel and then saved like a polled one.
    /// A redelivery writes the same order again, which the channel's `updated_at` guard makes
    /// harmless.
    async fn order_changed(
        &self,
        seller: &SellerId,
        order_id: &OrderId,
        marketplace_id: &str,
        now: DateTime<Utc>,
    ) -> Result<IngestOutcome, IngestError> {
        let unknown = || IngestError::UnknownAccount(format!("for Amazon seller {seller}"));
        let (tenant, account_id) = self
            .store
            .account_for_seller(seller)
            .await?
            .ok_or_else(unknown)?;
        let account = self.account(&tenant, &account_id).await?;
        // A stale route: the account no longer claims this seller.
        if account.channel != Channel::Amazon || account.seller_id.as_ref() != Some(seller) {
            return Err(unknown());
        }
        if !account.enabled {
            tracing::info!(tenant = %tenant, account = %account.id, "order change of a disabled account ignored");
            return Ok(IngestOutcome::Nothing);
        }
        if account.marketplace.id != marketplace_id {
            // One seller id spans a region's marketplaces; its account reads them all.
            tracing::debug!(account = %account.id, marketplace_id, "order of another marketplace of the seller");
        }
        let Some(order) = self.enricher.order(&account, order_id).await? else {
            // Nothing to save; the poller reads the order when the channel has it.
            tracing::warn!(tenant = %tenant, account = %account.id, order = %order_id, "changed order not found on the channel");
            return Ok(IngestOutcome::Nothing);
        };
        self.order(&OrderEvent { tenant, order }, now).await
    }

    async fn customer_for(
        &self,
        tenant: &TenantId,
        order: &Order,
        now: DateTime<Utc>,
    ) -> Result<CustomerId, IngestError> {
        for _ in 0..CONFLICT_ATTEMPTS {
            let lookup = InboundLookup {
                seen: crate::store::SeenKey {
                    source: "order".into(),
                    external_id: order.id.to_string(),
                },
                threads: Vec::new(),
                identities: order.buyer_identities.clone(),
                order: None,
                order_link: None,
            };
            let ctx = self.store.inbound_context(tenant, &lookup).await?;
            if let Some((_, customer)) = ctx.customers.first() {
                // The buyer's other identities on this order now find the same customer.
                let unlinked: Vec<_> = order
                    .buyer_identities
                    .iter()
                    .filter(|i| !ctx.customers.iter().any(|(known, _)| known == *i))
                    .cloned()
                    .collect();
                match self
                    .store
                    .link_identities(tenant, customer, &unlinked)
                    .await
                {
                    Ok(()) => return Ok(customer.clone()),
                    Err(StoreError::Conflict { .. }) => continue,
                    Err(other) => return Err(other.into()),
                }
            }
            let customer = Customer {
                id: CustomerId::generate(now),
                display_name: order.buyer_name.clone(),
                identities: order.buyer_identities.clone(),
                merged_from: Vec::new(),
                lifetime_value_minor: 0,
                created_at: now,
                version: 1,
            };
            match self.store.create_customer(tenant, &customer).await {
                Ok(()) => return Ok(customer.id),
                // Another worker created the buyer meanwhile: read it again.
                Err(StoreError::Conflict { .. }) => continue,
                Err(other) => return Err(other.into()),
            }
        }
        Err(IngestError::Store(StoreError::Conflict {
            tenant: tenant.clone(),
            entity: "customer identity",
            id: order.id.to_string(),
            expected: None,
        }))
    }
}

fn order_link(inbound: &Inbound) -> Option<OrderLink> {
    if inbound.order.is_some() {
        return None;
    }
    let listing = inbound.listing.as_ref()?;
    let buyer = inbound
        .sender
        .as_ref()
        .filter(|s| s.kind == IdentityKind::EbayUser)?;
    Some(OrderLink {
        channel: inbound.channel,
        buyer: buyer.value.clone(),
        listing: listing.clone(),
    })
}
