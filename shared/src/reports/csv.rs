//! CSV exports: UTF-8, a header row, RFC 4180 quoting, and cells a spreadsheet would read as a
//! formula (starting with `=`, `+`, `-`, `@`, tab or carriage return) escaped with a leading
//! apostrophe.

use super::forecast::AccountHealth;
use super::report::{
    AgentRow, ClaimReport, DayRate, FirstResponse, FirstResponseRow, RatePeriod, RateRow,
    ResolutionReport, SlaReport, TimeStats, VolumeReport,
};
use super::vtr::AccountVtr;

/// One cell, safe to open in a spreadsheet.
pub fn cell(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// A table as CSV text (CRLF line ends, as RFC 4180 has them).
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    let line = |cells: Vec<String>, out: &mut String| {
        out.push_str(&cells.iter().map(|c| cell(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    };
    line(header.iter().map(|h| (*h).to_owned()).collect(), &mut out);
    for row in rows {
        line(row.clone(), &mut out);
    }
    out
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.2}")).unwrap_or_default()
}

/// A report that has a CSV form.
pub trait Csv {
    fn csv(&self) -> String;
}

const RATE_HEADER: [&str; 9] = [
    "received",
    "within_24h",
    "agent_replies_within_24h",
    "no_response_needed_within_24h",
    "auto_replies_within_24h",
    "late",
    "unanswered_late",
    "pending",
    "rate_percent",
];

fn rate_cells(f: &super::report::RateFigures) -> Vec<String> {
    vec![
        f.received.to_string(),
        f.within_24h.to_string(),
        f.agent_replies_within_24h.to_string(),
        f.no_response_needed_within_24h.to_string(),
        f.auto_replies_within_24h.to_string(),
        f.late.to_string(),
        f.unanswered_late.to_string(),
        f.pending.to_string(),
        pct(f.rate_percent),
    ]
}

/// The response-rate report: its periods, one row per day of arrival (period `day`), then one
/// row per channel and account (period `by_account`).
pub fn response_rate(periods: &[RatePeriod], days: &[DayRate], rows: &[RateRow]) -> String {
    let mut header = vec!["period", "from", "to", "channel", "account"];
    header.extend(RATE_HEADER);
    let mut out: Vec<Vec<String>> = periods
        .iter()
        .map(|p| {
            let mut r = vec![
                p.period.clone(),
                p.from.to_string(),
                p.to.to_string(),
                String::new(),
                String::new(),
            ];
            r.extend(rate_cells(&p.figures));
            r
        })
        .collect();
    out.extend(days.iter().map(|d| {
        let mut r = vec![
            "day".to_owned(),
            d.day.to_string(),
            d.day.to_string(),
            String::new(),
            String::new(),
        ];
        r.extend(rate_cells(&d.figures));
        r
    }));
    let (from, to) = periods
        .iter()
        .find(|p| p.period == "range")
        .or_else(|| periods.iter().find(|p| p.period == "last_30_days"))
        .map(|p| (p.from.to_string(), p.to.to_string()))
        .unwrap_or_default();
    out.extend(rows.iter().map(|row| {
        let mut r = vec![
            "by_account".to_owned(),
            from.clone(),
            to.clone(),
            row.channel.to_string(),
            row.account.to_string(),
        ];
        r.extend(rate_cells(&row.figures));
        r
    }));
    table(&header, &out)
}

fn time_cells(t: &TimeStats) -> Vec<String> {
    vec![
        t.count.to_string(),
        opt(t.average_seconds.map(|s| format!("{s:.1}"))),
        opt(t.median_minutes),
        opt(t.p90_minutes),
        t.median_over_48h.to_string(),
        t.p90_over_48h.to_string(),
    ]
}

pub fn first_response(total: &FirstResponse, rows: &[FirstResponseRow]) -> String {
    let header = [
        "channel",
        "account",
        "clock",
        "count",
        "average_seconds",
        "median_minutes",
        "p90_minutes",
        "median_over_48h",
        "p90_over_48h",
    ];
    let mut out = Vec::new();
    let mut push = |channel: String, account: String, times: &FirstResponse| {
        for (clock, t) in [("calendar", &times.calendar), ("working", &times.working)] {
            let mut r = vec![channel.clone(), account.clone(), clock.to_owned()];
            r.extend(time_cells(t));
            out.push(r);
        }
    };
    push(String::new(), String::new(), total);
    for row in rows {
        push(row.channel.to_string(), row.account.to_string(), &row.times);
    }
    table(&header, &out)
}

impl Csv for SlaReport {
    fn csv(&self) -> String {
        let header = [
            "section",
            "policy",
            "hit",
            "missed",
            "open_breached",
            "hit_rate_percent",
            "ticket",
            "channel",
            "account",
            "started_at",
            "due_at",
            "ended_at",
            "handled_by",
        ];
        let mut rows: Vec<Vec<String>> = self
            .policies
            .iter()
            .map(|p| {
                let mut r = vec![
                    "policy".to_owned(),
                    p.policy.clone(),
                    p.hit.to_string(),
                    p.missed.to_string(),
                    p.open_breached.to_string(),
                    pct(p.hit_rate_percent),
                ];
                r.extend(std::iter::repeat_n(String::new(), 7));
                r
            })
            .collect();
        rows.extend(self.breached.iter().map(|b| {
            let mut r = vec!["breached".to_owned(), b.policy.clone()];
            r.extend(std::iter::repeat_n(String::new(), 4));
            r.extend([
                b.ticket.to_string(),
                b.channel.to_string(),
                b.account.to_string(),
                b.started_at.to_rfc3339(),
                b.due_at.to_rfc3339(),
                opt(b.ended_at.map(|t| t.to_rfc3339())),
                opt(b.handled_by.as_ref()),
            ]);
            r
        }));
        table(&header, &rows)
    }
}

impl Csv for VolumeReport {
    fn csv(&self) -> String {
        let rows: Vec<Vec<String>> = self
            .cells
            .iter()
            .map(|c| {
                vec![
                    c.weekday.to_string(),
                    c.hour.to_string(),
                    c.messages.to_string(),
                ]
            })
            .collect();
        table(&["weekday", "hour", "messages"], &rows)
    }
}

impl Csv for ResolutionReport {
    fn csv(&self) -> String {
        table(
            &[
                "resolved",
                "within_2_exchanges",
                "rate_percent",
                "target_percent",
            ],
            &[vec![
                self.resolved.to_string(),
                self.within_2_exchanges.to_string(),
                pct(self.rate_percent),
                format!("{:.0}", self.target_percent),
            ]],
        )
    }
}

impl Csv for ClaimReport {
    fn csv(&self) -> String {
        let mut rows = vec![
            vec!["claims".to_owned(), self.claims.to_string()],
            vec!["orders".to_owned(), self.orders.to_string()],
            vec![
                "claim_rate_percent".to_owned(),
                pct(self.claim_rate_percent),
            ],
            vec!["conversations".to_owned(), self.conversations.to_string()],
            vec![
                "conversations_ending_in_claim".to_owned(),
                self.conversations_ending_in_claim.to_string(),
            ],
            vec![
                "conversation_claim_rate_percent".to_owned(),
                pct(self.conversation_claim_rate_percent),
            ],
        ];
        rows.extend(
            self.by_kind
                .iter()
                .map(|k| vec![format!("claims:{}", k.kind), k.count.to_string()]),
        );
        table(&["figure", "value"], &rows)
    }
}

impl Csv for [AgentRow] {
    fn csv(&self) -> String {
        let header = [
            "agent",
            "answered",
            "answered_within_24h",
            "no_response_needed",
            "within_24h_percent",
            "first_responses",
            "first_response_average_seconds",
            "first_response_median_minutes",
            "first_response_p90_minutes",
            "working_median_minutes",
            "working_p90_minutes",
            "sla_hit",
            "sla_missed",
            "resolved",
            "resolved_within_2_exchanges",
        ];
        let rows: Vec<Vec<String>> = self
            .iter()
            .map(|a| {
                vec![
                    a.agent.to_string(),
                    a.answered.to_string(),
                    a.answered_within_24h.to_string(),
                    a.no_response_needed.to_string(),
                    pct(a.within_24h_percent),
                    a.first_response.calendar.count.to_string(),
                    opt(a
                        .first_response
                        .calendar
                        .average_seconds
                        .map(|s| format!("{s:.1}"))),
                    opt(a.first_response.calendar.median_minutes),
                    opt(a.first_response.calendar.p90_minutes),
                    opt(a.first_response.working.median_minutes),
                    opt(a.first_response.working.p90_minutes),
                    a.sla_hit.to_string(),
                    a.sla_missed.to_string(),
                    a.resolved.to_string(),
                    a.resolved_within_2_exchanges.to_string(),
                ]
            })
            .collect();
        table(&header, &rows)
    }
}

/// One row per order without valid tracking, after its account's figures; an account whose
/// every shipment is valid has one row with the order cells empty.
impl Csv for [AccountVtr] {
    fn csv(&self) -> String {
        let header = [
            "account",
            "shipped",
            "valid",
            "rate_percent",
            "below_line",
            "channel",
            "order",
            "reason",
            "carrier",
            "tracking_number",
            "shipped_at",
        ];
        let mut rows = Vec::new();
        for a in self {
            let figures = vec![
                a.account.to_string(),
                a.shipped.to_string(),
                a.valid.to_string(),
                pct(a.rate_percent),
                a.below_line.to_string(),
            ];
            if a.invalid.is_empty() {
                rows.push([figures.clone(), vec![String::new(); 6]].concat());
            }
            for o in &a.invalid {
                rows.push(
                    [
                        figures.clone(),
                        vec![
                            o.channel.as_str().to_owned(),
                            o.order.to_string(),
                            o.reason.as_str().to_owned(),
                            o.carrier.clone(),
                            o.tracking_number.clone(),
                            o.shipped_at.to_rfc3339(),
                        ],
                    ]
                    .concat(),
                );
            }
        }
        table(&header, &rows)
    }
}

impl Csv for [AccountHealth] {
    fn csv(&self) -> String {
        let header = [
            "account",
            "month",
            "received",
            "within_24h",
            "pending",
            "rate_percent",
            "horizon_hours",
            "due_soon",
            "projected_rate_percent",
            "tenant_line_percent",
            "amazon_line_percent",
            "status",
        ];
        let rows: Vec<Vec<String>> = self
            .iter()
            .map(|h| {
                vec![
                    h.account.to_string(),
                    h.month.clone(),
                    h.month_to_date.received.to_string(),
                    h.month_to_date.within_24h.to_string(),
                    h.month_to_date.pending.to_string(),
                    pct(h.month_to_date.rate_percent),
                    h.horizon_hours.to_string(),
                    h.due_soon.to_string(),
                    pct(h.projected_rate_percent),
                    format!("{:.1}", h.tenant_line_percent),
                    format!("{:.1}", h.amazon_line_percent),
                    h.status.as_str().to_owned(),
                ]
            })
            .collect();
        table(&header, &rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_escaped_and_quoted_cells_survive() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("-2"), "'-2");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("Müller ✓"), "Müller ✓");
        assert_eq!(cell("12.5"), "12.5");
        let t = table(&["a", "b"], &[vec!["1".into(), "=2".into()]]);
        assert_eq!(t, "a,b\r\n1,'=2\r\n");
    }
}
