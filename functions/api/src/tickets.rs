//! Inbox and ticket view.

use crate::extract::Query;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Utc};
use marketdesk::domain::badges::SlaLevel;
use marketdesk::domain::{AgentId, Order, Ticket, TicketId, TicketStatus};
use marketdesk::store::{
    CustomerStore, HistoryEntry, PageRequest, TicketFilter, TicketQueue, TicketStore,
};
use serde::{Deserialize, Serialize};

use crate::paging::{Listing, page_request};
use crate::preconditions::json_or_not_modified;
use crate::{AppState, Authenticated, Problem};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InboxParams {
    /// `open` (default), `pending` or `resolved`.
    #[serde(default)]
    status: Option<String>,
    /// Page size, 1 to 100 (default 25).
    #[serde(default)]
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[serde(default)]
    cursor: Option<String>,
    /// `amazon`, `ebay`, `shopify` or `email`.
    #[serde(default)]
    channel: Option<String>,
    /// `low`, `normal`, `high` or `urgent`.
    #[serde(default)]
    priority: Option<String>,
    /// e.g. `where_is_my_order`, `return`, `claim`.
    #[serde(default)]
    intent: Option<String>,
    #[serde(default)]
    tag: Option<String>,
    /// An agent id: that agent's queue (of the given status).
    #[serde(default)]
    assignee: Option<String>,
    /// `true`: only tickets whose deadline has passed.
    #[serde(default)]
    overdue: Option<bool>,
}

/// A snake_case enum value of a query parameter, or a problem naming the parameter.
fn enum_param<T: serde::de::DeserializeOwned>(
    field: &str,
    value: Option<&str>,
) -> Result<Option<T>, Problem> {
    value
        .map(|v| {
            serde_json::from_value(serde_json::Value::String(v.to_owned()))
                .map_err(|_| Problem::invalid(field, format!("'{v}' is not a known {field}")))
        })
        .transpose()
}

/// One page of the inbox: tickets of a status, earliest SLA deadline first, optionally of one
/// agent and narrowed by channel, priority, intent, tag or overdue. A narrowed page may hold
/// fewer items than `limit` while `next_cursor` is set: follow it.
#[utoipa::path(
    get,
    path = "/v1/tickets",
    tag = "tickets",
    params(InboxParams),
    responses(
        (status = 200, description = "`items` (tickets) and `next_cursor`, with a content ETag",
            body = Listing<marketdesk::domain::Ticket>,
            headers(("ETag" = String, description = "Send it back as `If-None-Match` to poll"))),
        (status = 304, description = "Unchanged since the ETag sent as `If-None-Match`"),
        (status = 400, description = "Invalid parameter", body = Problem,
            content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem,
            content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn inbox<S: TicketStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    headers: HeaderMap,
    Query(params): Query<InboxParams>,
) -> Result<Response, Problem> {
    let status: TicketStatus = params
        .status
        .as_deref()
        .unwrap_or("open")
        .parse()
        .map_err(|reason: String| Problem::invalid("status", reason))?;
    let page = page_request(params.limit, params.cursor)?;
    let mut filter = TicketFilter {
        channel: enum_param("channel", params.channel.as_deref())?,
        priority: enum_param("priority", params.priority.as_deref())?,
        intent: enum_param("intent", params.intent.as_deref())?,
        tag: params.tag.map(|t| t.trim().to_lowercase()),
        due_before: params.overdue.filter(|o| *o).map(|_| chrono::Utc::now()),
        status: None,
    };
    let queue = match params.assignee {
        Some(agent) => {
            let agent =
                AgentId::parse(agent).map_err(|e| Problem::invalid("assignee", e.to_string()))?;
            // An agent's queue holds every status of theirs.
            filter.status = Some(status);
            TicketQueue::Agent(agent)
        }
        None => TicketQueue::Status(status),
    };
    let page = state
        .store
        .queue_where(&caller.tenant, &queue, &filter, &page)
        .await?;
    let listing: Listing<marketdesk::domain::Ticket> = page.into();
    Ok(json_or_not_modified(&headers, &listing))
}

/// How many entries of the customer's history the view shows (newest first).
const HISTORY_IN_VIEW: u32 = 50;

/// The ticket view.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TicketDetail {
    ticket: Ticket,
    /// Where the ticket stands against its deadlines now.
    sla: SlaSummary,
    messages: Vec<marketdesk::domain::Message>,
    events: Vec<marketdesk::domain::TicketEvent>,
    notes: Vec<marketdesk::domain::Note>,
    /// Agents viewing or replying now (live heartbeats), most recent first.
    presences: Vec<marketdesk::domain::Presence>,
    /// The ticket's order with its items and shipments, if the ticket has one and it is known.
    /// A shipment not delivered whose carrier status (`checked_at`) is older than the
    /// configured age is asked of its carrier first (once per window for every agent, at most
    /// about 1 s; a carrier that does not answer leaves the last known status); every shipment
    /// carries its carrier's public `tracking_url`.
    order: Option<Order>,
    /// The customer's other tickets and orders on every channel, newest first (at most 50).
    customer_history: Vec<HistoryEntry>,
    /// A negative-feedback ticket of an Amazon order: the order's feedback records with their
    /// removal assessment and next step (one more Query, for these tickets only); absent
    /// otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    feedback: Vec<marketdesk::feedback::FeedbackRecord>,
    /// A claim ticket (A-to-z, chargeback): its claims with Amazon's own clock, apart from the
    /// ticket's SLA (one more request, for these tickets only); absent otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    claims: Vec<crate::claims::ClaimView>,
}

/// The SLA state of the view: the level and the time left to the marketplace's deadline.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SlaSummary {
    level: SlaLevel,
    /// Wall-clock seconds to `due_at` (negative once passed); absent when no clock runs.
    remaining_seconds: Option<i64>,
    /// Working seconds left before the deadline: opening hours only for a business clock (so
    /// "2 h left" means two working hours), the same as `remaining_seconds` for a calendar
    /// clock; while paused, the working time the pause kept. Absent when no clock runs.
    remaining_working_seconds: Option<i64>,
    /// `business` (opening hours) or `calendar` (around the clock); absent without a policy.
    clock: Option<&'static str>,
    /// The marketplace's deadline (wall clock); absent while a business clock is paused.
    due_at: Option<DateTime<Utc>>,
    /// The team's own, tighter deadline.
    internal_due_at: Option<DateTime<Utc>>,
    /// When the level turns `warning` (the first warning alert fires then too).
    warning_at: Option<DateTime<Utc>>,
    /// A paused clock (waiting on the buyer) keeps its remaining time.
    paused: bool,
    /// Since when the clock is paused.
    paused_at: Option<DateTime<Utc>>,
}

impl SlaSummary {
    fn of(ticket: &Ticket, now: DateTime<Utc>) -> Self {
        let sla = &ticket.sla;
        let clock_now = sla.paused_at.map_or(now, |p| p.min(now));
        SlaSummary {
            level: SlaLevel::of(sla, now),
            remaining_seconds: sla.due_at.map(|due| (due - clock_now).num_seconds()),
            remaining_working_seconds: sla.working_left(now),
            clock: sla.policy.as_ref().map(|_| {
                if sla.business_hours {
                    "business"
                } else {
                    "calendar"
                }
            }),
            due_at: sla.due_at,
            internal_due_at: sla.internal_due_at,
            warning_at: sla.warning_at,
            paused: sla.paused_at.is_some(),
            paused_at: sla.paused_at,
        }
    }
}

/// Renders the ticket's draft again from `order` (its facts changed) and stores it, on the
/// ticket's version: the account (its reply identity), the tenant's templates, one
/// conditional write. `None` when another write won the race (the next view retries).
async fn redraft<
    S: TicketStore + marketdesk::store::AccountStore + marketdesk::store::ConfigStore,
>(
    store: &S,
    ticket: &Ticket,
    order: Option<&Order>,
    now: DateTime<Utc>,
) -> Result<Option<Ticket>, marketdesk::store::StoreError> {
    let Some(account) = store.account(&ticket.tenant, &ticket.account).await? else {
        return Ok(None);
    };
    let stored = store.tenant_config(&ticket.tenant).await?;
    let config = marketdesk::tenant_config::TenantConfig::from_stored(&stored);
    let mut next = ticket.clone();
    next.draft = marketdesk::drafts::render(ticket, order, &account, &config.templates, now);
    match store.update_ticket(&next).await {
        Ok(written) => Ok(Some(written)),
        Err(marketdesk::store::StoreError::Conflict { .. }) => Ok(None),
        Err(other) => Err(other),
    }
}

/// A ticket with its messages, events and notes.
#[utoipa::path(
    get,
    path = "/v1/tickets/{id}",
    tag = "tickets",
    params(("id" = String, Path, description = "Ticket id (`tkt_…`)")),
    responses(
        (status = 200, description = "`ticket`, `messages`, `events`, `notes`, `presences` (agents viewing or replying now); ETag `\"v{version}\"` for If-Match", body = TicketDetail),
        (status = 401, description = "No valid token", body = Problem,
            content_type = "application/problem+json"),
        (status = 404, description = "No such ticket for this tenant", body = Problem,
            content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn view<
    S: TicketStore
        + CustomerStore
        + marketdesk::store::OrderStore
        + marketdesk::store::AccountStore
        + marketdesk::store::ConfigStore
        + marketdesk::store::FeedbackStore
        + marketdesk::store::ClaimStore,
>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
) -> Result<
    (
        [(axum::http::HeaderName, axum::http::HeaderValue); 1],
        Json<TicketDetail>,
    ),
    Problem,
> {
    // An id that cannot exist is answered like one that does not: no probing.
    let not_found = || Problem::not_found(format!("no ticket {id}"));
    let ticket_id = TicketId::parse(id.as_str()).map_err(|_| not_found())?;
    let view = state
        .store
        .ticket_view(&caller.tenant, &ticket_id)
        .await?
        .ok_or_else(not_found)?;
    // Request 2: the customer's history, whose order entries carry the orders' details.
    let history = state
        .store
        .history(
            &caller.tenant,
            &view.ticket.customer,
            &PageRequest::first(HISTORY_IN_VIEW + 1),
        )
        .await?
        .items;
    let wanted = view.ticket.order.as_ref();
    let mut order = None;
    let mut customer_history = Vec::new();
    for entry in history {
        match entry {
            HistoryEntry::Ticket { ref ticket, .. } if *ticket == view.ticket.id => {}
            HistoryEntry::Order {
                channel,
                order: ref id,
                ref details,
                at,
            } if wanted.is_some_and(|w| w.channel == channel && w.order == *id) => {
                order = details.as_deref().cloned().map(|o| {
                    let key = marketdesk::store::OrderHistoryKey {
                        customer: view.ticket.customer.clone(),
                        at,
                        channel,
                        order: id.clone(),
                    };
                    (key, o)
                });
                customer_history.push(entry);
            }
            other => customer_history.push(other),
        }
    }
    customer_history.truncate(HISTORY_IN_VIEW as usize);
    let now = Utc::now();
    // A stale, undelivered shipment is asked of its carrier (once per window, bounded wait);
    // any failure there leaves the status as stored and the view answers.
    let order = match order {
        Some((key, mut order)) => {
            if let Err(err) = marketdesk::tracking::refresh_order(
                &*state.store,
                &*state.tracking,
                state.tracking_policy,
                &caller.tenant,
                &key,
                &mut order,
                now,
            )
            .await
            {
                tracing::warn!(ticket = %view.ticket.id, error = %err, "tracking refresh not stored");
            }
            Some(order)
        }
        // An order the customer's history does not carry (a notice's ticket: a claim, a
        // feedback, whose customer never ordered through this channel's feed) is read itself.
        None => match wanted {
            Some(w) => {
                state
                    .store
                    .order(&caller.tenant, w.channel, &w.order)
                    .await?
            }
            None => None,
        },
    };
    let mut view = view;
    // Only with the order in hand: a view that could not find it must not blank the draft.
    if order.is_some() && marketdesk::drafts::outdated(&view.ticket, order.as_ref()) {
        match redraft(&*state.store, &view.ticket, order.as_ref(), now).await {
            Ok(Some(ticket)) => view.ticket = ticket,
            Ok(None) => {}
            Err(err) => {
                tracing::warn!(ticket = %view.ticket.id, error = %err, "draft not re-rendered")
            }
        }
    }
    let feedback = match &view.ticket.order {
        Some(o)
            if o.channel == marketdesk::domain::Channel::Amazon
                && view.ticket.risk == Some(marketdesk::domain::Risk::NegativeFeedback) =>
        {
            state.store.order_feedback(&caller.tenant, &o.order).await?
        }
        _ => Vec::new(),
    };
    let claims = ticket_claims(&*state.store, &view.ticket).await?;
    let claims = claims
        .into_iter()
        .map(|c| crate::claims::ClaimView::of(c, now))
        .collect();
    let etag = axum::http::HeaderValue::from_str(&crate::preconditions::etag(view.ticket.version))
        .expect("an ETag is ASCII");
    Ok((
        [(axum::http::header::ETAG, etag)],
        Json(TicketDetail {
            sla: SlaSummary::of(&view.ticket, now),
            ticket: view.ticket,
            messages: view.messages,
            events: view.events,
            notes: view.notes,
            presences: marketdesk::domain::presence::live(view.presences, now),
            order,
            customer_history,
            feedback,
            claims,
        }),
    ))
}

/// The claims of a claim ticket: its order's (one Query), or the one keyed by the ticket when no
/// notice named the order (one GetItem).
async fn ticket_claims<S: marketdesk::store::ClaimStore>(
    store: &S,
    ticket: &Ticket,
) -> Result<Vec<marketdesk::claims::ClaimRecord>, marketdesk::store::StoreError> {
    let Some(kind) = ticket.risk.and_then(marketdesk::claims::ClaimKind::of_risk) else {
        return Ok(Vec::new());
    };
    match &ticket.order {
        Some(order) => store.order_claims(&ticket.tenant, &order.order).await,
        None => {
            let id = marketdesk::claims::claim_id(None, &ticket.id, kind);
            Ok(store
                .claim(&ticket.tenant, &id)
                .await?
                .into_iter()
                .collect())
        }
    }
}
