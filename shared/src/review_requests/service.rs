//! Review requests over the ports (decision 0022): one schedule per delivered order
//! ([`ReviewPlanner`], called where ingestion saves an order), and acting on a fired trigger at
//! most once ([`ReviewRequester`], run by the escalator): claim the order's record, re-read the
//! facts, decide, ask Amazon, record the outcome.

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use futures::future::BoxFuture;

use super::{
    Decision, NotEligibleReason, ReviewRequestSettings, ReviewRequestTrigger, decide,
    facts_from_tickets, trigger_for,
};
use crate::connectors::ConnectorError;
use crate::connectors::amazon::Solicited;
use crate::domain::{Channel, ChannelAccount, Order, OrderId, TenantId, Ticket, TicketStatus};
use crate::store::{
    AccountStore, ClaimStore, CustomerStore, FeedbackStore, HistoryEntry, OrderStore, PageRequest,
    ReviewClaim, ReviewOutcome, ReviewRequestRecord, ReviewRequestStore, StoreError, TicketQueue,
    TicketStore,
};

/// How long a claim holds an order's request: longer than a request with its retries takes.
const CLAIM_LEASE: TimeDelta = TimeDelta::minutes(2);
/// How many of the buyer's history entries are read for tickets about the order.
const HISTORY_LIMIT: u32 = 100;
/// At most this many pages of a queue's risk lane are read.
const RISK_PAGES: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The schedule could not be created; names the schedule, never its payload.
    #[error("schedule {schedule} of order {order} (tenant {tenant}): {message}")]
    Schedule {
        tenant: TenantId,
        order: OrderId,
        schedule: String,
        message: String,
    },
    /// Amazon failed in a way worth trying again; the claim was given back.
    #[error("review request of order {order} (tenant {tenant}): {source}")]
    Amazon {
        tenant: TenantId,
        order: OrderId,
        source: ConnectorError,
    },
    /// Another attempt holds the order's claim: the record is retried later.
    #[error("review request of order {order} (tenant {tenant}) is being made by another attempt")]
    Busy { tenant: TenantId, order: OrderId },
}

/// Creates an order's one-time schedule; one that exists already (a second save, a retry) is
/// fine.
pub trait ReviewRequestScheduler: Send + Sync {
    fn schedule(
        &self,
        trigger: &ReviewRequestTrigger,
    ) -> impl Future<Output = Result<(), ReviewError>> + Send;
}

/// Asks Amazon for the review of one order of a channel account (the Solicitations API with
/// the account's credentials).
pub trait AccountSolicitor: Send + Sync {
    fn request_review(
        &self,
        account: &ChannelAccount,
        order: &OrderId,
        marketplace_id: &str,
    ) -> impl Future<Output = Result<Solicited, ConnectorError>> + Send;
}

/// No Solicitations client (a worker built without one): the escalator refuses review
/// triggers instead of deciding them.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSolicitor;

impl AccountSolicitor for NoSolicitor {
    async fn request_review(
        &self,
        account: &ChannelAccount,
        _: &OrderId,
        _: &str,
    ) -> Result<Solicited, ConnectorError> {
        Err(
            crate::connectors::CallContext::new("sp-api", account.id.as_str(), "solicitations")
                .error(crate::connectors::ErrorKind::Connect(
                    "no Solicitations client configured".into(),
                )),
        )
    }
}

/// What ingestion calls after it wrote an order (object-safe, so the ingestor holds it boxed
/// like its outbound queue).
pub trait OrderSaved: Send + Sync {
    fn order_saved<'a>(
        &'a self,
        tenant: &'a TenantId,
        order: &'a Order,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<Option<ReviewRequestTrigger>, ReviewError>>;
}

/// Schedules the review request of each delivered Amazon order of an opted-in tenant.
pub struct ReviewPlanner<S, W> {
    store: S,
    scheduler: W,
}

impl<S: ReviewRequestStore, W: ReviewRequestScheduler> ReviewPlanner<S, W> {
    pub fn new(store: S, scheduler: W) -> Self {
        Self { store, scheduler }
    }

    /// The schedule the saved `order` needs, created (by name: at most one per order); nothing
    /// for an order not delivered, not covered, or with a record already (fired or decided).
    /// Reads nothing for an order that is not a delivered Amazon order.
    pub async fn plan(
        &self,
        tenant: &TenantId,
        order: &Order,
        now: DateTime<Utc>,
    ) -> Result<Option<ReviewRequestTrigger>, ReviewError> {
        if order.channel != Channel::Amazon || super::delivered_at(order).is_none() {
            return Ok(None);
        }
        let settings = self
            .store
            .review_settings(tenant)
            .await?
            .map(|s| s.entry)
            .unwrap_or_default();
        let Some(trigger) = trigger_for(tenant, &settings, order, now) else {
            return Ok(None);
        };
        if self
            .store
            .review_request(tenant, &order.id)
            .await?
            .is_some()
        {
            return Ok(None);
        }
        self.scheduler.schedule(&trigger).await?;
        tracing::info!(tenant = %tenant, order = %order.id, fire_at = %trigger.fire_at, "review request scheduled");
        Ok(Some(trigger))
    }
}

impl<S: ReviewRequestStore, W: ReviewRequestScheduler> OrderSaved for ReviewPlanner<S, W> {
    fn order_saved<'a>(
        &'a self,
        tenant: &'a TenantId,
        order: &'a Order,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<Option<ReviewRequestTrigger>, ReviewError>> {
        Box::pin(self.plan(tenant, order, now))
    }
}

impl<T: OrderSaved + ?Sized> OrderSaved for Arc<T> {
    fn order_saved<'a>(
        &'a self,
        tenant: &'a TenantId,
        order: &'a Order,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<Option<ReviewRequestTrigger>, ReviewError>> {
        (**self).order_saved(tenant, order, now)
    }
}

/// Acts on fired review-request triggers, once per order.
pub struct ReviewRequester<'a, S, A> {
    store: &'a S,
    solicitor: &'a A,
}

impl<'a, S, A> ReviewRequester<'a, S, A>
where
    S: ReviewRequestStore
        + OrderStore
        + CustomerStore
        + TicketStore
        + AccountStore
        + ClaimStore
        + FeedbackStore,
    A: AccountSolicitor,
{
    pub fn new(store: &'a S, solicitor: &'a A) -> Self {
        Self { store, solicitor }
    }

    /// Claims the order, decides on the facts as they are now and records the outcome. A
    /// trigger fired twice, or redelivered, finds the record and does nothing more.
    pub async fn handle(
        &self,
        trigger: &ReviewRequestTrigger,
        now: DateTime<Utc>,
    ) -> Result<ReviewOutcome, ReviewError> {
        let tenant = &trigger.tenant;
        let owner = ulid::Ulid::from_datetime(now.into()).to_string();
        let mut record = ReviewRequestRecord {
            order: trigger.order.clone(),
            account: trigger.account.clone(),
            marketplace_id: trigger.marketplace_id.clone(),
            outcome: ReviewOutcome::Pending {
                owner: owner.clone(),
                until: now + CLAIM_LEASE,
            },
            at: now,
        };
        match self
            .store
            .claim_review_request(tenant, &record, now)
            .await?
        {
            ReviewClaim::Claimed => {}
            ReviewClaim::Taken(taken) => {
                return match taken.outcome {
                    ReviewOutcome::Pending { .. } => Err(ReviewError::Busy {
                        tenant: tenant.clone(),
                        order: trigger.order.clone(),
                    }),
                    outcome => Ok(outcome),
                };
            }
        }
        let outcome = match self.decide(trigger, now).await {
            Ok(Decision::Skip(reason)) => ReviewOutcome::Skipped { reason },
            Ok(Decision::NotEligible(reason)) => ReviewOutcome::NotEligible { reason },
            Ok(Decision::Send) => match self.solicit(trigger).await {
                Ok(Solicited::Sent) => ReviewOutcome::Sent,
                Ok(Solicited::NotOffered) => ReviewOutcome::NotEligible {
                    reason: NotEligibleReason::NotOffered,
                },
                Err(source) if source.is_transient() => {
                    self.release(tenant, &trigger.order, &owner).await;
                    return Err(ReviewError::Amazon {
                        tenant: tenant.clone(),
                        order: trigger.order.clone(),
                        source,
                    });
                }
                Err(e) => ReviewOutcome::Failed {
                    error: e.kind.to_string(),
                },
            },
            Err(e) => {
                self.release(tenant, &trigger.order, &owner).await;
                return Err(e);
            }
        };
        record.outcome = outcome.clone();
        record.at = now;
        self.store
            .record_review_outcome(tenant, &record, &owner)
            .await?;
        tracing::info!(tenant = %tenant, order = %trigger.order, outcome = ?outcome, "review request decided");
        Ok(outcome)
    }

    /// The request through the order's account; an account that is gone is a permanent
    /// failure, a store failure one worth retrying.
    async fn solicit(&self, trigger: &ReviewRequestTrigger) -> Result<Solicited, ConnectorError> {
        let account = self
            .store
            .account(&trigger.tenant, &trigger.account)
            .await
            .map_err(|e| {
                crate::connectors::CallContext::new("store", trigger.account.as_str(), "account")
                    .error(crate::connectors::ErrorKind::Network(e.to_string()))
            })?;
        let Some(account) = account else {
            return Err(crate::connectors::CallContext::new(
                "store",
                trigger.account.as_str(),
                "account",
            )
            .error(crate::connectors::ErrorKind::InvalidRequest(
                "the channel account no longer exists".into(),
            )));
        };
        self.solicitor
            .request_review(&account, &trigger.order, &trigger.marketplace_id)
            .await
    }

    async fn release(&self, tenant: &TenantId, order: &OrderId, owner: &str) {
        if let Err(e) = self
            .store
            .release_review_request(tenant, order, owner)
            .await
        {
            tracing::warn!(tenant = %tenant, order = %order, error = %e, "review-request claim not released; it expires");
        }
    }

    /// The verdict on the facts as stored now: the tenant's settings, the order (delivered at
    /// the time the trigger names), the tickets about it in its buyer's history.
    async fn decide(
        &self,
        trigger: &ReviewRequestTrigger,
        now: DateTime<Utc>,
    ) -> Result<Decision, ReviewError> {
        let tenant = &trigger.tenant;
        let settings: ReviewRequestSettings = self
            .store
            .review_settings(tenant)
            .await?
            .map(|s| s.entry)
            .unwrap_or_default();
        let order = self
            .store
            .order(tenant, Channel::Amazon, &trigger.order)
            .await?;
        let tickets = match &order {
            Some(order) => self.order_tickets(tenant, order).await?,
            None => Vec::new(),
        };
        let reference = crate::domain::OrderRef {
            channel: Channel::Amazon,
            order: trigger.order.clone(),
        };
        let mut facts = facts_from_tickets(&reference, &tickets);
        // The order's claim and feedback records outlive their tickets: a claim filed and
        // resolved, or negative feedback handled, still skips the order.
        facts.claim |= !self
            .store
            .order_claims(tenant, &trigger.order)
            .await?
            .is_empty();
        facts.negative_feedback |= self
            .store
            .order_feedback(tenant, &trigger.order)
            .await?
            .iter()
            .any(|f| f.rating == crate::domain::FeedbackRating::Negative);
        facts.delivered_at = order.as_ref().map(|_| trigger.delivered_at);
        Ok(decide(&settings, &trigger.marketplace_id, &facts, now))
    }

    /// The tickets that may name the order: the account-risk lane of the open and pending
    /// queues (claims, chargebacks, negative feedback sort first, so this reads only as many
    /// pages as such tickets fill), and the order's buyer's history when the order carries a
    /// buyer identity (SP-API orders fetched without the BUYER dataset carry none).
    async fn order_tickets(
        &self,
        tenant: &TenantId,
        order: &Order,
    ) -> Result<Vec<Ticket>, ReviewError> {
        let mut tickets = Vec::new();
        for status in [TicketStatus::Open, TicketStatus::Pending] {
            let queue = TicketQueue::Status(status);
            let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
            for _ in 0..RISK_PAGES {
                let listed = self.store.queue(tenant, &queue, &page).await?;
                let mut past_risks = false;
                for ticket in listed.items {
                    if ticket.risk.is_none() {
                        past_risks = true;
                        break;
                    }
                    tickets.push(ticket);
                }
                match listed.next {
                    Some(cursor) if !past_risks => page.cursor = Some(cursor),
                    _ => break,
                }
            }
        }
        let mut customer = None;
        for identity in &order.buyer_identities {
            if let Some(found) = self.store.find_by_identity(tenant, identity).await? {
                customer = Some(found);
                break;
            }
        }
        let Some(customer) = customer else {
            return Ok(tickets);
        };
        let history = self
            .store
            .history(tenant, &customer, &PageRequest::first(HISTORY_LIMIT))
            .await?;
        for entry in history.items {
            if let HistoryEntry::Ticket { ticket, .. } = entry
                && !tickets.iter().any(|t| t.id == ticket)
                && let Some(ticket) = self.store.ticket(tenant, &ticket).await?
            {
                tickets.push(ticket);
            }
        }
        Ok(tickets)
    }
}
