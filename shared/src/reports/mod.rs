//! Reports and account health, Amazon's way first (DESIGN §8): pure, no I/O, no clock reads.
//!
//! - [`facts`] — what is recorded as it happens: every buyer message that needs an answer
//!   ([`MessageFact`]) is kept open on its ticket's report item ([`TicketFacts`]) until it is
//!   answered by an agent, marked "no response needed", or auto-replied where the channel counts
//!   an automatic reply (eBay). [`record`] turns each of those happenings into the new report
//!   item and the [`Counters`] to add to the day aggregates — written in the same transaction as
//!   the message or reply, so no report ever scans tickets.
//! - [`counters`] — the aggregate of one day (tenant's time zone, by arrival), channel, account
//!   and agent, with response-time histograms by the minute up to 48 h.
//! - [`report`] — every report computed from aggregates and the open messages; [`csv`] exports.
//! - [`forecast`] — the month-to-date 24 h rate per Amazon account, the projection if the
//!   messages due soon are missed, and the crossing of the tenant's line and Amazon's 90 %.

pub mod counters;
pub mod csv;
pub mod facts;
pub mod forecast;
pub mod health;
pub mod record;
pub mod report;
pub mod vtr;

#[cfg(test)]
mod tests;

pub use counters::{AggKey, Counters, HISTOGRAM_MINUTES};
pub use facts::{Handling, MessageFact, TicketFacts};
pub use record::{Recorder, ReportWrite};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::sla::SlaPolicy;

/// Within this span of its arrival a message counts as answered in time (Amazon's metric).
pub const ANSWER_WITHIN: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// The time zone a tenant's reports are kept in: its working time zone, the zone of its first
/// business-hours SLA policy (in selection order), else UTC. Days, months and the hour ×
/// weekday heat map are in this zone.
pub fn tenant_time_zone(policies: &[SlaPolicy]) -> Tz {
    policies
        .iter()
        .find_map(|p| p.clock.time_zone())
        .unwrap_or(Tz::UTC)
}

/// The calendar day of `at` in `tz`.
pub fn local_day(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}
