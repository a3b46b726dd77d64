//! SLA escalations (pure): which one-time schedules a ticket's deadline needs, how a fired
//! schedule is judged when it arrives, and what acting on it changes. DESIGN.md §2 and §4;
//! the once-only protocol is in docs/decisions/0005-escalations-act-once.md.
//!
//! - [`thresholds`]: the threshold instants (`warn_50`, `warn_80`, `internal_breach`,
//!   `breach`) of a ticket's current deadline, from its stored [`SlaState`] and its policy.
//! - [`schedules`] / [`plan`]: the schedules a ticket should have, named deterministically
//!   ([`schedule_name`]), and, given the ticket before and after a write, which to create and
//!   which to delete. A threshold already past is never scheduled: the sweep covers it.
//! - [`decide`]: a fired [`EscalationTrigger`] against the ticket as it is now: stale, or the
//!   [`EscalationAction`] to take (alert, priority bump, reassignment, audit events).
//! - [`overdue_trigger`]: what the safety sweep escalates for a ticket whose schedule was lost.
//! - [`EscalationScheduler`]: the port the ingest worker and the API call after every ticket
//!   write; `adapters::scheduler` implements it on EventBridge Scheduler.
//!
//! [`SlaState`]: crate::domain::SlaState

use std::future::Future;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{TenantId, Ticket, TicketId};
use crate::sla::{SlaError, SlaPolicy};

mod decide;
mod plan;
#[cfg(test)]
mod tests;

pub use decide::{
    Decision, EscalationAction, EscalationConfig, StaleReason, decide, format_span,
    overdue_trigger, ticket_url,
};
pub use plan::{
    PlannedSchedule, SchedulePlan, carry_escalated, plan, schedule_name, schedules, threshold_key,
    thresholds,
};

/// The payload of one escalation schedule (and of a sweep's escalation): the JSON body the
/// escalation queue receives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationTrigger {
    pub tenant: TenantId,
    pub ticket: TicketId,
    /// `warn_<percent>`, `internal_breach` or `breach`.
    pub threshold: String,
    /// The ticket's (external) deadline the threshold belongs to; a trigger whose deadline is
    /// no longer the ticket's is stale.
    pub due_at: DateTime<Utc>,
    /// When the threshold is reached.
    pub fire_at: DateTime<Utc>,
}

impl EscalationTrigger {
    /// The key recorded on the ticket once acted on.
    pub fn key(&self) -> String {
        threshold_key(&self.threshold, self.due_at)
    }
}

/// Why escalation planning or judging failed.
#[derive(Debug, thiserror::Error)]
pub enum EscalationError {
    /// The ticket names a policy the tenant does not have (deleted or renamed).
    #[error("ticket {ticket} of tenant {tenant}: unknown SLA policy '{policy}'")]
    UnknownPolicy {
        tenant: TenantId,
        ticket: TicketId,
        policy: String,
    },
    #[error(transparent)]
    Sla(#[from] SlaError),
}

/// Why the schedules of a ticket could not be brought in line with it.
#[derive(Debug, thiserror::Error)]
pub enum SchedulerError {
    #[error(transparent)]
    Plan(#[from] EscalationError),
    /// The scheduler service failed; names the schedule, never its payload.
    #[error(
        "{operation} of schedule {schedule} (tenant {tenant}, ticket {ticket}) failed: {message}"
    )]
    Backend {
        tenant: TenantId,
        ticket: TicketId,
        schedule: String,
        operation: &'static str,
        message: String,
    },
    /// A trigger that does not serialize (cannot happen with valid ids; kept typed).
    #[error("trigger JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// Keeps one-time escalation schedules in line with tickets. Called after every ticket write
/// with the ticket as read (`None` when new) and as written, and the ticket's tenant's SLA
/// policies (`tenant_config::ConfigCache::policies`, which the caller has resolved already);
/// creating an existing schedule and deleting a missing one both succeed, so a retried call is
/// harmless.
pub trait EscalationScheduler: Send + Sync {
    fn sync(
        &self,
        before: Option<&Ticket>,
        after: &Ticket,
        policies: &[SlaPolicy],
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), SchedulerError>> + Send;
}

/// Schedules nothing: for tests of ingestion alone (the sweep still escalates due tickets).
/// [`EscalationScheduler`] as a trait object, for a caller that holds its ports boxed (the
/// API, whose status changes pause and resume clocks).
pub trait ScheduleSync: Send + Sync {
    fn resync<'a>(
        &'a self,
        before: Option<&'a Ticket>,
        after: &'a Ticket,
        policies: &'a [SlaPolicy],
        now: DateTime<Utc>,
    ) -> futures::future::BoxFuture<'a, Result<(), SchedulerError>>;
}

impl<T: EscalationScheduler> ScheduleSync for T {
    fn resync<'a>(
        &'a self,
        before: Option<&'a Ticket>,
        after: &'a Ticket,
        policies: &'a [SlaPolicy],
        now: DateTime<Utc>,
    ) -> futures::future::BoxFuture<'a, Result<(), SchedulerError>> {
        Box::pin(self.sync(before, after, policies, now))
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct NoSchedules;

impl EscalationScheduler for NoSchedules {
    async fn sync(
        &self,
        _: Option<&Ticket>,
        _: &Ticket,
        _: &[SlaPolicy],
        _: DateTime<Utc>,
    ) -> Result<(), SchedulerError> {
        Ok(())
    }
}
