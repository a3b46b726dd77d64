//! `POST /v1/sla/preview`: what a policy (inline, or one of the tenant's by id) does with a
//! buyer message at a given instant, after optional prior events. The answer is the same JSON as
//! `marketdesk sla preview`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use chrono::{DateTime, Utc};
use marketdesk::sla::{
    ClockEvent, SlaError, SlaPolicy, SlaPreview, check_instant, preview, seed_policies,
};
use marketdesk::store::ConfigStore;
use marketdesk::tenant_config::effective_policies;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::{AppState, Authenticated, Problem};

/// The request body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "policy": "amazon",
    "message_at": "2026-03-28T22:30:00Z",
    "events": []
}))]
pub struct PreviewRequest {
    /// A policy id of the caller's tenant (one of its own, or of the seed set `amazon`, `ebay`,
    /// `shopify-it`, `risk` while it has none) or a whole policy object as it would be saved.
    #[schema(value_type = Object)]
    pub policy: Value,
    /// The buyer message's channel timestamp (RFC 3339).
    #[schema(value_type = String, format = DateTime)]
    pub message_at: Value,
    /// Earlier events of the ticket (`buyer_message`, `agent_reply`, `auto_reply`,
    /// `pending_on_customer`, `reopened`, `resumed`, `resolved`), none after `message_at`.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub events: Option<Value>,
}

/// The preview's inputs, validated; shared with the command line.
pub struct PreviewInput {
    pub policy: SlaPolicy,
    pub message_at: DateTime<Utc>,
    pub events: Vec<ClockEvent>,
}

/// The policy a request previews: one of the tenant's by id, or one given whole.
pub enum PolicyChoice {
    Id(String),
    Inline(Box<SlaPolicy>),
}

/// A preview request, validated except for which policy an id names.
pub struct ParsedRequest {
    pub policy: PolicyChoice,
    pub message_at: DateTime<Utc>,
    pub events: Vec<ClockEvent>,
}

impl ParsedRequest {
    /// Resolves a policy id among `policies` (the tenant's, as in effect).
    pub fn resolve(self, policies: &[SlaPolicy]) -> Result<PreviewInput, Problem> {
        let policy = match self.policy {
            PolicyChoice::Inline(policy) => *policy,
            PolicyChoice::Id(id) => policies
                .iter()
                .find(|p| p.id == id)
                .cloned()
                .ok_or_else(|| Problem::invalid("policy", format!("no policy '{id}'")))?,
        };
        Ok(PreviewInput {
            policy,
            message_at: self.message_at,
            events: self.events,
        })
    }
}

/// Reads a preview request from JSON, resolving a policy id among the seed set (the command
/// line, which has no tenant), naming the field at fault.
pub fn parse_request(body: &[u8]) -> Result<PreviewInput, Problem> {
    parse(body)?.resolve(&seed_policies())
}

/// Reads a preview request from JSON, naming the field at fault; a policy id is resolved later.
pub fn parse(body: &[u8]) -> Result<ParsedRequest, Problem> {
    let request: PreviewRequest = crate::json::parse_json(body)?;
    let policy = match request.policy {
        Value::String(id) => PolicyChoice::Id(id),
        Value::Object(_) => PolicyChoice::Inline(Box::new(policy_from_value(request.policy)?)),
        _ => {
            return Err(Problem::invalid(
                "policy",
                "must be a policy id or a policy object",
            ));
        }
    };
    let message_at = request
        .message_at
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.to_utc())
        .ok_or_else(|| Problem::invalid("message_at", "must be an RFC 3339 instant"))?;
    check_instant(message_at).map_err(|reason| Problem::invalid("message_at", reason))?;
    let events = match request.events {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                let event: ClockEvent = serde_json::from_value(v)
                    .map_err(|e| Problem::invalid(&format!("events[{i}]"), e.to_string()))?;
                check_instant(event.at)
                    .map_err(|reason| Problem::invalid(&format!("events[{i}].at"), reason))?;
                Ok::<_, Problem>(event)
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(Problem::invalid("events", "must be an array")),
    };
    Ok(ParsedRequest {
        policy,
        message_at,
        events,
    })
}

fn policy_from_value(value: Value) -> Result<SlaPolicy, Problem> {
    let policy: SlaPolicy = serde_json::from_value(value)
        .map_err(|e| Problem::invalid("policy", format!("not a valid policy: {e}")))?;
    policy.validate().map_err(|e| sla_problem(e, "policy"))?;
    Ok(policy)
}

fn sla_problem(err: SlaError, prefix: &str) -> Problem {
    match err {
        SlaError::InvalidPolicy { field, reason, .. } => {
            Problem::invalid(&format!("{prefix}.{field}"), reason)
        }
        SlaError::EventAfterPreviewedMessage { .. } => Problem::invalid("events", err.to_string()),
        other => Problem::invalid(prefix, other.to_string()),
    }
}

/// Runs a validated preview.
pub fn run(input: &PreviewInput) -> Result<SlaPreview, Problem> {
    preview(&input.policy, input.message_at, &input.events).map_err(|e| sla_problem(e, "policy"))
}

/// Every deadline and threshold instant of a policy for one buyer message.
#[utoipa::path(
    post,
    path = "/v1/sla/preview",
    operation_id = "preview_sla",
    tag = "sla",
    request_body(content = PreviewRequest, examples(
        ("seed policy" = (summary = "Amazon seed policy, Saturday night before the DST switch",
            value = json!({"policy": "amazon", "message_at": "2026-03-28T22:30:00Z"}))),
        ("inline business policy" = (summary = "Shopify store hours, Christmas Eve, after a reply",
            value = json!({
                "policy": serde_json::from_str::<Value>(include_str!("../../../events/sla/policy_shopify_it.json")).unwrap_or_default(),
                "message_at": "2026-12-24T16:00:00Z",
                "events": serde_json::from_str::<Value>(include_str!("../../../events/sla/preview_events.json")).unwrap_or_default(),
            })))
    )),
    responses(
        (status = 200, description = "Every deadline and threshold, in UTC and (business clocks) local time",
            body = Object,
            example = json!(serde_json::from_str::<Value>(include_str!("../../../events/sla/preview_shopify_it_output.json")).unwrap_or_default())),
        (status = 400, description = "Invalid request: `field` names the part at fault",
            body = Problem, content_type = "application/problem+json",
            example = json!({"type": "https://marketdesk.dev/problems/invalid-request",
                "title": "Bad Request", "status": 400,
                "detail": "must be between 1 and 99", "field": "policy.warn_at_percent[0]"})),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Store unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn preview_handler<S: ConfigStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    body: Bytes,
) -> Result<Json<SlaPreview>, Problem> {
    let request = parse(&body)?;
    // Only an id needs the tenant's policies (one Query); read fresh, so a policy just saved
    // previews at once.
    let input = match request.policy {
        PolicyChoice::Id(_) => {
            let stored = state.store.policies(&caller.tenant).await?;
            request.resolve(&effective_policies(&stored).policies)?
        }
        PolicyChoice::Inline(_) => request.resolve(&[])?,
    };
    Ok(Json(run(&input)?))
}
