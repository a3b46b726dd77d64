//! Inbox and ticket view.

use axum::Json;
use axum::extract::{Path, Query, State};
use marketdesk::domain::{AgentId, TicketId, TicketStatus};
use marketdesk::store::{TicketFilter, TicketQueue, TicketStore};
use serde::{Deserialize, Serialize};

use crate::paging::{Listing, page_request};
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
        (status = 200, description = "`items` (tickets) and `next_cursor`",
            body = Listing<marketdesk::domain::Ticket>),
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
    Query(params): Query<InboxParams>,
) -> Result<Json<Listing<marketdesk::domain::Ticket>>, Problem> {
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
    Ok(Json(page.into()))
}

/// The ticket view.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TicketDetail {
    ticket: marketdesk::domain::Ticket,
    messages: Vec<marketdesk::domain::Message>,
    events: Vec<marketdesk::domain::TicketEvent>,
    notes: Vec<marketdesk::domain::Note>,
    /// Agents viewing or replying now (live heartbeats), most recent first.
    presences: Vec<marketdesk::domain::Presence>,
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
pub async fn view<S: TicketStore>(
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
    let etag = axum::http::HeaderValue::from_str(&crate::writes::etag(view.ticket.version))
        .expect("an ETag is ASCII");
    Ok((
        [(axum::http::header::ETAG, etag)],
        Json(TicketDetail {
            ticket: view.ticket,
            messages: view.messages,
            events: view.events,
            notes: view.notes,
            presences: marketdesk::domain::presence::live(view.presences, chrono::Utc::now()),
        }),
    ))
}
