//! Amazon "Request a Review" (pure): a tenant's settings, when an order's request is due, and
//! whether to send it once the day comes. Amazon allows one review request per order, its own
//! (the Solicitations API's `productReviewAndSellerFeedback`), between 5 and 30 days after
//! delivery; decision 0022 has the scheduling and once-only design.
//!
//! - [`ReviewRequestSettings`]: opt-in, marketplaces, the day after delivery (inside Amazon's
//!   window, validated), and the skip rules, each switchable.
//! - [`delivered_at`]: the delivery time from the order's packages (every package delivered).
//! - [`due_at`]: when an order's request is due, if it should be scheduled at all.
//! - [`decide`]: the verdict for one order given its [`OrderFacts`] and `now`.
//! - [`trigger_for`] / [`schedule_name`]: the one one-time schedule of an order, named so a
//!   second save of the order cannot make a second; [`ReviewRequestTrigger`] is its payload on
//!   the escalation queue.
//! - `service`: the orchestration over the ports (scheduling on an order save, acting on a
//!   fired trigger once).

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::{
    AccountId, Channel, Intent, Order, OrderId, OrderRef, Risk, ShipmentStatus, TenantId, Ticket,
    TicketStatus,
};

pub mod service;
mod settings;
#[cfg(test)]
mod tests;

pub use settings::{ReviewRequestSettings, SettingsError, SkipRules};

/// Amazon's window: the first day after delivery a request may be sent.
pub const WINDOW_START_DAYS: u32 = 5;
/// Amazon's window: the last day after delivery a request may be sent.
pub const WINDOW_END_DAYS: u32 = 30;

/// What is known about an order when its request is decided, gathered by the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderFacts {
    /// When every package of the order was delivered (see [`delivered_at`]).
    pub delivered_at: Option<DateTime<Utc>>,
    /// A ticket about the order is open or pending.
    pub open_ticket: bool,
    /// An A-to-z claim or chargeback names the order.
    pub claim: bool,
    /// A return or refund is known for the order.
    pub return_or_refund: bool,
    /// The buyer left negative (or neutral) seller feedback on the order.
    pub negative_feedback: bool,
    /// A request was already made (or decided) for the order: once per order, ever.
    pub already_requested: bool,
}

/// Why an order gets no request although Amazon might offer one: the tenant's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// The tenant has not opted in (or turned it off since the order was scheduled).
    OptedOut,
    /// The order's marketplace is not one the tenant chose.
    Marketplace,
    OpenTicket,
    Claim,
    ReturnOrRefund,
    NegativeFeedback,
}

impl SkipReason {
    pub const ALL: [SkipReason; 6] = [
        SkipReason::OptedOut,
        SkipReason::Marketplace,
        SkipReason::OpenTicket,
        SkipReason::Claim,
        SkipReason::ReturnOrRefund,
        SkipReason::NegativeFeedback,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::OptedOut => "opted_out",
            SkipReason::Marketplace => "marketplace",
            SkipReason::OpenTicket => "open_ticket",
            SkipReason::Claim => "claim",
            SkipReason::ReturnOrRefund => "return_or_refund",
            SkipReason::NegativeFeedback => "negative_feedback",
        }
    }
}

/// Why no request can be made under Amazon's rules (or Amazon does not offer one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NotEligibleReason {
    /// Not an Amazon order.
    NotAmazon,
    /// Not (every package) delivered yet, as far as we know.
    NotDelivered,
    /// Fewer than 5 days since delivery.
    TooEarly,
    /// More than 30 days since delivery.
    TooLate,
    /// A request was already made for the order.
    AlreadyRequested,
    /// Amazon's `getSolicitationActionsForOrder` did not offer the action.
    NotOffered,
}

impl NotEligibleReason {
    pub fn as_str(self) -> &'static str {
        match self {
            NotEligibleReason::NotAmazon => "not_amazon",
            NotEligibleReason::NotDelivered => "not_delivered",
            NotEligibleReason::TooEarly => "too_early",
            NotEligibleReason::TooLate => "too_late",
            NotEligibleReason::AlreadyRequested => "already_requested",
            NotEligibleReason::NotOffered => "not_offered",
        }
    }
}

/// The verdict for one order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Ask Amazon whether the action is offered and, if so, send it.
    Send,
    /// The tenant's rules say no.
    Skip(SkipReason),
    /// Amazon's rules say no.
    NotEligible(NotEligibleReason),
}

/// The delivery time of an order from its packages: `None` unless it is an order with at least
/// one package and every package is delivered. A package's time is its first delivered
/// tracking event; SP-API packages carry no delivery time, so one without such an event counts
/// as delivered when the order last changed (the change that reported the delivery).
pub fn delivered_at(order: &Order) -> Option<DateTime<Utc>> {
    if order.shipments.is_empty() {
        return None;
    }
    let mut latest: Option<DateTime<Utc>> = None;
    for shipment in &order.shipments {
        if shipment.status != ShipmentStatus::Delivered {
            return None;
        }
        let at = shipment
            .events
            .iter()
            .filter(|e| e.status == ShipmentStatus::Delivered)
            .map(|e| e.at)
            .min()
            .unwrap_or(order.updated_at);
        latest = Some(latest.map_or(at, |l| l.max(at)));
    }
    latest
}

fn days(n: u32) -> TimeDelta {
    TimeDelta::days(i64::from(n))
}

/// Whether `now` is inside Amazon's window after `delivered`.
pub fn window(delivered: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), NotEligibleReason> {
    if now < delivered + days(WINDOW_START_DAYS) {
        Err(NotEligibleReason::TooEarly)
    } else if now > delivered + days(WINDOW_END_DAYS) {
        Err(NotEligibleReason::TooLate)
    } else {
        Ok(())
    }
}

/// When the request of `order` is due under `settings`, or `None` if it needs no schedule: the
/// tenant has not opted in, the order is not an Amazon order of a chosen marketplace, or it is
/// not delivered. A due time already past (an order first seen delivered late) is the due time
/// still: the caller fires it at once, and [`decide`] says whether it is too late.
pub fn due_at(settings: &ReviewRequestSettings, order: &Order) -> Option<DateTime<Utc>> {
    if !settings.enabled
        || order.channel != Channel::Amazon
        || !settings.covers_marketplace(&order.marketplace_id)
    {
        return None;
    }
    delivered_at(order).map(|d| d + days(settings.days_after_delivery))
}

/// The verdict for an order of `marketplace` (an Amazon order) at `now`. Amazon's rules come
/// first (a request already made, the window); the tenant's skip rules after, in a fixed order,
/// so the report names one reason per order.
pub fn decide(
    settings: &ReviewRequestSettings,
    marketplace: &str,
    facts: &OrderFacts,
    now: DateTime<Utc>,
) -> Decision {
    if facts.already_requested {
        return Decision::NotEligible(NotEligibleReason::AlreadyRequested);
    }
    if !settings.enabled {
        return Decision::Skip(SkipReason::OptedOut);
    }
    if !settings.covers_marketplace(marketplace) {
        return Decision::Skip(SkipReason::Marketplace);
    }
    let Some(delivered) = facts.delivered_at else {
        return Decision::NotEligible(NotEligibleReason::NotDelivered);
    };
    if let Err(reason) = window(delivered, now) {
        return Decision::NotEligible(reason);
    }
    let rules = &settings.skip;
    let skips = [
        (rules.claim && facts.claim, SkipReason::Claim),
        (
            rules.negative_feedback && facts.negative_feedback,
            SkipReason::NegativeFeedback,
        ),
        (
            rules.return_or_refund && facts.return_or_refund,
            SkipReason::ReturnOrRefund,
        ),
        (
            rules.open_ticket && facts.open_ticket,
            SkipReason::OpenTicket,
        ),
    ];
    match skips.into_iter().find(|(hit, _)| *hit) {
        Some((_, reason)) => Decision::Skip(reason),
        None => Decision::Send,
    }
}

/// The payload of an order's review-request schedule, delivered to the escalation queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequestTrigger {
    /// Always `review_request`: tells this payload from an SLA threshold's.
    pub kind: TriggerKind,
    pub tenant: TenantId,
    pub account: AccountId,
    pub order: OrderId,
    pub marketplace_id: String,
    /// The delivery time when the order was first known delivered.
    pub delivered_at: DateTime<Utc>,
    /// When the schedule fires.
    pub fire_at: DateTime<Utc>,
}

/// The one kind of [`ReviewRequestTrigger`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerKind {
    ReviewRequest,
}

/// The schedule an order needs, if any: the chosen day after delivery ([`due_at`]), or now
/// (plus a minute) when that day is past but the window is still open; `None` when the tenant
/// is not opted in, the order is not covered or not delivered, or the window closed already.
pub fn trigger_for(
    tenant: &TenantId,
    settings: &ReviewRequestSettings,
    order: &Order,
    now: DateTime<Utc>,
) -> Option<ReviewRequestTrigger> {
    let due = due_at(settings, order)?;
    let delivered = delivered_at(order)?;
    if now > delivered + days(WINDOW_END_DAYS) {
        return None;
    }
    Some(ReviewRequestTrigger {
        kind: TriggerKind::ReviewRequest,
        tenant: tenant.clone(),
        account: order.account.clone(),
        order: order.id.clone(),
        marketplace_id: order.marketplace_id.clone(),
        delivered_at: delivered,
        fire_at: due.max(now + TimeDelta::minutes(1)),
    })
}

/// The EventBridge Scheduler name of an order's review request: deterministic in tenant and
/// order only (one request per order, ever), hashed to Scheduler's 64 characters of
/// `[0-9a-zA-Z-_.]` like the SLA schedules.
pub fn schedule_name(tenant: &TenantId, order: &OrderId) -> String {
    let mut hash = Sha256::new();
    for part in [tenant.as_str(), "amazon", order.as_str()] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    let digest = hash.finalize();
    let hex: String = digest[..20].iter().map(|b| format!("{b:02x}")).collect();
    format!("rr-{hex}")
}

/// A schedule's description: readable, no buyer data.
pub fn schedule_description(trigger: &ReviewRequestTrigger) -> String {
    format!(
        "Review request of Amazon order {} at {}",
        trigger.order,
        trigger.fire_at.to_rfc3339_opts(SecondsFormat::Secs, true)
    )
}

/// What the tickets about an order say about it: the skip facts of [`OrderFacts`] (the
/// delivery and any earlier request are filled in by the caller).
pub fn facts_from_tickets<'a>(
    order: &OrderRef,
    tickets: impl IntoIterator<Item = &'a Ticket>,
) -> OrderFacts {
    let mut facts = OrderFacts::default();
    for ticket in tickets {
        if ticket.order.as_ref() != Some(order) {
            continue;
        }
        if matches!(ticket.status, TicketStatus::Open | TicketStatus::Pending) {
            facts.open_ticket = true;
        }
        match ticket.risk {
            Some(Risk::AToZClaim | Risk::Chargeback) => facts.claim = true,
            Some(Risk::NegativeFeedback) => facts.negative_feedback = true,
            _ => {}
        }
        match ticket.intent {
            Some(Intent::Claim) => facts.claim = true,
            Some(Intent::Return | Intent::Refund) => facts.return_or_refund = true,
            _ => {}
        }
    }
    facts
}
