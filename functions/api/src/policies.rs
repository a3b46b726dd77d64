//! `/v1/sla/policies`: the tenant's SLA policies. Reads for every role, writes for admins with
//! `If-Match`.
//!
//! A tenant that never wrote a policy runs on the seed set, listed with `"default": true` and
//! version 0 (ETag `"v0"`). Its first write stores the seed set together with the change, in one
//! transaction; from then on its stored set is its whole set. No write may leave a channel that
//! had a catch-all policy (one without `match`) without one: such a write is a 422.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use marketdesk::domain::audit::action;
use marketdesk::domain::{AgentId, Channel};
use marketdesk::sla::{SlaError, SlaPolicy, seed_policies};
use marketdesk::store::{ConfigChange, ConfigEntry, ConfigKey, ConfigStore, StoreError, Stored};
use marketdesk::tenant_config::{covered_channels, lost_coverage, narrowest_first};
use serde::Serialize;

use crate::config::{Change, change_audit, lost_race, parse_entry, unprocessable};
use crate::preconditions::{created, if_match, require_admin, stale, with_etag};
use crate::{AppState, Authenticated, Problem};

/// A policy as listed: the policy's own fields plus read-only ones (ignored when sent back).
#[derive(Debug, Clone, Serialize)]
pub struct PolicyItem {
    #[serde(flatten)]
    pub policy: SlaPolicy,
    /// 0 for a default (seed) policy.
    pub version: u64,
    /// A seed policy: the tenant has stored none of its own.
    pub default: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<AgentId>,
}

#[derive(Debug, Serialize)]
pub struct PolicyList {
    /// In selection order: the first that matches a ticket is its policy.
    items: Vec<PolicyItem>,
    /// The tenant has no policy of its own; these are the seed set.
    defaults: bool,
}

/// The tenant's policies as in effect, in selection order.
fn effective(stored: Vec<Stored<SlaPolicy>>) -> (Vec<PolicyItem>, bool) {
    if stored.is_empty() {
        let items = seed_policies()
            .into_iter()
            .map(|policy| PolicyItem {
                policy,
                version: 0,
                default: true,
                updated_at: None,
                updated_by: None,
            })
            .collect();
        return (items, true);
    }
    let mut items: Vec<PolicyItem> = stored
        .into_iter()
        .map(|s| PolicyItem {
            policy: s.entry,
            version: s.version,
            default: false,
            updated_at: Some(s.updated_at),
            updated_by: Some(s.updated_by),
        })
        .collect();
    items.sort_by(|a, b| narrowest_first(&a.policy, &b.policy));
    (items, false)
}

fn sla_problem(err: SlaError) -> Problem {
    match err {
        SlaError::InvalidPolicy { field, reason, .. } => unprocessable(&field, reason),
        other => unprocessable("body", other.to_string()),
    }
}

fn parse_policy(body: &[u8]) -> Result<SlaPolicy, Problem> {
    let policy: SlaPolicy = parse_entry(body)?;
    policy.validate().map_err(sla_problem)?;
    Ok(policy)
}

fn policy_not_found(id: &str) -> Problem {
    Problem::not_found(format!("no SLA policy {id}"))
}

/// The seed set stored as the tenant's own, minus `except` (the write that materialises it
/// adds or replaces that one itself).
fn materialise(except: &str) -> Vec<ConfigChange> {
    seed_policies()
        .into_iter()
        .filter(|p| p.id != except)
        .map(|p| ConfigChange::Put {
            entry: ConfigEntry::Policy(Box::new(p)),
            expected: None,
        })
        .collect()
}

/// The policies a change of `old` relies on: the other catch-alls of every channel `old` covers
/// and its replacement (`new`, or nothing on delete) does not. Checked unchanged in the same
/// transaction, so two concurrent edits cannot together uncover a channel.
fn guards(items: &[PolicyItem], old: &SlaPolicy, new: Option<&SlaPolicy>) -> Vec<ConfigChange> {
    let new_covers = new
        .map(|p| covered_channels(std::slice::from_ref(p)))
        .unwrap_or_default();
    let relied: Vec<Channel> = covered_channels(std::slice::from_ref(old))
        .into_iter()
        .filter(|c| !new_covers.contains(c))
        .collect();
    items
        .iter()
        .filter(|i| i.policy.id != old.id && i.policy.matches.is_empty())
        .filter(|i| relied.iter().any(|c| i.policy.channel.includes(*c)))
        .map(|i| ConfigChange::Unchanged {
            key: ConfigKey::Policy(i.policy.id.clone()),
            version: i.version,
        })
        .collect()
}

fn refuse_uncovering(
    before: &[PolicyItem],
    after: &[SlaPolicy],
    field: &str,
) -> Result<(), Problem> {
    let before: Vec<SlaPolicy> = before.iter().map(|i| i.policy.clone()).collect();
    let lost = lost_coverage(&before, after);
    if lost.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = lost.iter().map(|c| c.as_str()).collect();
    Err(unprocessable(
        field,
        format!(
            "this would leave {} without a policy for all its tickets (no SLA clock); add one first",
            names.join(", ")
        ),
    ))
}

/// The tenant's SLA policies in selection order (the seed set, marked `default`, until the
/// tenant writes its own).
#[utoipa::path(
    get,
    path = "/v1/sla/policies",
    operation_id = "list_sla_policies",
    tag = "sla",
    responses(
        (status = 200, description = "`items` (policies with `version`, `default`, `updated_at`, `updated_by`) and `defaults`", body = Object,
            example = json!({"defaults": true, "items": [{"id": "amazon", "name": "Amazon buyer messages", "channel": "amazon",
                "clock": {"kind": "calendar"}, "first_response": {"due": "24h", "internal_due": "12h"},
                "next_response": {"due": "24h", "internal_due": "12h"}, "warn_at_percent": [50, 80],
                "escalation": {"bump_priority": false}, "version": 0, "default": true}]})),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Store unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list<S: ConfigStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
) -> Result<Json<PolicyList>, Problem> {
    let (items, defaults) = effective(state.store.policies(&caller.tenant).await?);
    Ok(Json(PolicyList { items, defaults }))
}

/// One policy, with its ETag.
#[utoipa::path(
    get,
    path = "/v1/sla/policies/{id}",
    operation_id = "get_sla_policy",
    tag = "sla",
    params(("id" = String, Path, description = "Policy id (`amazon`)")),
    responses(
        (status = 200, description = "The policy; ETag `\"v{version}\"` (`\"v0\"` for a default)", body = Object),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such policy for this tenant", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn get_one<S: ConfigStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let (items, _) = effective(state.store.policies(&caller.tenant).await?);
    let item = items
        .into_iter()
        .find(|i| i.policy.id == id)
        .ok_or_else(|| policy_not_found(&id))?;
    Ok(with_etag(StatusCode::OK, item.version, &item))
}

/// Create a policy (admin). The body is a policy as `POST /v1/sla/preview` takes it.
#[utoipa::path(
    post,
    path = "/v1/sla/policies",
    operation_id = "create_sla_policy",
    tag = "sla",
    request_body(content = Object, description = "An SLA policy (`id`, `name`, `channel`, `match`, `clock`, `first_response`, `next_response`, `warn_at_percent`, `escalation`)",
        example = json!(serde_json::from_str::<serde_json::Value>(include_str!("../../../events/sla/policy_shopify_it.json")).unwrap_or_default())),
    responses(
        (status = 201, description = "The stored policy; ETag `\"v1\"`, Location", body = Object),
        (status = 400, description = "Not a policy (unknown field, wrong type)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A policy with this id exists", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule of policies is broken: `field` names it", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn create<S: ConfigStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    body: Bytes,
) -> Result<Response, Problem> {
    require_admin(&caller, "change SLA policies")?;
    let policy = parse_policy(&body)?;
    let now = Utc::now();
    let (items, defaults) = effective(state.store.policies(&caller.tenant).await?);
    if items.iter().any(|i| i.policy.id == policy.id) {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "conflict",
            format!(
                "policy {} exists; PUT it with If-Match to change it",
                policy.id
            ),
        )
        .with_field("id"));
    }
    let mut changes = if defaults {
        materialise(&policy.id)
    } else {
        Vec::new()
    };
    changes.push(ConfigChange::Put {
        entry: ConfigEntry::Policy(Box::new(policy.clone())),
        expected: None,
    });
    let audit = change_audit(
        &caller,
        action::POLICY_CHANGE,
        &policy.id,
        Change::Created,
        1,
        now,
    );
    match state
        .store
        .write_config(&caller.tenant, &changes, &[audit], &caller.user, now)
        .await
    {
        Ok(()) => {}
        Err(StoreError::Conflict { .. }) => {
            return Err(Problem::new(
                StatusCode::CONFLICT,
                "conflict",
                "the policies changed concurrently (the same id, or the first write of the set); read them again",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let item = PolicyItem {
        version: 1,
        default: false,
        updated_at: Some(now),
        updated_by: Some(caller.user.clone()),
        policy,
    };
    Ok(created(
        &format!("/v1/sla/policies/{}", item.policy.id),
        1,
        &item,
    ))
}

/// Replace a policy (admin, If-Match). Its `id` must be the path's.
#[utoipa::path(
    put,
    path = "/v1/sla/policies/{id}",
    operation_id = "update_sla_policy",
    tag = "sla",
    params(("id" = String, Path, description = "Policy id"),
        ("If-Match" = String, Header, description = "The policy's ETag, `\"v{version}\"`")),
    request_body(content = Object, description = "The whole policy"),
    responses(
        (status = 200, description = "The stored policy; the new ETag", body = Object),
        (status = 400, description = "Not a policy, or If-Match unreadable", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such policy for this tenant", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match: `current` is the policy now", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule is broken (`field`), or a channel would be left without a policy", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn replace<S: ConfigStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    require_admin(&caller, "change SLA policies")?;
    let expected = if_match(&headers, "policy")?;
    let policy = parse_policy(&body)?;
    if policy.id != id {
        return Err(unprocessable("id", format!("must be the path's id '{id}'")));
    }
    let now = Utc::now();
    let (items, defaults) = effective(state.store.policies(&caller.tenant).await?);
    let current = items
        .iter()
        .find(|i| i.policy.id == id)
        .ok_or_else(|| policy_not_found(&id))?;
    if current.version != expected {
        return Ok(stale("policy", current.version, current));
    }
    let after: Vec<SlaPolicy> = items
        .iter()
        .map(|i| {
            if i.policy.id == id {
                policy.clone()
            } else {
                i.policy.clone()
            }
        })
        .collect();
    refuse_uncovering(&items, &after, "channel")?;
    let changes = if defaults {
        let mut changes = materialise(&id);
        changes.push(ConfigChange::Put {
            entry: ConfigEntry::Policy(Box::new(policy.clone())),
            expected: None,
        });
        changes
    } else {
        let mut changes = vec![ConfigChange::Put {
            entry: ConfigEntry::Policy(Box::new(policy.clone())),
            expected: Some(expected),
        }];
        changes.extend(guards(&items, &current.policy, Some(&policy)));
        changes
    };
    let audit = change_audit(
        &caller,
        action::POLICY_CHANGE,
        &id,
        Change::Replaced { from: expected },
        expected + 1,
        now,
    );
    match state
        .store
        .write_config(&caller.tenant, &changes, &[audit], &caller.user, now)
        .await
    {
        Ok(()) => {}
        Err(StoreError::Conflict { .. }) => return Err(lost_race()),
        Err(e) => return Err(e.into()),
    }
    let item = PolicyItem {
        policy,
        version: expected + 1,
        default: false,
        updated_at: Some(now),
        updated_by: Some(caller.user.clone()),
    };
    Ok(with_etag(StatusCode::OK, item.version, &item))
}

/// Delete a policy (admin, If-Match); refused while it is a channel's last catch-all.
#[utoipa::path(
    delete,
    path = "/v1/sla/policies/{id}",
    operation_id = "delete_sla_policy",
    tag = "sla",
    params(("id" = String, Path, description = "Policy id"),
        ("If-Match" = String, Header, description = "The policy's ETag, `\"v{version}\"`")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such policy for this tenant", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match: `current` is the policy now", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The last policy covering a channel", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn delete<S: ConfigStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    require_admin(&caller, "change SLA policies")?;
    let expected = if_match(&headers, "policy")?;
    let (items, defaults) = effective(state.store.policies(&caller.tenant).await?);
    let current = items
        .iter()
        .find(|i| i.policy.id == id)
        .ok_or_else(|| policy_not_found(&id))?;
    if current.version != expected {
        return Ok(stale("policy", current.version, current));
    }
    let after: Vec<SlaPolicy> = items
        .iter()
        .filter(|i| i.policy.id != id)
        .map(|i| i.policy.clone())
        .collect();
    refuse_uncovering(&items, &after, "id")?;
    let changes = if defaults {
        materialise(&id)
    } else {
        let mut changes = vec![ConfigChange::Delete {
            key: ConfigKey::Policy(id.clone()),
            expected,
        }];
        changes.extend(guards(&items, &current.policy, None));
        changes
    };
    let now = Utc::now();
    let audit = change_audit(
        &caller,
        action::POLICY_CHANGE,
        &id,
        Change::Deleted,
        expected,
        now,
    );
    match state
        .store
        .write_config(&caller.tenant, &changes, &[audit], &caller.user, now)
        .await
    {
        Ok(()) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(StoreError::Conflict { .. }) => Err(lost_race()),
        Err(e) => Err(e.into()),
    }
}
