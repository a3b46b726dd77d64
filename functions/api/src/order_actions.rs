//! Amazon Messaging API actions on a ticket's order: what Amazon offers now, and sending one.
//!
//! `GET /v1/tickets/{id}/order-actions` asks Amazon (`getMessagingActionsForOrder`) for the
//! ticket's order; a ticket of another channel, or without an order, gets an empty list with
//! the reason. `POST /v1/tickets/{id}/order-actions/{action}` checks the text (the model's
//! limits, then the channel's compliance rules in the buyer's language: 422 with findings),
//! checks that Amazon offers the action now (409 otherwise), and stores the message on the
//! ticket as a queued outbound message carrying the action (`ExternalRefs::order_action`), in
//! one transaction with its audit entry; the sender sends it once (docs/decisions/0024). A
//! retried POST with the same `Idempotency-Key`, or the same action and text while that message
//! is queued or delivered, answers the message already stored and sends nothing new.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use marketdesk::compliance::{self, CheckRequest};
use marketdesk::domain::audit::action as audit_action;
use marketdesk::domain::{
    AuthorKind, Channel, ChannelAccount, DeliveryState, Direction, Message, OrderAction, OrderId,
    Ticket, TicketId,
};
use marketdesk::outbound::OutboundMessage;
use marketdesk::outbound::actions::{self, OfferedAction};
use marketdesk::store::{AccountStore, StoreError, TicketStore, TicketView, TicketWrite};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{AppState, Authenticated, Problem};

/// Longest `Idempotency-Key`.
const MAX_KEY_CHARS: usize = 200;

/// The actions Amazon offers for the ticket's order now.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderActions {
    #[schema(value_type = String)]
    pub ticket: TicketId,
    /// The Amazon order id, when the ticket has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    /// The marketplace id the order was placed in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marketplace: Option<String>,
    /// In Amazon's order; `supported: false` for the ones marketdesk cannot send (attachments).
    #[schema(value_type = Vec<OfferedActionSchema>)]
    pub actions: Vec<OfferedAction>,
    /// Why the list is empty without asking Amazon: `not_amazon`, `no_order`, `no_account`,
    /// or `order_unknown` (Amazon does not know the order).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// An action Amazon offers (`marketdesk::outbound::actions::OfferedAction`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OfferedActionSchema {
    /// Amazon's name (`unexpectedProblem`, `confirmDeliveryDetails`…).
    pub name: String,
    /// Whether marketdesk can send it (text-only actions).
    pub supported: bool,
    /// The longest text, for supported actions.
    pub max_chars: Option<usize>,
    /// What the message is for.
    pub purpose: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderActionRequest {
    /// The text sent to the buyer, in the buyer's language; within the action's limit
    /// (2 000 chars, 800 for `confirmCustomizationDetails`, 400 for `digitalAccessKey`).
    pub text: String,
    /// The text's language (`it`); else the buyer's, else detected.
    #[serde(default)]
    pub language: Option<String>,
}

/// The answer to an accepted action.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderActionAccepted {
    /// The outbound message carrying the action (delivery `queued` until the sender reports).
    pub message: Message,
    /// Whether this request stored it (false: an earlier request with the same key or text did).
    pub created: bool,
    /// Non-blocking compliance findings.
    #[schema(value_type = Vec<crate::compliance::FindingSchema>)]
    pub findings: Vec<compliance::Finding>,
}

fn parse_ticket_id(id: &str) -> Result<TicketId, Problem> {
    TicketId::parse(id).map_err(|_| Problem::not_found(format!("no ticket {id}")))
}

fn unavailable(detail: impl std::fmt::Display) -> Problem {
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "channel-unavailable",
        format!("Amazon's Messaging API did not answer: {detail}"),
    )
}

/// The order and account the ticket's actions are about, or why there are none.
enum Target {
    Order {
        account: Box<ChannelAccount>,
        order: OrderId,
    },
    None(&'static str),
}

async fn target<S: AccountStore>(state: &AppState<S>, ticket: &Ticket) -> Result<Target, Problem> {
    if ticket.channel != Channel::Amazon {
        return Ok(Target::None("not_amazon"));
    }
    let Some(order) = ticket
        .order
        .as_ref()
        .filter(|o| o.channel == Channel::Amazon)
    else {
        return Ok(Target::None("no_order"));
    };
    match state.store.account(&ticket.tenant, &ticket.account).await? {
        Some(account) => Ok(Target::Order {
            account: Box::new(account),
            order: order.order.clone(),
        }),
        None => Ok(Target::None("no_account")),
    }
}

/// The actions Amazon offers for the ticket's order now.
#[utoipa::path(
    get,
    path = "/v1/tickets/{id}/order-actions",
    operation_id = "list_order_actions",
    tag = "tickets",
    params(("id" = String, Path, description = "Ticket id (`tkt_…`)")),
    responses(
        (status = 200, description = "The offered actions; empty with a `reason` when the ticket has no Amazon order", body = OrderActions),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket for this tenant", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Store or Amazon unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list<S: TicketStore + AccountStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let ticket_id = parse_ticket_id(&id)?;
    let ticket = state
        .store
        .ticket(&caller.tenant, &ticket_id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no ticket {id}")))?;
    let mut answer = OrderActions {
        ticket: ticket_id,
        order: ticket.order.as_ref().map(|o| o.order.to_string()),
        marketplace: None,
        actions: Vec::new(),
        reason: None,
    };
    match target(&state, &ticket).await? {
        Target::None(reason) => answer.reason = Some(reason.to_owned()),
        Target::Order { account, order } => {
            answer.marketplace = Some(account.marketplace.id.clone());
            match state
                .order_messaging
                .offered_actions(&account, &order, &account.marketplace.id)
                .await
            {
                Ok(Some(names)) => answer.actions = actions::offer(&names),
                Ok(None) => answer.reason = Some("order_unknown".to_owned()),
                Err(e) => return Err(unavailable(e)),
            }
        }
    }
    Ok(axum::Json(answer).into_response())
}

/// The message stored earlier for the same request: same `Idempotency-Key`, or the same
/// action and text not failed.
fn earlier<'v>(
    view: &'v TicketView,
    action: &str,
    text: &str,
    key: Option<&str>,
) -> Option<&'v Message> {
    view.messages.iter().find(|m| {
        let Some(a) = &m.external.order_action else {
            return false;
        };
        match (key, a.idempotency_key.as_deref()) {
            (Some(key), Some(stored)) if key == stored => true,
            _ => {
                a.action == action
                    && m.body == text
                    && !matches!(m.delivery, Some(DeliveryState::Failed { .. }))
            }
        }
    })
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, Problem> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let bad = || {
        Problem::invalid(
            "Idempotency-Key",
            format!("must be 1 to {MAX_KEY_CHARS} printable ASCII characters"),
        )
    };
    let key = value.to_str().map_err(|_| bad())?.trim();
    if key.is_empty() || key.len() > MAX_KEY_CHARS || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(bad());
    }
    Ok(Some(key.to_owned()))
}

/// Send a Messaging API action on the ticket's Amazon order.
#[utoipa::path(
    post,
    path = "/v1/tickets/{id}/order-actions/{action}",
    operation_id = "send_order_action",
    tag = "tickets",
    params(
        ("id" = String, Path, description = "Ticket id (`tkt_…`)"),
        ("action" = String, Path, description = "Amazon's action name (`unexpectedProblem`, `confirmDeliveryDetails`, `confirmOrderDetails`, `confirmServiceDetails`, `confirmCustomizationDetails`, `digitalAccessKey`)"),
        ("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key stores and sends nothing new"),
    ),
    request_body = OrderActionRequest,
    responses(
        (status = 202, description = "Stored as a queued outbound message; the sender sends it once", body = OrderActionAccepted),
        (status = 200, description = "The same request was accepted before: that message, nothing new sent", body = OrderActionAccepted),
        (status = 400, description = "Invalid request (text blank or too long, bad key)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket for this tenant, or no such action", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Amazon does not offer the action for the order now (`offered` lists what it does), or the ticket changed while writing", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Blocking compliance `findings`; an action marketdesk cannot send (attachments); a ticket without an Amazon order", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Store or Amazon unavailable: nothing was saved", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn send<S: TicketStore + AccountStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let now = Utc::now();
    let ticket_id = parse_ticket_id(&id)?;
    let spec = actions::spec(&action)
        .ok_or_else(|| Problem::not_found(format!("no Messaging API action '{action}'")))?;
    if !spec.supported() {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "action-unsupported",
            format!(
                "{} takes attachments; marketdesk sends only text actions",
                spec.name
            ),
        )
        .with_field("action"));
    }
    let request: OrderActionRequest = crate::json::parse_json(&body)?;
    let text = request.text.trim().to_owned();
    actions::check_text(spec, &text).map_err(|e| Problem::invalid("text", e))?;
    let key = idempotency_key(&headers)?;

    // Request 1: the ticket and its conversation (the earlier message, the buyer's language).
    let view = state
        .store
        .ticket_view(&caller.tenant, &ticket_id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no ticket {id}")))?;
    if let Some(message) = earlier(&view, spec.name, &text, key.as_deref()) {
        let same = message
            .external
            .order_action
            .as_ref()
            .is_some_and(|a| a.action == spec.name)
            && message.body == text;
        if !same {
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency-key-reused",
                "this Idempotency-Key was used for another action or text",
            )
            .with_field("Idempotency-Key"));
        }
        let answer = OrderActionAccepted {
            message: message.clone(),
            created: false,
            findings: Vec::new(),
        };
        return Ok((StatusCode::OK, axum::Json(answer)).into_response());
    }
    let (account, order) = match target(&state, &view.ticket).await? {
        Target::Order { account, order } => (account, order),
        Target::None(reason) => {
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "no-amazon-order",
                format!("the ticket has no Amazon order to message about ({reason})"),
            ));
        }
    };
    let buyer_language = view
        .messages
        .iter()
        .rev()
        .find(|m| m.direction == Direction::Inbound)
        .and_then(|m| m.language.clone())
        .or_else(|| view.ticket.language.clone());
    let verdict = compliance::check(&CheckRequest {
        channel: Channel::Amazon,
        marketplace: Some(account.marketplace.id.clone()),
        language: request.language.clone().or(buyer_language),
        body: text.clone(),
    });
    if verdict.is_blocked() {
        return Ok(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "compliance-blocked",
            "the text breaks the channel's rules; see findings",
        )
        .with_field("text")
        .with_members(json!({
            "verdict": verdict.verdict, "language": verdict.language, "findings": verdict.findings,
        })));
    }
    let marketplace = account.marketplace.id.clone();
    let offered = match state
        .order_messaging
        .offered_actions(&account, &order, &marketplace)
        .await
    {
        Ok(offered) => offered.unwrap_or_default(),
        Err(e) => return Err(unavailable(e)),
    };
    if !offered.iter().any(|a| a == spec.name) {
        return Ok(Problem::new(
            StatusCode::CONFLICT,
            "action-not-offered",
            format!("Amazon does not offer {} for order {order} now", spec.name),
        )
        .with_field("action")
        .with_members(json!({ "offered": offered })));
    }

    let mut message = Message::queued_reply(
        &ticket_id,
        AuthorKind::Agent {
            agent: caller.user.clone(),
        },
        text,
        verdict.language.clone(),
        now,
    );
    message.external.order_action = Some(OrderAction {
        action: spec.name.to_owned(),
        order: order.clone(),
        marketplace: marketplace.clone(),
        idempotency_key: key,
    });
    let audit = crate::audit::entry(
        &caller,
        audit_action::ORDER_ACTION,
        ticket_id.as_str(),
        json!({"action": spec.name, "order": order, "marketplace": marketplace,
            "message": message.id}),
        now,
    );
    let mut ticket = view.ticket.clone();
    ticket.updated_at = now;
    // Request 2: the message and its audit entry, conditional on the ticket's version.
    match state
        .store
        .write_ticket(&TicketWrite {
            ticket,
            messages: vec![message.clone()],
            events: Vec::new(),
            notes: Vec::new(),
            audit: vec![audit],
            report: Default::default(),
        })
        .await
    {
        Ok(_) => {}
        Err(StoreError::Conflict { .. }) => {
            return Err(Problem::new(
                StatusCode::CONFLICT,
                "version-conflict",
                "the ticket changed while the action was stored; nothing was sent, try again",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let queued = OutboundMessage {
        tenant: caller.tenant.clone(),
        ticket: ticket_id,
        message: message.id.clone(),
    };
    // Stored as queued, so accepted either way: the outbox sweep queues it if this fails.
    if let Err(e) = state.outbound.enqueue(&queued).await {
        tracing::error!(error = %e, "order action stored but not queued; the outbox sweep will queue it");
    }
    let answer = OrderActionAccepted {
        message,
        created: true,
        findings: verdict.findings,
    };
    Ok((StatusCode::ACCEPTED, axum::Json(answer)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_idempotency_key_is_short_printable_ascii() {
        let mut headers = HeaderMap::new();
        assert_eq!(idempotency_key(&headers).unwrap(), None);
        headers.insert("idempotency-key", "k-1".parse().unwrap());
        assert_eq!(idempotency_key(&headers).unwrap().as_deref(), Some("k-1"));
        headers.insert("idempotency-key", "a b".parse().unwrap());
        assert!(idempotency_key(&headers).is_err());
        headers.insert("idempotency-key", "x".repeat(201).parse().unwrap());
        assert!(idempotency_key(&headers).is_err());
    }
}
