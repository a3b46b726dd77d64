//! SLA policies: which tickets they apply to, how their clock counts time, their targets,
//! warnings and escalation. Policies are tenant configuration stored and exchanged as JSON, so
//! field names are stable and unknown fields are refused rather than silently ignored.

use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::error::SlaError;
use super::units::{Day, MonthDay, SlaDuration, TimeOfDay};
use crate::domain::{AgentId, Channel, Risk, Ticket};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaPolicy {
    /// Stable key, stored on tickets and in schedule names: ASCII letters, digits, `-`, `_`.
    pub id: String,
    pub name: String,
    pub channel: ChannelScope,
    /// Narrows the policy to some tickets of its channel; empty matches all of them.
    #[serde(
        rename = "match",
        default,
        skip_serializing_if = "PolicyMatch::is_empty"
    )]
    pub matches: PolicyMatch,
    pub clock: Clock,
    /// Target for the answer to the first buyer message of a ticket.
    pub first_response: ResponseTarget,
    /// Target for the answer to a buyer message that follows an agent's reply.
    pub next_response: ResponseTarget,
    /// Warnings at these shares of the (external) target's working time, ascending.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warn_at_percent: Vec<u8>,
    #[serde(default)]
    pub escalation: Escalation,
}

/// The channel a policy applies to, or `"any"` (e.g. account-risk policies).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChannelScope {
    Any,
    Only(Channel),
}

impl ChannelScope {
    pub fn includes(self, channel: Channel) -> bool {
        match self {
            ChannelScope::Any => true,
            ChannelScope::Only(c) => c == channel,
        }
    }
}

impl fmt::Display for ChannelScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChannelScope::Any => f.write_str("any"),
            ChannelScope::Only(c) => f.write_str(c.as_str()),
        }
    }
}

impl FromStr for ChannelScope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "any" {
            return Ok(ChannelScope::Any);
        }
        Channel::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .map(ChannelScope::Only)
            .ok_or_else(|| format!("unknown channel '{s}' (any, amazon, ebay, shopify, email)"))
    }
}

impl Serialize for ChannelScope {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ChannelScope {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// Every criterion given must hold; a list matches if any of its entries does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyMatch {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub risks: Vec<Risk>,
    /// Customer lifetime value at least this, in minor units of the tenant's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_lifetime_value_minor: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

impl PolicyMatch {
    pub fn is_empty(&self) -> bool {
        self.risks.is_empty() && self.min_lifetime_value_minor.is_none() && self.tags.is_empty()
    }

    pub fn matches(&self, ctx: &PolicyContext<'_>) -> bool {
        let risk_ok = self.risks.is_empty() || ctx.risk.is_some_and(|r| self.risks.contains(&r));
        let value_ok = self
            .min_lifetime_value_minor
            .is_none_or(|min| ctx.lifetime_value_minor >= min);
        let tags_ok = self.tags.is_empty() || self.tags.iter().any(|t| ctx.tags.contains(t));
        risk_ok && value_ok && tags_ok
    }
}

/// What policy selection looks at on a ticket.
#[derive(Debug, Clone, Copy)]
pub struct PolicyContext<'a> {
    pub channel: Channel,
    pub risk: Option<Risk>,
    /// 0 when the customer is unknown.
    pub lifetime_value_minor: i64,
    pub tags: &'a BTreeSet<String>,
}

impl<'a> PolicyContext<'a> {
    pub fn of_ticket(ticket: &'a Ticket, lifetime_value_minor: i64) -> Self {
        PolicyContext {
            channel: ticket.channel,
            risk: ticket.risk,
            lifetime_value_minor,
            tags: &ticket.tags,
        }
    }
}

/// The first policy, in list order, that applies to `ctx`: tenants list narrower policies
/// (risk, high-value customers) before the per-channel defaults.
pub fn select_policy<'p>(
    policies: &'p [SlaPolicy],
    ctx: &PolicyContext<'_>,
) -> Option<&'p SlaPolicy> {
    policies
        .iter()
        .find(|p| p.channel.includes(ctx.channel) && p.matches.matches(ctx))
}

/// How a policy's clock counts time. JSON: `{"kind": "calendar"}` or
/// `{"kind": "business", "time_zone": …, "periods": […], …}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "ClockJson", into = "ClockJson")]
pub enum Clock {
    /// Around the clock, weekends and holidays included (Amazon, eBay): plain elapsed time.
    Calendar,
    /// Only inside weekly opening periods of a time zone, outside holidays.
    Business(BusinessHours),
}

/// The JSON shape of [`Clock`]: serde lets a tagged unit variant ignore unknown fields, an
/// empty struct variant refuses them.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum ClockJson {
    Calendar {},
    Business(BusinessHours),
}

impl From<ClockJson> for Clock {
    fn from(c: ClockJson) -> Self {
        match c {
            ClockJson::Calendar {} => Clock::Calendar,
            ClockJson::Business(b) => Clock::Business(b),
        }
    }
}

impl From<Clock> for ClockJson {
    fn from(c: Clock) -> Self {
        match c {
            Clock::Calendar => ClockJson::Calendar {},
            Clock::Business(b) => ClockJson::Business(b),
        }
    }
}

/// The kind of a [`Clock`], for display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    Calendar,
    Business,
}

impl Clock {
    pub fn kind(&self) -> ClockKind {
        match self {
            Clock::Calendar => ClockKind::Calendar,
            Clock::Business(_) => ClockKind::Business,
        }
    }

    pub fn is_business(&self) -> bool {
        matches!(self, Clock::Business(_))
    }

    pub fn time_zone(&self) -> Option<Tz> {
        match self {
            Clock::Calendar => None,
            Clock::Business(b) => Some(b.time_zone),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessHours {
    /// IANA name, e.g. `Europe/Rome`; periods and holidays are local to it.
    pub time_zone: Tz,
    /// Several per day are allowed; overlapping periods count once.
    pub periods: Vec<Period>,
    /// Closed dates. A holiday cancels the periods that start on it (a night period that
    /// starts the evening before still runs into it).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub holidays: BTreeSet<NaiveDate>,
    /// Dates closed every year (`"12-25"`).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub yearly_holidays: BTreeSet<MonthDay>,
}

impl BusinessHours {
    pub fn is_holiday(&self, date: NaiveDate) -> bool {
        self.holidays.contains(&date) || self.yearly_holidays.contains(&MonthDay::of(date))
    }
}

/// Open from `start` to `end` (local) on each of `days`. An `end` not after `start` means the
/// period runs past midnight into the next day (`22:00`–`02:00`); `"24:00"` is midnight at the
/// end of the day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    pub days: Vec<Day>,
    pub start: TimeOfDay,
    pub end: TimeOfDay,
}

impl Period {
    pub fn crosses_midnight(&self) -> bool {
        self.end <= self.start
    }
}

/// How long an answer may take: `due` is the deadline that counts (the marketplace's, or the
/// store's promise), `internal_due` the team's own tighter one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseTarget {
    pub due: SlaDuration,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_due: Option<SlaDuration>,
}

/// What the escalator does when a deadline is missed (beyond notifying the team).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Escalation {
    /// Reassign to this agent when the ticket breaches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_assignee: Option<AgentId>,
    /// Raise the ticket's priority one step when it breaches.
    #[serde(default)]
    pub bump_priority: bool,
}

const MAX_ID_LEN: usize = 64;
const MAX_NAME_LEN: usize = 200;

/// The longest response target a policy may set: 90 days of (working or calendar) time.
pub const MAX_TARGET: SlaDuration = SlaDuration::from_secs(90 * 24 * 3600);

/// The instants the SLA engine accepts (a message's time, a previewed instant): from 1970 to
/// the year 9000, so every deadline computed from one (at most [`MAX_TARGET`] of working time,
/// searched at most ten years ahead) is a valid RFC 3339 instant with a four-digit year.
pub fn check_instant(at: DateTime<Utc>) -> Result<(), &'static str> {
    let min = DateTime::<Utc>::UNIX_EPOCH;
    let max = chrono::NaiveDate::from_ymd_opt(9000, 1, 1)
        .expect("a valid date")
        .and_hms_opt(0, 0, 0)
        .expect("a valid time")
        .and_utc();
    if at < min || at >= max {
        return Err("must be an instant between 1970-01-01 and 9000-01-01 (RFC 3339, UTC)");
    }
    Ok(())
}

impl SlaPolicy {
    /// Parses and validates one policy.
    pub fn from_json(json: &str) -> Result<SlaPolicy, SlaError> {
        let policy: SlaPolicy = serde_json::from_str(json)?;
        policy.validate()?;
        Ok(policy)
    }

    /// Checks the rules serde cannot express; the error names the offending field.
    /// Checks every rule of a policy; the error names the JSON path at fault. Targets are
    /// bounded by [`MAX_TARGET`], so every deadline stays a valid RFC 3339 instant.
    pub fn validate(&self) -> Result<(), SlaError> {
        let bad = |field: &str, reason: &str| Err(SlaError::invalid(&self.id, field, reason));
        if self.id.is_empty()
            || self.id.len() > MAX_ID_LEN
            || !self
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return bad(
                "id",
                "must be 1 to 64 ASCII letters, digits, '-' or '_' (it becomes part of keys)",
            );
        }
        if self.name.trim().is_empty() || self.name.chars().count() > MAX_NAME_LEN {
            return bad("name", "must be 1 to 200 characters, not only spaces");
        }
        self.validate_match()?;
        if let Clock::Business(hours) = &self.clock {
            self.validate_business_hours(hours)?;
        }
        for (field, target) in [
            ("first_response", &self.first_response),
            ("next_response", &self.next_response),
        ] {
            if target.due == SlaDuration::ZERO {
                return bad(&format!("{field}.due"), "must be longer than 0s");
            }
            if target.due > MAX_TARGET {
                return bad(
                    &format!("{field}.due"),
                    "must be at most 2160h (90 days): no helpdesk target is longer",
                );
            }
            match target.internal_due {
                Some(i) if i == SlaDuration::ZERO => {
                    return bad(&format!("{field}.internal_due"), "must be longer than 0s");
                }
                Some(i) if i > target.due => {
                    return bad(&format!("{field}.internal_due"), "must not exceed due");
                }
                _ => {}
            }
        }
        for (i, p) in self.warn_at_percent.iter().enumerate() {
            if !(1..=99).contains(p) {
                return bad(&format!("warn_at_percent[{i}]"), "must be between 1 and 99");
            }
            if i > 0 && self.warn_at_percent[i - 1] >= *p {
                return bad(
                    &format!("warn_at_percent[{i}]"),
                    "must be greater than the one before",
                );
            }
        }
        Ok(())
    }

    fn validate_match(&self) -> Result<(), SlaError> {
        let m = &self.matches;
        if m.min_lifetime_value_minor.is_some_and(|v| v <= 0) {
            return Err(SlaError::invalid(
                &self.id,
                "match.min_lifetime_value_minor",
                "must be positive",
            ));
        }
        for (i, tag) in m.tags.iter().enumerate() {
            if tag.is_empty() || tag.trim() != tag {
                return Err(SlaError::invalid(
                    &self.id,
                    format!("match.tags[{i}]"),
                    "must be non-empty without surrounding spaces",
                ));
            }
        }
        let mut seen = HashSet::new();
        if let Some(i) = m.risks.iter().position(|r| !seen.insert(*r)) {
            return Err(SlaError::invalid(
                &self.id,
                format!("match.risks[{i}]"),
                "is repeated",
            ));
        }
        Ok(())
    }

    fn validate_business_hours(&self, hours: &BusinessHours) -> Result<(), SlaError> {
        if hours.periods.is_empty() {
            return Err(SlaError::invalid(
                &self.id,
                "clock.periods",
                "a business clock needs at least one period",
            ));
        }
        for (i, p) in hours.periods.iter().enumerate() {
            let field = |f: &str| format!("clock.periods[{i}].{f}");
            let bad = |f: &str, reason: &str| Err(SlaError::invalid(&self.id, field(f), reason));
            if p.days.is_empty() {
                return bad("days", "must name at least one day");
            }
            let mut seen = HashSet::new();
            if p.days.iter().any(|d| !seen.insert(*d)) {
                return bad("days", "names a day twice");
            }
            if p.start == TimeOfDay::END_OF_DAY {
                return bad("start", "must be before 24:00");
            }
            if p.start == p.end {
                return bad(
                    "end",
                    "must differ from start (use 00:00 to 24:00 for a whole day)",
                );
            }
        }
        if hours.yearly_holidays.len() >= 366 {
            return Err(SlaError::invalid(
                &self.id,
                "clock.yearly_holidays",
                "closes every day of the year",
            ));
        }
        Ok(())
    }
}

/// Validates every policy of a tenant and that ids are unique.
pub fn validate_policies(policies: &[SlaPolicy]) -> Result<(), SlaError> {
    let mut ids = HashSet::new();
    for (i, p) in policies.iter().enumerate() {
        p.validate()?;
        if !ids.insert(p.id.as_str()) {
            return Err(SlaError::invalid(
                &p.id,
                format!("[{i}].id"),
                "is used by an earlier policy",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A change to a policy's JSON.
    type Edit = Box<dyn Fn(&mut serde_json::Value)>;

    fn amazon_json() -> serde_json::Value {
        serde_json::json!({
            "id": "amazon",
            "name": "Amazon buyer messages",
            "channel": "amazon",
            "clock": {"kind": "calendar"},
            "first_response": {"due": "24h", "internal_due": "12h"},
            "next_response": {"due": "24h", "internal_due": "12h"},
            "warn_at_percent": [50, 80],
            "escalation": {"bump_priority": false}
        })
    }

    fn shopify_json() -> serde_json::Value {
        serde_json::json!({
            "id": "shopify-it",
            "name": "Shopify store",
            "channel": "shopify",
            "clock": {
                "kind": "business",
                "time_zone": "Europe/Rome",
                "periods": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "18:00"}],
                "holidays": ["2026-04-06"],
                "yearly_holidays": ["12-25", "12-26"]
            },
            "first_response": {"due": "4h"},
            "next_response": {"due": "4h"},
            "escalation": {"fallback_assignee": "agent-lead", "bump_priority": true}
        })
    }

    fn parse(v: serde_json::Value) -> Result<SlaPolicy, SlaError> {
        SlaPolicy::from_json(&v.to_string())
    }

    fn field_of(err: SlaError) -> String {
        match err {
            SlaError::InvalidPolicy { field, .. } => field,
            other => panic!("expected InvalidPolicy, got {other}"),
        }
    }

    fn tags(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn policies_round_trip_through_json_with_stable_field_names() {
        for v in [amazon_json(), shopify_json()] {
            let policy = parse(v.clone()).unwrap();
            assert_eq!(serde_json::to_value(&policy).unwrap(), v);
        }
        let shopify = parse(shopify_json()).unwrap();
        let Clock::Business(hours) = &shopify.clock else {
            panic!("business clock expected")
        };
        assert_eq!(hours.time_zone, chrono_tz::Europe::Rome);
        assert!(hours.is_holiday(NaiveDate::from_ymd_opt(2031, 12, 25).unwrap()));
        assert!(hours.is_holiday(NaiveDate::from_ymd_opt(2026, 4, 6).unwrap()));
        assert!(!hours.is_holiday(NaiveDate::from_ymd_opt(2027, 4, 6).unwrap()));
        assert_eq!(
            shopify.escalation.fallback_assignee.unwrap().as_str(),
            "agent-lead"
        );
    }

    #[test]
    fn unknown_fields_are_refused_at_every_level() {
        let mut top = amazon_json();
        top["colour"] = "red".into();
        let mut target = amazon_json();
        target["first_response"]["external"] = "24h".into();
        let mut calendar = amazon_json();
        calendar["clock"]["time_zone"] = "Europe/Rome".into();
        let mut hours = shopify_json();
        hours["clock"]["timezone"] = "Europe/Rome".into();
        let mut period = shopify_json();
        period["clock"]["periods"][0]["weekdays"] = serde_json::json!(["mon"]);
        let mut matching = amazon_json();
        matching["match"] = serde_json::json!({"risk": ["chargeback"]});
        for (what, v) in [
            ("top", top),
            ("target", target),
            ("calendar", calendar),
            ("hours", hours),
            ("period", period),
            ("match", matching),
        ] {
            let err = parse(v).unwrap_err();
            assert!(
                matches!(&err, SlaError::PolicyJson(e) if e.to_string().contains("unknown field")),
                "{what}: {err}"
            );
        }
    }

    #[test]
    fn bad_values_are_refused_while_parsing() {
        let mut zone = shopify_json();
        zone["clock"]["time_zone"] = "Europe/Atlantis".into();
        let mut channel = amazon_json();
        channel["channel"] = "etsy".into();
        let mut duration = amazon_json();
        duration["first_response"]["due"] = "1 day".into();
        for v in [zone, channel, duration] {
            assert!(matches!(parse(v), Err(SlaError::PolicyJson(_))));
        }
    }

    #[test]
    fn validation_names_the_offending_field() {
        let cases: Vec<(&str, Edit)> = vec![
            ("id", Box::new(|v| v["id"] = "amazon#1".into())),
            ("name", Box::new(|v| v["name"] = "  ".into())),
            (
                "first_response.due",
                Box::new(|v| v["first_response"]["due"] = "0s".into()),
            ),
            (
                "next_response.internal_due",
                Box::new(|v| v["next_response"]["internal_due"] = "25h".into()),
            ),
            (
                "warn_at_percent[1]",
                Box::new(|v| v["warn_at_percent"] = serde_json::json!([80, 50])),
            ),
            (
                "warn_at_percent[0]",
                Box::new(|v| v["warn_at_percent"] = serde_json::json!([100])),
            ),
            (
                "match.min_lifetime_value_minor",
                Box::new(|v| v["match"] = serde_json::json!({"min_lifetime_value_minor": 0})),
            ),
            (
                "match.tags[1]",
                Box::new(|v| v["match"] = serde_json::json!({"tags": ["vip", " x"]})),
            ),
            (
                "match.risks[1]",
                Box::new(|v| {
                    v["match"] = serde_json::json!({"risks": ["chargeback", "chargeback"]})
                }),
            ),
        ];
        for (field, edit) in cases {
            let mut v = amazon_json();
            edit(&mut v);
            assert_eq!(field_of(parse(v).unwrap_err()), field);
        }
        let business: Vec<(&str, Edit)> = vec![
            (
                "clock.periods",
                Box::new(|v| v["clock"]["periods"] = serde_json::json!([])),
            ),
            (
                "clock.periods[0].days",
                Box::new(|v| v["clock"]["periods"][0]["days"] = serde_json::json!([])),
            ),
            (
                "clock.periods[0].days",
                Box::new(|v| v["clock"]["periods"][0]["days"] = serde_json::json!(["mon", "mon"])),
            ),
            (
                "clock.periods[0].start",
                Box::new(|v| v["clock"]["periods"][0]["start"] = "24:00".into()),
            ),
            (
                "clock.periods[0].end",
                Box::new(|v| v["clock"]["periods"][0]["end"] = "09:00".into()),
            ),
        ];
        for (field, edit) in business {
            let mut v = shopify_json();
            edit(&mut v);
            assert_eq!(field_of(parse(v).unwrap_err()), field);
        }
    }

    #[test]
    fn duplicate_policy_ids_are_refused() {
        let a = parse(amazon_json()).unwrap();
        assert!(validate_policies(std::slice::from_ref(&a)).is_ok());
        assert_eq!(
            field_of(validate_policies(&[a.clone(), a]).unwrap_err()),
            "[1].id"
        );
    }

    #[test]
    fn selection_takes_the_first_policy_that_matches_in_list_order() {
        let mut risk = parse(amazon_json()).unwrap();
        risk.id = "risk".into();
        risk.channel = ChannelScope::Any;
        risk.matches.risks = vec![Risk::AToZClaim, Risk::Chargeback];
        let mut vip = parse(shopify_json()).unwrap();
        vip.id = "vip".into();
        vip.matches.min_lifetime_value_minor = Some(100_000);
        vip.matches.tags = vec!["vip".into(), "wholesale".into()];
        let amazon = parse(amazon_json()).unwrap();
        let shopify = parse(shopify_json()).unwrap();
        let policies = [risk, vip, amazon, shopify];
        let none = BTreeSet::new();
        let vip_tags = tags(&["wholesale"]);
        let pick = |channel, risk, value, tags| {
            let ctx = PolicyContext {
                channel,
                risk,
                lifetime_value_minor: value,
                tags,
            };
            select_policy(&policies, &ctx).map(|p| p.id.as_str())
        };
        assert_eq!(pick(Channel::Amazon, None, 0, &none), Some("amazon"));
        assert_eq!(
            pick(Channel::Amazon, Some(Risk::AToZClaim), 0, &none),
            Some("risk")
        );
        assert_eq!(
            pick(Channel::Shopify, Some(Risk::Chargeback), 0, &none),
            Some("risk")
        );
        // A risk the risk policy does not list falls through to the channel's policy.
        assert_eq!(
            pick(Channel::Amazon, Some(Risk::NegativeFeedback), 0, &none),
            Some("amazon")
        );
        // Value and tag are both required for the VIP policy.
        assert_eq!(
            pick(Channel::Shopify, None, 150_000, &vip_tags),
            Some("vip")
        );
        assert_eq!(
            pick(Channel::Shopify, None, 100_000, &vip_tags),
            Some("vip")
        );
        assert_eq!(
            pick(Channel::Shopify, None, 99_999, &vip_tags),
            Some("shopify-it")
        );
        assert_eq!(
            pick(Channel::Shopify, None, 150_000, &none),
            Some("shopify-it")
        );
        assert_eq!(pick(Channel::Email, None, 0, &none), None);
    }

    #[test]
    fn periods_with_an_end_not_after_the_start_cross_midnight() {
        let p = |start: &str, end: &str| Period {
            days: vec![Day::Fri],
            start: start.parse().unwrap(),
            end: end.parse().unwrap(),
        };
        assert!(p("22:00", "02:00").crosses_midnight());
        assert!(p("22:00", "00:00").crosses_midnight());
        assert!(!p("09:00", "18:00").crosses_midnight());
        assert!(!p("00:00", "24:00").crosses_midnight());
    }
}
