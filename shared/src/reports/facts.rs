//! What is recorded about a ticket for reports, as it happens.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{AccountId, AgentId, Channel, MessageId, TicketId};

/// A buyer message (or a claim notice) that needs an answer and has none yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageFact {
    pub message: MessageId,
    /// Its channel timestamp: reports date it by this.
    pub arrived_at: DateTime<Utc>,
    /// The ticket's SLA policy when it arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// The external deadline in force when it arrived (the SLA engine's `due_at`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<DateTime<Utc>>,
}

/// A ticket's report item: its open messages and what the next facts depend on. Written only
/// in the transactions that change the ticket, conditional on `revision`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketFacts {
    pub ticket: TicketId,
    pub channel: Channel,
    pub account: AccountId,
    /// Messages awaiting an answer, oldest first.
    #[serde(default)]
    pub open: Vec<MessageFact>,
    /// The ticket's first response was counted.
    #[serde(default)]
    pub first_response_recorded: bool,
    /// Agent replies since the ticket was last resolved.
    #[serde(default)]
    pub exchanges: u32,
    /// Claim kinds already counted on this ticket.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims: Vec<String>,
    /// The buyer wrote on this ticket (before any claim, if one came).
    #[serde(default)]
    pub buyer_wrote: bool,
    #[serde(default)]
    pub claim_conversation_counted: bool,
    /// The tenant's report time zone when the ticket's first fact was recorded: later facts
    /// of the ticket (resolutions, "no response needed") are dated in it without reading the
    /// tenant's configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<chrono_tz::Tz>,
    /// 0 before the first write; the store writes only if the stored one is still this.
    #[serde(default)]
    pub revision: u64,
}

impl TicketFacts {
    pub fn new(ticket: TicketId, channel: Channel, account: AccountId) -> Self {
        TicketFacts {
            ticket,
            channel,
            account,
            open: Vec::new(),
            first_response_recorded: false,
            exchanges: 0,
            claims: Vec::new(),
            buyer_wrote: false,
            claim_conversation_counted: false,
            time_zone: None,
            revision: 0,
        }
    }

    /// The latest arrival among the open messages: the open-messages index sorts by it, so
    /// everything that arrived after an instant is one range of it.
    pub fn latest_open(&self) -> Option<DateTime<Utc>> {
        self.open.iter().map(|f| f.arrived_at).max()
    }
}

/// How an open message stopped being owed an answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Handling {
    /// A real reply by an agent (through marketdesk or the channel's own UI).
    AgentReply { agent: AgentId },
    /// An agent marked the ticket (every open message) or one message as needing no answer.
    NoResponseNeeded {
        agent: AgentId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<MessageId>,
    },
    /// An automatic reply; it ends a message only where the channel counts one (eBay).
    AutoReply,
}

impl Handling {
    pub fn agent(&self) -> Option<&AgentId> {
        match self {
            Handling::AgentReply { agent } | Handling::NoResponseNeeded { agent, .. } => {
                Some(agent)
            }
            Handling::AutoReply => None,
        }
    }
}

/// A clock cycle answered after its deadline: one row of the SLA report's breached tickets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Breach {
    pub ticket: TicketId,
    pub channel: Channel,
    pub account: AccountId,
    pub policy: String,
    /// Local day (tenant's time zone) of the message that started the clock.
    pub day: NaiveDate,
    pub started_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    /// `None` while still unanswered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handled_by: Option<AgentId>,
}
