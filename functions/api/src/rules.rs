//! Automation rules: `GET/POST /v1/rules`, `GET/PUT/DELETE /v1/rules/{id}` (reads for every
//! role, writes for admins, ETag / If-Match like ticket edits) and `POST /v1/rules/test`, which
//! runs a rule on a sample message and stores nothing.

use std::collections::BTreeSet;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use marketdesk::automation::{self, Rule, RuleInput, RuleOutcome, RuleSpec};
use marketdesk::domain::audit::action;
use marketdesk::domain::{
    AgentId, Channel, FulfillmentChannel, Intent, Priority, Risk, RuleId, TenantId,
};
use marketdesk::ingest::triage;
use marketdesk::store::{RuleStore, StoreError};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::config::{Change, change_audit};
use crate::preconditions::{created, if_match, require_admin, stale, with_etag};
use crate::{AppState, Authenticated, Problem};

/// Most rules a tenant may keep: every ingested message runs them all.
pub const MAX_RULES: usize = 100;
/// Longest sample message body for `POST /v1/rules/test`, in chars.
pub const MAX_SAMPLE_CHARS: usize = 20_000;

/// A JSON body read field by field, so a problem names the field at fault (400); syntax
/// errors name the body.
pub(crate) fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, Problem> {
    crate::json::parse_json(body)
}

fn unprocessable(err: automation::RuleError) -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-rule",
        err.reason.clone(),
    )
    .with_field(&err.field)
}

/// An id that cannot exist is answered like one that does not: no probing.
fn parse_rule_id(id: &str) -> Result<RuleId, Problem> {
    RuleId::parse(id).map_err(|_| Problem::not_found(format!("no rule {id}")))
}

async fn existing<S: RuleStore>(
    state: &AppState<S>,
    tenant: &TenantId,
    id: &str,
) -> Result<Rule, Problem> {
    let rule_id = parse_rule_id(id)?;
    state
        .store
        .rule(tenant, &rule_id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no rule {id}")))
}

#[derive(Debug, Serialize)]
pub struct RuleList {
    items: Vec<Rule>,
}

/// The tenant's automation rules in evaluation order.
#[utoipa::path(
    get,
    path = "/v1/rules",
    operation_id = "list_rules",
    tag = "rules",
    responses(
        (status = 200, description = "`items`: every rule, in evaluation order (one Query; no paging: at most 100 rules)", body = RuleListSchema),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list<S: RuleStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
) -> Result<Json<RuleList>, Problem> {
    let mut items = state.store.rules(&caller.tenant).await?;
    items.sort_by(automation::evaluation_order);
    Ok(Json(RuleList { items }))
}

/// Create a rule (admins).
#[utoipa::path(
    post,
    path = "/v1/rules",
    operation_id = "create_rule",
    tag = "rules",
    request_body = RuleSpecSchema,
    responses(
        (status = 201, description = "The stored rule; `ETag` and `Location` headers", body = RuleSchema),
        (status = 400, description = "Malformed body or unknown field/value, `field` names it", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Rule not valid (blank name, no condition or action, too many keywords…), `field` names it", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn create<S: RuleStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    body: Bytes,
) -> Result<Response, Problem> {
    require_admin(&caller, "change automation rules")?;
    let spec: RuleSpec = parse_json(&body)?;
    let spec = automation::validate(&spec).map_err(unprocessable)?;
    if state.store.rules(&caller.tenant).await?.len() >= MAX_RULES {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "too-many-rules",
            format!("a tenant keeps at most {MAX_RULES} rules; delete one first"),
        ));
    }
    let now = Utc::now();
    let rule = Rule::from_spec(
        RuleId::generate(now),
        caller.tenant.clone(),
        spec,
        0,
        now,
        caller.user.clone(),
    );
    let audit = change_audit(
        &caller,
        action::RULE_CHANGE,
        rule.id.as_str(),
        Change::Created,
        1,
        now,
    );
    let stored = state.store.save_rule(&rule, None, &[audit]).await?;
    Ok(created(
        &format!("/v1/rules/{}", stored.id),
        stored.version,
        &stored,
    ))
}

/// One rule.
#[utoipa::path(
    get,
    path = "/v1/rules/{id}",
    operation_id = "get_rule",
    tag = "rules",
    params(("id" = String, Path, description = "Rule id (`rule_…`)")),
    responses(
        (status = 200, description = "The rule; its `ETag`", body = RuleSchema),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such rule for this tenant", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn get<S: RuleStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let rule = existing(&state, &caller.tenant, &id).await?;
    Ok(with_etag(StatusCode::OK, rule.version, &rule))
}

/// Replace a rule (admins), guarded by its ETag.
#[utoipa::path(
    put,
    path = "/v1/rules/{id}",
    operation_id = "update_rule",
    tag = "rules",
    params(("id" = String, Path, description = "Rule id (`rule_…`)"),
        ("If-Match" = String, Header, description = "The rule's ETag, `\"v{version}\"`")),
    request_body = RuleSpecSchema,
    responses(
        (status = 200, description = "The stored rule; the new `ETag`", body = RuleSchema),
        (status = 400, description = "Malformed body or unknown field/value", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such rule for this tenant", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match: `rule` is the current one", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Rule not valid, `field` names it", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn replace<S: RuleStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    require_admin(&caller, "change automation rules")?;
    let expected = if_match(&headers, "rule")?;
    let spec: RuleSpec = parse_json(&body)?;
    let spec = automation::validate(&spec).map_err(unprocessable)?;
    let current = existing(&state, &caller.tenant, &id).await?;
    if current.version != expected {
        return Ok(stale("rule", current.version, &current));
    }
    let now = Utc::now();
    let rule = Rule::from_spec(
        current.id.clone(),
        caller.tenant.clone(),
        spec,
        current.version,
        now,
        caller.user.clone(),
    );
    let audit = change_audit(
        &caller,
        action::RULE_CHANGE,
        rule.id.as_str(),
        Change::Replaced { from: expected },
        expected + 1,
        now,
    );
    match state.store.save_rule(&rule, Some(expected), &[audit]).await {
        Ok(stored) => Ok(with_etag(StatusCode::OK, stored.version, &stored)),
        Err(StoreError::Conflict { .. }) => {
            let current = existing(&state, &caller.tenant, &id).await?;
            Ok(stale("rule", current.version, &current))
        }
        Err(e) => Err(e.into()),
    }
}

/// Delete a rule (admins), guarded by its ETag.
#[utoipa::path(
    delete,
    path = "/v1/rules/{id}",
    operation_id = "delete_rule",
    tag = "rules",
    params(("id" = String, Path, description = "Rule id (`rule_…`)"),
        ("If-Match" = String, Header, description = "The rule's ETag, `\"v{version}\"`")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such rule for this tenant", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match: `rule` is the current one", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn delete<S: RuleStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    require_admin(&caller, "change automation rules")?;
    let expected = if_match(&headers, "rule")?;
    let current = existing(&state, &caller.tenant, &id).await?;
    if current.version != expected {
        return Ok(stale("rule", current.version, &current));
    }
    let audit = change_audit(
        &caller,
        action::RULE_CHANGE,
        current.id.as_str(),
        Change::Deleted,
        expected,
        Utc::now(),
    );
    match state
        .store
        .delete_rule(&caller.tenant, &current.id, expected, &[audit])
        .await
    {
        Ok(()) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(StoreError::Conflict { .. }) => {
            match state.store.rule(&caller.tenant, &current.id).await? {
                Some(now_current) => Ok(stale("rule", now_current.version, &now_current)),
                None => Err(Problem::not_found(format!("no rule {id}"))),
            }
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Test

/// A sample message, as ingest would see it after triage.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SampleMessage {
    #[schema(value_type = String, example = "amazon")]
    channel: Channel,
    #[serde(default)]
    subject: String,
    body: String,
    /// ISO 639-1 (`it`); absent: unknown, so language conditions fail.
    #[serde(default)]
    language: Option<String>,
    /// Absent: triaged from subject and body, as ingest does.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "where_is_my_order")]
    intent: Option<Intent>,
    /// Absent: from risk and intent, as ingest does.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "normal")]
    priority: Option<Priority>,
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "a_to_z_claim")]
    risk: Option<Risk>,
    /// `marketplace` (FBA) or `merchant` (FBM); absent: no order.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "merchant")]
    fulfillment: Option<FulfillmentChannel>,
    #[serde(default)]
    repeat_customer: bool,
    /// The ticket's tags before the rules.
    #[serde(default)]
    tags: BTreeSet<String>,
    /// The ticket's agent before the rules.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    assignee: Option<AgentId>,
}

/// Which rules to try: a draft `rule`, a stored `rule_id`, or neither (every enabled rule of
/// the tenant, as ingest would run them).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestRequest {
    #[serde(default)]
    #[schema(value_type = Option<RuleSpecSchema>)]
    rule: Option<RuleSpec>,
    #[serde(default)]
    rule_id: Option<String>,
    message: SampleMessage,
}

#[derive(Debug, Serialize)]
pub struct TestAnswer {
    /// The intent and priority the rules saw.
    intent: Intent,
    priority: Priority,
    outcome: RuleOutcome,
}

/// Run a rule (or the tenant's rules) on a sample message; nothing is stored.
#[utoipa::path(
    post,
    path = "/v1/rules/test",
    operation_id = "test_rules",
    tag = "rules",
    request_body = TestRequest,
    responses(
        (status = 200, description = "What the rules would do: `intent` and `priority` as triaged, `outcome.matched[]` with each matching rule's actions", body = Object,
            example = json!({"intent": "damaged_or_defective", "priority": "high", "outcome": {
                "matched": [{"rule_id": "draft", "name": "Damage to Giulia", "actions": [
                    {"type": "add_tags", "tags": ["damage"]},
                    {"type": "assign", "to": "giulia"}], "stopped_processing": false}],
                "tags_added": ["damage"], "priority": null, "assignee": "giulia",
                "suggested_template": null}})),
        (status = 400, description = "Malformed body, `field` names it", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such rule for this tenant", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The draft rule is not valid, `field` names it", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn test<S: RuleStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    body: Bytes,
) -> Result<Json<TestAnswer>, Problem> {
    let request: TestRequest = parse_json(&body)?;
    let m = &request.message;
    if m.body.chars().count() > MAX_SAMPLE_CHARS || m.subject.chars().count() > MAX_SAMPLE_CHARS {
        return Err(Problem::invalid(
            "message.body",
            format!("is longer than {MAX_SAMPLE_CHARS} chars"),
        ));
    }
    let now = Utc::now();
    let rules = match (request.rule, request.rule_id) {
        (Some(_), Some(_)) => {
            return Err(Problem::invalid(
                "rule_id",
                "give either `rule` or `rule_id`, not both",
            ));
        }
        (Some(spec), None) => {
            let spec = automation::validate(&spec).map_err(|e| {
                unprocessable(automation::RuleError {
                    field: format!("rule.{}", e.field),
                    reason: e.reason,
                })
            })?;
            let id = RuleId::parse("draft").expect("a valid id");
            // A draft is tried even when saved disabled: that is how it is checked first.
            let mut rule =
                Rule::from_spec(id, caller.tenant.clone(), spec, 0, now, caller.user.clone());
            rule.enabled = true;
            vec![rule]
        }
        (None, Some(id)) => {
            let mut rule = existing(&state, &caller.tenant, &id).await?;
            rule.enabled = true;
            vec![rule]
        }
        (None, None) => state.store.rules(&caller.tenant).await?,
    };
    let intent = m.intent.unwrap_or_else(|| {
        m.risk
            .map(triage::intent_of_risk)
            .unwrap_or_else(|| triage::intent_of(&format!("{}\n{}", m.subject, m.body)))
    });
    let priority = m
        .priority
        .unwrap_or_else(|| triage::priority_of(m.risk, intent));
    let input = RuleInput {
        channel: m.channel,
        subject: &m.subject,
        body: &m.body,
        language: m.language.as_deref(),
        intent: Some(intent),
        priority,
        risk: m.risk,
        fulfillment: m.fulfillment,
        repeat_customer: m.repeat_customer,
        tags: &m.tags,
        assignee: m.assignee.as_ref(),
        suggested_template: None,
    };
    let outcome = automation::apply(&rules, &input);
    Ok(Json(TestAnswer {
        intent,
        priority,
        outcome,
    }))
}

// ---------------------------------------------------------------------------------------------
// OpenAPI documentation of the rule shapes (the domain types carry no schema derive).

/// Keyword lists; each non-empty list must hold. Whole words or phrases in subject and body,
/// ignoring case and accents; at most 200 per list, 100 chars each.
#[derive(Debug, ToSchema)]
#[schema(as = RuleKeywords)]
#[allow(dead_code)]
pub struct KeywordsSchema {
    #[schema(example = json!(["rotto", "danneggiato", "beschädigt"]))]
    any_of: Option<Vec<String>>,
    all_of: Option<Vec<String>>,
    #[schema(example = json!(["grazie"]))]
    none_of: Option<Vec<String>>,
}

/// Every condition given must hold; lists are any-of. At least one condition.
#[derive(Debug, ToSchema)]
#[schema(as = RuleConditions)]
#[allow(dead_code)]
pub struct ConditionsSchema {
    /// `amazon`, `ebay`, `shopify`, `email`.
    #[schema(example = json!(["amazon", "ebay"]))]
    channels: Option<Vec<String>>,
    /// Triaged intents: `where_is_my_order`, `return`, `refund`, `damaged_or_defective`,
    /// `cancellation`, `product_question`, `invoice`, `feedback`, `claim`, `other`.
    intents: Option<Vec<String>>,
    /// `low`, `normal`, `high`, `urgent`.
    priorities: Option<Vec<String>>,
    /// `a_to_z_claim`, `chargeback`, `ebay_item_not_received`, `negative_feedback`.
    risks: Option<Vec<String>>,
    /// ISO 639-1 codes.
    #[schema(example = json!(["it"]))]
    languages: Option<Vec<String>>,
    keywords: Option<KeywordsSchema>,
    /// `marketplace` (FBA) or `merchant` (FBM).
    fulfillment: Option<String>,
    repeat_customer: Option<bool>,
}

/// At least one action.
#[derive(Debug, ToSchema)]
#[schema(as = RuleActions)]
#[allow(dead_code)]
pub struct ActionsSchema {
    /// Lowercased; at most 30, 50 chars each.
    #[schema(example = json!(["damage"]))]
    add_tags: Option<Vec<String>>,
    /// Never lowers a ticket at account risk.
    set_priority: Option<String>,
    /// Assigns an unassigned ticket.
    #[schema(example = "giulia")]
    assign_to: Option<String>,
    /// A template id; stored on the ticket as `suggested_draft`, never sent by itself.
    #[schema(example = "damaged_item")]
    suggest_template: Option<String>,
}

/// A rule as an admin writes it.
#[derive(Debug, ToSchema)]
#[schema(as = RuleSpec)]
#[allow(dead_code)]
pub struct RuleSpecSchema {
    #[schema(example = "Damaged goods to Giulia")]
    name: String,
    /// Default true.
    enabled: Option<bool>,
    /// Evaluation order, lowest first (default 0).
    position: Option<u32>,
    conditions: ConditionsSchema,
    actions: ActionsSchema,
    /// No later rule runs once this one matched (default false).
    stop_processing: Option<bool>,
}

/// A stored rule.
#[derive(Debug, ToSchema)]
#[schema(as = Rule)]
#[allow(dead_code)]
pub struct RuleSchema {
    #[schema(example = "rule_01JD3S0Q2Z8Y7X6W5V4T3S2R1Q")]
    id: String,
    tenant: String,
    name: String,
    enabled: bool,
    position: u32,
    conditions: ConditionsSchema,
    actions: ActionsSchema,
    stop_processing: bool,
    version: u64,
    updated_at: String,
    updated_by: String,
}

#[derive(Debug, ToSchema)]
#[schema(as = RuleList)]
#[allow(dead_code)]
pub struct RuleListSchema {
    items: Vec<RuleSchema>,
}
