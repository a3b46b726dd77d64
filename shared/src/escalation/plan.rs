//! Which schedules a ticket's deadline needs, and how they change when the ticket does.

use std::collections::BTreeSet;

use chrono::{DateTime, SecondsFormat, Utc};
use sha2::{Digest, Sha256};

use super::{EscalationError, EscalationTrigger};
use crate::domain::{SlaState, TenantId, Ticket, TicketId, TicketStatus};
use crate::sla::{SlaPolicy, TargetKind, Threshold, threshold_instants};

/// The key of a threshold of one deadline, as recorded in [`SlaState::escalated`].
pub fn threshold_key(threshold: &str, due_at: DateTime<Utc>) -> String {
    format!(
        "{threshold}@{}",
        due_at.to_rfc3339_opts(SecondsFormat::Secs, true)
    )
}

/// The EventBridge Scheduler name of a threshold: deterministic in tenant, ticket, deadline
/// and threshold, so a retried create finds the schedule already there instead of making a
/// second. Scheduler names allow 64 characters of `[0-9a-zA-Z-_.]`; tenant and ticket ids may
/// be longer or use other characters, so the name is a hash (the payload carries the readable
/// fields).
pub fn schedule_name(
    tenant: &TenantId,
    ticket: &TicketId,
    due_at: DateTime<Utc>,
    threshold: &str,
) -> String {
    let mut hash = Sha256::new();
    // NUL separators: no id contains one, so distinct tuples never hash the same input.
    for part in [
        tenant.as_str(),
        ticket.as_str(),
        &due_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        threshold,
    ] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    let digest = hash.finalize();
    let hex: String = digest[..20].iter().map(|b| format!("{b:02x}")).collect();
    format!("sla-{hex}")
}

/// The threshold instants of the ticket's current deadline, in time order (on equal instants:
/// warnings, internal breach, breach). Empty when nothing is owed: no deadline (answered,
/// resolved, idle) or a paused business clock.
///
/// The instants are `sla::threshold_instants`, the same that gave the ticket its
/// `warning_at`, so a warning alert and the `warning` level cannot disagree.
pub fn thresholds(ticket: &Ticket, policy: &SlaPolicy) -> Result<Vec<Threshold>, EscalationError> {
    let sla = &ticket.sla;
    let (Some(due), Some(start)) = (sla.due_at, sla.clock_started_at) else {
        return Ok(Vec::new());
    };
    if sla.paused_at.is_some() || ticket.status == TicketStatus::Resolved {
        return Ok(Vec::new());
    }
    let target = if sla.first_response_at.is_some() {
        TargetKind::NextResponse
    } else {
        TargetKind::FirstResponse
    };
    Ok(threshold_instants(
        policy,
        target,
        start,
        due,
        sla.internal_due_at,
    )?)
}

/// One schedule a ticket should have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedSchedule {
    pub name: String,
    pub trigger: EscalationTrigger,
}

/// The schedules a ticket should have: one per threshold of its current deadline not yet acted
/// on. Of thresholds due at the same instant only the most severe is kept (Amazon's 50 %
/// warning and internal breach both fall at 12 h: one alert, not two). Past thresholds are
/// included; [`plan`] leaves them to the sweep.
pub fn schedules(
    ticket: &Ticket,
    policy: &SlaPolicy,
) -> Result<Vec<PlannedSchedule>, EscalationError> {
    let Some(due) = ticket.sla.due_at else {
        return Ok(Vec::new());
    };
    let all = thresholds(ticket, policy)?;
    let mut out: Vec<PlannedSchedule> = Vec::with_capacity(all.len());
    for (i, t) in all.iter().enumerate() {
        let superseded = all.get(i + 1).is_some_and(|next| next.at == t.at);
        if superseded || ticket.sla.escalated.contains(&threshold_key(&t.name, due)) {
            continue;
        }
        out.push(PlannedSchedule {
            name: schedule_name(&ticket.tenant, &ticket.id, due, &t.name),
            trigger: EscalationTrigger {
                tenant: ticket.tenant.clone(),
                ticket: ticket.id.clone(),
                threshold: t.name.clone(),
                due_at: due,
                fire_at: t.at,
            },
        });
    }
    Ok(out)
}

/// What to change at the scheduler after a ticket write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchedulePlan {
    pub create: Vec<PlannedSchedule>,
    /// Names of schedules that no longer match the ticket (they may already be gone).
    pub delete: Vec<String>,
}

impl SchedulePlan {
    pub fn is_empty(&self) -> bool {
        self.create.is_empty() && self.delete.is_empty()
    }
}

/// Given the ticket before and after a write, the schedules to create (the after-ticket's
/// future thresholds not already planned before) and to delete (the before-ticket's future
/// thresholds the after-ticket no longer has: deadline moved, answered, resolved, paused).
/// A threshold at or before `now` is not scheduled: the sweep escalates it within its period,
/// which bounds the delay without a second delivery path. `policies` are the tenant's; a
/// before-ticket whose policy is gone plans no deletions (its triggers will be judged stale).
pub fn plan(
    before: Option<&Ticket>,
    after: &Ticket,
    policies: &[SlaPolicy],
    now: DateTime<Utc>,
) -> Result<SchedulePlan, EscalationError> {
    let future =
        |t: &Ticket, policy: &SlaPolicy| -> Result<Vec<PlannedSchedule>, EscalationError> {
            Ok(schedules(t, policy)?
                .into_iter()
                .filter(|s| s.trigger.fire_at > now)
                .collect())
        };
    let wanted = match after.sla.due_at {
        Some(_) => future(after, policy_of(after, policies)?)?,
        None => Vec::new(),
    };
    let had = match before {
        Some(b) if b.sla.due_at.is_some() => match find_policy(b, policies) {
            Some(policy) => future(b, policy)?,
            None => Vec::new(),
        },
        _ => Vec::new(),
    };
    let had_names: BTreeSet<&str> = had.iter().map(|s| s.name.as_str()).collect();
    let wanted_names: BTreeSet<&str> = wanted.iter().map(|s| s.name.as_str()).collect();
    let delete = had
        .iter()
        .filter(|s| !wanted_names.contains(s.name.as_str()))
        .map(|s| s.name.clone())
        .collect();
    let create = wanted
        .into_iter()
        .filter(|s| !had_names.contains(s.name.as_str()))
        .collect();
    Ok(SchedulePlan { create, delete })
}

fn find_policy<'p>(ticket: &Ticket, policies: &'p [SlaPolicy]) -> Option<&'p SlaPolicy> {
    let id = ticket.sla.policy.as_deref()?;
    policies.iter().find(|p| p.id == id)
}

/// The ticket's policy among `policies`, or why there is none.
pub(super) fn policy_of<'p>(
    ticket: &Ticket,
    policies: &'p [SlaPolicy],
) -> Result<&'p SlaPolicy, EscalationError> {
    find_policy(ticket, policies).ok_or_else(|| EscalationError::UnknownPolicy {
        tenant: ticket.tenant.clone(),
        ticket: ticket.id.clone(),
        policy: ticket.sla.policy.clone().unwrap_or_default(),
    })
}

/// Carries the acted-on thresholds over a recomputation of the SLA state (which starts with an
/// empty set): those of the deadline still in force are kept, others are dropped since their
/// deadline is gone. The ingest worker calls this after `SlaClock::to_sla_state`.
pub fn carry_escalated(before: &SlaState, after: &mut SlaState) {
    let Some(due) = after.due_at else {
        after.escalated.clear();
        return;
    };
    let suffix = threshold_key("", due);
    after.escalated = before
        .escalated
        .iter()
        .chain(after.escalated.iter())
        .filter(|k| k.ends_with(&suffix))
        .cloned()
        .collect();
}
