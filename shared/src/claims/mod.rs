//! Claims against the seller (Amazon A-to-z Guarantee claims, chargebacks): one record per
//! order and kind with the marketplace's own response deadline, kept apart from the ticket's SLA
//! clock, and the case file a seller needs when Amazon reviews it. Pure: no I/O, no clock.
//!
//! A claim is known from the marketplace's notice e-mails only (Seller Central has no API for
//! them). The first notice opens the record; later ones about the same order and kind (reminders,
//! a corrected deadline) are added to it, once each. Decision 0025.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{
    AccountId, AgentId, AuthorKind, ClaimId, Direction, Message, Money, Note, OrderId, Risk,
    TenantId, TicketId,
};

/// What kind of claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClaimKind {
    /// An Amazon A-to-z Guarantee claim.
    AToZ,
    /// A chargeback the buyer's card issuer started, relayed by Amazon.
    Chargeback,
}

impl ClaimKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimKind::AToZ => "a_to_z",
            ClaimKind::Chargeback => "chargeback",
        }
    }

    /// How a seller names it.
    pub fn label(self) -> &'static str {
        match self {
            ClaimKind::AToZ => "A-to-z Guarantee claim",
            ClaimKind::Chargeback => "Chargeback",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [ClaimKind::AToZ, ClaimKind::Chargeback]
            .into_iter()
            .find(|k| k.as_str() == value)
    }

    /// The claim kind of a ticket risk, for the risks that are claims.
    pub fn of_risk(risk: Risk) -> Option<Self> {
        match risk {
            Risk::AToZClaim => Some(ClaimKind::AToZ),
            Risk::Chargeback => Some(ClaimKind::Chargeback),
            Risk::EbayItemNotReceived | Risk::NegativeFeedback => None,
        }
    }

    /// The time Amazon gives the seller when a notice names no date: 72 hours for an A-to-z
    /// claim, 7 calendar days for a chargeback's request for information (Seller Central help
    /// pages; a date in the notice always wins).
    pub fn default_response_time(self) -> TimeDelta {
        match self {
            ClaimKind::AToZ => TimeDelta::hours(72),
            ClaimKind::Chargeback => TimeDelta::days(7),
        }
    }
}

/// Where a claim stands on the seller's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClaimStatus {
    /// Waiting for the seller's answer to the marketplace: Amazon's clock runs.
    Open,
    /// The seller answered the marketplace (in Seller Central); Amazon decides.
    Responded,
    /// Decided or withdrawn.
    Closed,
}

impl ClaimStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimStatus::Open => "open",
            ClaimStatus::Responded => "responded",
            ClaimStatus::Closed => "closed",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [
            ClaimStatus::Open,
            ClaimStatus::Responded,
            ClaimStatus::Closed,
        ]
        .into_iter()
        .find(|s| s.as_str() == value)
    }

    /// Position in the claim list: open first, then responded, then closed.
    pub fn rank(self) -> u8 {
        match self {
            ClaimStatus::Open => 0,
            ClaimStatus::Responded => 1,
            ClaimStatus::Closed => 2,
        }
    }
}

/// How a closed claim ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClaimOutcome {
    /// Granted to the buyer and debited from the seller: counts against the account.
    GrantedSellerFunded,
    /// Granted to the buyer at Amazon's expense: does not count against the seller.
    GrantedAmazonFunded,
    /// Decided in the seller's favour.
    Denied,
    /// The buyer withdrew it.
    Withdrawn,
}

/// Where the response deadline comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeadlineSource {
    /// A date or a number of days the notice states.
    Notice,
    /// The marketplace's usual time from the first notice ([`ClaimKind::default_response_time`]).
    Default,
}

/// One notice e-mail about the claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimNoticeSeen {
    /// The notice's Message-ID (or the stored object's key when it has none): each is added once.
    pub reference: String,
    /// When the marketplace sent it.
    pub at: DateTime<Utc>,
    /// The deadline it states, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub respond_by: Option<DateTime<Utc>>,
}

/// A change a person made to the claim, newest last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimChange {
    pub at: DateTime<Utc>,
    pub by: AgentId,
    pub status: ClaimStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<ClaimOutcome>,
    /// What the seller answered or decided, in their words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One claim as marketdesk keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimRecord {
    /// [`claim_id`]: `{order}_{kind}` (or `{ticket}_{kind}` when no notice named the order).
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "114-3941689-8772232_a_to_z"))]
    pub id: ClaimId,
    pub tenant: TenantId,
    pub account: AccountId,
    pub kind: ClaimKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<OrderId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marketplace_id: Option<String>,
    /// The ticket the claim's notices and the buyer conversation are on.
    pub ticket: TicketId,
    pub status: ClaimStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<ClaimOutcome>,
    /// The reason the notice gives ("Item not received"), in its language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    /// When the first notice was sent.
    pub opened_at: DateTime<Utc>,
    /// The marketplace's deadline for the seller's answer: Amazon's clock, not the team's SLA.
    pub respond_by: DateTime<Utc>,
    pub deadline_source: DeadlineSource,
    /// When the seller marked it answered (status `responded`), if they did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responded_at: Option<DateTime<Utc>>,
    /// Every notice seen, oldest first.
    pub notices: Vec<ClaimNoticeSeen>,
    /// What people changed, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<ClaimChange>,
    /// The team alerts sent about Amazon's deadline ([`ClaimRecord::alert_due`]), oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<ClaimAlert>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

/// The id of an order's claim of a kind, the same from every notice about it.
pub fn claim_id(order: Option<&OrderId>, ticket: &TicketId, kind: ClaimKind) -> ClaimId {
    let subject = order.map_or(ticket.as_str(), OrderId::as_str);
    ClaimId::parse(format!("{subject}_{}", kind.as_str()))
        .expect("order and ticket ids are valid id characters")
}

/// What a notice e-mail says about a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeFacts {
    pub tenant: TenantId,
    pub account: AccountId,
    pub kind: ClaimKind,
    pub order_id: Option<OrderId>,
    pub marketplace_id: Option<String>,
    pub ticket: TicketId,
    pub reason: Option<String>,
    pub amount: Option<Money>,
    pub respond_by: Option<DateTime<Utc>>,
    pub reference: String,
    pub sent_at: DateTime<Utc>,
}

/// The record a first notice opens.
pub fn open(facts: &NoticeFacts, now: DateTime<Utc>) -> ClaimRecord {
    let (respond_by, deadline_source) = match facts.respond_by {
        Some(at) => (at, DeadlineSource::Notice),
        None => (
            facts.sent_at + facts.kind.default_response_time(),
            DeadlineSource::Default,
        ),
    };
    ClaimRecord {
        id: claim_id(facts.order_id.as_ref(), &facts.ticket, facts.kind),
        tenant: facts.tenant.clone(),
        account: facts.account.clone(),
        kind: facts.kind,
        order_id: facts.order_id.clone(),
        marketplace_id: facts.marketplace_id.clone(),
        ticket: facts.ticket.clone(),
        status: ClaimStatus::Open,
        outcome: None,
        reason: facts.reason.clone(),
        amount: facts.amount.clone(),
        opened_at: facts.sent_at,
        respond_by,
        deadline_source,
        responded_at: None,
        notices: vec![ClaimNoticeSeen {
            reference: facts.reference.clone(),
            at: facts.sent_at,
            respond_by: facts.respond_by,
        }],
        changes: Vec::new(),
        alerts: Vec::new(),
        updated_at: now,
        version: 0,
    }
}

impl ClaimRecord {
    /// Adds a later (or redelivered) notice; `false` when it says nothing new, so the record
    /// is not rewritten. A stated deadline replaces a default one, and the latest notice's stated
    /// deadline wins over earlier ones (a reminder may extend it). Notices arrive in any order:
    /// the claim opened with the earliest.
    pub fn add_notice(&mut self, facts: &NoticeFacts, now: DateTime<Utc>) -> bool {
        if self.notices.iter().any(|n| n.reference == facts.reference) {
            return false;
        }
        self.notices.push(ClaimNoticeSeen {
            reference: facts.reference.clone(),
            at: facts.sent_at,
            respond_by: facts.respond_by,
        });
        self.notices.sort_by_key(|n| n.at);
        self.opened_at = self.opened_at.min(facts.sent_at);
        if let Some(stated) = self.notices.iter().rev().find_map(|n| n.respond_by) {
            self.respond_by = stated;
            self.deadline_source = DeadlineSource::Notice;
        } else {
            self.respond_by = self.opened_at + self.kind.default_response_time();
        }
        self.reason = self.reason.take().or_else(|| facts.reason.clone());
        self.amount = self.amount.take().or_else(|| facts.amount.clone());
        self.marketplace_id = self
            .marketplace_id
            .take()
            .or_else(|| facts.marketplace_id.clone());
        self.updated_at = now;
        true
    }

    /// A person's change of status. `outcome` only on `closed`; reopening clears the answer.
    pub fn change(
        &mut self,
        status: ClaimStatus,
        outcome: Option<ClaimOutcome>,
        note: Option<String>,
        by: &AgentId,
        now: DateTime<Utc>,
    ) -> Result<(), ClaimError> {
        if outcome.is_some() && status != ClaimStatus::Closed {
            return Err(ClaimError::OutcomeNeedsClosed);
        }
        match status {
            ClaimStatus::Open => self.responded_at = None,
            ClaimStatus::Responded => self.responded_at = Some(now),
            ClaimStatus::Closed => {
                if self.responded_at.is_none() && self.status == ClaimStatus::Responded {
                    self.responded_at = Some(now);
                }
            }
        }
        self.status = status;
        self.outcome = outcome;
        self.changes.push(ClaimChange {
            at: now,
            by: by.clone(),
            status,
            outcome,
            note,
        });
        self.updated_at = now;
        Ok(())
    }

    /// Amazon's clock for this claim at `now`.
    pub fn clock(&self, now: DateTime<Utc>) -> ClaimClock {
        let level = match self.status {
            ClaimStatus::Responded => ClaimClockLevel::Answered,
            ClaimStatus::Closed => ClaimClockLevel::Closed,
            ClaimStatus::Open if now >= self.respond_by => ClaimClockLevel::Overdue,
            ClaimStatus::Open if self.respond_by - now <= WARNING_BEFORE => {
                ClaimClockLevel::Warning
            }
            ClaimStatus::Open => ClaimClockLevel::Ok,
        };
        ClaimClock {
            respond_by: self.respond_by,
            remaining_seconds: (self.status == ClaimStatus::Open)
                .then(|| (self.respond_by - now).num_seconds()),
            level,
            answered_in_time: self.responded_at.map(|at| at <= self.respond_by),
        }
    }
}

impl ClaimRecord {
    /// The alert the team is owed now: `warning` in the last day before Amazon's deadline,
    /// `overdue` once it passed, each once per deadline (a reminder that moves the deadline
    /// arms them again); none once the seller answered.
    pub fn alert_due(&self, now: DateTime<Utc>) -> Option<ClaimClockLevel> {
        let level = self.clock(now).level;
        if !matches!(level, ClaimClockLevel::Warning | ClaimClockLevel::Overdue) {
            return None;
        }
        let sent = |l: ClaimClockLevel| {
            self.alerts
                .iter()
                .any(|a| a.level == l && a.respond_by == self.respond_by)
        };
        // An overdue claim never warned first gets the overdue alert alone.
        (!sent(level)).then_some(level)
    }

    /// Records that the `level` alert is being sent (before it is: at most once).
    pub fn mark_alerted(&mut self, level: ClaimClockLevel, now: DateTime<Utc>) {
        self.alerts.push(ClaimAlert {
            level,
            respond_by: self.respond_by,
            at: now,
        });
        self.updated_at = now;
    }

    /// "A-to-z Guarantee claim on order 114-…", or the kind alone without an order.
    fn headline(&self) -> String {
        match &self.order_id {
            Some(order) => format!("{} on order {order}", self.kind.label()),
            None => self.kind.label().to_owned(),
        }
    }

    /// The team's alert of `level` about this claim.
    pub fn notification(
        &self,
        level: ClaimClockLevel,
        frontend_url: &str,
        now: DateTime<Utc>,
    ) -> crate::connectors::Notification {
        let what = self.headline();
        let left = (self.respond_by - now).num_minutes();
        let title = if level == ClaimClockLevel::Overdue {
            format!("{what}: Amazon's deadline passed unanswered")
        } else if left >= 60 {
            format!("{what}: {} h left to answer Amazon", left / 60)
        } else {
            format!("{what}: {} min left to answer Amazon", left.max(0))
        };
        let mut fields = vec![("Respond by".to_owned(), utc(self.respond_by))];
        if let Some(reason) = &self.reason {
            fields.push(("Reason".to_owned(), reason.clone()));
        }
        if let Some(amount) = &self.amount {
            fields.push((
                "Amount".to_owned(),
                crate::templates::format::money(amount, "en"),
            ));
        }
        let base = frontend_url.trim_end_matches('/');
        crate::connectors::Notification {
            title,
            body: "Answer the claim in Seller Central (tracking, proof of delivery or a refund), \
                   then mark it answered in marketdesk. Replying to the buyer does not stop \
                   Amazon's clock."
                .to_owned(),
            fields,
            links: vec![
                (
                    "Open the case file".to_owned(),
                    format!("{base}/claims/{}", self.id),
                ),
                (
                    "Open the ticket".to_owned(),
                    format!("{base}/tickets/{}", self.ticket),
                ),
            ],
            footer: Some("Amazon's deadline, apart from the ticket's SLA".to_owned()),
        }
    }
}

/// An alert sent about a claim's deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimAlert {
    /// `warning` or `overdue`.
    pub level: ClaimClockLevel,
    /// The deadline it was about.
    pub respond_by: DateTime<Utc>,
    pub at: DateTime<Utc>,
}

/// An open claim turns `warning` this long before Amazon's deadline.
pub const WARNING_BEFORE: TimeDelta = TimeDelta::hours(24);

/// Why a change to a claim is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimError {
    #[error("an outcome is given only when the claim is closed")]
    OutcomeNeedsClosed,
}

/// The level of a claim's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClaimClockLevel {
    Ok,
    /// Less than a day left.
    Warning,
    /// Past the deadline without an answer.
    Overdue,
    /// The seller answered; Amazon decides.
    Answered,
    Closed,
}

/// Amazon's clock of a claim, apart from the ticket's SLA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimClock {
    pub respond_by: DateTime<Utc>,
    /// Seconds to `respond_by` (negative once passed) while the claim is open.
    pub remaining_seconds: Option<i64>,
    pub level: ClaimClockLevel,
    /// Whether the seller's answer came before the deadline, once they answered.
    pub answered_in_time: Option<bool>,
}

/// What the seller said to the buyer around the claim: the figures a case review asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conversation {
    pub buyer_messages: u32,
    /// Replies to the buyer (agents and automations), delivered or queued, before the claim.
    pub replies_before_claim: u32,
    pub replies_after_claim: u32,
    /// The buyer's first message on the ticket.
    pub first_buyer_message_at: Option<DateTime<Utc>>,
    /// The seller's first reply to the buyer.
    pub first_reply_at: Option<DateTime<Utc>>,
    /// The seller's first reply after the claim was opened.
    pub first_reply_after_claim_at: Option<DateTime<Utc>>,
    /// Buyer messages after the seller's last reply: what is still unanswered.
    pub unanswered_buyer_messages: u32,
}

/// Counts the conversation of the claim's ticket around `opened_at`. Failed deliveries are not
/// answers.
pub fn conversation(messages: &[Message], opened_at: DateTime<Utc>) -> Conversation {
    let mut sorted: Vec<&Message> = messages.iter().collect();
    sorted.sort_by_key(|m| m.sent_at);
    let mut c = Conversation::default();
    for m in sorted {
        match (&m.direction, &m.author) {
            (Direction::Inbound, AuthorKind::Buyer) => {
                c.buyer_messages += 1;
                c.unanswered_buyer_messages += 1;
                c.first_buyer_message_at.get_or_insert(m.sent_at);
            }
            (Direction::Outbound, AuthorKind::Agent { .. } | AuthorKind::Automation { .. })
                if !matches!(
                    m.delivery,
                    Some(crate::domain::DeliveryState::Failed { .. })
                ) =>
            {
                c.unanswered_buyer_messages = 0;
                c.first_reply_at.get_or_insert(m.sent_at);
                if m.sent_at < opened_at {
                    c.replies_before_claim += 1;
                } else {
                    c.replies_after_claim += 1;
                    c.first_reply_after_claim_at.get_or_insert(m.sent_at);
                }
            }
            _ => {}
        }
    }
    c
}

/// The case file of a claim: the record, its clock, the order, and the whole conversation with
/// the buyer (messages and the team's notes, oldest first) with its figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseFile {
    pub claim: ClaimRecord,
    pub clock: ClaimClock,
    pub order: Option<crate::domain::Order>,
    pub conversation: Conversation,
    pub messages: Vec<Message>,
    pub notes: Vec<Note>,
    /// The case as plain text, to paste into the claim's response in Seller Central: the claim,
    /// the order and its shipments, and what the buyer and the seller wrote when (UTC). The
    /// team's internal notes are not in it.
    pub summary: String,
}

/// Builds the case file of `claim` from its ticket's messages and notes and the order.
pub fn case_file(
    claim: ClaimRecord,
    order: Option<crate::domain::Order>,
    mut messages: Vec<Message>,
    mut notes: Vec<Note>,
    now: DateTime<Utc>,
) -> CaseFile {
    messages.sort_by_key(|m| m.sent_at);
    notes.sort_by_key(|n| n.at);
    let conversation = conversation(&messages, claim.opened_at);
    CaseFile {
        clock: claim.clock(now),
        summary: summary(&claim, order.as_ref(), &messages, &conversation),
        conversation,
        claim,
        order,
        messages,
        notes,
    }
}

/// Longest excerpt of one message in the summary, in characters.
const SUMMARY_EXCERPT_CHARS: usize = 400;

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The plain-text case ([`CaseFile::summary`]), in English, the language of Amazon's claim forms
/// for sellers; the buyer's and the seller's words stay as written.
fn summary(
    claim: &ClaimRecord,
    order: Option<&crate::domain::Order>,
    messages: &[Message],
    c: &Conversation,
) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}, opened {}.",
        claim.headline(),
        utc(claim.opened_at)
    );
    if let Some(reason) = &claim.reason {
        let _ = writeln!(out, "Reason given: {reason}.");
    }
    if let Some(order) = order {
        let fulfilment = match order.fulfillment {
            crate::domain::FulfillmentChannel::Marketplace => "fulfilled by Amazon",
            crate::domain::FulfillmentChannel::Merchant => "shipped by the seller",
        };
        let _ = writeln!(
            out,
            "Order placed {}, {fulfilment}, status {}.",
            utc(order.purchased_at),
            order.status
        );
        for s in &order.shipments {
            let status = serde_json::to_value(s.status)
                .ok()
                .and_then(|v| v.as_str().map(|v| v.replace('_', " ")))
                .unwrap_or_default();
            let last = s
                .events
                .iter()
                .max_by_key(|e| e.at)
                .map_or_else(String::new, |e| format!(", last scan {}", utc(e.at)));
            let _ = writeln!(
                out,
                "Shipment: {} tracking {}, {status}{last}.",
                s.carrier, s.tracking_number
            );
        }
    }
    let _ = writeln!(
        out,
        "Messages: {} from the buyer, {} replies from the seller before the claim and {} since.",
        c.buyer_messages, c.replies_before_claim, c.replies_after_claim
    );
    if let (Some(asked), Some(answered)) = (c.first_buyer_message_at, c.first_reply_at)
        && answered >= asked
    {
        let minutes = (answered - asked).num_minutes();
        let _ = writeln!(
            out,
            "The seller first answered {} h {:02} min after the buyer's first message.",
            minutes / 60,
            minutes % 60
        );
    }
    out.push_str("\nConversation (UTC):\n");
    for m in messages {
        let who = match (&m.direction, &m.author) {
            (_, AuthorKind::Buyer) => "Buyer",
            (_, AuthorKind::System) => "Amazon",
            (Direction::Outbound, AuthorKind::Agent { .. }) => "Seller",
            (Direction::Outbound, AuthorKind::Automation { .. }) => "Seller (automatic reply)",
            (Direction::Inbound, AuthorKind::Agent { .. } | AuthorKind::Automation { .. }) => {
                "Seller (sent from the channel)"
            }
        };
        let failed = matches!(
            m.delivery,
            Some(crate::domain::DeliveryState::Failed { .. })
        );
        let mut text: String = m
            .body
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(SUMMARY_EXCERPT_CHARS)
            .collect();
        if m.body.chars().count() > SUMMARY_EXCERPT_CHARS {
            text.push('…');
        }
        let _ = writeln!(
            out,
            "- {} {who}{}: {text}",
            utc(m.sent_at),
            if failed { " (not delivered)" } else { "" }
        );
    }
    out
}

#[cfg(test)]
mod tests;
