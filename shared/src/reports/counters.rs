//! The aggregate of one day, channel, account and agent: counters that only ever grow (atomic
//! additions), so concurrent writers and late corrections compose.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::{AccountId, AgentId, Channel};

/// Response-time histograms keep one bucket per minute below this; longer times share the
/// last bucket (medians and p90s are exact to the minute up to 48 h).
pub const HISTOGRAM_MINUTES: u32 = 48 * 60;

/// Which aggregate a counter belongs to. `day` is the local day (tenant's time zone) of the
/// arrival of the message the figure is about (of the resolution for resolutions, of the
/// purchase for orders). `agent` is who handled it; `None` for what belongs to no agent
/// (arrivals, volume, claims, automatic replies).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AggKey {
    pub day: NaiveDate,
    pub channel: Channel,
    pub account: AccountId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<AgentId>,
}

/// Additive counters. Every field is a sum; [`Counters::add`] is associative and commutative.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Buyer messages (and claim notices) that need an answer, by arrival.
    pub received: u64,
    /// New conversations (tickets) that needed an answer.
    pub conversations: u64,
    /// Ended by an agent's reply / of those within 24 h of arrival.
    pub answered: u64,
    pub answered_24h: u64,
    /// Marked "no response needed" by an agent / within 24 h.
    pub no_response_needed: u64,
    pub no_response_needed_24h: u64,
    /// Ended by an automatic reply where the channel counts one (eBay) / within 24 h.
    pub auto_replied: u64,
    pub auto_replied_24h: u64,
    /// Tickets' first responses: how many, and the sums of their times in seconds.
    pub first_responses: u64,
    pub first_response_calendar_seconds: u64,
    pub first_response_working_seconds: u64,
    /// First-response times by whole minute (`HISTOGRAM_MINUTES` = 48 h and more).
    pub calendar_minutes: BTreeMap<u32, u64>,
    pub working_minutes: BTreeMap<u32, u64>,
    /// Arrivals by local `weekday * 24 + hour` (Monday = 0).
    pub volume: BTreeMap<u32, u64>,
    /// SLA cycles (a run of the clock until it stops) per policy, answered in time or not.
    pub sla_hit: BTreeMap<String, u64>,
    pub sla_missed: BTreeMap<String, u64>,
    /// Resolutions, and those within two exchanges (agent replies).
    pub resolved: u64,
    pub resolved_within_2: u64,
    /// Claims, chargebacks, item-not-received cases and negative feedback by kind.
    pub claims: BTreeMap<String, u64>,
    /// Conversations in which the buyer wrote before a claim arrived.
    pub claim_conversations: u64,
    /// Orders first seen, by purchase day.
    pub orders: u64,
}

const SCALARS: [&str; 15] = [
    "received",
    "conversations",
    "answered",
    "answered_24h",
    "no_response_needed",
    "no_response_needed_24h",
    "auto_replied",
    "auto_replied_24h",
    "first_responses",
    "first_response_calendar_seconds",
    "first_response_working_seconds",
    "resolved",
    "resolved_within_2",
    "claim_conversations",
    "orders",
];

impl Counters {
    fn scalar_mut(&mut self, name: &str) -> Option<&mut u64> {
        Some(match name {
            "received" => &mut self.received,
            "conversations" => &mut self.conversations,
            "answered" => &mut self.answered,
            "answered_24h" => &mut self.answered_24h,
            "no_response_needed" => &mut self.no_response_needed,
            "no_response_needed_24h" => &mut self.no_response_needed_24h,
            "auto_replied" => &mut self.auto_replied,
            "auto_replied_24h" => &mut self.auto_replied_24h,
            "first_responses" => &mut self.first_responses,
            "first_response_calendar_seconds" => &mut self.first_response_calendar_seconds,
            "first_response_working_seconds" => &mut self.first_response_working_seconds,
            "resolved" => &mut self.resolved,
            "resolved_within_2" => &mut self.resolved_within_2,
            "claim_conversations" => &mut self.claim_conversations,
            "orders" => &mut self.orders,
            _ => return None,
        })
    }

    fn scalar(&self, name: &str) -> u64 {
        let mut copy = self.clone();
        copy.scalar_mut(name).map_or(0, |v| *v)
    }

    /// Adds `other` into `self`.
    pub fn add(&mut self, other: &Counters) {
        for (name, value) in other.fields() {
            self.add_field(&name, value);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.fields().is_empty()
    }

    /// The counters as flat `(name, value)` pairs, zeros left out: scalars by name, map entries
    /// as `hc:{minute}`, `hw:{minute}`, `v:{hour of week}`, `sh:{policy}`, `sm:{policy}`,
    /// `cl:{kind}`. The store adds each one atomically.
    pub fn fields(&self) -> Vec<(String, u64)> {
        let mut out: Vec<(String, u64)> = SCALARS
            .iter()
            .map(|n| ((*n).to_owned(), self.scalar(n)))
            .collect();
        let family = |prefix: &str, map: &BTreeMap<u32, u64>, out: &mut Vec<(String, u64)>| {
            out.extend(map.iter().map(|(k, v)| (format!("{prefix}:{k}"), *v)));
        };
        family("hc", &self.calendar_minutes, &mut out);
        family("hw", &self.working_minutes, &mut out);
        family("v", &self.volume, &mut out);
        let named = |prefix: &str, map: &BTreeMap<String, u64>, out: &mut Vec<(String, u64)>| {
            out.extend(map.iter().map(|(k, v)| (format!("{prefix}:{k}"), *v)));
        };
        named("sh", &self.sla_hit, &mut out);
        named("sm", &self.sla_missed, &mut out);
        named("cl", &self.claims, &mut out);
        out.retain(|(_, v)| *v > 0);
        out
    }

    /// Adds one field as [`Counters::fields`] names it; unknown names are ignored (a newer
    /// writer's counters).
    pub fn add_field(&mut self, name: &str, value: u64) {
        if let Some(slot) = self.scalar_mut(name) {
            *slot += value;
            return;
        }
        let Some((prefix, key)) = name.split_once(':') else {
            return;
        };
        let number = || key.parse::<u32>().ok();
        match prefix {
            "hc" => {
                if let Some(k) = number() {
                    *self.calendar_minutes.entry(k).or_default() += value;
                }
            }
            "hw" => {
                if let Some(k) = number() {
                    *self.working_minutes.entry(k).or_default() += value;
                }
            }
            "v" => {
                if let Some(k) = number() {
                    *self.volume.entry(k).or_default() += value;
                }
            }
            "sh" => *self.sla_hit.entry(key.to_owned()).or_default() += value,
            "sm" => *self.sla_missed.entry(key.to_owned()).or_default() += value,
            "cl" => *self.claims.entry(key.to_owned()).or_default() += value,
            _ => {}
        }
    }

    /// Rebuilds counters from stored fields.
    pub fn from_fields<'a>(fields: impl IntoIterator<Item = (&'a str, u64)>) -> Counters {
        let mut c = Counters::default();
        for (name, value) in fields {
            c.add_field(name, value);
        }
        c
    }

    /// The minute bucket of a response time in seconds.
    pub fn minute_bucket(seconds: u64) -> u32 {
        u32::try_from(seconds / 60)
            .unwrap_or(u32::MAX)
            .min(HISTOGRAM_MINUTES)
    }
}

/// Whether a stored attribute name is one of the counters' (the store keeps them beside its
/// own key attributes).
pub fn is_counter_field(name: &str) -> bool {
    SCALARS.contains(&name)
        || ["hc:", "hw:", "v:", "sh:", "sm:", "cl:"]
            .iter()
            .any(|p| name.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip_and_add_is_a_sum() {
        let mut a = Counters {
            received: 3,
            answered_24h: 2,
            ..Default::default()
        };
        a.calendar_minutes.insert(12, 2);
        a.sla_hit.insert("amazon".into(), 1);
        a.claims.insert("atoz_claim".into(), 1);
        let back = Counters::from_fields(a.fields().iter().map(|(k, v)| (k.as_str(), *v)));
        assert_eq!(back, a);
        let mut sum = a.clone();
        sum.add(&a);
        assert_eq!(sum.received, 6);
        assert_eq!(sum.calendar_minutes[&12], 4);
        assert_eq!(sum.sla_hit["amazon"], 2);
        assert!(is_counter_field("hc:12") && is_counter_field("received"));
        assert!(!is_counter_field("PK") && !is_counter_field(""));
    }

    #[test]
    fn response_times_past_48_hours_share_the_last_bucket() {
        assert_eq!(Counters::minute_bucket(59), 0);
        assert_eq!(Counters::minute_bucket(61), 1);
        assert_eq!(
            Counters::minute_bucket(48 * 3600 - 1),
            HISTOGRAM_MINUTES - 1
        );
        assert_eq!(Counters::minute_bucket(400 * 3600), HISTOGRAM_MINUTES);
    }
}
