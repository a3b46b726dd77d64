//! A ticket's SLA clock, evaluated from what happened on the ticket (DESIGN §4).
//!
//! - A buyer message starts a clock when none is running: the first-response target for a
//!   ticket's first message, the next-response target once someone has replied. A follow-up
//!   message while a clock runs does not move it: the earliest unanswered message is the one the
//!   marketplace measures.
//! - A real reply from an agent stops it. An automatic reply stops it only where the channel
//!   accepts one as an answer ([`auto_reply_stops_clock`]).
//! - Pending on the customer pauses business clocks only; resuming, reopening or a new buyer
//!   message lets them run on. Calendar clocks (Amazon) keep running: only a reply stops them.
//! - Resolving the ticket ends the clock without an answer (nothing more is owed); the next
//!   buyer message starts a new one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::calendar::{deadline, working_time_between};
use super::error::SlaError;
use super::policy::{ChannelScope, Clock, ResponseTarget, SlaPolicy};
use super::units::SlaDuration;
use crate::domain::{Channel, SlaState};

/// Something that happened on a ticket that matters to its clock, at the channel's timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockEvent {
    pub at: DateTime<Utc>,
    pub kind: ClockEventKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockEventKind {
    BuyerMessage,
    AgentReply,
    /// An automatic acknowledgement sent on the seller's behalf.
    AutoReply,
    PendingOnCustomer,
    Reopened,
    Resumed,
    Resolved,
}

/// Whether an automatic reply answers the buyer on `channel`. Amazon does not count one as a
/// reply (DESIGN §1); eBay accepts an automatic acknowledgement; a store's own customers
/// (Shopify, e-mail) are promised a real answer.
pub fn auto_reply_stops_clock(channel: Channel) -> bool {
    match channel {
        Channel::Ebay => true,
        Channel::Amazon | Channel::Shopify | Channel::Email => false,
    }
}

/// The same rule for a policy's scope; a policy for any channel takes the strict reading.
pub(crate) fn auto_reply_stops_clock_in(scope: ChannelScope) -> bool {
    match scope {
        ChannelScope::Only(channel) => auto_reply_stops_clock(channel),
        ChannelScope::Any => false,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    FirstResponse,
    NextResponse,
}

impl TargetKind {
    pub fn of(self, policy: &SlaPolicy) -> ResponseTarget {
        match self {
            TargetKind::FirstResponse => policy.first_response,
            TargetKind::NextResponse => policy.next_response,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    /// No buyer message yet.
    Idle,
    Running,
    /// A business clock waiting on the customer.
    Paused,
    Stopped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    AgentReply,
    AutoReply,
    Resolved,
}

/// One instant the escalator acts on: `warn_<percent>`, `internal_breach` or `breach`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Threshold {
    pub name: String,
    pub at: DateTime<Utc>,
    /// The clock's working time counted when `at` arrives.
    pub working_time: SlaDuration,
}

pub const BREACH: &str = "breach";
pub const INTERNAL_BREACH: &str = "internal_breach";

pub fn warning_name(percent: u8) -> String {
    format!("warn_{percent}")
}

/// A ticket's clock as of its events. Instants are those in force: they move only when the
/// events do, so schedules named after them stay valid until the next evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaClock {
    pub policy: String,
    pub state: ClockState,
    /// Which target the current (or last) clock measures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<TargetKind>,
    /// The buyer message the clock measures from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    /// The deadline that counts (external); unknown while paused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_due_at: Option<DateTime<Utc>>,
    /// Every threshold whose instant is known, in time order; `due_at` is the `breach` one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thresholds: Vec<Threshold>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_at: Option<DateTime<Utc>>,
    /// While paused: working time left before the deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining: Option<SlaDuration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_by: Option<StopReason>,
    /// The ticket's first answer (a reply that stopped a clock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response_at: Option<DateTime<Utc>>,
}

impl SlaClock {
    pub fn threshold(&self, name: &str) -> Option<&Threshold> {
        self.thresholds.iter().find(|t| t.name == name)
    }

    /// Whether the clock's deadline has passed without an answer. A reply at the deadline's
    /// very second is on time; an unanswered clock at that second is breached.
    pub fn is_breached(&self, now: DateTime<Utc>) -> bool {
        let Some(breach) = self.threshold(BREACH) else {
            return false;
        };
        match self.state {
            ClockState::Running | ClockState::Paused => breach.at <= now,
            ClockState::Stopped => self.stopped_at.is_some_and(|s| breach.at < s),
            ClockState::Idle => false,
        }
    }

    /// The ticket's stored SLA state. A stopped clock owes nothing, so it has no deadline and
    /// is not breached (a late answer shows in [`SlaOutcome`]).
    pub fn to_sla_state(&self, now: DateTime<Utc>) -> SlaState {
        let owed = matches!(self.state, ClockState::Running | ClockState::Paused);
        SlaState {
            policy: Some(self.policy.clone()),
            clock_started_at: self.started_at.filter(|_| owed),
            due_at: self.due_at.filter(|_| owed),
            internal_due_at: self.internal_due_at.filter(|_| owed),
            first_response_at: self.first_response_at,
            paused_at: self.paused_at,
            breached: owed && self.is_breached(now),
            // Escalation bookkeeping belongs to the stored ticket: `escalation::carry_escalated`.
            escalated: Default::default(),
            // Filled by `sla::advance`, which knows the policy's clock.
            ..Default::default()
        }
    }
}

impl ClockEventKind {
    /// Order of events at the same instant, so that any delivery order of one history gives
    /// the same clock: a buyer message before a pause, a resume and a reply (which answers it),
    /// and a resolution last.
    fn rank(self) -> u8 {
        match self {
            ClockEventKind::BuyerMessage => 0,
            ClockEventKind::PendingOnCustomer => 1,
            ClockEventKind::Reopened => 2,
            ClockEventKind::Resumed => 3,
            ClockEventKind::AgentReply => 4,
            ClockEventKind::AutoReply => 5,
            ClockEventKind::Resolved => 6,
        }
    }

    fn stops(self, auto_reply_stops: bool) -> bool {
        match self {
            ClockEventKind::AgentReply | ClockEventKind::Resolved => true,
            ClockEventKind::AutoReply => auto_reply_stops,
            _ => false,
        }
    }

    fn answers(self, auto_reply_stops: bool) -> bool {
        self != ClockEventKind::Resolved && self.stops(auto_reply_stops)
    }
}

/// A ticket's clock events in canonical order (time, then [`ClockEventKind::rank`]), without
/// duplicates and without what can no longer change the clock: of everything between the
/// first buyer message and the last reply or resolution, only the reply that first answered
/// is kept. An automatic reply the channel does not accept as an answer is dropped.
///
/// `compact(compact(a) ∪ b) == compact(a ∪ b)`: the kept set only loses events that stay
/// irrelevant whatever is added later (a later event can only move the first buyer message
/// earlier and the last stop later), which is what makes applying a thread's messages
/// independent of their delivery order (decision 0008).
pub fn compact(events: &[ClockEvent], auto_reply_stops: bool) -> Vec<ClockEvent> {
    let mut sorted: Vec<ClockEvent> = events
        .iter()
        .copied()
        .filter(|e| e.kind != ClockEventKind::AutoReply || auto_reply_stops)
        .collect();
    sorted.sort_by_key(|e| (e.at, e.kind.rank()));
    sorted.dedup();
    let Some(first) = sorted
        .iter()
        .position(|e| e.kind == ClockEventKind::BuyerMessage)
    else {
        return sorted;
    };
    let answered = sorted[first + 1..]
        .iter()
        .position(|e| e.kind.answers(auto_reply_stops))
        .map(|i| first + 1 + i);
    let last_stop = sorted[first + 1..]
        .iter()
        .rposition(|e| e.kind.stops(auto_reply_stops))
        .map(|i| first + 1 + i);
    let Some(last_stop) = last_stop else {
        return sorted;
    };
    sorted
        .into_iter()
        .enumerate()
        .filter(|(i, _)| *i <= first || *i >= last_stop || Some(*i) == answered)
        .map(|(_, e)| e)
        .collect()
}

/// Evaluates the clock of a ticket on `channel` under `policy` from its events (any order;
/// events at the same instant apply in the order given).
pub fn evaluate(
    policy: &SlaPolicy,
    channel: Channel,
    events: &[ClockEvent],
) -> Result<SlaClock, SlaError> {
    Ledger::run(policy, auto_reply_stops_clock(channel), events).clock(policy)
}

/// A stretch of clock time measured against one target.
#[derive(Debug, Clone)]
pub(crate) struct Cycle {
    target: TargetKind,
    started_at: DateTime<Utc>,
    /// Stretches in which the clock ran; the last has no end while it runs.
    segments: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)>,
    stop: Option<(DateTime<Utc>, StopReason)>,
    /// Whether the clock was running (not paused) when it stopped: then its deadline was known.
    ran_until_stop: bool,
}

impl Cycle {
    fn running(&self) -> bool {
        self.stop.is_none() && self.segments.last().is_some_and(|s| s.1.is_none())
    }

    fn pause(&mut self, at: DateTime<Utc>) {
        if let Some(last) = self.segments.last_mut().filter(|s| s.1.is_none()) {
            last.1 = Some(at);
        }
    }

    fn resume(&mut self, at: DateTime<Utc>) {
        if !self.running() {
            self.segments.push((at, None));
        }
    }

    fn end(&mut self, at: DateTime<Utc>, reason: StopReason) {
        self.ran_until_stop = self.running();
        self.pause(at);
        self.stop = Some((at, reason));
    }

    fn paused_at(&self) -> Option<DateTime<Utc>> {
        if self.stop.is_some() || self.running() {
            return None;
        }
        self.segments.last().and_then(|s| s.1)
    }

    /// The instant the clock's working time reaches `amount`, if the events determine it.
    fn instant_at(
        &self,
        clock: &Clock,
        amount: SlaDuration,
    ) -> Result<Option<DateTime<Utc>>, SlaError> {
        let mut left = amount;
        let last = self.segments.len().saturating_sub(1);
        for (i, (start, end)) in self.segments.iter().enumerate() {
            let open = end.is_none() || (i == last && self.ran_until_stop);
            let worked = match end {
                Some(end) if !open => working_time_between(clock, *start, *end),
                _ => return deadline(clock, *start, left).map(Some),
            };
            if worked >= left {
                return deadline(clock, *start, left).map(Some);
            }
            left = SlaDuration::from_secs(left.as_secs() - worked.as_secs());
        }
        Ok(None)
    }

    /// Working time counted from the start until the clock stopped, or until `now`.
    fn worked(&self, clock: &Clock, now: DateTime<Utc>) -> SlaDuration {
        let secs = self
            .segments
            .iter()
            .map(|(s, e)| working_time_between(clock, *s, e.unwrap_or(now).min(now)).as_secs())
            .sum();
        SlaDuration::from_secs(secs)
    }
}

/// The clock's history: every cycle in order, replayed from the events.
pub(crate) struct Ledger {
    pub(crate) cycles: Vec<Cycle>,
}

impl Ledger {
    pub(crate) fn run(policy: &SlaPolicy, auto_reply_stops: bool, events: &[ClockEvent]) -> Ledger {
        let mut sorted = events.to_vec();
        sorted.sort_by_key(|e| e.at); // stable: same-instant events keep their order
        let business = policy.clock.is_business();
        let mut cycles: Vec<Cycle> = Vec::new();
        let mut answered = false;
        let mut pending = false;
        for ClockEvent { at, kind } in sorted {
            let open = cycles.last_mut().filter(|c| c.stop.is_none());
            match kind {
                ClockEventKind::BuyerMessage => {
                    pending = false;
                    match open {
                        Some(cycle) => cycle.resume(at),
                        None => cycles.push(Cycle {
                            target: if answered {
                                TargetKind::NextResponse
                            } else {
                                TargetKind::FirstResponse
                            },
                            started_at: at,
                            segments: vec![(at, None)],
                            stop: None,
                            ran_until_stop: false,
                        }),
                    }
                }
                ClockEventKind::AgentReply | ClockEventKind::AutoReply => {
                    let reason = if kind == ClockEventKind::AgentReply {
                        StopReason::AgentReply
                    } else if auto_reply_stops {
                        StopReason::AutoReply
                    } else {
                        continue;
                    };
                    if let Some(cycle) = open {
                        cycle.end(at, reason);
                        answered = true;
                    }
                }
                ClockEventKind::PendingOnCustomer => {
                    pending = true;
                    if let Some(cycle) = open.filter(|_| business) {
                        cycle.pause(at);
                    }
                }
                ClockEventKind::Reopened | ClockEventKind::Resumed => {
                    if std::mem::take(&mut pending)
                        && let Some(cycle) = open
                    {
                        cycle.resume(at);
                    }
                }
                ClockEventKind::Resolved => {
                    pending = false;
                    if let Some(cycle) = open {
                        cycle.end(at, StopReason::Resolved);
                    }
                }
            }
        }
        Ledger { cycles }
    }

    /// Index of the first cycle a reply ended.
    fn first_response(&self) -> Option<usize> {
        self.cycles.iter().position(|c| {
            matches!(
                c.stop,
                Some((_, StopReason::AgentReply | StopReason::AutoReply))
            )
        })
    }

    pub(crate) fn clock(&self, policy: &SlaPolicy) -> Result<SlaClock, SlaError> {
        let first_response_at = self
            .first_response()
            .and_then(|i| self.cycles[i].stop.map(|s| s.0));
        let Some(cycle) = self.cycles.last() else {
            return Ok(SlaClock {
                policy: policy.id.clone(),
                state: ClockState::Idle,
                target: None,
                started_at: None,
                due_at: None,
                internal_due_at: None,
                thresholds: Vec::new(),
                paused_at: None,
                remaining: None,
                stopped_at: None,
                stopped_by: None,
                first_response_at,
            });
        };
        let target = cycle.target.of(policy);
        let mut thresholds = Vec::new();
        for (name, amount) in threshold_amounts(policy, target) {
            if let Some(at) = cycle.instant_at(&policy.clock, amount)? {
                thresholds.push(Threshold {
                    name,
                    at,
                    working_time: amount,
                });
            }
        }
        // Equal instants keep the order warn, internal breach, breach.
        thresholds.sort_by_key(|t| t.at);
        let find = |name: &str| thresholds.iter().find(|t| t.name == name).map(|t| t.at);
        let paused_at = cycle.paused_at();
        let state = match (cycle.stop, paused_at) {
            (Some(_), _) => ClockState::Stopped,
            (None, Some(_)) => ClockState::Paused,
            (None, None) => ClockState::Running,
        };
        let remaining = paused_at.map(|at| {
            let worked = cycle.worked(&policy.clock, at).as_secs();
            SlaDuration::from_secs(target.due.as_secs().saturating_sub(worked))
        });
        Ok(SlaClock {
            policy: policy.id.clone(),
            state,
            target: Some(cycle.target),
            started_at: Some(cycle.started_at),
            due_at: find(BREACH),
            internal_due_at: find(INTERNAL_BREACH),
            paused_at,
            remaining,
            stopped_at: cycle.stop.map(|s| s.0),
            stopped_by: cycle.stop.map(|s| s.1),
            first_response_at,
            thresholds,
        })
    }
}

/// Working-time amounts of every threshold, in ascending order of amount and, on equal
/// amounts, warnings before the internal breach before the breach.
fn threshold_amounts(policy: &SlaPolicy, target: ResponseTarget) -> Vec<(String, SlaDuration)> {
    let mut out: Vec<(String, SlaDuration)> = policy
        .warn_at_percent
        .iter()
        .map(|p| (warning_name(*p), target.due.percent(*p)))
        .collect();
    if let Some(internal) = target.internal_due {
        out.push((INTERNAL_BREACH.to_string(), internal));
    }
    out.push((BREACH.to_string(), target.due));
    out.sort_by_key(|(_, amount)| *amount);
    out
}

/// How one ticket did against its policy, for reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaOutcome {
    pub policy: String,
    pub result: OutcomeResult,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_message_at: Option<DateTime<Utc>>,
    /// The first reply that answered a buyer message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response_at: Option<DateTime<Utc>>,
    /// From the message that reply answered, in real seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response_calendar_seconds: Option<u64>,
    /// The same span in the policy clock's working seconds (pauses excluded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response_working_seconds: Option<u64>,
    /// One entry per clock (buyer message awaiting an answer), in order.
    pub responses: Vec<ResponseOutcome>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeResult {
    /// Every answer in time.
    Hit,
    /// At least one answer late, or a deadline passed unanswered.
    Missed,
    /// Nothing late so far and a message still awaits its answer before its deadline.
    Open,
    /// Resolved in time without any answer being owed.
    NoReplyNeeded,
    NoMessages,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseResult {
    Hit,
    Missed,
    Open,
    NoReplyNeeded,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseOutcome {
    pub target: TargetKind,
    pub started_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_by: Option<StopReason>,
    /// Real seconds from the start to the end (or to `now` while open).
    pub calendar_seconds: u64,
    /// Working seconds of the policy's clock over the same span, pauses excluded.
    pub working_seconds: u64,
    pub result: ResponseResult,
}

/// How the ticket did as of `now`.
pub fn outcome(
    policy: &SlaPolicy,
    channel: Channel,
    events: &[ClockEvent],
    now: DateTime<Utc>,
) -> Result<SlaOutcome, SlaError> {
    let ledger = Ledger::run(policy, auto_reply_stops_clock(channel), events);
    let mut responses = Vec::with_capacity(ledger.cycles.len());
    for cycle in &ledger.cycles {
        let due = cycle.target.of(policy).due;
        let end = cycle.stop.map_or(now, |s| s.0);
        let worked = cycle.worked(&policy.clock, end);
        let result = match cycle.stop {
            _ if worked > due => ResponseResult::Missed,
            None if worked == due => ResponseResult::Missed,
            None => ResponseResult::Open,
            Some((_, StopReason::Resolved)) => ResponseResult::NoReplyNeeded,
            Some(_) => ResponseResult::Hit,
        };
        responses.push(ResponseOutcome {
            target: cycle.target,
            started_at: cycle.started_at,
            due_at: cycle.instant_at(&policy.clock, due)?,
            ended_at: cycle.stop.map(|s| s.0),
            ended_by: cycle.stop.map(|s| s.1),
            calendar_seconds: u64::try_from((end - cycle.started_at).num_seconds()).unwrap_or(0),
            working_seconds: worked.as_secs(),
            result,
        });
    }
    let has = |r: ResponseResult| responses.iter().any(|o| o.result == r);
    let result = if responses.is_empty() {
        OutcomeResult::NoMessages
    } else if has(ResponseResult::Missed) {
        OutcomeResult::Missed
    } else if has(ResponseResult::Open) {
        OutcomeResult::Open
    } else if has(ResponseResult::Hit) {
        OutcomeResult::Hit
    } else {
        OutcomeResult::NoReplyNeeded
    };
    let first = ledger.first_response().map(|i| &responses[i]);
    Ok(SlaOutcome {
        policy: policy.id.clone(),
        result,
        first_message_at: ledger.cycles.first().map(|c| c.started_at),
        first_response_at: first.and_then(|r| r.ended_at),
        first_response_calendar_seconds: first.map(|r| r.calendar_seconds),
        first_response_working_seconds: first.map(|r| r.working_seconds),
        responses,
    })
}

#[cfg(test)]
#[path = "clock_tests.rs"]
mod tests;
