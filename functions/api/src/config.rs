//! What the tenant-configuration routes (SLA policies, templates) share: admin-only writes,
//! `If-Match` on the entry's version, bodies that may carry a GET's read-only fields.

use axum::http::StatusCode;
use marketdesk::auth::Caller;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::Problem;

/// Fields a GET adds to an entry; a client may send the entry back as it read it.
const READ_ONLY: [&str; 5] = ["version", "updated_at", "updated_by", "default", "origin"];

/// A JSON object without the read-only fields, parsed strictly (unknown fields are a 400).
pub fn parse_entry<T: DeserializeOwned>(body: &[u8]) -> Result<T, Problem> {
    let mut value: Value = crate::json::parse_value(body)?;
    let Some(object) = value.as_object_mut() else {
        return Err(Problem::invalid("body", "must be a JSON object"));
    };
    for field in READ_ONLY {
        object.remove(field);
    }
    crate::json::from_value(value)
}

/// 422 naming the field.
pub fn unprocessable(field: &str, detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-entry", detail).with_field(field)
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
