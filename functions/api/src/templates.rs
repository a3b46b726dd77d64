//! `/v1/templates`: the starter set plus the tenant's own templates. Reads for every role,
//! writes for admins with `If-Match`. A tenant template with a starter id overrides the starter
//! one (PUT it with `If-Match: "v0"`); starter templates cannot be deleted, and deleting an
//! override brings the starter wording back. Every variant must pass the compliance checker of
//! each channel it serves before it is saved.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use marketdesk::domain::audit::action;
use marketdesk::store::{ConfigChange, ConfigEntry, ConfigKey, ConfigStore, StoreError};
use marketdesk::templates::{Template, TemplateError, TemplateId, starter};
use marketdesk::tenant_config::{
    EffectiveTemplate, blocking_findings, effective_template, effective_templates,
};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::config::{Change, change_audit, lost_race, parse_entry, unprocessable};
use crate::preconditions::{created, if_match, require_admin, stale, with_etag};
use crate::{AppState, Authenticated, Problem};

/// Longest template name, in chars.
const MAX_NAME_CHARS: usize = 200;

/// A template as listed: its own fields plus `origin` and `version` (read-only).
#[derive(Debug, Serialize)]
pub struct TemplateItem {
    #[serde(flatten)]
    template: Template,
    origin: marketdesk::tenant_config::TemplateOrigin,
    version: u64,
}

impl From<EffectiveTemplate> for TemplateItem {
    fn from(e: EffectiveTemplate) -> Self {
        TemplateItem {
            template: e.template,
            origin: e.origin,
            version: e.version,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct TemplateList {
    items: Vec<TemplateItem>,
}

/// The template list (documentation of [`TemplateList`]).
#[derive(Debug, ToSchema)]
#[schema(as = TemplateList)]
#[allow(dead_code)]
pub struct TemplateListSchema {
    items: Vec<TemplateSchema>,
}

/// A reply template; placeholders are written `[ORDER_ID]`, `[TRACKING]`, `[CARRIER]`,
/// `[TRACKING_URL]`, `[DELIVERY_DATE]`, `[SHIPMENT_STATUS]`, `[AMOUNT]`, `[PRODUCT_NAME]`,
/// `[BUYER_NAME]`, `[SELLER_NAME]`, `[ORDER_DATE]`, `[QUANTITY]`, `[LAST_UPDATE]`,
/// `[LAST_LOCATION]`.
#[derive(Debug, ToSchema)]
#[schema(as = Template)]
#[allow(dead_code)]
pub struct TemplateSchema {
    #[schema(example = "wismo_live")]
    id: String,
    #[schema(example = "Where is my order (live tracking)")]
    name: String,
    /// The buyer intent it answers (`where_is_my_order`, `return`, `refund`…).
    #[schema(example = "where_is_my_order")]
    intent: Option<String>,
    variants: Vec<VariantSchema>,
    /// `starter`, `override` (the tenant's wording of a starter template) or `tenant`;
    /// read-only.
    #[schema(example = "starter")]
    origin: String,
    /// 0 for an unchanged starter template; the ETag is `"v{version}"`. Read-only.
    version: u64,
}

/// One wording: for one channel (or every channel when absent) in one language.
#[derive(Debug, ToSchema)]
#[schema(as = TemplateVariant)]
#[allow(dead_code)]
pub struct VariantSchema {
    /// `amazon`, `ebay`, `shopify` or `email`; absent for every channel without its own wording.
    #[schema(example = "ebay")]
    channel: Option<String>,
    #[schema(example = "it")]
    language: String,
    body: String,
}

/// The starter templates (with the tenant's overrides in place), then the tenant's own.
#[utoipa::path(
    get,
    path = "/v1/templates",
    operation_id = "list_templates",
    tag = "templates",
    responses(
        (status = 200, description = "Starter and tenant templates", body = TemplateListSchema),
        (status = 401, description = "No valid token", body = crate::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Store unavailable", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list<S: ConfigStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
) -> Result<Json<TemplateList>, Problem> {
    let stored = state.store.templates(&caller.tenant).await?;
    Ok(Json(TemplateList {
        items: effective_templates(&stored)
            .into_iter()
            .map(TemplateItem::from)
            .collect(),
    }))
}

fn not_found(id: &str) -> Problem {
    Problem::not_found(format!("no template {id}"))
}

/// An id that cannot exist is answered like one that does not.
fn template_id(id: &str) -> Result<TemplateId, Problem> {
    TemplateId::parse(id).map_err(|_| not_found(id))
}

async fn current<S: ConfigStore>(
    state: &AppState<S>,
    tenant: &marketdesk::domain::TenantId,
    id: &TemplateId,
) -> Result<Option<EffectiveTemplate>, Problem> {
    let stored = state.store.template(tenant, id).await?;
    Ok(effective_template(stored, id.as_str()))
}

/// One template, with its ETag.
#[utoipa::path(
    get,
    path = "/v1/templates/{id}",
    operation_id = "get_template",
    tag = "templates",
    params(("id" = String, Path, description = "Template id (`wismo_live`)")),
    responses(
        (status = 200, description = "The template; ETag `\"v{version}\"`", body = TemplateSchema),
        (status = 401, description = "No valid token", body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such template for this tenant", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn get_one<S: ConfigStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let tid = template_id(&id)?;
    let found = current(&state, &caller.tenant, &tid)
        .await?
        .ok_or_else(|| not_found(&id))?;
    let version = found.version;
    Ok(with_etag(
        StatusCode::OK,
        version,
        &TemplateItem::from(found),
    ))
}

fn template_problem(err: &TemplateError) -> Problem {
    let field = match err {
        TemplateError::InvalidLanguage { index, .. } => format!("variants[{index}].language"),
        TemplateError::EmptyBody { index, .. }
        | TemplateError::UnknownPlaceholder { index, .. } => {
            format!("variants[{index}].body")
        }
        TemplateError::InvalidId(_) => "id".into(),
        _ => "variants".into(),
    };
    unprocessable(&field, err.to_string())
}

/// Parses and checks a template: shape, known placeholders, languages, and compliance of every
/// variant on every channel it serves (422 with `findings`).
fn parse_template(body: &[u8]) -> Result<Template, Box<Response>> {
    let template: Template = parse_entry(body).map_err(|p| Box::new(p.into_response()))?;
    let name = template.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        let problem = unprocessable("name", "must be 1 to 200 characters, not only spaces");
        return Err(Box::new(problem.into_response()));
    }
    template
        .validate()
        .map_err(|e| Box::new(template_problem(&e).into_response()))?;
    let findings = blocking_findings(&template);
    if let Some(first) = findings.first() {
        let problem = Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "compliance-blocked",
            "a variant breaks its channel's rules; see findings",
        )
        .with_field(&format!("variants[{}].body", first.variant));
        let mut body = serde_json::to_value(&problem).unwrap_or_default();
        if let Some(object) = body.as_object_mut() {
            object.insert("findings".into(), json!(findings));
        }
        return Err(Box::new(
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                [(header::CONTENT_TYPE, "application/problem+json")],
                body.to_string(),
            )
                .into_response(),
        ));
    }
    Ok(template)
}

/// Stores `template` (created, or replacing `expected`) with its audit entry.
async fn save<S: ConfigStore>(
    state: &AppState<S>,
    caller: &marketdesk::auth::Caller,
    template: Template,
    expected: Option<u64>,
    change: Change,
) -> Result<TemplateItem, StoreError> {
    let now = chrono::Utc::now();
    let version = expected.map_or(1, |v| v + 1);
    let audit = change_audit(
        caller,
        action::TEMPLATE_CHANGE,
        template.id.as_str(),
        change,
        version,
        now,
    );
    let put = ConfigChange::Put {
        entry: ConfigEntry::Template(template.clone()),
        expected,
    };
    state
        .store
        .write_config(&caller.tenant, &[put], &[audit], &caller.user, now)
        .await?;
    let origin = if starter(template.id.as_str()).is_some() {
        marketdesk::tenant_config::TemplateOrigin::Override
    } else {
        marketdesk::tenant_config::TemplateOrigin::Tenant
    };
    Ok(TemplateItem {
        template,
        origin,
        version,
    })
}

/// Create a template (admin). To change a starter template, PUT it instead.
#[utoipa::path(
    post,
    path = "/v1/templates",
    operation_id = "create_template",
    tag = "templates",
    request_body(content = TemplateSchema, description = "A template (`origin` and `version` are ignored)"),
    responses(
        (status = 201, description = "The stored template; ETag `\"v1\"`, Location", body = TemplateSchema),
        (status = 400, description = "Not a template (unknown field, bad id or channel)", body = crate::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = crate::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = crate::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The id is taken (by a starter or a tenant template)", body = crate::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid variant (`field`) or blocking compliance `findings`", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn create<S: ConfigStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    body: Bytes,
) -> Result<Response, Problem> {
    require_admin(&caller, "change templates")?;
    let template = match parse_template(&body) {
        Ok(t) => t,
        Err(response) => return Ok(*response),
    };
    let taken = || {
        Problem::new(
            StatusCode::CONFLICT,
            "conflict",
            format!(
                "template {} exists; PUT it with If-Match to change it",
                template.id
            ),
        )
        .with_field("id")
    };
    if starter(template.id.as_str()).is_some() {
        return Err(taken());
    }
    let id = template.id.to_string();
    let item = match save(&state, &caller, template.clone(), None, Change::Created).await {
        Ok(item) => item,
        Err(StoreError::Conflict { .. }) => return Err(taken()),
        Err(e) => return Err(e.into()),
    };
    Ok(created(&format!("/v1/templates/{id}"), item.version, &item))
}

/// Replace a template (admin, If-Match); a starter id stores the tenant's override.
#[utoipa::path(
    put,
    path = "/v1/templates/{id}",
    operation_id = "update_template",
    tag = "templates",
    params(("id" = String, Path, description = "Template id"),
        ("If-Match" = String, Header, description = "The template's ETag, `\"v{version}\"` (`\"v0\"` for a starter one)")),
    request_body(content = TemplateSchema, description = "The whole template; its `id` is the path's"),
    responses(
        (status = 200, description = "The stored template; the new ETag", body = TemplateSchema),
        (status = 400, description = "Not a template, or If-Match unreadable", body = crate::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = crate::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such template for this tenant", body = crate::Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match: `current` is the template now", body = crate::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid variant (`field`) or blocking compliance `findings`", body = crate::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = crate::Problem, content_type = "application/problem+json"),
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
    require_admin(&caller, "change templates")?;
    let expected = if_match(&headers, "template")?;
    let template = match parse_template(&body) {
        Ok(t) => t,
        Err(response) => return Ok(*response),
    };
    if template.id.as_str() != id {
        return Err(unprocessable("id", format!("must be the path's id '{id}'")));
    }
    let found = current(&state, &caller.tenant, &template.id)
        .await?
        .ok_or_else(|| not_found(&id))?;
    if found.version != expected {
        let version = found.version;
        return Ok(stale("template", version, &TemplateItem::from(found)));
    }
    let change = Change::Replaced { from: expected };
    let expected = (expected > 0).then_some(expected);
    match save(&state, &caller, template, expected, change).await {
        Ok(item) => Ok(with_etag(StatusCode::OK, item.version, &item)),
        Err(StoreError::Conflict { .. }) => Err(lost_race()),
        Err(e) => Err(e.into()),
    }
}

/// Delete a tenant template (admin, If-Match). Deleting an override restores the starter
/// wording; a starter template itself cannot be deleted (409).
#[utoipa::path(
    delete,
    path = "/v1/templates/{id}",
    operation_id = "delete_template",
    tag = "templates",
    params(("id" = String, Path, description = "Template id"),
        ("If-Match" = String, Header, description = "The template's ETag, `\"v{version}\"`")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid token", body = crate::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such template for this tenant", body = crate::Problem, content_type = "application/problem+json"),
        (status = 409, description = "A starter template", body = crate::Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match: `current` is the template now", body = crate::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn delete<S: ConfigStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    require_admin(&caller, "change templates")?;
    let expected = if_match(&headers, "template")?;
    let tid = template_id(&id)?;
    let Some(stored) = state.store.template(&caller.tenant, &tid).await? else {
        return Err(match starter(&id) {
            Some(_) => Problem::new(
                StatusCode::CONFLICT,
                "starter-template",
                "starter templates cannot be deleted; PUT your own wording to override one",
            ),
            None => not_found(&id),
        });
    };
    if stored.version != expected {
        let found = effective_template(Some(stored.clone()), &id).map(TemplateItem::from);
        return Ok(stale("template", stored.version, &found));
    }
    let now = chrono::Utc::now();
    let audit = change_audit(
        &caller,
        action::TEMPLATE_CHANGE,
        &id,
        Change::Deleted,
        expected,
        now,
    );
    let delete = ConfigChange::Delete {
        key: ConfigKey::Template(tid),
        expected,
    };
    match state
        .store
        .write_config(&caller.tenant, &[delete], &[audit], &caller.user, now)
        .await
    {
        Ok(()) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(StoreError::Conflict { .. }) => Err(lost_race()),
        Err(e) => Err(e.into()),
    }
}
