//! Account health: each Amazon account's month-to-date 24 h rate, what it becomes if the open
//! messages due within the next hours are missed, and the warnings that projection calls for —
//! once per crossing of the tenant's line (default 95 %) and of Amazon's 90 %.

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::report::{Filter, RateFigures, ReportData};
use super::{ANSWER_WITHIN, local_day};
use crate::connectors::Notification;
use crate::domain::{AccountId, Channel};

/// Amazon's line: a month under it brings a performance warning.
pub const AMAZON_LINE_PERCENT: f64 = 90.0;
/// The healthy line unless the tenant sets its own.
pub const DEFAULT_TENANT_LINE_PERCENT: f64 = 95.0;
/// How far ahead the forecast looks by default.
pub const DEFAULT_HORIZON_HOURS: u32 = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// At or above the tenant's line, now and if the messages due soon are missed.
    Healthy,
    /// Missing the messages due soon would take it under a line.
    AtRisk,
    /// Under the tenant's line already.
    BelowTenantLine,
    /// Under Amazon's 90 % already.
    BelowAmazonLine,
}

impl HealthStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatus::Healthy => "healthy",
            HealthStatus::AtRisk => "at_risk",
            HealthStatus::BelowTenantLine => "below_tenant_line",
            HealthStatus::BelowAmazonLine => "below_amazon_line",
        }
    }
}

/// One Amazon account's month so far and its projection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountHealth {
    pub account: AccountId,
    /// `2026-12`, in the tenant's time zone.
    pub month: String,
    pub month_to_date: RateFigures,
    pub horizon_hours: u32,
    /// Open messages whose 24 h run out within the horizon.
    pub due_soon: u64,
    /// When the earliest of them runs out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_due_at: Option<DateTime<Utc>>,
    /// The month's rate if every one of them is missed.
    pub projected_rate_percent: Option<f64>,
    pub tenant_line_percent: f64,
    pub amazon_line_percent: f64,
    pub status: HealthStatus,
}

/// The first day of `today`'s month.
pub fn month_start(today: NaiveDate) -> NaiveDate {
    today.with_day(1).unwrap_or(today)
}

/// The health of `account` at `now`: `data` must hold the month's aggregates and the tenant's
/// open messages.
pub fn account_health(
    data: &ReportData,
    account: &AccountId,
    now: DateTime<Utc>,
    horizon_hours: u32,
    tenant_line: f64,
) -> AccountHealth {
    let tz = data.tz.unwrap_or(Tz::UTC);
    let today = local_day(now, tz);
    let filter = Filter {
        from: month_start(today),
        to: today,
        channel: Some(Channel::Amazon),
        account: Some(account.clone()),
        agent: None,
    };
    let mtd = RateFigures::of(data, &filter, now);
    let horizon = TimeDelta::hours(i64::from(horizon_hours));
    let due: Vec<DateTime<Utc>> = data
        .open
        .iter()
        .filter(|t| t.channel == Channel::Amazon && &t.account == account)
        .flat_map(|t| t.open.iter())
        .filter(|m| local_day(m.arrived_at, tz) >= filter.from)
        .map(|m| m.arrived_at + ANSWER_WITHIN)
        .filter(|d| *d > now && *d <= now + horizon)
        .collect();
    let due_soon = due.len() as u64;
    let counted = mtd.received.saturating_sub(mtd.pending);
    let projected = {
        let whole = counted + due_soon;
        (whole > 0).then(|| mtd.within_24h as f64 * 100.0 / whole as f64)
    };
    let below = |rate: Option<f64>, line: f64| rate.is_some_and(|r| r < line);
    let status = if below(mtd.rate_percent, AMAZON_LINE_PERCENT) {
        HealthStatus::BelowAmazonLine
    } else if below(mtd.rate_percent, tenant_line) {
        HealthStatus::BelowTenantLine
    } else if below(projected, tenant_line) || below(projected, AMAZON_LINE_PERCENT) {
        HealthStatus::AtRisk
    } else {
        HealthStatus::Healthy
    };
    AccountHealth {
        account: account.clone(),
        month: format!("{:04}-{:02}", today.year(), today.month()),
        month_to_date: mtd,
        horizon_hours,
        due_soon,
        next_due_at: due.iter().min().copied(),
        projected_rate_percent: projected,
        tenant_line_percent: tenant_line,
        amazon_line_percent: AMAZON_LINE_PERCENT,
        status,
    }
}

/// What was last said about an account: the lines its projection is under. A warning fires
/// when a line is crossed downwards and not again until the projection is back at or above it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertState {
    #[serde(default)]
    pub below_tenant_line: bool,
    #[serde(default)]
    pub below_amazon_line: bool,
    /// The local day of the last daily digest (kept on the tenant's state).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_digest: Option<NaiveDate>,
    /// Optimistic-locking counter of the stored state.
    #[serde(default)]
    pub version: u64,
}

/// A line crossed downwards.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Crossing {
    TenantLine(f64),
    AmazonLine,
}

/// The new state and the warnings due, from the last state and the current health. The
/// projection (which is never above the current rate) is what is judged.
pub fn crossings(state: &AlertState, health: &AccountHealth) -> (AlertState, Vec<Crossing>) {
    let under = |line: f64| {
        health
            .projected_rate_percent
            .or(health.month_to_date.rate_percent)
            .is_some_and(|r| r < line)
    };
    let mut next = state.clone();
    let mut fired = Vec::new();
    let tenant = under(health.tenant_line_percent);
    if tenant && !state.below_tenant_line {
        fired.push(Crossing::TenantLine(health.tenant_line_percent));
    }
    next.below_tenant_line = tenant;
    let amazon = under(AMAZON_LINE_PERCENT);
    if amazon && !state.below_amazon_line {
        fired.push(Crossing::AmazonLine);
    }
    next.below_amazon_line = amazon;
    (next, fired)
}

fn month_name(month: &str) -> String {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    month
        .split_once('-')
        .and_then(|(_, m)| m.parse::<usize>().ok())
        .and_then(|m| NAMES.get(m.wrapping_sub(1)))
        .map_or_else(|| month.to_owned(), |n| (*n).to_owned())
}

fn rate(r: Option<f64>) -> String {
    r.map_or_else(|| "n/a".to_owned(), |r| format!("{r:.1} %"))
}

/// The warning for `crossing` on `health` ("3 messages due in 2 h; if missed, December falls
/// from 96.1 % to 89.8 %").
pub fn warning(health: &AccountHealth, crossing: Crossing, now: DateTime<Utc>) -> Notification {
    let line = match crossing {
        Crossing::TenantLine(line) => format!("your {line:.0} % line"),
        Crossing::AmazonLine => "Amazon's 90 % line".to_owned(),
    };
    let within = health
        .next_due_at
        .map(|d| (d - now).num_minutes().max(0))
        .map(|m| {
            if m >= 60 {
                format!("{} h", (m + 59) / 60)
            } else {
                format!("{m} min")
            }
        })
        .unwrap_or_else(|| format!("{} h", health.horizon_hours));
    let month = month_name(&health.month);
    let body = if health.due_soon > 0 {
        format!(
            "{} message{} due in {within}; if missed, {month} falls from {} to {} — under {line}.",
            health.due_soon,
            if health.due_soon == 1 { "" } else { "s" },
            rate(health.month_to_date.rate_percent),
            rate(health.projected_rate_percent),
        )
    } else {
        format!(
            "{month} is at {}, under {line}.",
            rate(health.month_to_date.rate_percent)
        )
    };
    Notification {
        title: format!(
            "Amazon account {}: 24 h response rate at risk",
            health.account
        ),
        body,
        fields: vec![
            ("Account".into(), health.account.to_string()),
            (
                "Month to date".into(),
                rate(health.month_to_date.rate_percent),
            ),
            ("If missed".into(), rate(health.projected_rate_percent)),
            ("Pending".into(), health.month_to_date.pending.to_string()),
        ],
        links: Vec::new(),
        footer: Some("marketdesk account health".into()),
    }
}

/// The daily digest of every Amazon account's health.
pub fn digest(healths: &[AccountHealth], day: NaiveDate) -> Notification {
    let body = if healths.is_empty() {
        "No Amazon account has messages this month.".to_owned()
    } else {
        healths
            .iter()
            .map(|h| {
                format!(
                    "{}: {} month to date ({} of {} within 24 h, {} pending), {} due in {} h → {}; {}",
                    h.account,
                    rate(h.month_to_date.rate_percent),
                    h.month_to_date.within_24h,
                    h.month_to_date.received.saturating_sub(h.month_to_date.pending),
                    h.month_to_date.pending,
                    h.due_soon,
                    h.horizon_hours,
                    rate(h.projected_rate_percent),
                    h.status.as_str(),
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    Notification {
        title: format!("Account health, {day}"),
        body,
        fields: Vec::new(),
        links: Vec::new(),
        footer: Some("marketdesk daily digest".into()),
    }
}
