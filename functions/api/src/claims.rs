//! Claims against the seller (decision 0025): the list with Amazon's clock of each
//! (`GET /v1/claims`), the case file (`GET /v1/claims/{id}`) and the seller's answer and outcome
//! (`PUT /v1/claims/{id}/status`, `If-Match`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use marketdesk::claims::{self, CaseFile, ClaimClock, ClaimOutcome, ClaimRecord, ClaimStatus};
use marketdesk::domain::ClaimId;
use marketdesk::store::{ClaimStore, OrderStore, StoreError, TicketStore};
use serde::{Deserialize, Serialize};

use crate::extract::Query;
use crate::json::parse_json;
use crate::paging::{Listing, page_request};
use crate::preconditions::{if_match, stale, with_etag};
use crate::writes::MAX_REASON_CHARS;
use crate::{AppState, Authenticated, Problem};

/// A claim with Amazon's clock now.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClaimView {
    pub claim: ClaimRecord,
    pub clock: ClaimClock,
}

impl ClaimView {
    pub fn of(claim: ClaimRecord, now: chrono::DateTime<Utc>) -> Self {
        ClaimView {
            clock: claim.clock(now),
            claim,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ClaimParams {
    /// Page size, 1 to 100 (default 25).
    #[serde(default)]
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[serde(default)]
    cursor: Option<String>,
    /// Only claims of this status: `open`, `responded` or `closed`.
    #[serde(default)]
    status: Option<String>,
}

/// The tenant's claims (A-to-z Guarantee claims, chargebacks): open ones first, each status by
/// Amazon's deadline, soonest first, with the clock of each.
#[utoipa::path(
    get,
    path = "/v1/claims",
    operation_id = "list_claims",
    tag = "claims",
    params(ClaimParams),
    responses(
        (status = 200, description = "`items` (claims with their clock) and `next_cursor`",
            body = Listing<ClaimView>),
        (status = 400, description = "Invalid parameter", body = Problem,
            content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem,
            content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list<S: ClaimStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Query(params): Query<ClaimParams>,
) -> Result<Json<Listing<ClaimView>>, Problem> {
    let status = params
        .status
        .as_deref()
        .map(|s| {
            ClaimStatus::parse(s).ok_or_else(|| {
                Problem::invalid("status", format!("'{s}' is not open, responded or closed"))
            })
        })
        .transpose()?;
    let page = page_request(params.limit, params.cursor)?;
    let page = state
        .store
        .claims_page(&caller.tenant, status, &page)
        .await?;
    let now = Utc::now();
    Ok(Json(Listing::from(marketdesk::store::Page {
        items: page
            .items
            .into_iter()
            .map(|c| ClaimView::of(c, now))
            .collect(),
        next: page.next,
    })))
}

/// An id of the key's shape, else 404 without asking the store (no probing).
fn claim_id(id: &str) -> Result<ClaimId, Problem> {
    let not_found = || no_claim(id);
    if id.len() > 120
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(not_found());
    }
    ClaimId::parse(id).map_err(|_| not_found())
}

/// The case file of a claim, what a seller needs when Amazon reviews it: the claim with
/// Amazon's clock, the order, the whole conversation with the buyer (messages oldest first,
/// the team's notes) and its figures (replies before and after the claim, what is still
/// unanswered).
#[utoipa::path(
    get,
    path = "/v1/claims/{id}",
    operation_id = "get_claim",
    tag = "claims",
    params(("id" = String, Path, description = "`{order}_{kind}`, e.g. `114-3941689-8772232_a_to_z`")),
    responses(
        (status = 200, description = "The case file; ETag `\"v{version}\"` of the claim for If-Match", body = CaseFile),
        (status = 401, description = "No valid token", body = Problem,
            content_type = "application/problem+json"),
        (status = 404, description = "No such claim for this tenant", body = Problem,
            content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn get_one<S: ClaimStore + TicketStore + OrderStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let id = claim_id(&id)?;
    let tenant = &caller.tenant;
    let claim = stored_claim(&*state.store, tenant, &id).await?;
    let view = state.store.ticket_view(tenant, &claim.ticket).await?;
    let channel = view.as_ref().map(|v| v.ticket.channel);
    let order = match (channel, &claim.order_id) {
        (Some(channel), Some(order)) => state.store.order(tenant, channel, order).await?,
        _ => None,
    };
    let (messages, notes) = view.map(|v| (v.messages, v.notes)).unwrap_or_default();
    let version = claim.version;
    let file = claims::case_file(claim, order, messages, notes, Utc::now());
    Ok(with_etag(StatusCode::OK, version, &file))
}

/// The seller's answer to the marketplace, or the claim's outcome.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimStatusRequest {
    /// `responded` once the seller answered in Seller Central, `closed` when decided, `open`
    /// to reopen.
    pub status: ClaimStatus,
    /// Only with `closed`.
    #[serde(default)]
    pub outcome: Option<ClaimOutcome>,
    /// What the seller answered or what was decided, up to 500 characters.
    #[serde(default)]
    pub note: Option<String>,
}

/// Record the seller's answer to the marketplace (stops Amazon's clock in marketdesk) or the
/// claim's outcome, with a note; every change is kept in the claim's `changes`.
#[utoipa::path(
    put,
    path = "/v1/claims/{id}/status",
    operation_id = "set_claim_status",
    tag = "claims",
    params(("id" = String, Path, description = "The claim's id"),
        ("If-Match" = String, Header, description = "The claim's ETag, `\"v{version}\"`")),
    request_body(content = ClaimStatusRequest, example = json!({
        "status": "responded", "note": "Tracking with the delivery scan sent in Seller Central"})),
    responses(
        (status = 200, description = "The claim with its clock; the new ETag", body = ClaimView),
        (status = 400, description = "Malformed body, unknown field or bad If-Match", body = Problem,
            content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem,
            content_type = "application/problem+json"),
        (status = 404, description = "No such claim for this tenant", body = Problem,
            content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match: `claim` is the claim as it is now", body = Problem,
            content_type = "application/problem+json"),
        (status = 422, description = "An outcome without `closed`, or a note too long; `field` names it", body = Problem,
            content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem,
            content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn set_status<S: ClaimStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let id = claim_id(&id)?;
    let request: ClaimStatusRequest = parse_json(&body)?;
    let note = request
        .note
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    if note
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_REASON_CHARS)
    {
        return Err(unprocessable(
            "note",
            format!("at most {MAX_REASON_CHARS} characters"),
        ));
    }
    let expected = if_match(&headers, "claim")?;
    let tenant = &caller.tenant;
    let mut claim = stored_claim(&*state.store, tenant, &id).await?;
    let now = Utc::now();
    if claim.version != expected {
        return Ok(stale("claim", claim.version, &ClaimView::of(claim, now)));
    }
    claim
        .change(request.status, request.outcome, note, &caller.user, now)
        .map_err(|e| unprocessable("outcome", e.to_string()))?;
    match state.store.save_claim(&claim, Some(expected)).await {
        Ok(saved) => Ok(with_etag(
            StatusCode::OK,
            saved.version,
            &ClaimView::of(saved, now),
        )),
        Err(StoreError::Conflict { .. }) => {
            let current = stored_claim(&*state.store, tenant, &id).await?;
            Ok(stale(
                "claim",
                current.version,
                &ClaimView::of(current, now),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

fn no_claim(id: &str) -> Problem {
    Problem::not_found(format!("no claim {id}"))
}

/// The tenant's claim `id`, or 404.
async fn stored_claim<S: ClaimStore>(
    store: &S,
    tenant: &marketdesk::domain::TenantId,
    id: &ClaimId,
) -> Result<ClaimRecord, Problem> {
    store
        .claim(tenant, id)
        .await?
        .ok_or_else(|| no_claim(id.as_str()))
}

fn unprocessable(field: &str, detail: String) -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-claim-change",
        detail,
    )
    .with_field(field)
}
