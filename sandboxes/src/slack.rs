//! A Slack incoming-webhook sink: accepts `POST /services/…` like hooks.slack.com, checks the
//! payload against Block Kit's limits, answers with Slack's plain-text codes, and keeps every
//! post for tests to inspect — and for people: `GET /posts` lists them as JSON (what
//! `marketdesk alerts` prints), `?delivered=true` only those Slack would have shown.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::RawQuery;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::Value;

use crate::faults::{self, Fault, FaultLayer, Faults};
use crate::server::{self, Running};

/// The route name for fault injection and the request log.
pub const ROUTE: &str = "incomingWebhook";

/// A hook's standing state; anything but `Active` is a permanent refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookState {
    Active,
    /// 403 `invalid_token`.
    Revoked,
    /// 403 `action_prohibited`.
    Prohibited,
    /// 404 `channel_not_found`.
    ChannelNotFound,
    /// 404 `no_service`.
    Disabled,
    /// 410 `channel_is_archived`.
    Archived,
}

impl HookState {
    fn refusal(self) -> Option<(StatusCode, &'static str)> {
        match self {
            HookState::Active => None,
            HookState::Revoked => Some((StatusCode::FORBIDDEN, "invalid_token")),
            HookState::Prohibited => Some((StatusCode::FORBIDDEN, "action_prohibited")),
            HookState::ChannelNotFound => Some((StatusCode::NOT_FOUND, "channel_not_found")),
            HookState::Disabled => Some((StatusCode::NOT_FOUND, "no_service")),
            HookState::Archived => Some((StatusCode::GONE, "channel_is_archived")),
        }
    }
}

/// One post that reached the sink, whatever the answer was.
#[derive(Debug, Clone, PartialEq)]
pub struct SlackPost {
    /// The path after `/services/`.
    pub hook: String,
    pub body: String,
    /// The body as JSON, if it was JSON.
    pub payload: Option<Value>,
    /// The status the sink answered.
    pub status: u16,
    /// The answer's body (`ok` or an error code).
    pub answer: String,
    /// When the sink received it.
    pub received_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, Default)]
struct SinkState {
    posts: Arc<Mutex<Vec<SlackPost>>>,
    hooks: Arc<Mutex<HashMap<String, HookState>>>,
}

/// A running Slack sink; it stops when dropped.
#[derive(Debug)]
pub struct SlackSandbox {
    server: Running,
    state: SinkState,
    faults: Faults,
}

impl SlackSandbox {
    pub async fn start() -> std::io::Result<Self> {
        Self::start_at(server::localhost()).await
    }

    pub async fn start_at(addr: SocketAddr) -> std::io::Result<Self> {
        let state = SinkState::default();
        let faults = Faults::default();
        let layer = FaultLayer {
            faults: faults.clone(),
            route: ROUTE,
            render,
        };
        let router = Router::new()
            .route(
                "/services/{*hook}",
                post(receive).layer(axum::middleware::from_fn_with_state(layer, faults::apply)),
            )
            .route("/posts", get(list))
            .with_state(state.clone());
        let server = server::serve(router, addr).await?;
        Ok(Self {
            server,
            state,
            faults,
        })
    }

    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// A webhook URL on this sink; `name` tells hooks apart.
    pub fn webhook_url(&self, name: &str) -> String {
        format!("{}/services/{}", self.base_url(), hook_path(name))
    }

    /// Puts the hook `name` (as given to [`Self::webhook_url`]) in a state.
    pub fn set_hook_state(&self, name: &str, state: HookState) {
        self.state
            .hooks
            .lock()
            .unwrap()
            .insert(hook_path(name), state);
    }

    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Every post that reached the handler (not those answered by an injected fault).
    pub fn posts(&self) -> Vec<SlackPost> {
        self.state.posts.lock().unwrap().clone()
    }

    /// The payloads Slack would have shown (answered `200 ok`), in order.
    pub fn delivered(&self) -> Vec<Value> {
        self.posts()
            .into_iter()
            .filter(|p| p.status == 200)
            .filter_map(|p| p.payload)
            .collect()
    }

    /// Delivered payloads of the hook `name`.
    pub fn delivered_to(&self, name: &str) -> Vec<Value> {
        let path = hook_path(name);
        self.posts()
            .into_iter()
            .filter(|p| p.status == 200 && p.hook == path)
            .filter_map(|p| p.payload)
            .collect()
    }
}

impl SlackPost {
    /// The post as `GET /posts` lists it.
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "hook": self.hook,
            "status": self.status,
            "answer": self.answer,
            "received_at": self.received_at,
            "payload": self.payload,
        })
    }
}

/// `GET /posts`: every post in arrival order as JSON (`{"posts": [...]}`); with
/// `?delivered=true` only those answered `200 ok`.
async fn list(State(state): State<SinkState>, RawQuery(query): RawQuery) -> Response {
    let delivered = query
        .as_deref()
        .is_some_and(|q| q.split('&').any(|pair| pair == "delivered=true"));
    let posts: Vec<Value> = state
        .posts
        .lock()
        .unwrap()
        .iter()
        .filter(|p| !delivered || p.status == 200)
        .map(SlackPost::to_json)
        .collect();
    axum::Json(serde_json::json!({ "posts": posts })).into_response()
}

fn hook_path(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("T0SANDBOX/B0{safe}/xoxsandboxsecret{safe}")
}

async fn receive(
    State(state): State<SinkState>,
    Path(hook): Path<String>,
    body: Bytes,
) -> Response {
    let body_text = String::from_utf8_lossy(&body).into_owned();
    let payload: Option<Value> = serde_json::from_slice(&body).ok();
    let hook_state = state
        .hooks
        .lock()
        .unwrap()
        .get(&hook)
        .copied()
        .unwrap_or(HookState::Active);
    let (status, answer) = match (hook_state.refusal(), &payload) {
        (Some(refusal), _) => refusal,
        (None, None) => (StatusCode::BAD_REQUEST, "invalid_payload"),
        (None, Some(payload)) => match validate(payload) {
            Ok(()) => (StatusCode::OK, "ok"),
            Err(code) => (StatusCode::BAD_REQUEST, code),
        },
    };
    state.posts.lock().unwrap().push(SlackPost {
        hook,
        body: body_text,
        payload,
        status: status.as_u16(),
        answer: answer.to_owned(),
        received_at: chrono::Utc::now(),
    });
    (status, answer).into_response()
}

/// Slack's checks of a webhook payload: text or blocks present, Block Kit limits kept.
pub fn validate(payload: &Value) -> Result<(), &'static str> {
    let Some(object) = payload.as_object() else {
        return Err("invalid_payload");
    };
    let text = object.get("text").and_then(Value::as_str).unwrap_or("");
    let blocks = match object.get("blocks") {
        None => &Vec::new(),
        Some(Value::Array(blocks)) => blocks,
        Some(_) => return Err("invalid_blocks_format"),
    };
    if text.trim().is_empty() && blocks.is_empty() {
        return Err("no_text");
    }
    if blocks.len() > 50 {
        return Err("invalid_blocks");
    }
    blocks.iter().try_for_each(validate_block)
}

fn chars(value: Option<&Value>) -> usize {
    value
        .and_then(|t| t.get("text"))
        .and_then(Value::as_str)
        .map_or(0, |s| s.chars().count())
}

fn text_object_ok(value: &Value, max: usize, plain_only: bool) -> bool {
    let kind = value.get("type").and_then(Value::as_str);
    let kind_ok = match kind {
        Some("plain_text") => true,
        Some("mrkdwn") => !plain_only,
        _ => false,
    };
    let len = chars(Some(value));
    kind_ok && len >= 1 && len <= max
}

fn validate_block(block: &Value) -> Result<(), &'static str> {
    let bad = Err("invalid_blocks");
    match block.get("type").and_then(Value::as_str) {
        Some("header") => match block.get("text") {
            Some(text) if text_object_ok(text, 150, true) => Ok(()),
            _ => bad,
        },
        Some("section") => {
            let text_ok = block
                .get("text")
                .is_none_or(|t| text_object_ok(t, 3000, false));
            let fields = block.get("fields").and_then(Value::as_array);
            let fields_ok = fields
                .is_none_or(|f| f.len() <= 10 && f.iter().all(|x| text_object_ok(x, 2000, false)));
            let has_content = block.get("text").is_some() || fields.is_some_and(|f| !f.is_empty());
            if text_ok && fields_ok && has_content {
                Ok(())
            } else {
                bad
            }
        }
        Some("actions") => {
            let Some(elements) = block.get("elements").and_then(Value::as_array) else {
                return bad;
            };
            let ok = !elements.is_empty()
                && elements.len() <= 25
                && elements.iter().all(|e| {
                    e.get("type").and_then(Value::as_str) == Some("button")
                        && e.get("text").is_some_and(|t| text_object_ok(t, 75, true))
                        && e.get("url")
                            .and_then(Value::as_str)
                            .is_none_or(|u| u.chars().count() <= 3000)
                });
            if ok { Ok(()) } else { bad }
        }
        Some("context") => {
            let Some(elements) = block.get("elements").and_then(Value::as_array) else {
                return bad;
            };
            let ok = !elements.is_empty()
                && elements.len() <= 10
                && elements.iter().all(|e| text_object_ok(e, 3000, false));
            if ok { Ok(()) } else { bad }
        }
        Some("divider") => Ok(()),
        _ => bad,
    }
}

fn render(_route: &'static str, fault: &Fault) -> Response {
    match fault {
        Fault::Throttle { retry_after } => faults::with_retry_after(
            (StatusCode::TOO_MANY_REQUESTS, "rate_limited").into_response(),
            *retry_after,
        ),
        Fault::ServerError(status) => {
            let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, "internal_error").into_response()
        }
        Fault::ExpiredToken => (StatusCode::FORBIDDEN, "invalid_token").into_response(),
        // The middleware answers the other faults itself.
        _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn payload_without_text_or_blocks_is_no_text() {
        assert_eq!(validate(&json!({"text": ""})), Err("no_text"));
        assert_eq!(validate(&json!({"text": "hi"})), Ok(()));
    }

    #[test]
    fn block_kit_limits_are_checked() {
        let header = |n: usize| json!({"text": "t", "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "h".repeat(n)}}]});
        assert_eq!(validate(&header(150)), Ok(()));
        assert_eq!(validate(&header(151)), Err("invalid_blocks"));
        let fields: Vec<_> = (0..11)
            .map(|_| json!({"type": "mrkdwn", "text": "f"}))
            .collect();
        let section = json!({"text": "t", "blocks": [{"type": "section", "fields": fields}]});
        assert_eq!(validate(&section), Err("invalid_blocks"));
        let many: Vec<_> = (0..51).map(|_| json!({"type": "divider"})).collect();
        assert_eq!(
            validate(&json!({"text": "t", "blocks": many})),
            Err("invalid_blocks")
        );
    }
}
