//! A ticket's stored SLA state from its clock events: the one place a ticket's deadlines,
//! threshold instants, warning instant and remaining working time are derived (ingestion, the
//! sender, status changes and the escalator all go through [`advance`] and
//! [`threshold_instants`]).

use chrono::{DateTime, Duration, TimeDelta, Utc};

use super::calendar::{working_spans, working_time_between};
use super::clock::{
    BREACH, ClockEvent, ClockEventKind, ClockState, INTERNAL_BREACH, Ledger, TargetKind, Threshold,
    auto_reply_stops_clock, compact, warning_name,
};
use super::error::SlaError;
use super::policy::{Clock, SlaPolicy};
use super::units::SlaDuration;
use crate::domain::{Channel, SlaState, WorkingSpan};

/// Every threshold instant of a running clock that started at `start` and is due at `due`,
/// in time order: `warn_<p>` when `p` % of the target's working time is used (counted back
/// from the deadline, so a pause that moved the deadline moves the warnings with it), the
/// internal breach and the breach. The escalator's schedules and [`SlaState::warning_at`]
/// (hence the `warning` level) both come from here.
pub fn threshold_instants(
    policy: &SlaPolicy,
    target: TargetKind,
    start: DateTime<Utc>,
    due: DateTime<Utc>,
    internal_due_at: Option<DateTime<Utc>>,
) -> Result<Vec<Threshold>, SlaError> {
    let target = target.of(policy);
    let mut out = Vec::new();
    for percent in &policy.warn_at_percent {
        let amount = target.due.percent(*percent);
        let left = SlaDuration::from_secs(target.due.as_secs() - amount.as_secs());
        out.push(Threshold {
            name: warning_name(*percent),
            at: instant_with_left(&policy.clock, start, due, left),
            working_time: amount,
        });
    }
    if let (Some(at), Some(amount)) = (internal_due_at, target.internal_due) {
        out.push(Threshold {
            name: INTERNAL_BREACH.to_string(),
            at,
            working_time: amount,
        });
    }
    out.push(Threshold {
        name: BREACH.to_string(),
        at: due,
        working_time: target.due,
    });
    out.sort_by_key(|t| t.at);
    Ok(out)
}

/// The latest instant in `[start, due]` with at most `left` working time before `due`.
fn instant_with_left(
    clock: &Clock,
    start: DateTime<Utc>,
    due: DateTime<Utc>,
    left: SlaDuration,
) -> DateTime<Utc> {
    if matches!(clock, Clock::Calendar) {
        return (due - left.to_delta()).max(start);
    }
    let (mut lo, mut hi) = (start, due);
    if working_time_between(clock, lo, due) <= left {
        return lo;
    }
    while (hi - lo).num_seconds() > 1 {
        let mid = lo + TimeDelta::seconds((hi - lo).num_seconds() / 2);
        if working_time_between(clock, mid, due) <= left {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

/// The clock events a stored state stands for: its compact history or, for a ticket stored
/// before histories were kept, the events its summary implies (an answered first message, the
/// running clock's start, a pause).
pub fn history_of(sla: &SlaState, created_at: DateTime<Utc>) -> Vec<ClockEvent> {
    if !sla.history.is_empty() {
        return sla.history.clone();
    }
    let mut events = Vec::new();
    let at = |at, kind| ClockEvent { at, kind };
    if let Some(first) = sla.first_response_at {
        let asked = created_at.min(first - Duration::seconds(1));
        events.push(at(asked, ClockEventKind::BuyerMessage));
        events.push(at(first, ClockEventKind::AgentReply));
    }
    if let Some(start) = sla.clock_started_at {
        events.push(at(start, ClockEventKind::BuyerMessage));
    }
    if let Some(paused) = sla.paused_at {
        events.push(at(paused, ClockEventKind::PendingOnCustomer));
    }
    events
}

/// The SLA state after `events` are added to what `before` (a stored state and its ticket's
/// creation instant) already holds, under `policy`, at `now`. Escalations already acted on are
/// the caller's to carry over (`escalation::carry_escalated`).
pub fn advance(
    policy: &SlaPolicy,
    channel: Channel,
    before: Option<(&SlaState, DateTime<Utc>)>,
    events: &[ClockEvent],
    now: DateTime<Utc>,
) -> Result<SlaState, SlaError> {
    let stops = auto_reply_stops_clock(channel);
    let mut all = before
        .map(|(sla, created)| history_of(sla, created))
        .unwrap_or_default();
    all.extend_from_slice(events);
    let history = compact(&all, stops);
    let clock = Ledger::run(policy, stops, &history).clock(policy)?;
    let mut state = clock.to_sla_state(now);
    state.history = history;
    state.business_hours = policy.clock.is_business();
    match clock.state {
        ClockState::Running => {
            if let (Some(start), Some(due), Some(target)) =
                (state.clock_started_at, state.due_at, clock.target)
            {
                state.warning_at =
                    threshold_instants(policy, target, start, due, state.internal_due_at)?
                        .iter()
                        .find(|t| t.name.starts_with("warn_"))
                        .map(|t| t.at);
                if state.business_hours {
                    state.working_spans = working_spans(&policy.clock, now.max(start), due)
                        .into_iter()
                        .map(|(from, to)| WorkingSpan { from, to })
                        .collect();
                }
            }
        }
        ClockState::Paused => {
            state.remaining_when_paused = clock.remaining.map(SlaDuration::as_secs);
            // A warning already reached before the pause still shows while it lasts.
            let paused = state.paused_at;
            state.warning_at = before
                .and_then(|(sla, _)| sla.warning_at)
                .filter(|w| paused.is_some_and(|p| *w <= p));
        }
        ClockState::Idle | ClockState::Stopped => {}
    }
    Ok(state)
}
