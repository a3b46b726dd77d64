//! Tickets: one conversation with a buyer, its state, SLA clock and history.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    AccountId, AgentId, AuthorKind, Channel, CustomerId, EventId, IdentityKind, MessageId, NoteId,
    OrderRef, RuleId, TenantId, TicketId,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    Open,
    /// Waiting on the customer: pauses business-hour clocks, never Amazon's.
    Pending,
    Resolved,
}

impl TicketStatus {
    pub const ALL: [TicketStatus; 3] = [
        TicketStatus::Open,
        TicketStatus::Pending,
        TicketStatus::Resolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Open => "open",
            TicketStatus::Pending => "pending",
            TicketStatus::Resolved => "resolved",
        }
    }
}

impl std::str::FromStr for TicketStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        TicketStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| format!("'{s}' is not one of open, pending, resolved"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

/// What the buyer wants, as triage reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    WhereIsMyOrder,
    Return,
    Refund,
    DamagedOrDefective,
    Cancellation,
    ProductQuestion,
    Invoice,
    Feedback,
    Claim,
    Other,
}

/// What puts the seller account at risk; any risk means top priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    AToZClaim,
    Chargeback,
    EbayItemNotReceived,
    NegativeFeedback,
}

impl Risk {
    /// The documented value (`a_to_z_claim`), also used in the ticket's `risk:` tag.
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::AToZClaim => "a_to_z_claim",
            Risk::Chargeback => "chargeback",
            Risk::EbayItemNotReceived => "ebay_item_not_received",
            Risk::NegativeFeedback => "negative_feedback",
        }
    }

    /// The inbox lane of a ticket at this risk: lanes sort before deadlines, lower first, so an
    /// A-to-z claim is always on top, then chargebacks, eBay item-not-received cases and
    /// negative feedback; tickets without a risk come after every risk ticket
    /// ([`Ticket::queue_band`]). Also the precedence when a ticket has seen several risks.
    pub fn band(self) -> u8 {
        match self {
            Risk::AToZClaim => 1,
            Risk::Chargeback => 2,
            Risk::EbayItemNotReceived => 3,
            Risk::NegativeFeedback => 4,
        }
    }
}

/// The SLA clock of a ticket as last computed by the SLA module.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlaState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// The buyer message whose answer is due (channel timestamp).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_started_at: Option<DateTime<Utc>>,
    /// The marketplace's (external) deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<DateTime<Utc>>,
    /// The team's own, tighter deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_due_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response_at: Option<DateTime<Utc>>,
    /// Set while a business clock is paused (pending on customer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_at: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    #[serde(default)]
    pub breached: bool,
    /// Escalation thresholds already acted on, as `{threshold}@{due_at}` keys (see
    /// `escalation::threshold_key`): recorded in the same conditional write that claims the
    /// escalation, so a redelivered trigger or a racing sweep acts once.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub escalated: BTreeSet<String>,
    /// When the first warning threshold (`warn_50` of the seed policies) is reached: the
    /// instant the escalator's warning schedule fires and [`super::badges::SlaLevel`] turns `warning`,
    /// computed once by `sla::threshold_instants` for both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning_at: Option<DateTime<Utc>>,
    /// The clock counts opening hours only (a business clock): remaining time is working time.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub business_hours: bool,
    /// A business clock's opening stretches from the last evaluation to `due_at`: what the
    /// remaining *working* time is read from without the policy ([`SlaState::working_left`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub working_spans: Vec<WorkingSpan>,
    /// While paused: the working time left before the deadline, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining_when_paused: Option<u64>,
    /// The clock's events that can still change it, in canonical order (decision 0008):
    /// everything before the first buyer message, that message, the reply that first answered
    /// it, the last reply or resolution, and everything after it. Applying a message is adding
    /// its event here and evaluating again, so delivery order does not matter.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub history: Vec<crate::sla::ClockEvent>,
}

/// One stretch of opening hours `[from, to)` of a business clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkingSpan {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl SlaState {
    /// Working time left before `due_at` at `now`, in seconds (negative once past for a
    /// calendar clock; a business clock past its deadline reports 0 working seconds left):
    /// for a calendar clock this is wall-clock time, for a business clock only opening hours
    /// count. While paused it is the time the pause kept. `None` when no clock runs.
    pub fn working_left(&self, now: DateTime<Utc>) -> Option<i64> {
        if self.paused_at.is_some() {
            return self.remaining_when_paused.map(|s| s as i64);
        }
        let due = self.due_at?;
        if !self.business_hours {
            return Some((due - now).num_seconds());
        }
        let secs = self
            .working_spans
            .iter()
            .map(|span| (span.to.min(due) - span.from.max(now)).num_seconds().max(0))
            .sum();
        Some(secs)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ticket {
    pub id: TicketId,
    pub tenant: TenantId,
    pub channel: Channel,
    pub account: AccountId,
    /// The channel's thread key (eBay conversation id, relay alias + order, Message-ID root).
    pub thread: String,
    pub subject: String,
    pub status: TicketStatus,
    pub priority: Priority,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<AgentId>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub tags: BTreeSet<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent: Option<Intent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<Risk>,
    pub customer: CustomerId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<OrderRef>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    #[serde(default)]
    pub sla: SlaState,
    pub message_count: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_buyer_message_at: Option<DateTime<Utc>>,
    /// The language the buyer last wrote in (given by the channel, else detected): replies
    /// and templates default to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_agent_reply_at: Option<DateTime<Utc>>,
    /// Channel times of the messages the subject, intent and language were taken from, so a
    /// thread's messages give the same ticket in any delivery order.
    #[serde(default, skip_serializing_if = "ThreadSources::is_empty")]
    pub sources: ThreadSources,
    /// A reply an automation rule proposes; an agent sends it (or not) — never sent by itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggested_draft: Option<SuggestedDraft>,
    /// A reply rendered for this ticket, ready to send as is (or to edit, or to discard);
    /// re-rendered when the facts it used change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft: Option<ReadyDraft>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Optimistic-locking counter: every write is conditional on it.
    pub version: u64,
}

/// Which message (by its channel time) a ticket's derived fields come from: the subject from
/// the earliest buyer message, the intent from the earliest buyer message with a recognised
/// intent, the language from the latest buyer message that showed one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ThreadSources {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language_at: Option<DateTime<Utc>>,
}

impl ThreadSources {
    pub fn is_empty(&self) -> bool {
        *self == ThreadSources::default()
    }
}

/// The inbox lane of tickets without a risk (see [`Risk::band`]).
pub const NO_RISK_BAND: u8 = 9;

impl Ticket {
    /// The inbox lane: risk tickets first, by [`Risk::band`].
    pub fn queue_band(&self) -> u8 {
        self.risk.map_or(NO_RISK_BAND, Risk::band)
    }

    /// The instant the inbox sorts by: the earliest deadline still ahead of the team, or none.
    pub fn queue_due(&self) -> Option<DateTime<Utc>> {
        match (self.sla.internal_due_at, self.sla.due_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// A reply template an automation rule suggests for the ticket: the agent opens it, the reply
/// endpoint renders and checks it like any other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SuggestedDraft {
    /// The template id (`wismo_live`).
    pub template: String,
    /// The rule that suggested it.
    pub rule: RuleId,
    pub at: DateTime<Utc>,
}

/// A reply ingestion rendered from a template: the buyer's language, placeholders filled from
/// the order, shipment and live tracking, checked by the compliance checker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadyDraft {
    /// The template it was rendered from (`wismo_live`).
    pub template: String,
    /// The language of the variant used (ISO 639-1).
    pub language: String,
    pub body: String,
    /// What the body states, as it was when rendered; a change re-renders it.
    pub facts: DraftFacts,
    /// Placeholders nothing could fill: the agent edits them in before sending.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// The compliance checker's outcome on the body: `pass`, `warn` or `block`.
    pub compliance: String,
    /// The rules that fired, if any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<String>,
    pub rendered_at: DateTime<Utc>,
}

/// The facts a draft was rendered from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DraftFacts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipment_status: Option<super::ShipmentStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_delivery: Option<DateTime<Utc>>,
    /// The carrier's newest scan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_scan_at: Option<DateTime<Utc>>,
    /// When the carrier was last asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked_at: Option<DateTime<Utc>>,
}

/// What an automation rule changed on a ticket, as recorded in its `rule_applied` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RuleAction {
    AddTags { tags: Vec<String> },
    SetPriority { from: Priority, to: Priority },
    Assign { to: AgentId },
    SuggestDraft { template: String },
}

/// Who did something to a ticket.
pub type Actor = AuthorKind;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TicketEventKind {
    Created,
    StatusChanged {
        from: TicketStatus,
        to: TicketStatus,
        reason: Option<String>,
    },
    Reopened,
    Assigned {
        from: Option<AgentId>,
        to: Option<AgentId>,
    },
    PriorityChanged {
        from: Priority,
        to: Priority,
    },
    TagsChanged {
        added: Vec<String>,
        removed: Vec<String>,
    },
    SlaEscalated {
        threshold: String,
        due_at: DateTime<Utc>,
    },
    ComplianceOverridden {
        reason: String,
    },
    CustomerMerged {
        from: CustomerId,
        into: CustomerId,
    },
    /// An identity on this ticket already belongs to another customer: not merged silently,
    /// an agent decides.
    PossibleDuplicateCustomer {
        other: CustomerId,
        identity: IdentityKind,
    },
    /// An outbound reply could not be delivered; `reason` says why (never the buyer's address).
    ReplyFailed {
        message: MessageId,
        reason: String,
    },
    /// Ingestion sent the ticket's ready draft by itself (the account's auto-send setting);
    /// `message` is the reply, `template` the starter template it was rendered from.
    AutoReplied {
        message: MessageId,
        template: String,
    },
    /// An automation rule matched and changed the ticket: the team sees why it was tagged.
    RuleApplied {
        rule_id: RuleId,
        actions: Vec<RuleAction>,
    },
    /// An agent marked the ticket's open messages (or one of them) as needing no answer: they
    /// count as handled in the 24 h response rate, as on Seller Central.
    NoResponseNeeded {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<MessageId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
}

/// An audit entry on a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketEvent {
    pub id: EventId,
    pub ticket: TicketId,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    #[serde(flatten)]
    pub kind: TicketEventKind,
}

/// An internal note agents leave for each other; never sent to the buyer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Note {
    pub id: NoteId,
    pub ticket: TicketId,
    pub author: AgentId,
    pub body: String,
    pub at: DateTime<Utc>,
}
