//! Every report, computed from day aggregates, the tickets with open messages and the breach
//! records — never from tickets. Pure: `now` is an argument.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::counters::{AggKey, Counters, HISTOGRAM_MINUTES};
use super::facts::{Breach, TicketFacts};
use super::{ANSWER_WITHIN, local_day};
use crate::domain::{AccountId, AgentId, Channel};
use chrono_tz::Tz;

/// What a report covers: local days `from..=to` and optional narrowing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub channel: Option<Channel>,
    pub account: Option<AccountId>,
    pub agent: Option<AgentId>,
}

/// What reports are computed from.
#[derive(Debug, Clone, Default)]
pub struct ReportData {
    pub tz: Option<Tz>,
    /// Aggregates of (at least) the days the filter covers.
    pub rows: Vec<(AggKey, Counters)>,
    /// Report items of tickets with open messages (at least those that arrived in the range).
    pub open: Vec<TicketFacts>,
    /// Cycles answered late, of (at least) the range.
    pub breaches: Vec<Breach>,
}

impl Filter {
    fn days(&self, day: NaiveDate) -> bool {
        day >= self.from && day <= self.to
    }
    fn place(&self, channel: Channel, account: &AccountId) -> bool {
        self.channel.is_none_or(|c| c == channel)
            && self.account.as_ref().is_none_or(|a| a == account)
    }
    /// Rows of agent-less figures (arrivals, volume, claims, automatic replies) are in when no
    /// agent is asked for; an agent's rows when that agent (or any) is.
    fn row(&self, key: &AggKey) -> bool {
        self.days(key.day)
            && self.place(key.channel, &key.account)
            && match (&self.agent, &key.agent) {
                (Some(a), Some(b)) => a == b,
                (Some(_), None) => false,
                (None, _) => true,
            }
    }
}

impl ReportData {
    /// The sum of the counters the filter selects.
    pub fn total(&self, filter: &Filter) -> Counters {
        let mut sum = Counters::default();
        for (key, c) in &self.rows {
            if filter.row(key) {
                sum.add(c);
            }
        }
        sum
    }

    /// Open messages of the range: (pending: younger than 24 h at `now`, overdue).
    fn open_counts(&self, filter: &Filter, now: DateTime<Utc>) -> (u64, u64) {
        if filter.agent.is_some() {
            return (0, 0);
        }
        let tz = self.tz.unwrap_or(Tz::UTC);
        let mut pending = 0;
        let mut overdue = 0;
        for t in self
            .open
            .iter()
            .filter(|t| filter.place(t.channel, &t.account))
        {
            for m in t
                .open
                .iter()
                .filter(|m| filter.days(local_day(m.arrived_at, tz)))
            {
                if now - m.arrived_at < ANSWER_WITHIN {
                    pending += 1;
                } else {
                    overdue += 1;
                }
            }
        }
        (pending, overdue)
    }
}

fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| (part as f64) * 100.0 / (whole as f64))
}

// ---------------------------------------------------------------------------------------------
// Response rate within 24 h

/// The 24 h response figures of one selection, Amazon's way: by arrival; an agent's reply or
/// "no response needed" within 24 h counts, an automatic reply only where the channel counts
/// one (eBay); messages younger than 24 h and unanswered are pending, outside the rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RateFigures {
    /// Messages that needed an answer (for an agent: those the agent handled).
    pub received: u64,
    /// Answered (or marked) within 24 h: the numerator.
    pub within_24h: u64,
    pub agent_replies_within_24h: u64,
    pub no_response_needed_within_24h: u64,
    pub auto_replies_within_24h: u64,
    /// Answered after 24 h, or still unanswered after 24 h.
    pub late: u64,
    /// Of `late`, still unanswered.
    pub unanswered_late: u64,
    /// Unanswered and younger than 24 h: not yet counted either way.
    pub pending: u64,
    /// `within_24h / (received - pending)` in percent; `null` with nothing to count.
    pub rate_percent: Option<f64>,
}

impl RateFigures {
    pub fn of(data: &ReportData, filter: &Filter, now: DateTime<Utc>) -> RateFigures {
        let c = data.total(filter);
        let (pending, overdue) = data.open_counts(filter, now);
        let within = c.answered_24h + c.no_response_needed_24h + c.auto_replied_24h;
        let received = if filter.agent.is_some() {
            c.answered + c.no_response_needed
        } else {
            c.received
        };
        let counted = received.saturating_sub(pending);
        RateFigures {
            received,
            within_24h: within,
            agent_replies_within_24h: c.answered_24h,
            no_response_needed_within_24h: c.no_response_needed_24h,
            auto_replies_within_24h: c.auto_replied_24h,
            late: counted.saturating_sub(within),
            unanswered_late: overdue,
            pending,
            rate_percent: percent(within, counted),
        }
    }
}

/// One period of the response-rate report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatePeriod {
    /// `last_7_days`, `last_30_days`, `last_90_days`, `month:2026-11`, or `range`.
    pub period: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    #[serde(flatten)]
    pub figures: RateFigures,
}

/// A breakdown row: one channel and account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RateRow {
    pub channel: Channel,
    pub account: AccountId,
    #[serde(flatten)]
    pub figures: RateFigures,
}

/// The places (channel, account) with any figure in the data.
fn places(data: &ReportData, filter: &Filter) -> Vec<(Channel, AccountId)> {
    let mut out: Vec<(Channel, AccountId)> = data
        .rows
        .iter()
        .filter(|(k, _)| filter.row(k))
        .map(|(k, _)| (k.channel, k.account.clone()))
        .chain(
            data.open
                .iter()
                .filter(|t| filter.place(t.channel, &t.account))
                .map(|t| (t.channel, t.account.clone())),
        )
        .collect();
    out.sort_by(|a, b| (a.0.as_str(), &a.1).cmp(&(b.0.as_str(), &b.1)));
    out.dedup();
    out
}

pub fn rate_rows(data: &ReportData, filter: &Filter, now: DateTime<Utc>) -> Vec<RateRow> {
    places(data, filter)
        .into_iter()
        .map(|(channel, account)| {
            let narrowed = Filter {
                channel: Some(channel),
                account: Some(account.clone()),
                ..filter.clone()
            };
            RateRow {
                channel,
                account,
                figures: RateFigures::of(data, &narrowed, now),
            }
        })
        .filter(|r| r.figures.received > 0 || r.figures.pending > 0)
        .collect()
}

/// The 24 h figures of the messages that arrived on one local day (the dashboard's trend).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayRate {
    pub day: NaiveDate,
    #[serde(flatten)]
    pub figures: RateFigures,
}

/// One [`DayRate`] per day of the filter's range, oldest first. Every count is additive, so a
/// week's rate is `sum(within_24h) / sum(received - pending)` of its days.
pub fn daily_rates(data: &ReportData, filter: &Filter, now: DateTime<Utc>) -> Vec<DayRate> {
    filter
        .from
        .iter_days()
        .take_while(|day| *day <= filter.to)
        .map(|day| DayRate {
            day,
            figures: RateFigures::of(
                data,
                &Filter {
                    from: day,
                    to: day,
                    ..filter.clone()
                },
                now,
            ),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Times

/// Average, median and p90 of a response-time histogram. Percentiles are nearest-rank, in
/// whole minutes (exact to the minute up to 48 h; beyond, `*_over_48h` is set and the minutes
/// say 2880).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimeStats {
    pub count: u64,
    pub average_seconds: Option<f64>,
    pub median_minutes: Option<u32>,
    pub p90_minutes: Option<u32>,
    pub median_over_48h: bool,
    pub p90_over_48h: bool,
}

/// The nearest-rank `p`-th percentile of a minute histogram.
pub fn percentile(histogram: &BTreeMap<u32, u64>, p: u32) -> Option<u32> {
    let n: u64 = histogram.values().sum();
    if n == 0 {
        return None;
    }
    let rank = (n * u64::from(p)).div_ceil(100).max(1);
    let mut seen = 0;
    for (minute, count) in histogram {
        seen += count;
        if seen >= rank {
            return Some(*minute);
        }
    }
    None
}

impl TimeStats {
    pub fn of(histogram: &BTreeMap<u32, u64>, count: u64, seconds: u64) -> TimeStats {
        let median = percentile(histogram, 50);
        let p90 = percentile(histogram, 90);
        TimeStats {
            count,
            average_seconds: (count > 0).then(|| seconds as f64 / count as f64),
            median_minutes: median,
            p90_minutes: p90,
            median_over_48h: median == Some(HISTOGRAM_MINUTES),
            p90_over_48h: p90 == Some(HISTOGRAM_MINUTES),
        }
    }
}

/// First response times, in calendar time and in the working time of each ticket's policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FirstResponse {
    pub calendar: TimeStats,
    pub working: TimeStats,
}

impl FirstResponse {
    pub fn of(c: &Counters) -> FirstResponse {
        FirstResponse {
            calendar: TimeStats::of(
                &c.calendar_minutes,
                c.first_responses,
                c.first_response_calendar_seconds,
            ),
            working: TimeStats::of(
                &c.working_minutes,
                c.first_responses,
                c.first_response_working_seconds,
            ),
        }
    }
}

/// Upper bounds (exclusive, minutes) of the first-response distribution's buckets; a last
/// bucket holds 48 h and longer.
pub const DISTRIBUTION_MINUTES: [u32; 6] = [15, 60, 4 * 60, 8 * 60, 24 * 60, HISTOGRAM_MINUTES];

/// How many first responses took less than `under_minutes` (and at least the bucket before's
/// bound); `under_minutes` is `null` for the last bucket, 48 h and longer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimeBucket {
    pub under_minutes: Option<u32>,
    pub calendar: u64,
    pub working: u64,
}

/// The shape of the first-response times: the minute histograms summed into
/// [`DISTRIBUTION_MINUTES`] buckets.
pub fn distribution(c: &Counters) -> Vec<TimeBucket> {
    let bucket = |minute: u32| {
        DISTRIBUTION_MINUTES
            .iter()
            .position(|bound| minute < *bound)
            .unwrap_or(DISTRIBUTION_MINUTES.len())
    };
    let mut out: Vec<TimeBucket> = DISTRIBUTION_MINUTES
        .iter()
        .map(|b| Some(*b))
        .chain([None])
        .map(|under_minutes| TimeBucket {
            under_minutes,
            calendar: 0,
            working: 0,
        })
        .collect();
    for (minute, n) in &c.calendar_minutes {
        out[bucket(*minute)].calendar += n;
    }
    for (minute, n) in &c.working_minutes {
        out[bucket(*minute)].working += n;
    }
    out
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FirstResponseRow {
    pub channel: Channel,
    pub account: AccountId,
    #[serde(flatten)]
    pub times: FirstResponse,
}

pub fn first_response_rows(data: &ReportData, filter: &Filter) -> Vec<FirstResponseRow> {
    places(data, filter)
        .into_iter()
        .filter_map(|(channel, account)| {
            let narrowed = Filter {
                channel: Some(channel),
                account: Some(account.clone()),
                ..filter.clone()
            };
            let c = data.total(&narrowed);
            (c.first_responses > 0).then(|| FirstResponseRow {
                channel,
                account,
                times: FirstResponse::of(&c),
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// SLA

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlaRow {
    pub policy: String,
    /// Clock cycles answered by their deadline.
    pub hit: u64,
    /// Answered after it.
    pub missed: u64,
    /// Still unanswered past it.
    pub open_breached: u64,
    /// `hit / (hit + missed + open_breached)` in percent.
    pub hit_rate_percent: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlaReport {
    pub policies: Vec<SlaRow>,
    /// Breached cycles, most recent first: answered late (`ended_at` set) and still open.
    pub breached: Vec<Breach>,
}

/// Open clock cycles past their deadline: each ticket's oldest open message, if its deadline
/// passed.
fn open_breaches(data: &ReportData, filter: &Filter, now: DateTime<Utc>) -> Vec<Breach> {
    if filter.agent.is_some() {
        return Vec::new();
    }
    let tz = data.tz.unwrap_or(Tz::UTC);
    data.open
        .iter()
        .filter(|t| filter.place(t.channel, &t.account))
        .filter_map(|t| {
            let first = t.open.first()?;
            let (policy, due) = (first.policy.clone()?, first.due_at?);
            let day = local_day(first.arrived_at, tz);
            (due < now && filter.days(day)).then(|| Breach {
                ticket: t.ticket.clone(),
                channel: t.channel,
                account: t.account.clone(),
                policy,
                day,
                started_at: first.arrived_at,
                due_at: due,
                ended_at: None,
                handled_by: None,
            })
        })
        .collect()
}

pub fn sla_report(
    data: &ReportData,
    filter: &Filter,
    now: DateTime<Utc>,
    limit: usize,
) -> SlaReport {
    let c = data.total(filter);
    let open = open_breaches(data, filter, now);
    let mut names: Vec<String> = c
        .sla_hit
        .keys()
        .chain(c.sla_missed.keys())
        .cloned()
        .chain(open.iter().map(|b| b.policy.clone()))
        .collect();
    names.sort();
    names.dedup();
    let policies = names
        .into_iter()
        .map(|policy| {
            let hit = c.sla_hit.get(&policy).copied().unwrap_or(0);
            let missed = c.sla_missed.get(&policy).copied().unwrap_or(0);
            let open_breached = open.iter().filter(|b| b.policy == policy).count() as u64;
            SlaRow {
                hit_rate_percent: percent(hit, hit + missed + open_breached),
                policy,
                hit,
                missed,
                open_breached,
            }
        })
        .collect();
    let mut breached: Vec<Breach> = data
        .breaches
        .iter()
        .filter(|b| {
            filter.days(b.day)
                && filter.place(b.channel, &b.account)
                && filter
                    .agent
                    .as_ref()
                    .is_none_or(|a| b.handled_by.as_ref() == Some(a))
        })
        .cloned()
        .chain(open)
        .collect();
    breached.sort_by(|a, b| {
        b.started_at
            .cmp(&a.started_at)
            .then(a.ticket.cmp(&b.ticket))
    });
    breached.truncate(limit);
    SlaReport { policies, breached }
}

// ---------------------------------------------------------------------------------------------
// Volume, resolution, claims, agents

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VolumeCell {
    /// 0 = Monday … 6 = Sunday, in the report's time zone.
    pub weekday: u32,
    pub hour: u32,
    pub messages: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayCount {
    pub day: NaiveDate,
    pub messages: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VolumeReport {
    pub total: u64,
    /// All 168 cells, Monday 00h first (heat-map data).
    pub cells: Vec<VolumeCell>,
    pub by_day: Vec<DayCount>,
}

pub fn volume(data: &ReportData, filter: &Filter) -> VolumeReport {
    let c = data.total(filter);
    let cells = (0..7 * 24)
        .map(|h| VolumeCell {
            weekday: h / 24,
            hour: h % 24,
            messages: c.volume.get(&h).copied().unwrap_or(0),
        })
        .collect();
    let mut by_day: BTreeMap<NaiveDate, u64> = BTreeMap::new();
    let mut day = filter.from;
    while day <= filter.to {
        by_day.insert(day, 0);
        match day.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
    for (key, counters) in data.rows.iter().filter(|(k, _)| filter.row(k)) {
        *by_day.entry(key.day).or_default() += counters.received;
    }
    VolumeReport {
        total: c.received,
        cells,
        by_day: by_day
            .into_iter()
            .map(|(day, messages)| DayCount { day, messages })
            .collect(),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResolutionReport {
    pub resolved: u64,
    /// Resolved after at most two agent replies.
    pub within_2_exchanges: u64,
    pub rate_percent: Option<f64>,
    /// The target the seeds name (85 %).
    pub target_percent: f64,
}

pub fn resolution(data: &ReportData, filter: &Filter) -> ResolutionReport {
    let c = data.total(filter);
    ResolutionReport {
        resolved: c.resolved,
        within_2_exchanges: c.resolved_within_2,
        rate_percent: percent(c.resolved_within_2, c.resolved),
        target_percent: 85.0,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimKind {
    /// `atoz_claim`, `chargeback`, `ebay_inr`, `negative_feedback`.
    pub kind: String,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimReport {
    pub claims: u64,
    pub by_kind: Vec<ClaimKind>,
    /// Orders first seen in the range (by purchase day).
    pub orders: u64,
    /// `claims / orders` in percent.
    pub claim_rate_percent: Option<f64>,
    /// Conversations that began in the range.
    pub conversations: u64,
    /// Conversations in which the buyer wrote and a claim followed.
    pub conversations_ending_in_claim: u64,
    pub conversation_claim_rate_percent: Option<f64>,
}

pub fn claims(data: &ReportData, filter: &Filter) -> ClaimReport {
    let filter = Filter {
        agent: None,
        ..filter.clone()
    };
    let c = data.total(&filter);
    let total: u64 = c.claims.values().sum();
    ClaimReport {
        claims: total,
        by_kind: c
            .claims
            .iter()
            .map(|(kind, count)| ClaimKind {
                kind: kind.clone(),
                count: *count,
            })
            .collect(),
        orders: c.orders,
        claim_rate_percent: percent(total, c.orders),
        conversations: c.conversations,
        conversations_ending_in_claim: c.claim_conversations,
        conversation_claim_rate_percent: percent(c.claim_conversations, c.conversations),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentRow {
    pub agent: AgentId,
    /// Messages the agent answered / of those within 24 h of arrival.
    pub answered: u64,
    pub answered_within_24h: u64,
    pub no_response_needed: u64,
    /// `(answered_within_24h + no_response_needed within 24 h) / handled` in percent.
    pub within_24h_percent: Option<f64>,
    pub first_response: FirstResponse,
    pub sla_hit: u64,
    pub sla_missed: u64,
    pub resolved: u64,
    pub resolved_within_2_exchanges: u64,
}

pub fn agents(data: &ReportData, filter: &Filter) -> Vec<AgentRow> {
    let mut by_agent: BTreeMap<AgentId, Counters> = BTreeMap::new();
    for (key, c) in &data.rows {
        if let Some(agent) = &key.agent
            && filter.row(key)
        {
            by_agent.entry(agent.clone()).or_default().add(c);
        }
    }
    by_agent
        .into_iter()
        .map(|(agent, c)| AgentRow {
            agent,
            answered: c.answered,
            answered_within_24h: c.answered_24h,
            no_response_needed: c.no_response_needed,
            within_24h_percent: percent(
                c.answered_24h + c.no_response_needed_24h,
                c.answered + c.no_response_needed,
            ),
            first_response: FirstResponse::of(&c),
            sla_hit: c.sla_hit.values().sum(),
            sla_missed: c.sla_missed.values().sum(),
            resolved: c.resolved,
            resolved_within_2_exchanges: c.resolved_within_2,
        })
        .collect()
}
