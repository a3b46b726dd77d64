//! What a delivered reply changes on its ticket and in the report counters.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use crate::domain::{AgentId, AuthorKind, Message, Ticket};
use crate::ingest::plan::rebuild_sla;
use crate::sla::{ClockEvent, ClockEventKind, PolicyContext, SlaPolicy, select_policy};
use crate::store::DailyCounters;

/// The ticket after a delivered reply, and what to add to the report counters.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplyEffect {
    /// The ticket to write (same `version` as read: the write is conditional on it).
    pub ticket: Ticket,
    /// The UTC day, and the agent, the counters belong to.
    pub day: NaiveDate,
    pub agent: Option<AgentId>,
    /// All zero when the reply answered no waiting buyer.
    pub counters: DailyCounters,
}

/// The effect of `reply`, delivered at `delivered_at`, on `ticket`; `None` when the ticket
/// already reflects it (a redelivered or retried outbound record).
///
/// The reply is a clock event at its delivery instant: an agent's reply stops the running
/// clock, an automation's only where the channel accepts one (`sla::auto_reply_stops_clock`).
/// The SLA state is rebuilt the way ingestion rebuilds it, under the ticket's own policy. An
/// agent reply that answers a waiting buyer counts as one reply, within 24 h or not, and — if
/// it is the ticket's first answer — its response time.
pub fn reply_effect(
    ticket: &Ticket,
    reply: &Message,
    delivered_at: DateTime<Utc>,
    policies: &[SlaPolicy],
    now: DateTime<Utc>,
) -> Option<ReplyEffect> {
    let agent = match &reply.author {
        AuthorKind::Agent { agent } => Some(agent.clone()),
        AuthorKind::Automation { .. } => None,
        AuthorKind::Buyer | AuthorKind::System => return None,
    };
    if agent.is_some()
        && ticket
            .last_agent_reply_at
            .is_some_and(|last| last >= delivered_at)
    {
        return None;
    }
    let mut after = ticket.clone();
    after.updated_at = now;
    if agent.is_some() {
        after.last_agent_reply_at = Some(delivered_at);
    }
    let kind = if agent.is_some() {
        ClockEventKind::AgentReply
    } else {
        ClockEventKind::AutoReply
    };
    let policy = ticket
        .sla
        .policy
        .as_deref()
        .and_then(|id| policies.iter().find(|p| p.id == id))
        .or_else(|| select_policy(policies, &PolicyContext::of_ticket(ticket, 0)));
    if let Some(policy) = policy {
        let event = ClockEvent {
            at: delivered_at,
            kind,
        };
        after.sla = rebuild_sla(Some(ticket), &after, policy, Some(event), now);
    }
    if agent.is_none() && after.sla == ticket.sla {
        // An automation that changed nothing (the clock keeps running) needs no write.
        return None;
    }

    let mut counters = DailyCounters::default();
    let answered = ticket.sla.clock_started_at.filter(|_| {
        agent.is_some() && after.sla.clock_started_at.is_none() && after.sla.due_at.is_none()
    });
    if let Some(started) = answered {
        let waited = delivered_at - started;
        counters.replies = 1;
        counters.replied_within_24h = u64::from(waited <= TimeDelta::hours(24));
        if ticket.sla.first_response_at.is_none() {
            counters.first_response_seconds_sum = waited.num_seconds().max(0) as u64;
        }
    }
    Some(ReplyEffect {
        ticket: after,
        day: delivered_at.date_naive(),
        agent,
        counters,
    })
}
