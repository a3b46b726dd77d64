//! Amazon review requests (decision 0022): the tenant's settings, admins only
//! (`GET/PUT /v1/admin/review-requests`), and what became of the requests
//! (`GET /v1/reports/review-requests`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use marketdesk::domain::audit::action;
use marketdesk::review_requests::ReviewRequestSettings;
use marketdesk::store::{ConfigStore, ReviewCounts, ReviewRequestStore, StoreError, Stored};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::audit::entry;
use crate::json::parse_json;
use crate::preconditions::{if_match, require_admin, stale, with_etag};
use crate::reports::{ReportParams, csv_response, request};
use crate::{AppState, Authenticated, Problem};

/// The settings as stored (or the defaults: off), with who changed them last.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewRequestSettingsView {
    pub settings: ReviewRequestSettings,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
}

fn view(record: Option<&Stored<ReviewRequestSettings>>) -> ReviewRequestSettingsView {
    ReviewRequestSettingsView {
        settings: record.map(|r| r.entry.clone()).unwrap_or_default(),
        version: record.map(|r| r.version),
        updated_at: record.map(|r| r.updated_at),
        updated_by: record.map(|r| r.updated_by.to_string()),
    }
}

fn answer(record: Option<&Stored<ReviewRequestSettings>>) -> Response {
    let body = view(record);
    match record {
        Some(r) => with_etag(StatusCode::OK, r.version, &body),
        None => (StatusCode::OK, Json(body)).into_response(),
    }
}

/// The tenant's review-request settings (admins); the defaults (off) when it saved none.
#[utoipa::path(
    get,
    path = "/v1/admin/review-requests",
    operation_id = "get_review_request_settings",
    tag = "admin",
    responses(
        (status = 200, description = "The settings; the `ETag` once the tenant saved any", body = ReviewRequestSettingsView),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn get<S: ReviewRequestStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
) -> Result<Response, Problem> {
    require_admin(&caller, "manage review requests")?;
    let record = state.store.review_settings(&caller.tenant).await?;
    Ok(answer(record.as_ref()))
}

/// Replace the tenant's review-request settings (admins): the first time without `If-Match`,
/// then with the settings' ETag. Orders delivered from now on are scheduled by them.
#[utoipa::path(
    put,
    path = "/v1/admin/review-requests",
    operation_id = "put_review_request_settings",
    tag = "admin",
    params(("If-Match" = Option<String>, Header, description = "The settings' ETag, `\"v{version}\"`; required once the tenant saved settings")),
    request_body(content = ReviewRequestSettings, example = json!({
        "enabled": true,
        "marketplaces": ["APJ6JRA9NG5V4"],
        "days_after_delivery": 7,
        "skip": {"open_ticket": true, "claim": true, "return_or_refund": true, "negative_feedback": true}})),
    responses(
        (status = 200, description = "The settings; the new `ETag`", body = ReviewRequestSettingsView),
        (status = 400, description = "Malformed body or unknown field", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match: `review_requests` is the current settings", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A setting breaks a rule, `field` names it", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing while settings are stored", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn put<S: ReviewRequestStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    require_admin(&caller, "manage review requests")?;
    let settings: ReviewRequestSettings = parse_json(&body)?;
    settings
        .validate(|id| marketdesk::inbound_mail::marketplace_by_id(id).is_some())
        .map_err(|e| {
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-review-request-settings",
                e.reason,
            )
            .with_field(&e.field)
        })?;
    let tenant = &caller.tenant;
    let current = state.store.review_settings(tenant).await?;
    let expected = match (&current, headers.contains_key(header::IF_MATCH)) {
        (Some(_), _) | (None, true) => Some(if_match(&headers, "review-request settings")?),
        (None, false) => None,
    };
    if current.as_ref().map(|c| c.version) != expected {
        return Ok(stale_answer(current.as_ref()));
    }
    let now = Utc::now();
    let audit = entry(
        &caller,
        action::REVIEW_REQUESTS_CHANGE,
        "review-requests",
        json!({
            "from": current.as_ref().map(|c| &c.entry),
            "to": &settings,
        }),
        now,
    );
    match state
        .store
        .save_review_settings(tenant, &settings, expected, &audit, &caller.user, now)
        .await
    {
        Ok(saved) => Ok(answer(Some(&saved))),
        Err(StoreError::Conflict { .. }) => {
            let current = state.store.review_settings(tenant).await?;
            Ok(stale_answer(current.as_ref()))
        }
        Err(e) => Err(e.into()),
    }
}

fn stale_answer(current: Option<&Stored<ReviewRequestSettings>>) -> Response {
    stale(
        "review_requests",
        current.map_or(0, |c| c.version),
        &view(current),
    )
}

/// What became of the review requests of a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewRequestReport {
    /// First and last day covered, inclusive; review requests are counted by UTC day.
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub generated_at: DateTime<Utc>,
    /// Sent, failed, skipped by the tenant's rules (by reason) and not eligible (by reason).
    pub counts: ReviewCounts,
}

impl ReviewRequestReport {
    /// One row per outcome and reason: `outcome,reason,count`.
    fn csv(&self) -> String {
        let mut out = String::from("outcome,reason,count\n");
        let c = &self.counts;
        out.push_str(&format!("sent,,{}\nfailed,,{}\n", c.sent, c.failed));
        for (outcome, reasons) in [("skipped", &c.skipped), ("not_eligible", &c.not_eligible)] {
            for (reason, count) in reasons {
                out.push_str(&format!("{outcome},{reason},{count}\n"));
            }
        }
        out
    }
}

/// Review requests sent, failed, skipped (by reason) and not eligible (by reason).
#[utoipa::path(
    get,
    path = "/v1/reports/review-requests",
    operation_id = "review_requests_report",
    tag = "reports",
    params(ReportParams),
    responses(
        (status = 200, description = "JSON report (CSV with `format=csv` or `Accept: text/csv`)",
            content((ReviewRequestReport = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Invalid parameter", body = Problem,
            content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem,
            content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn report<S: ConfigStore + ReviewRequestStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Query(params): Query<ReportParams>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let req = request(&state, &caller.tenant, &params, &headers).await?;
    let (from, to) = (req.filter.from, req.filter.to);
    let counts = state.store.review_counts(&caller.tenant, from, to).await?;
    let report = ReviewRequestReport {
        from,
        to,
        generated_at: req.now,
        counts,
    };
    if req.csv {
        return Ok(csv_response("review-requests", report.csv()));
    }
    Ok(Json(report).into_response())
}
