//! Presence on tickets, the inbox's badge counts and quarantine redrive.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use marketdesk::domain::audit::action;
use marketdesk::domain::badges::BadgeCounts;
use marketdesk::domain::{Presence, PresenceState, TicketId, TicketStatus};
use marketdesk::store::{
    InsightStore, PresenceStore, QuarantineRecord, QuarantineStore, StoreError,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{AppState, Authenticated, Problem};

fn parse_ticket_id(id: &str) -> Result<TicketId, Problem> {
    TicketId::parse(id).map_err(|_| Problem::not_found(format!("no ticket {id}")))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PresenceRequest {
    /// `viewing` or `replying`.
    #[schema(value_type = String, example = "replying")]
    pub state: PresenceState,
}

/// A presence heartbeat: the caller is viewing (or replying to) the ticket for the next 30
/// seconds. Send it every ~10 s while the ticket is open; the ticket view lists live
/// presences under `presences`.
#[utoipa::path(
    put,
    path = "/v1/tickets/{id}/presence",
    tag = "tickets",
    params(("id" = String, Path, description = "Ticket id (`tkt_…`)")),
    request_body = PresenceRequest,
    responses(
        (status = 200, description = "The caller's presence", body = Presence,
            example = json!({"ticket": "tkt_01JD2Z…", "agent": "alice", "state": "replying",
                "at": "2026-11-20T10:00:00Z", "expires_at": "2026-11-20T10:00:30Z"})),
        (status = 400, description = "Invalid body", body = Problem,
            content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem,
            content_type = "application/problem+json"),
        (status = 404, description = "No such ticket for this tenant", body = Problem,
            content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn heartbeat<S: PresenceStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Presence>, Problem> {
    let ticket = parse_ticket_id(&id)?;
    let request: PresenceRequest = crate::json::parse_json(&body)?;
    let presence = Presence::heartbeat(ticket, caller.user.clone(), request.state, Utc::now());
    if !state.store.set_presence(&caller.tenant, &presence).await? {
        return Err(Problem::not_found(format!("no ticket {id}")));
    }
    Ok(Json(presence))
}

/// Leaves the ticket: the caller's presence ends now rather than when it lapses.
#[utoipa::path(
    delete,
    path = "/v1/tickets/{id}/presence",
    tag = "tickets",
    params(("id" = String, Path, description = "Ticket id (`tkt_…`)")),
    responses(
        (status = 204, description = "Left (also when the caller was not present)"),
        (status = 401, description = "No valid token", body = Problem,
            content_type = "application/problem+json"),
        (status = 404, description = "No such ticket for this tenant", body = Problem,
            content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn leave<S: PresenceStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    let ticket = parse_ticket_id(&id)?;
    if !state
        .store
        .clear_presence(&caller.tenant, &ticket, &caller.user)
        .await?
    {
        return Err(Problem::not_found(format!("no ticket {id}")));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The inbox badges.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Counts {
    open: BadgeCounts,
    pending: BadgeCounts,
}

/// Badge counts: open and pending tickets, in total and per channel, each split by SLA state
/// (`ok`, `warning`: the internal deadline passed or the last fifth of the window is used,
/// `breached`: the marketplace deadline passed) at the time of the request.
///
/// Cost: one Query of the status index per status, paged through, projecting only the channel
/// and the SLA deadlines. It grows with the number of open and pending tickets (the queue),
/// not with all the tenant's tickets: resolved ones are never read.
#[utoipa::path(
    get,
    path = "/v1/tickets/counts",
    tag = "tickets",
    responses(
        (status = 200, description = "Counts of open and pending tickets, with a content ETag",
            body = Counts,
            headers(("ETag" = String, description = "Send it back as `If-None-Match` to poll")),
            example = json!({
                "open": {"total": 3, "ok": 1, "warning": 1, "breached": 1,
                    "by_channel": {"amazon": {"total": 2, "ok": 0, "warning": 1, "breached": 1},
                                   "ebay": {"total": 1, "ok": 1, "warning": 0, "breached": 0}}},
                "pending": {"total": 0, "ok": 0, "warning": 0, "breached": 0, "by_channel": {}}})),
        (status = 304, description = "Unchanged since the ETag sent as `If-None-Match`"),
        (status = 401, description = "No valid token", body = Problem,
            content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn counts<S: InsightStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    headers: axum::http::HeaderMap,
) -> Result<axum::response::Response, Problem> {
    let now = Utc::now();
    let (open, pending) = tokio::try_join!(
        state
            .store
            .queue_entries(&caller.tenant, TicketStatus::Open),
        state
            .store
            .queue_entries(&caller.tenant, TicketStatus::Pending),
    )?;
    let tally = |entries: &[marketdesk::store::QueueEntry]| {
        BadgeCounts::tally(entries.iter().map(|e| (e.channel, &e.sla)), now)
    };
    let counts = Counts {
        open: tally(&open),
        pending: tally(&pending),
    };
    Ok(crate::preconditions::json_or_not_modified(
        &headers, &counts,
    ))
}

/// Sends a quarantined payload back to the queue of the worker that gave up on it and marks
/// the record redriven (`redriven_at`, `redriven_by`), with an audit entry. A record is
/// redriven once: a second redrive is 409. Workers are idempotent per payload, so a payload
/// that was in fact processed meanwhile is recognised as a duplicate.
#[utoipa::path(
    post,
    path = "/v1/admin/quarantine/{id}/redrive",
    tag = "admin",
    params(("id" = String, Path, description = "Quarantine record id")),
    responses(
        (status = 200, description = "The record, marked redriven", body = QuarantineRecord,
            example = json!({"id": "0c7e8a1e-4c53-4b6e-9d5c-000000000002", "tenant": "demo",
                "at": "2026-11-20T10:00:00Z", "worker": "ingest", "reason": "malformed",
                "detail": "…", "payload": "{…}", "in_dlq": true,
                "redriven_at": "2026-11-20T11:00:00Z", "redriven_by": "admin"})),
        (status = 401, description = "No valid token", body = Problem,
            content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem,
            content_type = "application/problem+json"),
        (status = 404, description = "No such record for this tenant", body = Problem,
            content_type = "application/problem+json"),
        (status = 409, description = "Already redriven", body = Problem,
            content_type = "application/problem+json"),
        (status = 422, description = "The stored payload is truncated: it cannot be redriven",
            body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The queue could not be reached; nothing was marked",
            body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn redrive<S: QuarantineStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    crate::preconditions::require_admin(&caller, "redrive quarantined payloads")?;
    if id.is_empty() || id.len() > 200 || id.contains('#') {
        return Err(Problem::not_found(format!("no quarantine record {id}")));
    }
    let record: QuarantineRecord = state
        .store
        .quarantine_record(&caller.tenant, &id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no quarantine record {id}")))?;
    if record.redriven_at.is_some() {
        return Err(already_redriven(&record));
    }
    if record.payload.len() >= QuarantineRecord::MAX_PAYLOAD {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "payload-truncated",
            "the stored payload was truncated when quarantined; redrive it from the DLQ",
        ));
    }
    let now = Utc::now();
    let entry = crate::audit::entry(
        &caller,
        action::QUARANTINE_REDRIVE,
        &record.id,
        json!({"worker": record.worker, "reason": record.reason}),
        now,
    );
    // Mark first: of two concurrent redrives only one sends.
    let marked = match state
        .store
        .mark_redriven(&record, &caller.user, now, &entry)
        .await
    {
        Ok(marked) => marked,
        Err(StoreError::Conflict { .. }) => return Err(already_redriven(&record)),
        Err(e) => return Err(e.into()),
    };
    if let Err(err) = state.redrive.redrive(&record.worker, &record.payload).await {
        tracing::error!(error = %err, record = %record.id, "redrive failed");
        // Nothing was sent: take the mark back so the admin can retry.
        if let Err(e) = state
            .store
            .unmark_redriven(&record, &caller.user, now)
            .await
        {
            tracing::error!(error = %e, record = %record.id, "redrive mark not taken back");
        }
        return Err(Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            format!("the payload could not be sent back: {err}"),
        ));
    }
    Ok((StatusCode::OK, Json(marked)).into_response())
}

fn already_redriven(record: &QuarantineRecord) -> Problem {
    Problem::new(
        StatusCode::CONFLICT,
        "conflict",
        format!("quarantine record {} was redriven already", record.id),
    )
}
