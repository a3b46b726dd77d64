//! Badge counts for the inbox: how many tickets wait, per channel and per SLA state.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Channel, SlaState};

/// Where a ticket stands against its deadlines: the one definition the ticket view, the badge
/// counts, the escalator's alerts and the inbox use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SlaLevel {
    /// No deadline, or no warning threshold reached yet.
    Ok,
    /// The first warning threshold (`warning_at`, e.g. 50 % of the target) or the internal
    /// deadline passed: the instant the escalator's first warning fires.
    Warning,
    /// The marketplace's (external) deadline passed.
    Breached,
}

impl SlaLevel {
    /// The level at `now`. A paused clock (pending on the customer, business hours) is judged
    /// at the instant it paused: waiting on the buyer does not use the team's time.
    pub fn of(sla: &SlaState, now: DateTime<Utc>) -> SlaLevel {
        let now = sla.paused_at.map_or(now, |p| p.min(now));
        let passed = |at: Option<DateTime<Utc>>| at.is_some_and(|at| now >= at);
        if sla.breached || passed(sla.due_at) {
            SlaLevel::Breached
        } else if passed(sla.warning_at) || passed(sla.internal_due_at) {
            SlaLevel::Warning
        } else {
            SlaLevel::Ok
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SlaLevel::Ok => "ok",
            SlaLevel::Warning => "warning",
            SlaLevel::Breached => "breached",
        }
    }
}

/// Counts of one slice (a channel, or everything).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LevelCounts {
    pub total: u64,
    pub ok: u64,
    pub warning: u64,
    pub breached: u64,
}

impl LevelCounts {
    fn add(&mut self, level: SlaLevel) {
        self.total += 1;
        match level {
            SlaLevel::Ok => self.ok += 1,
            SlaLevel::Warning => self.warning += 1,
            SlaLevel::Breached => self.breached += 1,
        }
    }
}

/// The badges of one ticket status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BadgeCounts {
    /// Everything of the status, split by SLA level.
    #[serde(flatten)]
    pub all: LevelCounts,
    /// Per channel, each split by SLA level; channels without tickets are absent.
    pub by_channel: BTreeMap<Channel, LevelCounts>,
}

impl BadgeCounts {
    /// Tallies `(channel, sla)` pairs at `now`.
    pub fn tally<'a>(
        entries: impl IntoIterator<Item = (Channel, &'a SlaState)>,
        now: DateTime<Utc>,
    ) -> BadgeCounts {
        let mut counts = BadgeCounts::default();
        for (channel, sla) in entries {
            let level = SlaLevel::of(sla, now);
            counts.all.add(level);
            counts.by_channel.entry(channel).or_default().add(level);
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn sla(start: &str, internal: Option<&str>, due: &str) -> SlaState {
        SlaState {
            clock_started_at: Some(at(start)),
            internal_due_at: internal.map(at),
            due_at: Some(at(due)),
            ..SlaState::default()
        }
    }

    #[test]
    fn levels_follow_the_deadlines_and_now() {
        let s = sla(
            "2026-11-20T00:00:00Z",
            Some("2026-11-20T12:00:00Z"),
            "2026-11-21T00:00:00Z",
        );
        assert_eq!(SlaLevel::of(&s, at("2026-11-20T11:59:59Z")), SlaLevel::Ok);
        assert_eq!(
            SlaLevel::of(&s, at("2026-11-20T12:00:00Z")),
            SlaLevel::Warning
        );
        assert_eq!(
            SlaLevel::of(&s, at("2026-11-21T00:00:00Z")),
            SlaLevel::Breached
        );
        assert_eq!(
            SlaLevel::of(&SlaState::default(), at("2030-01-01T00:00:00Z")),
            SlaLevel::Ok
        );
    }

    #[test]
    fn the_first_warning_threshold_turns_the_level_to_warning() {
        let mut s = sla("2026-11-20T00:00:00Z", None, "2026-11-21T00:00:00Z");
        s.warning_at = Some(at("2026-11-20T12:00:00Z"));
        assert_eq!(SlaLevel::of(&s, at("2026-11-20T11:59:59Z")), SlaLevel::Ok);
        assert_eq!(
            SlaLevel::of(&s, at("2026-11-20T12:00:00Z")),
            SlaLevel::Warning
        );
        s.warning_at = None;
        assert_eq!(
            SlaLevel::of(&s, at("2026-11-20T23:00:00Z")),
            SlaLevel::Ok,
            "no threshold, no warning: the level never guesses a share of its own"
        );
    }

    #[test]
    fn a_paused_clock_is_judged_when_it_paused_and_a_breach_flag_sticks() {
        let mut s = sla("2026-11-20T00:00:00Z", None, "2026-11-21T00:00:00Z");
        s.paused_at = Some(at("2026-11-20T01:00:00Z"));
        assert_eq!(SlaLevel::of(&s, at("2026-11-25T00:00:00Z")), SlaLevel::Ok);
        let flagged = SlaState {
            breached: true,
            ..SlaState::default()
        };
        assert_eq!(
            SlaLevel::of(&flagged, at("2026-11-20T00:00:00Z")),
            SlaLevel::Breached
        );
    }

    #[test]
    fn tally_counts_per_channel_and_per_level() {
        let now = at("2026-11-20T13:00:00Z");
        let late = sla("2026-11-19T00:00:00Z", None, "2026-11-20T00:00:00Z");
        let warn = sla(
            "2026-11-20T00:00:00Z",
            Some("2026-11-20T12:00:00Z"),
            "2026-11-21T00:00:00Z",
        );
        let fine = SlaState::default();
        let counts = BadgeCounts::tally(
            [
                (Channel::Amazon, &late),
                (Channel::Amazon, &warn),
                (Channel::Ebay, &fine),
            ],
            now,
        );
        assert_eq!(
            counts.all,
            LevelCounts {
                total: 3,
                ok: 1,
                warning: 1,
                breached: 1
            }
        );
        assert_eq!(counts.by_channel[&Channel::Amazon].breached, 1);
        assert_eq!(counts.by_channel[&Channel::Ebay].ok, 1);
        assert!(!counts.by_channel.contains_key(&Channel::Shopify));
    }
}
