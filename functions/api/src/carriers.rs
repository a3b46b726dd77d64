//! A tenant's own carrier credentials (admins only): `GET/PUT/DELETE /v1/admin/carriers`.
//!
//! The keys go to the credential vault (`marketdesk/{tenant}/carriers`), never to the table, an
//! answer or a log; the table keeps which providers are configured, with a version and the
//! audit entry of each change. Ingestion and the ticket view track the tenant's shipments with
//! them, and with the deployment's for every provider the tenant left out — at once in this
//! process, within five minutes in the others (`TENANT_CARRIERS_TTL`).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use marketdesk::connectors::Secret;
use marketdesk::connectors::carrier_accounts::{CarrierProviders, TenantCarriers, carriers_ref};
use marketdesk::domain::audit::action;
use marketdesk::store::{ConfigChange, ConfigEntry, ConfigKey, ConfigStore, StoreError, Stored};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::accounts::provisioning;
use crate::audit::entry;
use crate::json::parse_json;
use crate::preconditions::{if_match, require_admin, stale, with_etag};
use crate::{AppState, Authenticated, Problem};

/// Longest key, id or secret accepted, in chars.
const MAX_CREDENTIAL_CHARS: usize = 512;

/// An OAuth client of a carrier API.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientInput {
    pub client_id: String,
    /// Write-only.
    pub client_secret: String,
}

/// The tenant's carrier credentials; every member optional, at least one. Replaces what was
/// stored: a provider left out uses the deployment's credentials again. No `Debug`: it holds
/// secrets.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CarrierCredentialsInput {
    /// AfterShip API key: every carrier AfterShip follows (Poste Italiane, BRT, Royal Mail…).
    #[serde(default)]
    pub aftership_api_key: Option<String>,
    /// DHL Unified Tracking API key.
    #[serde(default)]
    pub dhl_api_key: Option<String>,
    #[serde(default)]
    pub ups: Option<ClientInput>,
    #[serde(default)]
    pub usps: Option<ClientInput>,
    #[serde(default)]
    pub fedex: Option<ClientInput>,
}

/// Which carrier APIs the tenant's shipments are tracked with — never the credentials.
#[derive(Debug, Serialize, ToSchema)]
pub struct CarrierSettingsView {
    /// The providers the tenant stored its own credentials for.
    pub own: CarrierProviders,
    /// The providers the deployment has credentials for (used where the tenant has none).
    pub deployment: CarrierProviders,
    /// `ok`, or `unreadable` when the stored credentials cannot be read at the moment (the
    /// deployment's are used meanwhile; `problem` says why).
    pub state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
}

fn invalid(field: &str, reason: impl Into<String>) -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-carrier-credentials",
        reason,
    )
    .with_field(field)
}

fn credential(field: &str, value: &str) -> Result<String, Problem> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > MAX_CREDENTIAL_CHARS {
        return Err(invalid(
            field,
            format!("must be 1 to {MAX_CREDENTIAL_CHARS} chars"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(invalid(field, "must not contain control characters"));
    }
    Ok(value.to_owned())
}

/// The secret's JSON (the shape `CarrierCredentials` reads) and the providers it configures.
fn checked(input: &CarrierCredentialsInput) -> Result<(Secret, CarrierProviders), Problem> {
    let mut secret = serde_json::Map::new();
    if let Some(key) = &input.aftership_api_key {
        let key = credential("aftership_api_key", key)?;
        secret.insert("aftership_api_key".into(), json!(key));
    }
    if let Some(key) = &input.dhl_api_key {
        let key = credential("dhl_api_key", key)?;
        secret.insert("dhl_api_key".into(), json!(key));
    }
    for (name, client) in [
        ("ups", &input.ups),
        ("usps", &input.usps),
        ("fedex", &input.fedex),
    ] {
        if let Some(client) = client {
            let id = credential(&format!("{name}.client_id"), &client.client_id)?;
            let key = credential(&format!("{name}.client_secret"), &client.client_secret)?;
            secret.insert(name.into(), json!({"client_id": id, "client_secret": key}));
        }
    }
    let providers = CarrierProviders {
        aftership: input.aftership_api_key.is_some(),
        dhl: input.dhl_api_key.is_some(),
        ups: input.ups.is_some(),
        usps: input.usps.is_some(),
        fedex: input.fedex.is_some(),
    };
    if !providers.any() {
        return Err(invalid(
            "aftership_api_key",
            "name at least one provider; DELETE removes the tenant's credentials",
        ));
    }
    Ok((Secret::new(Value::Object(secret).to_string()), providers))
}

async fn view<S>(
    state: &AppState<S>,
    tenant: &marketdesk::domain::TenantId,
    record: Option<&Stored<CarrierProviders>>,
) -> CarrierSettingsView {
    let tracker = state.tracking.for_tenant(tenant).await;
    let problem = match &tracker.own {
        TenantCarriers::Unreadable(reason) => Some(reason.clone()),
        _ => None,
    };
    CarrierSettingsView {
        own: record.map(|r| r.entry).unwrap_or_default(),
        deployment: tracker.deployment,
        state: if problem.is_some() {
            "unreadable"
        } else {
            "ok"
        }
        .to_owned(),
        problem,
        version: record.map(|r| r.version),
        updated_at: record.map(|r| r.updated_at),
        updated_by: record.map(|r| r.updated_by.to_string()),
    }
}

fn answer(record: Option<&Stored<CarrierProviders>>, body: &CarrierSettingsView) -> Response {
    match record {
        Some(r) => with_etag(StatusCode::OK, r.version, body),
        None => (StatusCode::OK, axum::Json(body)).into_response(),
    }
}

/// The tenant's carrier settings (admins).
#[utoipa::path(
    get,
    path = "/v1/admin/carriers",
    operation_id = "get_carriers",
    tag = "admin",
    responses(
        (status = 200, description = "Which providers are configured; the `ETag` when the tenant stored any", body = CarrierSettingsView),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn get<S: ConfigStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
) -> Result<Response, Problem> {
    require_admin(&caller, "manage carrier credentials")?;
    let record = state.store.carrier_settings(&caller.tenant).await?;
    let body = view(&state, &caller.tenant, record.as_ref()).await;
    Ok(answer(record.as_ref(), &body))
}

/// Store the tenant's carrier credentials (admins). The first time without `If-Match`; a
/// replacement with the settings' ETag.
#[utoipa::path(
    put,
    path = "/v1/admin/carriers",
    operation_id = "put_carriers",
    tag = "admin",
    params(("If-Match" = Option<String>, Header, description = "The settings' ETag, `\"v{version}\"`; required once the tenant stored credentials")),
    request_body(content = CarrierCredentialsInput, example = json!({
        "aftership_api_key": "asat_…",
        "fedex": {"client_id": "l7…", "client_secret": "…"}})),
    responses(
        (status = 200, description = "The settings; the new `ETag`", body = CarrierSettingsView),
        (status = 400, description = "Malformed body or unknown field", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match: `carriers` is the current settings", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A credential is not valid, `field` names it", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing while credentials are stored", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The credential vault failed; nothing was changed", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn put<S: ConfigStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    require_admin(&caller, "manage carrier credentials")?;
    let input: CarrierCredentialsInput = parse_json(&body)?;
    let (secret, providers) = checked(&input)?;
    let tenant = &caller.tenant;
    let current = state.store.carrier_settings(tenant).await?;
    let expected = match (&current, headers.contains_key(header::IF_MATCH)) {
        (Some(_), _) | (None, true) => Some(if_match(&headers, "carrier settings")?),
        (None, false) => None,
    };
    if let Some(stale_answer) =
        precondition_failed(&state, tenant, current.as_ref(), expected).await
    {
        return Ok(stale_answer);
    }
    state
        .credentials
        .put(&carriers_ref(tenant), &secret)
        .await
        .map_err(|e| provisioning(e, "nothing was changed"))?;
    let change = ConfigChange::Put {
        entry: ConfigEntry::Carriers(providers),
        expected,
    };
    if let Some(lost) = commit(&state, &caller, change, action::CARRIERS_CHANGE, providers).await? {
        return Ok(lost);
    }
    state.tracking.forget(tenant);
    let record = state.store.carrier_settings(tenant).await?;
    let body = view(&state, tenant, record.as_ref()).await;
    Ok(answer(record.as_ref(), &body))
}

/// Remove the tenant's carrier credentials (admins), guarded by the settings' ETag: the
/// deployment's are used for every provider again.
#[utoipa::path(
    delete,
    path = "/v1/admin/carriers",
    operation_id = "delete_carriers",
    tag = "admin",
    params(("If-Match" = String, Header, description = "The settings' ETag, `\"v{version}\"`")),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "Unreadable If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The tenant stored no carrier credentials", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match: `carriers` is the current settings", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The credential vault failed; nothing was changed", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn delete<S: ConfigStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    require_admin(&caller, "manage carrier credentials")?;
    let expected = if_match(&headers, "carrier settings")?;
    let tenant = &caller.tenant;
    let Some(current) = state.store.carrier_settings(tenant).await? else {
        return Err(not_stored());
    };
    if let Some(stale_answer) =
        precondition_failed(&state, tenant, Some(&current), Some(expected)).await
    {
        return Ok(stale_answer);
    }
    state
        .credentials
        .delete(&carriers_ref(tenant))
        .await
        .map_err(|e| provisioning(e, "nothing was changed"))?;
    let change = ConfigChange::Delete {
        key: ConfigKey::Carriers,
        expected,
    };
    if let Some(lost) = commit(
        &state,
        &caller,
        change,
        action::CARRIERS_DELETE,
        current.entry,
    )
    .await?
    {
        return Ok(lost);
    }
    state.tracking.forget(tenant);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Writes the record's change with its audit entry (naming the providers, never a value) in
/// one transaction; `Some(412)` with the settings as they are now when another change won.
async fn commit<S: ConfigStore>(
    state: &AppState<S>,
    caller: &marketdesk::auth::Caller,
    change: ConfigChange,
    action: &str,
    providers: CarrierProviders,
) -> Result<Option<Response>, Problem> {
    let now = Utc::now();
    let audit = entry(
        caller,
        action,
        "carriers",
        json!({"providers": providers}),
        now,
    );
    let tenant = &caller.tenant;
    match state
        .store
        .write_config(tenant, &[change], &[audit], &caller.user, now)
        .await
    {
        Ok(()) => Ok(None),
        Err(StoreError::Conflict { .. }) => {
            let current = state.store.carrier_settings(tenant).await?;
            Ok(Some(stale_or_gone(state, tenant, current.as_ref()).await))
        }
        Err(e) => Err(e.into()),
    }
}

fn not_stored() -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        "not-found",
        "the tenant stored no carrier credentials",
    )
}

/// 412 when `expected` is not the stored version (`None`: nothing may be stored).
async fn precondition_failed<S>(
    state: &AppState<S>,
    tenant: &marketdesk::domain::TenantId,
    current: Option<&Stored<CarrierProviders>>,
    expected: Option<u64>,
) -> Option<Response> {
    (current.map(|c| c.version) != expected).then_some(())?;
    Some(stale_or_gone(state, tenant, current).await)
}

async fn stale_or_gone<S>(
    state: &AppState<S>,
    tenant: &marketdesk::domain::TenantId,
    current: Option<&Stored<CarrierProviders>>,
) -> Response {
    let body = view(state, tenant, current).await;
    stale("carriers", current.map_or(0, |c| c.version), &body)
}
