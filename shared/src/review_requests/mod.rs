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

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{Channel, Order, ShipmentStatus};

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
