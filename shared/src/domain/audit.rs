//! The audit log: who changed what, when. Entries are written in the same transaction as the
//! change they record, so the log can neither miss a change nor record one that failed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ulid::Ulid;

/// What was done, as `{resource}.{verb}`; a stable vocabulary that the audit listing filters on.
pub mod action {
    pub const TICKET_ASSIGN: &str = "ticket.assign";
    pub const TICKET_STATUS: &str = "ticket.status";
    pub const TICKET_NO_RESPONSE_NEEDED: &str = "ticket.no_response_needed";
    pub const COMPLIANCE_OVERRIDE: &str = "compliance.override";
    pub const QUARANTINE_REDRIVE: &str = "quarantine.redrive";
    pub const ACCOUNT_CREATE: &str = "account.create";
    pub const ACCOUNT_UPDATE: &str = "account.update";
    pub const ACCOUNT_DELETE: &str = "account.delete";
    pub const TEMPLATE_CHANGE: &str = "template.change";
    pub const POLICY_CHANGE: &str = "policy.change";
    pub const RULE_CHANGE: &str = "rule.change";
    pub const CARRIERS_CHANGE: &str = "carriers.change";
    pub const CARRIERS_DELETE: &str = "carriers.delete";
    pub const REVIEW_REQUESTS_CHANGE: &str = "review_requests.change";
    pub const ORDER_ACTION: &str = "ticket.order_action";
}

/// One entry of a tenant's audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// Time-sortable and unique (ULID of `at`).
    pub id: String,
    pub at: DateTime<Utc>,
    /// Who did it: the agent id from the token, or a worker's name (`escalator`).
    pub actor: String,
    /// See [`action`].
    pub action: String,
    /// What it was done to (`tkt_…`, `acct_…`, a quarantine id).
    pub target: String,
    /// What changed (from/to, the override reason…). Never a secret or a buyer address.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    #[serde(default)]
    pub detail: serde_json::Value,
}

impl AuditEntry {
    pub fn new(
        at: DateTime<Utc>,
        actor: impl Into<String>,
        action: &str,
        target: impl Into<String>,
        detail: serde_json::Value,
    ) -> Self {
        AuditEntry {
            id: Ulid::from_datetime(std::time::SystemTime::from(at)).to_string(),
            at,
            actor: actor.into(),
            action: action.to_owned(),
            target: target.into(),
            detail,
        }
    }
}

/// The months (year, month) an inclusive range touches, newest first: the audit log is
/// partitioned by month, so a range query reads these partitions in this order.
pub fn months_newest_first(from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<(i32, u32)> {
    use chrono::Datelike;
    let mut months = Vec::new();
    if from > to {
        return months;
    }
    let (mut y, mut m) = (to.year(), to.month());
    let (fy, fm) = (from.year(), from.month());
    while (y, m) >= (fy, fm) {
        months.push((y, m));
        if m == 1 {
            y -= 1;
            m = 12;
        } else {
            m -= 1;
        }
    }
    months
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn a_range_across_a_year_end_lists_its_months_newest_first() {
        assert_eq!(
            months_newest_first(at("2025-11-30T00:00:00Z"), at("2026-01-02T00:00:00Z")),
            vec![(2026, 1), (2025, 12), (2025, 11)]
        );
        assert_eq!(
            months_newest_first(at("2026-03-01T00:00:00Z"), at("2026-03-31T00:00:00Z")),
            vec![(2026, 3)]
        );
        assert!(
            months_newest_first(at("2026-04-01T00:00:00Z"), at("2026-03-01T00:00:00Z")).is_empty()
        );
    }

    #[test]
    fn entries_of_one_instant_get_distinct_ids() {
        let t = at("2026-11-20T10:00:00Z");
        let a = AuditEntry::new(
            t,
            "alice",
            action::TICKET_ASSIGN,
            "tkt_1",
            serde_json::json!({}),
        );
        let b = AuditEntry::new(
            t,
            "alice",
            action::TICKET_ASSIGN,
            "tkt_1",
            serde_json::json!({}),
        );
        assert_ne!(a.id, b.id);
    }
}
