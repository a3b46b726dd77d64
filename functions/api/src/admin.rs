//! Admin views of what the workers could not process.

use crate::extract::Query;
use axum::Json;
use axum::extract::State;
use marketdesk::store::{QuarantineRecord, QuarantineStore};
use serde::Deserialize;

use crate::paging::{Listing, page_request};
use crate::preconditions::require_admin;
use crate::{AppState, Authenticated, Problem};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QuarantineParams {
    /// Page size, 1 to 100 (default 25).
    #[serde(default)]
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[serde(default)]
    cursor: Option<String>,
}

/// Payloads the workers quarantined (malformed, unreadable, or out of retries and left in the
/// DLQ), newest first, each with its reason and the payload as received.
#[utoipa::path(
    get,
    path = "/v1/admin/quarantine",
    tag = "admin",
    params(QuarantineParams),
    responses(
        (status = 200, description = "`items` (quarantine records) and `next_cursor`",
            body = Listing<QuarantineRecord>,
            example = json!({"items": [{"id": "0c7e8a1e-4c53-4b6e-9d5c-000000000002", "tenant": "demo",
                "at": "2026-11-20T10:00:00Z", "worker": "ingest", "reason": "unreadable_mail",
                "detail": "unreadable e-mail: message has no From address", "payload": "{…}",
                "in_dlq": false}], "next_cursor": null})),
        (status = 400, description = "Invalid parameter", body = Problem,
            content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem,
            content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem,
            content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn quarantine<S: QuarantineStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Query(params): Query<QuarantineParams>,
) -> Result<Json<Listing<QuarantineRecord>>, Problem> {
    require_admin(&caller, "read quarantined payloads")?;
    let page = page_request(params.limit, params.cursor)?;
    let page = state.store.quarantined(&caller.tenant, &page).await?;
    Ok(Json(page.into()))
}
