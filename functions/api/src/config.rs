//! What the tenant-configuration routes (SLA policies, templates) share: admin-only writes,
//! `If-Match` on the entry's version, bodies that may carry a GET's read-only fields.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use marketdesk::auth::{Caller, Role};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::Problem;
use crate::writes::etag;

/// Fields a GET adds to an entry; a client may send the entry back as it read it.
const READ_ONLY: [&str; 5] = ["version", "updated_at", "updated_by", "default", "origin"];

pub fn admin_only(caller: &Caller, what: &str) -> Result<(), Problem> {
    if caller.role == Role::Admin {
        Ok(())
    } else {
        Err(Problem::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("only an admin may change {what}"),
        ))
    }
}

/// A JSON object without the read-only fields, parsed strictly (unknown fields are a 400).
pub fn parse_entry<T: DeserializeOwned>(body: &[u8]) -> Result<T, Problem> {
    let mut value: Value = serde_json::from_slice(body)
        .map_err(|e| Problem::invalid("body", format!("not JSON: {e}")))?;
    let Some(object) = value.as_object_mut() else {
        return Err(Problem::invalid("body", "must be a JSON object"));
    };
    for field in READ_ONLY {
        object.remove(field);
    }
    serde_json::from_value(value).map_err(|e| Problem::invalid("body", e.to_string()))
}

/// 422 naming the field.
pub fn unprocessable(field: &str, detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-entry", detail).with_field(field)
}

/// The version named by `If-Match: "v{n}"`: 428 when absent, 400 when unreadable.
pub fn if_match(headers: &HeaderMap) -> Result<u64, Problem> {
    let raw = headers.get(header::IF_MATCH).ok_or_else(|| {
        Problem::new(
            StatusCode::PRECONDITION_REQUIRED,
            "precondition-required",
            "send If-Match with the entry's ETag (\"v{version}\"; \"v0\" for a default)",
        )
        .with_field("If-Match")
    })?;
    raw.to_str()
        .ok()
        .map(str::trim)
        .and_then(|v| v.strip_prefix("\"v"))
        .and_then(|v| v.strip_suffix('"'))
        .and_then(|v| v.parse::<u64>().ok())
        .ok_or_else(|| Problem::invalid("If-Match", "must be the entry's ETag, e.g. \"v3\""))
}

/// `body` as JSON with the entry's ETag.
pub fn with_etag(status: StatusCode, version: u64, body: &impl Serialize) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&etag(version)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// 412 with the entry as it is now.
pub fn stale(version: u64, current: &impl Serialize) -> Response {
    let problem = Problem::new(
        StatusCode::PRECONDITION_FAILED,
        "precondition-failed",
        format!("the entry is at {}", etag(version)),
    )
    .with_field("If-Match");
    let mut body = serde_json::to_value(&problem).unwrap_or_default();
    if let Some(object) = body.as_object_mut() {
        object.insert(
            "current".into(),
            serde_json::to_value(current).unwrap_or_default(),
        );
    }
    let mut response = (
        StatusCode::PRECONDITION_FAILED,
        [(header::CONTENT_TYPE, "application/problem+json")],
        body.to_string(),
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&etag(version)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// A write that lost a race after its checks: someone changed the entries in between.
pub fn lost_race() -> Problem {
    Problem::new(
        StatusCode::PRECONDITION_FAILED,
        "precondition-failed",
        "the configuration changed while this write was checked; read it again",
    )
    .with_field("If-Match")
}

/// What a configuration write did, as its audit entry records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Created,
    /// Replaced the entry at version `from` (0: a default or starter entry).
    Replaced {
        from: u64,
    },
    Deleted,
}

/// The audit entry of a configuration change (`action::POLICY_CHANGE`, `TEMPLATE_CHANGE`,
/// `RULE_CHANGE`) to entry `id`, now at `version` (the version deleted, for a delete). It
/// names the change and the versions, never the entry's body: bodies are the entry's own
/// history, and a template's wording has no place in the audit log.
pub fn change_audit(
    caller: &Caller,
    action: &str,
    id: &str,
    change: Change,
    version: u64,
    now: chrono::DateTime<chrono::Utc>,
) -> marketdesk::domain::AuditEntry {
    let detail = match change {
        Change::Created => serde_json::json!({"change": "created", "id": id, "version": version}),
        Change::Replaced { from } => serde_json::json!({
            "change": "replaced", "id": id, "from_version": from, "version": version,
        }),
        Change::Deleted => serde_json::json!({"change": "deleted", "id": id, "version": version}),
    };
    crate::audit::entry(caller, action, id, detail, now)
}
