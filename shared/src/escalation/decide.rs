//! Judging a fired threshold against the ticket as it is now, and what acting on it changes.

use chrono::{DateTime, Utc};

use super::plan::{policy_of, threshold_key, thresholds};
use super::{EscalationError, EscalationTrigger};
use crate::connectors::Notification;
use crate::domain::badges::SlaLevel;
use crate::domain::{AgentId, Priority, Ticket, TicketEventKind, TicketStatus};
use crate::sla::{BREACH, INTERNAL_BREACH, SlaPolicy};

/// Deployment settings of the escalator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationConfig {
    /// Base URL of the frontend (`MARKETDESK_FRONTEND_URL`); alerts link to
    /// `{frontend_url}/tickets/{id}`.
    pub frontend_url: String,
    /// Who takes over a breached ticket when its policy names nobody.
    pub fallback_assignee: Option<AgentId>,
}

/// The frontend page of a ticket.
pub fn ticket_url(base: &str, ticket: &Ticket) -> String {
    format!("{}/tickets/{}", base.trim_end_matches('/'), ticket.id)
}

/// Why a trigger leads to nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaleReason {
    /// The trigger names another tenant or ticket than the one read.
    WrongTicket,
    /// Nothing is owed any more: answered, resolved or paused.
    NothingOwed,
    /// The ticket's deadline is no longer the trigger's.
    DeadlineMoved,
    /// The threshold no longer exists or falls at another instant (policy changed).
    ThresholdMoved,
    /// Its instant has not come (a trigger delivered early).
    NotDue,
    /// A later threshold of the same deadline is also due: that one is escalated instead.
    Superseded { by: String },
    /// This threshold of this deadline was acted on already.
    AlreadyActed,
}

/// What to do with a trigger.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Stale(StaleReason),
    Act(Box<EscalationAction>),
}

/// Acting on a threshold: write `ticket` (conditional on the version read; it carries the
/// threshold key in `sla.escalated`, the priority bump and the reassignment), send
/// `notification`, then record `events`.
#[derive(Debug, Clone, PartialEq)]
pub struct EscalationAction {
    /// The key added to `sla.escalated`.
    pub key: String,
    pub ticket: Ticket,
    pub notification: Notification,
    /// `SlaEscalated` first, then any `PriorityChanged` / `Assigned`.
    pub events: Vec<TicketEventKind>,
    /// The ticket's level when the alert goes out, by the one definition the inbox shows
    /// (`warning` for every warning and the internal breach, `breached` for the breach).
    pub level: SlaLevel,
}

/// Judges `trigger` against `ticket` as read now, under the tenant's `policies`.
///
/// Acts only if the trigger's deadline is still the ticket's, the threshold exists at the same
/// instant, it is due, no later threshold of that deadline is due too, and it was not acted on.
/// Warnings alert; an internal or external breach also raises the priority one step when the
/// policy says so; the external breach also reassigns to the fallback agent (the policy's, else
/// the deployment's), if there is one and it is not already the assignee.
pub fn decide(
    ticket: &Ticket,
    trigger: &EscalationTrigger,
    policies: &[SlaPolicy],
    config: &EscalationConfig,
    now: DateTime<Utc>,
) -> Result<Decision, EscalationError> {
    let stale = |reason| Ok(Decision::Stale(reason));
    if ticket.tenant != trigger.tenant || ticket.id != trigger.ticket {
        return stale(StaleReason::WrongTicket);
    }
    let Some(due) = ticket.sla.due_at else {
        return stale(StaleReason::NothingOwed);
    };
    if ticket.status == TicketStatus::Resolved || ticket.sla.paused_at.is_some() {
        return stale(StaleReason::NothingOwed);
    }
    if due != trigger.due_at {
        return stale(StaleReason::DeadlineMoved);
    }
    let policy = policy_of(ticket, policies)?;
    let all = thresholds(ticket, policy)?;
    let Some(index) = all
        .iter()
        .position(|t| t.name == trigger.threshold && t.at == trigger.fire_at)
    else {
        return stale(StaleReason::ThresholdMoved);
    };
    if trigger.fire_at > now {
        return stale(StaleReason::NotDue);
    }
    if let Some(later) = all[index + 1..].iter().rfind(|t| t.at <= now) {
        return stale(StaleReason::Superseded {
            by: later.name.clone(),
        });
    }
    let key = trigger.key();
    if ticket.sla.escalated.contains(&key) {
        return stale(StaleReason::AlreadyActed);
    }

    let mut after = ticket.clone();
    after.sla.escalated.insert(key.clone());
    let mut events = vec![TicketEventKind::SlaEscalated {
        threshold: trigger.threshold.clone(),
        due_at: due,
    }];
    let breach = trigger.threshold == BREACH;
    if breach {
        after.sla.breached = true;
    }
    if (breach || trigger.threshold == INTERNAL_BREACH) && policy.escalation.bump_priority {
        let bumped = bump(ticket.priority);
        if bumped != ticket.priority {
            after.priority = bumped;
            events.push(TicketEventKind::PriorityChanged {
                from: ticket.priority,
                to: bumped,
            });
        }
    }
    let fallback = policy
        .escalation
        .fallback_assignee
        .as_ref()
        .or(config.fallback_assignee.as_ref());
    if let Some(agent) = fallback.filter(|a| breach && ticket.assignee.as_ref() != Some(*a)) {
        after.assignee = Some(agent.clone());
        events.push(TicketEventKind::Assigned {
            from: ticket.assignee.clone(),
            to: Some(agent.clone()),
        });
    }
    after.updated_at = now;
    let level = SlaLevel::of(&after.sla, now);
    let mut notification = alert(&after, trigger, policy, config, now);
    notification
        .fields
        .push(("Level".to_string(), level.as_str().to_string()));
    Ok(Decision::Act(Box::new(EscalationAction {
        key,
        ticket: after,
        notification,
        events,
        level,
    })))
}

fn bump(priority: Priority) -> Priority {
    match priority {
        Priority::Low => Priority::Normal,
        Priority::Normal => Priority::High,
        Priority::High | Priority::Urgent => Priority::Urgent,
    }
}

fn alert(
    ticket: &Ticket,
    trigger: &EscalationTrigger,
    policy: &SlaPolicy,
    config: &EscalationConfig,
    now: DateTime<Utc>,
) -> Notification {
    let until_due = (trigger.due_at - now).num_seconds();
    let internal_left = ticket.sla.internal_due_at.map(|d| (d - now).num_seconds());
    let title = match trigger.threshold.as_str() {
        BREACH => format!(
            "SLA breached: {} reply overdue by {}",
            ticket.channel.as_str(),
            format_span(-until_due)
        ),
        INTERNAL_BREACH => format!(
            "Internal SLA target missed: {} reply due in {}",
            ticket.channel.as_str(),
            format_span(until_due)
        ),
        warning => format!(
            "SLA warning ({}): {} reply due in {}",
            warning
                .strip_prefix("warn_")
                .map_or(warning.to_string(), |p| format!("{p} %")),
            ticket.channel.as_str(),
            format_span(internal_left.filter(|s| *s > 0).unwrap_or(until_due))
        ),
    };
    let timing = if until_due > 0 {
        ("Time left".to_string(), format_span(until_due))
    } else {
        ("Overdue by".to_string(), format_span(-until_due))
    };
    let fields = vec![
        ("Channel".to_string(), ticket.channel.as_str().to_string()),
        ("Marketplace".to_string(), ticket.account.to_string()),
        // The customer id, never an address: alerts leave the system.
        ("Buyer".to_string(), ticket.customer.to_string()),
        (
            "Order".to_string(),
            ticket
                .order
                .as_ref()
                .map_or("none".to_string(), |o| o.order.to_string()),
        ),
        timing,
        (
            "Assignee".to_string(),
            ticket
                .assignee
                .as_ref()
                .map_or("unassigned".to_string(), |a| a.to_string()),
        ),
        (
            "Priority".to_string(),
            format!("{:?}", ticket.priority).to_lowercase(),
        ),
    ];
    Notification {
        title,
        body: ticket.subject.clone(),
        fields,
        links: vec![(
            "Open ticket".to_string(),
            ticket_url(&config.frontend_url, ticket),
        )],
        footer: Some(format!(
            "Deadline {} UTC · policy {} · {}",
            trigger.due_at.format("%Y-%m-%d %H:%M"),
            policy.id,
            trigger.threshold
        )),
    }
}

/// A span of seconds for people: `2d 3h`, `4h 48m`, `12m`, `30s`; negative spans count as 0.
pub fn format_span(seconds: i64) -> String {
    let s = seconds.max(0);
    let (d, h, m) = (s / 86_400, s / 3600 % 24, s / 60 % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

/// What the safety sweep escalates for `ticket` at `now`: its latest threshold that is due,
/// unless that one was acted on (earlier ones are superseded by it). `None` when nothing is
/// owed or nothing is due yet.
pub fn overdue_trigger(
    ticket: &Ticket,
    policies: &[SlaPolicy],
    now: DateTime<Utc>,
) -> Result<Option<EscalationTrigger>, EscalationError> {
    let Some(due) = ticket.sla.due_at else {
        return Ok(None);
    };
    let policy = policy_of(ticket, policies)?;
    let all = thresholds(ticket, policy)?;
    let Some(latest) = all.iter().rfind(|t| t.at <= now) else {
        return Ok(None);
    };
    if ticket
        .sla
        .escalated
        .contains(&threshold_key(&latest.name, due))
    {
        return Ok(None);
    }
    Ok(Some(EscalationTrigger {
        tenant: ticket.tenant.clone(),
        ticket: ticket.id.clone(),
        threshold: latest.name.clone(),
        due_at: due,
        fire_at: latest.at,
    }))
}
