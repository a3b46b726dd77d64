//! The audit log: entries recorded with the changes they describe, and the admin's query.
//!
//! A handler that changes something audited builds its entry with [`entry`] and hands it to
//! the store method making the change, which writes it in the same transaction
//! (`marketdesk::adapters::dynamo::audit_put`).

use axum::Json;
use axum::extract::{Query, State};
use chrono::{DateTime, Duration, Utc};
use marketdesk::auth::Caller;
use marketdesk::domain::audit::action;
use marketdesk::domain::{AuditEntry, AuthorKind, TicketEvent, TicketEventKind, TicketId};
use marketdesk::store::{AuditQuery, InsightStore};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::paging::{Listing, page_request};
use crate::preconditions::require_admin;
use crate::{AppState, Authenticated, Problem};

/// Default span of an audit query without `from`.
const DEFAULT_SPAN: Duration = Duration::days(30);
/// Longest range one query may cover: each month of it is a partition to read.
const MAX_SPAN: Duration = Duration::days(366);

/// The audit entry of `caller` doing `action` to `target` at `now`: the one call a handler
/// makes before handing the entry to the store with its change.
pub fn entry(
    caller: &Caller,
    action: &str,
    target: impl Into<String>,
    detail: Value,
    now: DateTime<Utc>,
) -> AuditEntry {
    AuditEntry::new(now, caller.user.as_str(), action, target, detail)
}

/// The audit entries a ticket change's events call for: assignments, status changes and
/// compliance overrides (tags, notes and replies are on the ticket's own timeline).
pub fn entries_for_events(ticket: &TicketId, events: &[TicketEvent]) -> Vec<AuditEntry> {
    events
        .iter()
        .filter_map(|event| {
            let (action, detail) = match &event.kind {
                TicketEventKind::Assigned { from, to } => {
                    (action::TICKET_ASSIGN, json!({"from": from, "to": to}))
                }
                TicketEventKind::StatusChanged { from, to, reason } => (
                    action::TICKET_STATUS,
                    json!({"from": from, "to": to, "reason": reason}),
                ),
                TicketEventKind::NoResponseNeeded { message, reason } => (
                    action::TICKET_NO_RESPONSE_NEEDED,
                    json!({"message": message, "reason": reason}),
                ),
                TicketEventKind::ComplianceOverridden { reason } => {
                    (action::COMPLIANCE_OVERRIDE, json!({"reason": reason}))
                }
                _ => return None,
            };
            let actor = match &event.actor {
                AuthorKind::Agent { agent } => agent.to_string(),
                AuthorKind::Automation { rule } => format!("rule:{rule}"),
                AuthorKind::Buyer => "buyer".into(),
                AuthorKind::System => "system".into(),
            };
            Some(AuditEntry::new(
                event.at,
                actor,
                action,
                ticket.as_str(),
                detail,
            ))
        })
        .collect()
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// RFC 3339 start, inclusive (default: 30 days before `to`).
    #[serde(default)]
    from: Option<String>,
    /// RFC 3339 end, inclusive (default: now). At most 366 days after `from`.
    #[serde(default)]
    to: Option<String>,
    /// Only entries by this actor (an agent id).
    #[serde(default)]
    actor: Option<String>,
    /// Only entries of this action, e.g. `ticket.assign`, `quarantine.redrive`.
    #[serde(default)]
    action: Option<String>,
    /// Page size, 1 to 100 (default 25).
    #[serde(default)]
    limit: Option<u32>,
    /// `next_cursor` of the previous page (same range and filters).
    #[serde(default)]
    cursor: Option<String>,
}

fn instant(field: &str, value: Option<&str>) -> Result<Option<DateTime<Utc>>, Problem> {
    value
        .map(|v| {
            DateTime::parse_from_rfc3339(v)
                .map(|d| d.to_utc())
                .map_err(|e| Problem::invalid(field, format!("'{v}' is not RFC 3339: {e}")))
        })
        .transpose()
}

/// The audit log, newest first, within a time range (across its months), optionally of one
/// actor or action. Each month of the range is one partition; a page reads into the next
/// month only while it is not full. A filtered page may hold fewer items than `limit` while
/// `next_cursor` is set: follow it.
#[utoipa::path(
    get,
    path = "/v1/admin/audit",
    tag = "admin",
    params(AuditParams),
    responses(
        (status = 200, description = "`items` (audit entries) and `next_cursor`",
            body = Listing<AuditEntry>,
            example = json!({"items": [{"id": "01JD2ZC3W8V1X2Y3Z4A5B6C7D8", "at": "2026-11-20T10:00:00Z",
                "actor": "alice", "action": "ticket.assign", "target": "tkt_01JD2Z…",
                "detail": {"from": null, "to": "bob"}}], "next_cursor": null})),
        (status = 400, description = "Invalid parameter", body = Problem,
            content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem,
            content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem,
            content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list<S: InsightStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Query(params): Query<AuditParams>,
) -> Result<Json<Listing<AuditEntry>>, Problem> {
    require_admin(&caller, "read the audit log")?;
    let to = instant("to", params.to.as_deref())?.unwrap_or_else(Utc::now);
    let from = instant("from", params.from.as_deref())?.unwrap_or(to - DEFAULT_SPAN);
    if from > to {
        return Err(Problem::invalid("from", "is after `to`"));
    }
    if to - from > MAX_SPAN {
        return Err(Problem::invalid(
            "from",
            "the range is longer than 366 days",
        ));
    }
    let filter = |field: &str, v: Option<String>| -> Result<Option<String>, Problem> {
        match v.map(|v| v.trim().to_owned()) {
            Some(v) if v.is_empty() || v.len() > 100 => {
                Err(Problem::invalid(field, "must be 1 to 100 chars"))
            }
            other => Ok(other),
        }
    };
    let query = AuditQuery {
        from,
        to,
        actor: filter("actor", params.actor)?,
        action: filter("action", params.action)?,
    };
    let page = page_request(params.limit, params.cursor)?;
    let page = state.store.audit_log(&caller.tenant, &query, &page).await?;
    Ok(Json(page.into()))
}
