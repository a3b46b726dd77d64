//! Ticket writes: the reply (rendered, compliance-checked, collision-protected, queued) and the
//! agent's edits (note, assignee, status, tags), each guarded by the ticket's version.
//!
//! A reply carries `expected_version` in its body; the edits carry it as `If-Match: "v{n}"`.
//! Every accepted change is one DynamoDB transaction conditional on that version
//! ([`TicketStore::write_ticket`]), so two agents can never both win against one version.

use std::collections::{BTreeMap, BTreeSet};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use marketdesk::auth::{Caller, Role};
use marketdesk::compliance::{self, CheckRequest, Rule, Verdict};
use marketdesk::domain::{
    AgentId, AuthorKind, DeliveryState, Direction, EventId, Message, MessageId, Note, NoteId,
    Order, TenantId, Ticket, TicketEvent, TicketEventKind, TicketId, TicketStatus,
};
use marketdesk::ingest::plan::rebuild_sla_with;
use marketdesk::outbound::OutboundMessage;
use marketdesk::reports::{Handling, Recorder, ReportWrite, TicketFacts};
use marketdesk::sla::{ClockEvent, ClockEventKind, PolicyContext, SlaPolicy, select_policy};
use marketdesk::store::{
    ConfigStore, OrderStore, ReportStore, StoreError, TicketStore, TicketView, TicketWrite,
};
use marketdesk::templates::{self, Placeholder, RenderContext, Template, TemplateId};
use marketdesk::tenant_config::{effective_policies, effective_template};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::preconditions::{etag, if_match, stale};
use crate::{AppState, Authenticated, Problem};

/// Longest reply or note body, in chars (eBay takes 2 000; e-mail replies may be longer).
pub const MAX_BODY_CHARS: usize = 20_000;
/// Longest override or status reason, in chars.
pub const MAX_REASON_CHARS: usize = 500;
pub const MAX_TAGS: usize = 30;
pub const MAX_TAG_CHARS: usize = 50;

/// The 202 answer to a reply.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReplyAccepted {
    /// The stored outbound message.
    message: Message,
    /// The message's delivery, `queued` until the sender reports.
    delivery: Option<DeliveryState>,
    /// The ticket's version after the reply (also its ETag).
    ticket_version: u64,
    /// Non-blocking (`warn`) findings, or the overridden blocking ones.
    #[schema(value_type = Vec<crate::compliance::FindingSchema>)]
    findings: Vec<compliance::Finding>,
}

/// The answer to an edit: the ticket after it, and the note a note request added.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Edited {
    ticket: Ticket,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<Note>,
}

fn etag_header(version: u64) -> [(header::HeaderName, HeaderValue); 1] {
    let value = HeaderValue::from_str(&etag(version)).expect("an ETag is ASCII");
    [(header::ETAG, value)]
}

/// An id that cannot exist is answered like one that does not: no probing.
fn parse_ticket_id(id: &str) -> Result<TicketId, Problem> {
    TicketId::parse(id).map_err(|_| Problem::not_found(format!("no ticket {id}")))
}

fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, Problem> {
    crate::json::parse_json(body)
}

/// A free-text field: not blank, at most `max` chars, no control characters but newlines.
fn text(field: &str, value: &str, max: usize) -> Result<String, Problem> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Problem::invalid(field, "must not be blank"));
    }
    if value.chars().count() > max {
        return Err(Problem::invalid(
            field,
            format!("is longer than {max} chars"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(Problem::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(value.to_owned())
}

fn event(
    ticket: &TicketId,
    caller: &Caller,
    now: DateTime<Utc>,
    kind: TicketEventKind,
) -> TicketEvent {
    TicketEvent {
        id: EventId::generate(now),
        ticket: ticket.clone(),
        at: now,
        actor: AuthorKind::Agent {
            agent: caller.user.clone(),
        },
        kind,
    }
}

// ---------------------------------------------------------------------------------------------
// Reply

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyRequest {
    /// The reply's text; exactly one of `body` and `template`.
    #[serde(default)]
    body: Option<String>,
    /// A template id (`wismo_live`): the tenant's template of that id, else the starter one.
    /// Its placeholders are filled from the ticket, `values` and, when those leave some
    /// unfilled, the ticket's order (products, amount, tracking, delivery date); its language
    /// is `language`, else the buyer's (the ticket's `language`), else English.
    #[serde(default)]
    template: Option<String>,
    /// Values for placeholders, by token without brackets (`{"TRACKING": "1Z…"}`).
    #[serde(default)]
    #[schema(value_type = Object)]
    values: BTreeMap<Placeholder, String>,
    /// The reply's language (`it`); else the buyer's last message's (the ticket's `language`),
    /// else detected.
    #[serde(default)]
    language: Option<String>,
    /// The ticket version the reply was written against.
    expected_version: u64,
    /// Admins only: send despite blocking compliance findings; audited.
    #[serde(default)]
    override_reason: Option<String>,
}

/// The reply's text and the language it is in, before the compliance check.
struct Draft {
    body: String,
    language: Option<String>,
}

/// The reply's text from its body, or from `template` (the tenant's, or the starter one it
/// resolved to) filled from `ticket`, its `order` when read, and the request's values.
fn draft(
    request: &ReplyRequest,
    ticket: &Ticket,
    order: Option<&Order>,
    buyer_language: Option<String>,
    template: Option<&Template>,
) -> Result<Draft, Box<Response>> {
    let language = request.language.clone().or(buyer_language);
    match (&request.body, template) {
        (Some(body), None) => Ok(Draft {
            body: text("body", body, MAX_BODY_CHARS).map_err(|p| Box::new(p.into_response()))?,
            language,
        }),
        (None, Some(template)) => {
            let mut ctx = RenderContext::for_ticket(ticket, order, chrono_tz::UTC);
            ctx.values = request.values.clone();
            let rendered = template
                .render(
                    language.as_deref().unwrap_or(templates::FALLBACK_LANGUAGE),
                    &ctx,
                )
                .map_err(|e| Box::new(Problem::invalid("values", e.to_string()).into_response()))?;
            if !rendered.missing.is_empty() {
                let names: Vec<&str> = rendered.missing.iter().map(|p| p.token()).collect();
                return Err(Box::new(
                    Problem::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "unfilled-placeholder",
                        format!("no value for {}", names.join(", ")),
                    )
                    .with_field("values")
                    .with_members(json!({ "missing": rendered.missing })),
                ));
            }
            Ok(Draft {
                body: rendered.body,
                language: Some(rendered.language),
            })
        }
        _ => Err(Box::new(
            Problem::invalid("body", "give exactly one of body and template").into_response(),
        )),
    }
}

/// Whether `template` leaves placeholders unfilled from the ticket and the agent's values alone.
fn needs_order(
    template: &Template,
    ticket: &Ticket,
    request: &ReplyRequest,
    buyer_language: Option<&str>,
) -> bool {
    let language = request
        .language
        .as_deref()
        .or(buyer_language)
        .unwrap_or(templates::FALLBACK_LANGUAGE);
    let mut ctx = RenderContext::for_ticket(ticket, None, chrono_tz::UTC);
    ctx.values = request.values.clone();
    template
        .render(language, &ctx)
        .is_ok_and(|rendered| !rendered.missing.is_empty())
}

/// What the reply's version missed: at most the last `current − expected` messages (every
/// message bumps the version once; other edits bump it too, so this may list an older one).
fn conflict_response(view: &TicketView, expected: u64) -> Response {
    let missed = view.ticket.version.saturating_sub(expected) as usize;
    let mut recent: Vec<&Message> = view.messages.iter().collect();
    recent.sort_by_key(|m| m.received_at);
    let since = &recent[recent.len().saturating_sub(missed)..];
    let buyer: Vec<&&Message> = since
        .iter()
        .filter(|m| m.direction == Direction::Inbound)
        .collect();
    let replies: Vec<&&Message> = since
        .iter()
        .filter(|m| m.direction == Direction::Outbound)
        .collect();
    let mut response = Problem::new(
        StatusCode::CONFLICT,
        "version-conflict",
        format!(
            "the ticket is at version {}, the reply was written against {expected}; \
             read what changed and confirm",
            view.ticket.version
        ),
    )
    .with_field("expected_version")
    .with_members(json!({
        "ticket": view.ticket,
        "changes": { "buyer_messages": buyer, "replies": replies },
    }));
    if let Ok(value) = HeaderValue::from_str(&etag(view.ticket.version)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

fn blocked(verdict: &Verdict) -> Response {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "compliance-blocked",
        "the reply breaks the channel's rules; see findings",
    )
    .with_field("body")
    .with_members(json!({
        "verdict": verdict.verdict, "language": verdict.language, "findings": verdict.findings,
    }))
}

/// Queue a reply: rendered, checked, accepted only at `expected_version`.
#[utoipa::path(
    post,
    path = "/v1/tickets/{id}/replies",
    tag = "tickets",
    params(("id" = String, Path, description = "Ticket id (`tkt_…`)")),
    request_body = ReplyRequest,
    responses(
        (status = 202, description = "`message` (delivery `queued`) and `ticket_version`; ETag of the ticket", body = ReplyAccepted),
        (status = 400, description = "Invalid request", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`override_reason` from a non-admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket for this tenant", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The ticket changed since `expected_version`: `ticket` and `changes`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Blocking compliance `findings`, or `missing` placeholders", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Store unavailable: nothing was saved", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn reply<S: TicketStore + ConfigStore + OrderStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, Problem> {
    let now = Utc::now();
    let ticket_id = parse_ticket_id(&id)?;
    let request: ReplyRequest = parse_body(&body)?;
    let override_reason = match &request.override_reason {
        None => None,
        Some(_) if caller.role != Role::Admin => {
            return Err(Problem::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "only an admin may override compliance findings",
            )
            .with_field("override_reason"));
        }
        Some(reason) => Some(text("override_reason", reason, MAX_REASON_CHARS)?),
    };
    if request.body.is_some() == request.template.is_some() {
        return Err(Problem::invalid(
            "body",
            "give exactly one of body and template",
        ));
    }
    let no_ticket = || Problem::not_found(format!("no ticket {id}"));
    // Request 1. With a template: the ticket (which knows the buyer's language) and the
    // tenant's template of that id in one BatchGetItem (the starter one when the tenant has
    // none). With a body: the ticket and its conversation.
    let (ticket, view, template) = match (&request.template, &request.body) {
        (Some(name), None) => {
            let unknown = || Problem::invalid("template", format!("no template '{name}'"));
            let template_id = TemplateId::parse(name.as_str()).map_err(|_| unknown())?;
            let found = state
                .store
                .reply_context(&caller.tenant, &ticket_id, &template_id)
                .await?;
            let ticket = found.ticket.ok_or_else(no_ticket)?;
            let template = effective_template(found.template, name)
                .ok_or_else(unknown)?
                .template;
            (ticket, None, Some(template))
        }
        _ => {
            let view = state
                .store
                .ticket_view(&caller.tenant, &ticket_id)
                .await?
                .ok_or_else(no_ticket)?;
            (view.ticket.clone(), Some(view), None)
        }
    };
    let buyer_language = view
        .as_ref()
        .and_then(|v| {
            v.messages
                .iter()
                .rev()
                .find(|m| m.direction == Direction::Inbound)
                .and_then(|m| m.language.clone())
        })
        .or_else(|| ticket.language.clone());
    // A template the ticket and the agent's values cannot fill reads the ticket's order (a third
    // request, on this path only): products, amounts, tracking and delivery dates come from it.
    let order = match (&template, &ticket.order) {
        (Some(t), Some(r)) if needs_order(t, &ticket, &request, buyer_language.as_deref()) => {
            state
                .store
                .order(&caller.tenant, r.channel, &r.order)
                .await?
        }
        _ => None,
    };
    let draft = match draft(
        &request,
        &ticket,
        order.as_ref(),
        buyer_language,
        template.as_ref(),
    ) {
        Ok(d) => d,
        Err(response) => return Ok(*response),
    };
    let verdict = compliance::check(&CheckRequest {
        channel: ticket.channel,
        marketplace: None,
        language: draft.language.clone(),
        body: draft.body.clone(),
    });
    let mut events = Vec::new();
    if verdict.is_blocked() {
        // An unfilled placeholder would reach the buyer as "[TRACKING]": never overridable.
        let unfilled = verdict
            .findings
            .iter()
            .any(|f| f.rule == Rule::TemplateUnfilledPlaceholder);
        match override_reason {
            Some(reason) if !unfilled => events.push(event(
                &ticket_id,
                &caller,
                now,
                TicketEventKind::ComplianceOverridden { reason },
            )),
            _ => return Ok(blocked(&verdict)),
        }
    }
    if ticket.version != request.expected_version {
        // What changed is shown from the conversation (a further Query on this path only).
        let view = match view {
            Some(view) => view,
            None => state
                .store
                .ticket_view(&caller.tenant, &ticket_id)
                .await?
                .ok_or_else(no_ticket)?,
        };
        return Ok(conflict_response(&view, request.expected_version));
    }

    let message = Message::queued_reply(
        &ticket_id,
        AuthorKind::Agent {
            agent: caller.user.clone(),
        },
        draft.body,
        verdict.language.clone(),
        now,
    );
    let mut ticket = ticket;
    ticket.updated_at = now;
    // The agent has answered: a rule's suggestion for this turn is spent (the next buyer
    // message runs the rules again). Cleared in the reply's own write.
    ticket.suggested_draft = None;
    // Sent as is or edited, the ready draft has served.
    ticket.draft = None;
    // Request 2: message, events and ticket in one transaction on the version.
    let written = state
        .store
        .write_ticket(&TicketWrite {
            ticket,
            messages: vec![message.clone()],
            audit: crate::audit::entries_for_events(&ticket_id, &events),
            events,
            notes: Vec::new(),
            // Recorded for reports when the sender delivers it.
            report: Default::default(),
        })
        .await;
    let written = match written {
        Ok(t) => t,
        Err(StoreError::Conflict { .. }) => {
            // Lost the race after reading: show what won (a third request, on this path only).
            return Ok(
                match state.store.ticket_view(&caller.tenant, &ticket_id).await? {
                    Some(current) => conflict_response(&current, request.expected_version),
                    None => Problem::not_found(format!("no ticket {id}")).into_response(),
                },
            );
        }
        Err(e) => return Err(e.into()),
    };
    let queued = OutboundMessage {
        tenant: caller.tenant.clone(),
        ticket: ticket_id.clone(),
        message: message.id.clone(),
    };
    // The reply is stored as queued, so it is accepted either way: when the queue refuses it
    // now, the sender's outbox sweep queues it within minutes.
    if let Err(e) = state.outbound.enqueue(&queued).await {
        tracing::error!(error = %e, "reply stored but not queued; the outbox sweep will queue it");
    }
    let body = ReplyAccepted {
        delivery: message.delivery.clone(),
        message,
        ticket_version: written.version,
        findings: verdict.findings,
    };
    Ok((
        StatusCode::ACCEPTED,
        etag_header(written.version),
        axum::Json(body),
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------------
// Edits guarded by If-Match

/// What an edit produces from the current ticket.
struct Edit {
    ticket: Ticket,
    events: Vec<TicketEvent>,
    notes: Vec<Note>,
}

/// Reads the ticket (404 for another tenant's), checks `If-Match`, applies `change` and writes
/// it in one conditional transaction: two requests. `change` returning `None` changes nothing.
async fn edit<S: TicketStore>(
    state: &AppState<S>,
    tenant: &TenantId,
    id: &str,
    headers: &HeaderMap,
    status: StatusCode,
    change: impl FnOnce(Ticket) -> Option<Edit>,
) -> Result<Response, Problem> {
    let ticket_id = parse_ticket_id(id)?;
    let expected = if_match(headers, "ticket")?;
    let current = state
        .store
        .ticket(tenant, &ticket_id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no ticket {id}")))?;
    if current.version != expected {
        return Ok(stale("ticket", current.version, &current));
    }
    let Some(edit) = change(current.clone()) else {
        return Ok((
            StatusCode::OK,
            etag_header(current.version),
            axum::Json(Edited {
                ticket: current,
                note: None,
            }),
        )
            .into_response());
    };
    let note = edit.notes.first().cloned();
    let written = state
        .store
        .write_ticket(&TicketWrite {
            audit: crate::audit::entries_for_events(&ticket_id, &edit.events),
            ticket: edit.ticket,
            messages: Vec::new(),
            events: edit.events,
            notes: edit.notes,
            report: Default::default(),
        })
        .await;
    match written {
        Ok(ticket) => {
            let etag = etag_header(ticket.version);
            Ok((status, etag, axum::Json(Edited { ticket, note })).into_response())
        }
        Err(StoreError::Conflict { .. }) => match state.store.ticket(tenant, &ticket_id).await? {
            Some(now_current) => Ok(stale("ticket", now_current.version, &now_current)),
            None => Err(Problem::not_found(format!("no ticket {id}"))),
        },
        Err(e) => Err(e.into()),
    }
}

/// [`edit`] for changes that report facts follow (resolutions, "no response needed"): the
/// ticket and its report item are read in one BatchGetItem and written with the ticket in its
/// transaction — still two requests.
async fn edit_with_facts<S: TicketStore + ReportStore>(
    state: &AppState<S>,
    tenant: &TenantId,
    id: &str,
    headers: &HeaderMap,
    change: impl FnOnce(Ticket, Option<TicketFacts>) -> Result<Option<(Edit, ReportWrite)>, Problem>,
) -> Result<Response, Problem> {
    let ticket_id = parse_ticket_id(id)?;
    let expected = if_match(headers, "ticket")?;
    let (current, facts) = state.store.ticket_with_facts(tenant, &ticket_id).await?;
    let current = current.ok_or_else(|| Problem::not_found(format!("no ticket {id}")))?;
    if current.version != expected {
        return Ok(stale("ticket", current.version, &current));
    }
    let Some((edit, report)) = change(current.clone(), facts)? else {
        return Ok((
            StatusCode::OK,
            etag_header(current.version),
            axum::Json(Edited {
                ticket: current,
                note: None,
            }),
        )
            .into_response());
    };
    let written = state
        .store
        .write_ticket(&TicketWrite {
            audit: crate::audit::entries_for_events(&ticket_id, &edit.events),
            ticket: edit.ticket,
            messages: Vec::new(),
            events: edit.events,
            notes: edit.notes,
            report,
        })
        .await;
    match written {
        Ok(ticket) => {
            let etag = etag_header(ticket.version);
            Ok((
                StatusCode::OK,
                etag,
                axum::Json(Edited { ticket, note: None }),
            )
                .into_response())
        }
        // The ticket or its report item changed in between: the client re-reads and retries.
        Err(StoreError::Conflict { .. }) => match state.store.ticket(tenant, &ticket_id).await? {
            Some(now_current) => Ok(stale("ticket", now_current.version, &now_current)),
            None => Err(Problem::not_found(format!("no ticket {id}"))),
        },
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoResponseNeededRequest {
    /// One buyer message (`msg_…`) that needs no answer; without it, every message of the
    /// ticket still awaiting an answer.
    #[serde(default)]
    message: Option<String>,
    /// Why, for the audit log.
    #[serde(default)]
    reason: Option<String>,
}

/// Mark the ticket's open buyer messages (or one of them) as needing no response, as Seller
/// Central offers: they count as handled in the 24 h response rate (on the day each arrived),
/// the SLA clock stops when nothing is left to answer, and the action is audited.
#[utoipa::path(
    post,
    path = "/v1/tickets/{id}/no-response-needed",
    tag = "tickets",
    params(("id" = String, Path, description = "Ticket id (`tkt_…`)"),
        ("If-Match" = String, Header, description = "The ticket's ETag, `\"v{version}\"`")),
    request_body = NoResponseNeededRequest,
    responses(
        (status = 200, description = "`ticket`; the new ETag (unchanged when nothing awaited an answer)", body = Edited),
        EditProblems,
    ),
    security(("bearer" = []))
)]
pub async fn no_response_needed<S: TicketStore + ReportStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let now = Utc::now();
    let request: NoResponseNeededRequest = if body.iter().all(u8::is_ascii_whitespace) {
        NoResponseNeededRequest {
            message: None,
            reason: None,
        }
    } else {
        parse_body(&body)?
    };
    let message = request
        .message
        .map(|m| MessageId::parse(m).map_err(|e| Problem::invalid("message", e.to_string())))
        .transpose()?;
    let reason = request
        .reason
        .map(|r| text("reason", &r, MAX_REASON_CHARS))
        .transpose()?;
    edit_with_facts(
        &state,
        &caller.tenant,
        &id,
        &headers,
        |mut ticket, facts| {
            let open = facts.as_ref().map_or(&[][..], |f| f.open.as_slice());
            if let Some(m) = &message
                && !open.iter().any(|o| &o.message == m)
            {
                return Err(Problem::invalid(
                    "message",
                    format!("{m} is not a message of this ticket awaiting an answer"),
                ));
            }
            if open.is_empty() {
                return Ok(None);
            }
            let recorder = Recorder::for_ticket(facts.as_ref(), &[]);
            let handling = Handling::NoResponseNeeded {
                agent: caller.user.clone(),
                message: message.clone(),
            };
            let before = ticket.sla.clone();
            let report = recorder.on_handled(facts.as_ref(), &ticket, &before, &handling, now);
            if report.facts.as_ref().is_some_and(|f| f.open.is_empty()) {
                // Nothing left to answer: the clock stops (the escalator ignores schedules of a
                // deadline that is no longer the ticket's).
                ticket.sla.clock_started_at = None;
                ticket.sla.due_at = None;
                ticket.sla.internal_due_at = None;
                ticket.sla.paused_at = None;
            }
            ticket.updated_at = now;
            let kind = TicketEventKind::NoResponseNeeded {
                message: message.clone(),
                reason: reason.clone(),
            };
            let events = vec![event(&ticket.id, &caller, now, kind)];
            Ok(Some((
                Edit {
                    ticket,
                    events,
                    notes: Vec::new(),
                },
                report,
            )))
        },
    )
    .await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    /// The note, for agents only; never sent to the buyer.
    body: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssigneeRequest {
    /// The agent (JWT `sub`), or `null` to unassign.
    assignee: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    /// `open`, `pending` or `resolved`.
    status: String,
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagsRequest {
    /// The ticket's whole tag set after the change.
    tags: Vec<String>,
}

/// The problems every ticket edit guarded by `If-Match` can answer (OpenAPI only).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
enum EditProblems {
    /// Invalid request
    #[response(status = 400, content_type = "application/problem+json")]
    Invalid(Problem),
    /// No valid token
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(Problem),
    /// No such ticket for this tenant
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
    /// Stale If-Match: `ticket` is the current one
    #[response(status = 412, content_type = "application/problem+json")]
    Stale(Problem),
    /// If-Match missing
    #[response(status = 428, content_type = "application/problem+json")]
    PreconditionRequired(Problem),
}

/// Discard the ticket's ready draft (the agent answers otherwise). The next buyer message
/// renders a new one if a template answers it.
#[utoipa::path(
    delete,
    path = "/v1/tickets/{id}/draft",
    tag = "tickets",
    params(("id" = String, Path, description = "Ticket id (`tkt_…`)"),
        ("If-Match" = String, Header, description = "The ticket's ETag, `\"v{version}\"`")),
    responses(
        (status = 200, description = "`ticket` without its draft; the new ETag", body = Edited),
        EditProblems,
    ),
    security(("bearer" = []))
)]
pub async fn discard_draft<S: TicketStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let now = Utc::now();
    edit(
        &state,
        &caller.tenant,
        &id,
        &headers,
        StatusCode::OK,
        |mut ticket| {
            ticket.draft.take()?;
            ticket.updated_at = now;
            Some(Edit {
                ticket,
                events: Vec::new(),
                notes: Vec::new(),
            })
        },
    )
    .await
}

/// Add an internal note.
#[utoipa::path(
    post,
    path = "/v1/tickets/{id}/notes",
    tag = "tickets",
    params(("id" = String, Path, description = "Ticket id (`tkt_…`)"),
        ("If-Match" = String, Header, description = "The ticket's ETag, `\"v{version}\"`")),
    request_body = NoteRequest,
    responses(
        (status = 201, description = "`ticket` and `note`; the new ETag", body = Edited),
        EditProblems,
    ),
    security(("bearer" = []))
)]
pub async fn add_note<S: TicketStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let now = Utc::now();
    let request: NoteRequest = parse_body(&body)?;
    let text = text("body", &request.body, MAX_BODY_CHARS)?;
    edit(
        &state,
        &caller.tenant,
        &id,
        &headers,
        StatusCode::CREATED,
        |mut ticket| {
            ticket.updated_at = now;
            let note = Note {
                id: NoteId::generate(now),
                ticket: ticket.id.clone(),
                author: caller.user.clone(),
                body: text,
                at: now,
            };
            Some(Edit {
                ticket,
                events: Vec::new(),
                notes: vec![note],
            })
        },
    )
    .await
}

/// Assign the ticket to an agent, or unassign it.
#[utoipa::path(
    put,
    path = "/v1/tickets/{id}/assignee",
    tag = "tickets",
    params(("id" = String, Path, description = "Ticket id (`tkt_…`)"),
        ("If-Match" = String, Header, description = "The ticket's ETag, `\"v{version}\"`")),
    request_body = AssigneeRequest,
    responses(
        (status = 200, description = "`ticket`; the new ETag", body = Edited),
        EditProblems,
    ),
    security(("bearer" = []))
)]
pub async fn set_assignee<S: TicketStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let now = Utc::now();
    let request: AssigneeRequest = parse_body(&body)?;
    let to = request
        .assignee
        .map(|a| AgentId::parse(a).map_err(|e| Problem::invalid("assignee", e.to_string())))
        .transpose()?;
    edit(
        &state,
        &caller.tenant,
        &id,
        &headers,
        StatusCode::OK,
        |mut ticket| {
            if ticket.assignee == to {
                return None;
            }
            let kind = TicketEventKind::Assigned {
                from: ticket.assignee.clone(),
                to: to.clone(),
            };
            ticket.assignee = to;
            ticket.updated_at = now;
            let events = vec![event(&ticket.id, &caller, now, kind)];
            Some(Edit {
                ticket,
                events,
                notes: Vec::new(),
            })
        },
    )
    .await
}

/// Open, set pending or resolve the ticket, with a reason.
#[utoipa::path(
    put,
    path = "/v1/tickets/{id}/status",
    tag = "tickets",
    params(("id" = String, Path, description = "Ticket id (`tkt_…`)"),
        ("If-Match" = String, Header, description = "The ticket's ETag, `\"v{version}\"`")),
    request_body = StatusRequest,
    responses(
        (status = 200, description = "`ticket`; the new ETag", body = Edited),
        EditProblems,
    ),
    security(("bearer" = []))
)]
pub async fn set_status<S: TicketStore + ConfigStore + ReportStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let now = Utc::now();
    let request: StatusRequest = parse_body(&body)?;
    let to: TicketStatus = request
        .status
        .parse()
        .map_err(|reason: String| Problem::invalid("status", reason))?;
    let reason = request
        .reason
        .map(|r| text("reason", &r, MAX_REASON_CHARS))
        .transpose()?;
    // Pending pauses a business clock, open resumes it, resolved ends it: the clock is
    // evaluated under the tenant's policies (one Query of its configuration).
    let policies = effective_policies(&state.store.policies(&caller.tenant).await?).policies;
    let changed: std::sync::Mutex<Option<(Ticket, Ticket)>> = Default::default();
    let response = edit_with_facts(
        &state,
        &caller.tenant,
        &id,
        &headers,
        |mut ticket, facts| {
            if ticket.status == to {
                return Ok(None);
            }
            let before = ticket.clone();
            // A resolution is a report fact: how many exchanges it took.
            let report = if to == TicketStatus::Resolved {
                Recorder::for_ticket(facts.as_ref(), &[]).on_resolved(
                    facts.as_ref(),
                    &ticket,
                    &caller.user,
                    now,
                )
            } else {
                ReportWrite::default()
            };
            let kind = TicketEventKind::StatusChanged {
                from: ticket.status,
                to,
                reason,
            };
            if let Some(clock) = clock_event(ticket.status, to, now)
                && let Some(policy) = ticket_policy(&ticket, &policies)
            {
                ticket.sla = rebuild_sla_with(Some(&before), &ticket, policy, &[clock], now);
            }
            ticket.status = to;
            ticket.updated_at = now;
            let events = vec![event(&ticket.id, &caller, now, kind)];
            *changed.lock().expect("not poisoned") = Some((before, ticket.clone()));
            Ok(Some((
                Edit {
                    ticket,
                    events,
                    notes: Vec::new(),
                },
                report,
            )))
        },
    )
    .await?;
    let changed = changed.lock().expect("not poisoned").take();
    if response.status() == StatusCode::OK
        && let Some((before, after)) = changed
    {
        // A schedule left behind is judged stale by the escalator: logged, not failed.
        if let Err(e) = state
            .escalations
            .resync(Some(&before), &after, &policies, now)
            .await
        {
            tracing::warn!(tenant = %after.tenant, ticket = %after.id, error = %e,
                "escalation schedules not updated after a status change");
        }
    }
    Ok(response)
}

/// What a status change means to the SLA clock (DESIGN §4): pending on the customer pauses a
/// business clock (a calendar clock — Amazon's, eBay's 24 h — ignores it), open resumes it,
/// resolved ends it (nothing more is owed until the buyer writes again).
fn clock_event(from: TicketStatus, to: TicketStatus, now: DateTime<Utc>) -> Option<ClockEvent> {
    let kind = match (from, to) {
        (_, TicketStatus::Pending) => ClockEventKind::PendingOnCustomer,
        (TicketStatus::Pending, TicketStatus::Open) => ClockEventKind::Resumed,
        (_, TicketStatus::Resolved) => ClockEventKind::Resolved,
        (TicketStatus::Resolved, TicketStatus::Open) => ClockEventKind::Reopened,
        (TicketStatus::Open, TicketStatus::Open) => return None,
    };
    Some(ClockEvent { at: now, kind })
}

/// The policy the ticket's clock runs under: the one it names, else the one it would get.
fn ticket_policy<'p>(ticket: &Ticket, policies: &'p [SlaPolicy]) -> Option<&'p SlaPolicy> {
    ticket
        .sla
        .policy
        .as_deref()
        .and_then(|id| policies.iter().find(|p| p.id == id))
        .or_else(|| select_policy(policies, &PolicyContext::of_ticket(ticket, 0)))
}

/// Tags are trimmed and lowercased so `Refund` and `refund ` are one tag.
fn parse_tags(tags: &[String]) -> Result<BTreeSet<String>, Problem> {
    if tags.len() > MAX_TAGS {
        return Err(Problem::invalid(
            "tags",
            format!("more than {MAX_TAGS} tags"),
        ));
    }
    tags.iter()
        .enumerate()
        .map(|(i, t)| {
            let field = format!("tags[{i}]");
            let t = text(&field, t, MAX_TAG_CHARS)?;
            if t.contains(['\n', '\r', '\t']) {
                return Err(Problem::invalid(&field, "must be a single line"));
            }
            Ok(t.to_lowercase())
        })
        .collect()
}

/// Replace the ticket's tags.
#[utoipa::path(
    put,
    path = "/v1/tickets/{id}/tags",
    tag = "tickets",
    params(("id" = String, Path, description = "Ticket id (`tkt_…`)"),
        ("If-Match" = String, Header, description = "The ticket's ETag, `\"v{version}\"`")),
    request_body = TagsRequest,
    responses(
        (status = 200, description = "`ticket`; the new ETag", body = Edited),
        EditProblems,
    ),
    security(("bearer" = []))
)]
pub async fn set_tags<S: TicketStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let now = Utc::now();
    let request: TagsRequest = parse_body(&body)?;
    let tags = parse_tags(&request.tags)?;
    edit(
        &state,
        &caller.tenant,
        &id,
        &headers,
        StatusCode::OK,
        |mut ticket| {
            let added: Vec<String> = tags.difference(&ticket.tags).cloned().collect();
            let removed: Vec<String> = ticket.tags.difference(&tags).cloned().collect();
            if added.is_empty() && removed.is_empty() {
                return None;
            }
            ticket.tags = tags;
            ticket.updated_at = now;
            let events = vec![event(
                &ticket.id,
                &caller,
                now,
                TicketEventKind::TagsChanged { added, removed },
            )];
            Some(Edit {
                ticket,
                events,
                notes: Vec::new(),
            })
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_normalised_and_validated() {
        let tags = parse_tags(&["Refund ".into(), "refund".into(), "VIP".into()]).unwrap();
        assert_eq!(tags.into_iter().collect::<Vec<_>>(), ["refund", "vip"]);
        assert_eq!(
            parse_tags(&["ok".into(), " ".into()])
                .unwrap_err()
                .field
                .as_deref(),
            Some("tags[1]")
        );
        assert!(parse_tags(&vec!["t".to_string(); MAX_TAGS + 1]).is_err());
    }
}
