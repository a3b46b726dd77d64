//! Reports under `/v1/reports/…`: computed from day aggregates and open messages
//! (`marketdesk::reports`), never from tickets, so a 30-day report costs the same few requests
//! with 1 000 or 100 000 tickets. Every report answers JSON, or CSV with `format=csv` or
//! `Accept: text/csv`.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use marketdesk::domain::{AccountId, AgentId, Channel};
use marketdesk::reports::csv::{self, Csv};
use marketdesk::reports::forecast::{self, AccountHealth};
use marketdesk::reports::report::{
    self, AgentRow, ClaimReport, DayRate, Filter, FirstResponse, FirstResponseRow, RateFigures,
    RatePeriod, RateRow, ReportData, ResolutionReport, SlaRow, TimeBucket, VolumeReport,
};
use marketdesk::reports::vtr::{self, AccountVtr};
use marketdesk::reports::{facts::Breach, local_day, tenant_time_zone};
use marketdesk::store::{AccountStore, ConfigStore, OrderStore, ReportStore};
use marketdesk::tenant_config::effective_policies;
use serde::{Deserialize, Serialize};

use crate::{AppState, Authenticated, Problem};

/// The longest range one report may cover (each month of it is one Query).
const MAX_DAYS: i64 = 400;
/// Breached tickets listed by the SLA report.
const BREACH_LIMIT: u32 = 200;

/// Filters every report takes.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// First local day, inclusive (`YYYY-MM-DD`; default: `days` before `to`).
    #[serde(default)]
    from: Option<String>,
    /// Last local day, inclusive (`YYYY-MM-DD`; default: today in the tenant's time zone).
    #[serde(default)]
    to: Option<String>,
    /// Days covered when `from` is not given (default 30).
    #[serde(default)]
    days: Option<u32>,
    /// IANA time zone of the days; reports are kept in the tenant's (its working time zone),
    /// which is the default and the only one accepted.
    #[serde(default)]
    tz: Option<String>,
    /// `amazon`, `ebay`, `shopify` or `email`.
    #[serde(default)]
    channel: Option<String>,
    /// A channel account id.
    #[serde(default)]
    account: Option<String>,
    /// An agent (JWT `sub`): the figures of what that agent handled.
    #[serde(default)]
    agent: Option<String>,
    /// `json` (default) or `csv`.
    #[serde(default)]
    format: Option<String>,
}

/// The days and zone a report covers.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportWindow {
    /// The IANA zone days and hours are in.
    pub time_zone: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub generated_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub account: Option<AccountId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub agent: Option<AgentId>,
}

pub(crate) struct Request {
    tz: Tz,
    pub(crate) filter: Filter,
    pub(crate) csv: bool,
    pub(crate) now: DateTime<Utc>,
}

impl Request {
    fn window(&self) -> ReportWindow {
        ReportWindow {
            time_zone: self.tz.name().to_owned(),
            from: self.filter.from,
            to: self.filter.to,
            generated_at: self.now,
            channel: self.filter.channel,
            account: self.filter.account.clone(),
            agent: self.filter.agent.clone(),
        }
    }
}

fn day_param(field: &str, value: &str) -> Result<NaiveDate, Problem> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
        .map_err(|_| Problem::invalid(field, "must be a date YYYY-MM-DD"))
}

fn wants_csv(format: Option<&str>, headers: &HeaderMap) -> Result<bool, Problem> {
    match format.map(str::trim) {
        Some("csv") => Ok(true),
        Some("json") => Ok(false),
        Some(other) => Err(Problem::invalid(
            "format",
            format!("'{other}' is not one of json, csv"),
        )),
        None => Ok(headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/csv"))),
    }
}

pub(crate) async fn request<S: ConfigStore>(
    state: &AppState<S>,
    tenant: &marketdesk::domain::TenantId,
    params: &ReportParams,
    headers: &HeaderMap,
) -> Result<Request, Problem> {
    let now = Utc::now();
    let csv = wants_csv(params.format.as_deref(), headers)?;
    let channel = params
        .channel
        .as_deref()
        .map(|c| {
            c.trim()
                .parse::<Channel>()
                .map_err(|e| Problem::invalid("channel", e))
        })
        .transpose()?;
    let account = params
        .account
        .as_deref()
        .map(|a| AccountId::parse(a.trim()).map_err(|e| Problem::invalid("account", e.to_string())))
        .transpose()?;
    let agent = params
        .agent
        .as_deref()
        .map(|a| AgentId::parse(a.trim()).map_err(|e| Problem::invalid("agent", e.to_string())))
        .transpose()?;
    let days = i64::from(params.days.unwrap_or(30));
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(Problem::invalid(
            "days",
            format!("must be between 1 and {MAX_DAYS}"),
        ));
    }
    let policies = effective_policies(&state.store.policies(tenant).await?).policies;
    let tz = tenant_time_zone(&policies);
    if let Some(asked) = params.tz.as_deref().map(str::trim) {
        let asked: Tz = asked
            .parse()
            .map_err(|_| Problem::invalid("tz", format!("'{asked}' is not an IANA time zone")))?;
        if asked != tz {
            return Err(Problem::invalid(
                "tz",
                format!(
                    "reports are kept by day in the tenant's time zone {}; ask with tz={} or leave tz out",
                    tz.name(),
                    tz.name()
                ),
            ));
        }
    }
    let to = match &params.to {
        Some(t) => day_param("to", t)?,
        None => local_day(now, tz),
    };
    let from = match &params.from {
        Some(f) => day_param("from", f)?,
        None => to - Duration::days(days - 1),
    };
    if from > to {
        return Err(Problem::invalid("from", "must not be after `to`"));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(Problem::invalid(
            "from",
            format!("a report covers at most {MAX_DAYS} days"),
        ));
    }
    Ok(Request {
        tz,
        filter: Filter {
            from,
            to,
            channel,
            account,
            agent,
        },
        csv,
        now,
    })
}

/// The aggregates of `from..=to` and, when asked, the open messages that arrived since `from`.
async fn data<S: ReportStore>(
    state: &AppState<S>,
    tenant: &marketdesk::domain::TenantId,
    tz: Tz,
    from: NaiveDate,
    to: NaiveDate,
    open: bool,
) -> Result<ReportData, Problem> {
    let rows = state.store.report_rows(tenant, from, to).await?;
    let open = if open {
        // Messages of the first day may be filed under it from a few hours before (a DST
        // change, a late arrival): take a safe margin.
        let since = day_start(from, tz) - Duration::hours(3);
        state.store.open_facts(tenant, since).await?
    } else {
        Vec::new()
    };
    Ok(ReportData {
        tz: Some(tz),
        rows,
        open,
        breaches: Vec::new(),
    })
}

pub(crate) fn csv_response(name: &str, body: String) -> Response {
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"{name}.csv\""))
                    .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
            ),
        ],
        body,
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------

/// The share of buyer messages answered within 24 h, Amazon's way.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResponseRateReport {
    pub window: ReportWindow,
    /// The last 7, 30 and 90 days to `to`, each calendar month they touch, and the asked range
    /// (`range`) when `from` was given.
    pub periods: Vec<RatePeriod>,
    /// Each day of the window (`from..=to`) by itself, oldest first: the trend. The counts add
    /// up, so a week's rate is `sum(within_24h) / sum(received - pending)` of its days.
    pub daily: Vec<DayRate>,
    /// The window (`from..=to`) by channel and account.
    pub by_account: Vec<RateRow>,
}

/// Response rate within 24 h: by arrival day, "no response needed" counts as answered, an
/// automatic reply counts on eBay only, messages younger than 24 h are pending (apart).
#[utoipa::path(
    get,
    path = "/v1/reports/response-rate",
    tag = "reports",
    params(ReportParams),
    responses(
        (status = 200, description = "JSON report (CSV with `format=csv` or `Accept: text/csv`)",
            content((ResponseRateReport = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Invalid parameter", body = Problem,
            content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem,
            content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn response_rate<S: ConfigStore + ReportStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Query(params): Query<ReportParams>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let req = request(&state, &caller.tenant, &params, &headers).await?;
    let to = req.filter.to;
    let d90 = to - Duration::days(89);
    let earliest = req.filter.from.min(d90.with_day(1).unwrap_or(d90));
    let data = data(&state, &caller.tenant, req.tz, earliest, to, true).await?;
    let period = |name: String, from: NaiveDate, to: NaiveDate| RatePeriod {
        period: name,
        from,
        to,
        figures: RateFigures::of(
            &data,
            &Filter {
                from,
                to,
                ..req.filter.clone()
            },
            req.now,
        ),
    };
    let mut periods = vec![
        period("last_7_days".into(), to - Duration::days(6), to),
        period("last_30_days".into(), to - Duration::days(29), to),
        period("last_90_days".into(), d90, to),
    ];
    let mut month = d90.with_day(1).unwrap_or(d90);
    while month <= to {
        let next = if month.month() == 12 {
            NaiveDate::from_ymd_opt(month.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(month.year(), month.month() + 1, 1)
        }
        .unwrap_or(to);
        let last = (next - Duration::days(1)).min(to);
        periods.push(period(
            format!("month:{:04}-{:02}", month.year(), month.month()),
            month,
            last,
        ));
        if next <= month {
            break;
        }
        month = next;
    }
    if params.from.is_some() {
        periods.push(period("range".into(), req.filter.from, to));
    }
    let daily = report::daily_rates(&data, &req.filter, req.now);
    let by_account = report::rate_rows(&data, &req.filter, req.now);
    if req.csv {
        return Ok(csv_response(
            "response-rate",
            csv::response_rate(&periods, &daily, &by_account),
        ));
    }
    Ok(Json(ResponseRateReport {
        window: req.window(),
        periods,
        daily,
        by_account,
    })
    .into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FirstResponseReport {
    pub window: ReportWindow,
    /// Every first response of the window (tickets whose first awaited message arrived in it).
    pub overall: FirstResponse,
    /// How the overall first responses spread: counts under 15 min, 1 h, 4 h, 8 h, 24 h, 48 h
    /// and beyond, in calendar and in working time.
    pub distribution: Vec<TimeBucket>,
    pub by_account: Vec<FirstResponseRow>,
}

/// First response time per ticket: average, median and p90, in calendar time and in the
/// working time of the ticket's policy.
#[utoipa::path(
    get,
    path = "/v1/reports/first-response",
    tag = "reports",
    params(ReportParams),
    responses(
        (status = 200, description = "JSON report (CSV with `format=csv`)",
            content((FirstResponseReport = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Invalid parameter", body = Problem,
            content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem,
            content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn first_response<S: ConfigStore + ReportStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Query(params): Query<ReportParams>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let req = request(&state, &caller.tenant, &params, &headers).await?;
    let data = data(
        &state,
        &caller.tenant,
        req.tz,
        req.filter.from,
        req.filter.to,
        false,
    )
    .await?;
    let total = data.total(&req.filter);
    let overall = FirstResponse::of(&total);
    let distribution = report::distribution(&total);
    let by_account = report::first_response_rows(&data, &req.filter);
    if req.csv {
        return Ok(csv_response(
            "first-response",
            csv::first_response(&overall, &by_account),
        ));
    }
    Ok(Json(FirstResponseReport {
        window: req.window(),
        overall,
        distribution,
        by_account,
    })
    .into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SlaHitReport {
    pub window: ReportWindow,
    pub policies: Vec<SlaRow>,
    /// Breached clock cycles, most recent first (at most 200): answered late, or still open
    /// past their deadline (`ended_at` absent).
    pub breached: Vec<Breach>,
}

/// SLA hit rate per policy, with the breached tickets.
#[utoipa::path(
    get,
    path = "/v1/reports/sla",
    tag = "reports",
    params(ReportParams),
    responses(
        (status = 200, description = "JSON report (CSV with `format=csv`)",
            content((SlaHitReport = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Invalid parameter", body = Problem,
            content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem,
            content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn sla<S: ConfigStore + ReportStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Query(params): Query<ReportParams>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let req = request(&state, &caller.tenant, &params, &headers).await?;
    let mut data = data(
        &state,
        &caller.tenant,
        req.tz,
        req.filter.from,
        req.filter.to,
        true,
    )
    .await?;
    data.breaches = state
        .store
        .breaches(&caller.tenant, req.filter.from, req.filter.to, BREACH_LIMIT)
        .await?;
    let sla = report::sla_report(&data, &req.filter, req.now, BREACH_LIMIT as usize);
    if req.csv {
        return Ok(csv_response("sla", sla.csv()));
    }
    Ok(Json(SlaHitReport {
        window: req.window(),
        policies: sla.policies,
        breached: sla.breached,
    })
    .into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VolumeBody {
    pub window: ReportWindow,
    #[serde(flatten)]
    pub volume: VolumeReport,
}

/// Buyer messages by local hour × weekday (heat map), and by day.
#[utoipa::path(
    get,
    path = "/v1/reports/volume",
    tag = "reports",
    params(ReportParams),
    responses(
        (status = 200, description = "JSON report (CSV with `format=csv`)",
            content((VolumeBody = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Invalid parameter", body = Problem,
            content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem,
            content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn volume<S: ConfigStore + ReportStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Query(params): Query<ReportParams>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let req = request(&state, &caller.tenant, &params, &headers).await?;
    let data = data(
        &state,
        &caller.tenant,
        req.tz,
        req.filter.from,
        req.filter.to,
        false,
    )
    .await?;
    let filter = Filter {
        agent: None,
        ..req.filter.clone()
    };
    let volume = report::volume(&data, &filter);
    if req.csv {
        return Ok(csv_response("volume", volume.csv()));
    }
    Ok(Json(VolumeBody {
        window: req.window(),
        volume,
    })
    .into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResolutionBody {
    pub window: ReportWindow,
    #[serde(flatten)]
    pub resolution: ResolutionReport,
}

/// Resolutions within two exchanges (agent replies), by resolution day.
#[utoipa::path(
    get,
    path = "/v1/reports/resolution",
    tag = "reports",
    params(ReportParams),
    responses(
        (status = 200, description = "JSON report (CSV with `format=csv`)",
            content((ResolutionBody = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Invalid parameter", body = Problem,
            content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem,
            content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn resolution<S: ConfigStore + ReportStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Query(params): Query<ReportParams>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let req = request(&state, &caller.tenant, &params, &headers).await?;
    let data = data(
        &state,
        &caller.tenant,
        req.tz,
        req.filter.from,
        req.filter.to,
        false,
    )
    .await?;
    let resolution = report::resolution(&data, &req.filter);
    if req.csv {
        return Ok(csv_response("resolution", resolution.csv()));
    }
    Ok(Json(ResolutionBody {
        window: req.window(),
        resolution,
    })
    .into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClaimBody {
    pub window: ReportWindow,
    #[serde(flatten)]
    pub claims: ClaimReport,
}

/// Claims, chargebacks, item-not-received cases and negative feedback: claims / orders, and
/// conversations that ended in a claim.
#[utoipa::path(
    get,
    path = "/v1/reports/claims",
    tag = "reports",
    params(ReportParams),
    responses(
        (status = 200, description = "JSON report (CSV with `format=csv`)",
            content((ClaimBody = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Invalid parameter", body = Problem,
            content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem,
            content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn claims<S: ConfigStore + ReportStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Query(params): Query<ReportParams>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let req = request(&state, &caller.tenant, &params, &headers).await?;
    let data = data(
        &state,
        &caller.tenant,
        req.tz,
        req.filter.from,
        req.filter.to,
        false,
    )
    .await?;
    let claims = report::claims(&data, &req.filter);
    if req.csv {
        return Ok(csv_response("claims", claims.csv()));
    }
    Ok(Json(ClaimBody {
        window: req.window(),
        claims,
    })
    .into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AgentReport {
    pub window: ReportWindow,
    pub agents: Vec<AgentRow>,
}

/// The per-agent table: answered, within 24 h, no response needed, first response times, SLA,
/// resolutions.
#[utoipa::path(
    get,
    path = "/v1/reports/agents",
    tag = "reports",
    params(ReportParams),
    responses(
        (status = 200, description = "JSON report (CSV with `format=csv`)",
            content((AgentReport = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Invalid parameter", body = Problem,
            content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem,
            content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn agents<S: ConfigStore + ReportStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Query(params): Query<ReportParams>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let req = request(&state, &caller.tenant, &params, &headers).await?;
    let data = data(
        &state,
        &caller.tenant,
        req.tz,
        req.filter.from,
        req.filter.to,
        false,
    )
    .await?;
    let agents = report::agents(&data, &req.filter);
    if req.csv {
        return Ok(csv_response("agents", agents.as_slice().csv()));
    }
    Ok(Json(AgentReport {
        window: req.window(),
        agents,
    })
    .into_response())
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HealthParams {
    /// How far ahead to look for messages whose 24 h run out (1–48, default 4).
    #[serde(default)]
    horizon_hours: Option<u32>,
    /// The tenant's line in percent (default 95; Amazon's 90 % is always checked).
    #[serde(default)]
    line_percent: Option<f64>,
    /// One Amazon account id.
    #[serde(default)]
    account: Option<String>,
    /// `json` (default) or `csv`.
    #[serde(default)]
    format: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccountHealthReport {
    pub time_zone: String,
    pub generated_at: DateTime<Utc>,
    pub accounts: Vec<AccountHealth>,
}

/// Account health of every Amazon account: the month-to-date 24 h rate and what it becomes if
/// the open messages due within `horizon_hours` are missed (the figures of the Slack warning).
#[utoipa::path(
    get,
    path = "/v1/reports/account-health",
    tag = "reports",
    params(HealthParams),
    responses(
        (status = 200, description = "JSON report (CSV with `format=csv`)",
            content((AccountHealthReport = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Invalid parameter", body = Problem,
            content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem,
            content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn account_health<S: ConfigStore + ReportStore + AccountStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Query(params): Query<HealthParams>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let now = Utc::now();
    let csv = wants_csv(params.format.as_deref(), &headers)?;
    let horizon = params
        .horizon_hours
        .unwrap_or(forecast::DEFAULT_HORIZON_HOURS);
    if !(1..=48).contains(&horizon) {
        return Err(Problem::invalid(
            "horizon_hours",
            "must be between 1 and 48",
        ));
    }
    let line = params
        .line_percent
        .unwrap_or(forecast::DEFAULT_TENANT_LINE_PERCENT);
    if !(line.is_finite() && (50.0..=100.0).contains(&line)) {
        return Err(Problem::invalid(
            "line_percent",
            "must be between 50 and 100",
        ));
    }
    let only = params
        .account
        .as_deref()
        .map(|a| AccountId::parse(a.trim()).map_err(|e| Problem::invalid("account", e.to_string())))
        .transpose()?;
    let policies = effective_policies(&state.store.policies(&caller.tenant).await?).policies;
    let tz = tenant_time_zone(&policies);
    let healths = marketdesk::reports::health::account_healths(
        state.store.as_ref(),
        &caller.tenant,
        tz,
        now,
        horizon,
        line,
        only.as_ref(),
    )
    .await?;
    if csv {
        return Ok(csv_response("account-health", healths.as_slice().csv()));
    }
    Ok(Json(AccountHealthReport {
        time_zone: tz.name().to_owned(),
        generated_at: now,
        accounts: healths,
    })
    .into_response())
}

/// Shipped orders read for one VTR report at most (a period this large is truncated).
const VTR_ORDER_LIMIT: usize = 20_000;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VtrReport {
    pub window: ReportWindow,
    pub accounts: Vec<AccountVtr>,
    /// More than the report reads were shipped in the window: the figures cover the oldest
    /// ones; ask for a shorter window.
    pub truncated: bool,
}

/// The VTR watch: per account, the merchant-fulfilled orders shipped in the window (by their
/// last change) without valid tracking — no tracking number, a carrier nobody knows, or no
/// carrier scan within 48 h — the seller-side view of Amazon's Valid Tracking Rate (line
/// 95 %). `agent` does not apply.
#[utoipa::path(
    get,
    path = "/v1/reports/vtr",
    tag = "reports",
    params(ReportParams),
    responses(
        (status = 200, description = "JSON report (CSV with `format=csv`: one row per order \
            without valid tracking)",
            content((VtrReport = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Invalid parameter", body = Problem,
            content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem,
            content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn vtr<S: ConfigStore + OrderStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Query(params): Query<ReportParams>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    if params.agent.is_some() {
        return Err(Problem::invalid(
            "agent",
            "the VTR watch counts shipments, not agents' work",
        ));
    }
    let req = request(&state, &caller.tenant, &params, &headers).await?;
    let since = day_start(req.filter.from, req.tz);
    let until = day_start(req.filter.to + Duration::days(1), req.tz);
    let orders = state
        .store
        .shipped_orders(&caller.tenant, since, VTR_ORDER_LIMIT + 1)
        .await?;
    let truncated = orders.len() > VTR_ORDER_LIMIT;
    let in_window = orders.iter().take(VTR_ORDER_LIMIT).filter(|o| {
        o.updated_at < until
            && req.filter.channel.is_none_or(|c| o.channel == c)
            && req.filter.account.as_ref().is_none_or(|a| &o.account == a)
    });
    let accounts = vtr::watch(in_window, req.now);
    if req.csv {
        return Ok(csv_response("vtr", accounts.as_slice().csv()));
    }
    Ok(Json(VtrReport {
        window: req.window(),
        accounts,
        truncated,
    })
    .into_response())
}

/// The first instant of local day `day` in `tz` (a day whose midnight DST skips starts at its
/// first hour that exists).
fn day_start(day: NaiveDate, tz: Tz) -> DateTime<Utc> {
    (0..3)
        .find_map(|h| day.and_hms_opt(h, 0, 0)?.and_local_timezone(tz).earliest())
        // No hour of the day's first three exists: only for dates out of range.
        .map_or(DateTime::<Utc>::MIN_UTC + Duration::days(1), |d| {
            d.with_timezone(&Utc)
        })
}
