//! Channel accounts (admins only): `GET/POST /v1/admin/accounts`,
//! `GET/PUT/DELETE /v1/admin/accounts/{id}`.
//!
//! Connecting an account stores its credentials in the credential vault (never in the table,
//! never in an answer or a log), saves the account with its audit entry in one transaction, and
//! creates its recurring poll schedule. Every later step is idempotent, so a failed step is
//! healed by repeating the request (a PUT re-creates or removes the schedule to match
//! `enabled`).
//!
//! Delete removes the schedule, the secret, then the account with its poll cursor and seller
//! route. Tickets of the account are kept with their history: there is no index of tickets by
//! account, and disabling (`enabled: false`) is the way to stop polling while still answering
//! them — after a delete, a reply on such a ticket is recorded failed (`no account`).
//!
//! The version is checked before the vault or the scheduler is touched, and again by the
//! store's conditional write; only a change landing between the two can leave a PUT's new
//! secret under an account that answered 412, or a DELETE's account without its schedule and
//! secret (a PUT with `enabled: true` and credentials restores both).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use marketdesk::accounts::{
    Credentials, CredentialsInput, FieldError, POLL_INTERVAL_MINUTES, PollSchedule,
    ProvisioningError, credentials_ref, schedule_name,
};
use marketdesk::connectors::amazon::Region;
use marketdesk::domain::audit::action;
use marketdesk::domain::{
    AccountId, Channel, ChannelAccount, Marketplace, ReplyIdentity, SellerId, TenantId,
};
use marketdesk::store::{AccountStore, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::audit::entry;
use crate::preconditions::{self, if_match, require_admin, stale};
use crate::rules::parse_json;
use crate::{AppState, Authenticated, Problem};

/// Longest display name, in chars.
pub const MAX_NAME_CHARS: usize = 100;

/// A marketplace as sent: Amazon's marketplace id, eBay's `EBAY_XX` site, or the Shopify shop
/// domain.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarketplaceInput {
    #[schema(example = "APJ6JRA9NG5V4")]
    pub id: String,
    /// ISO 3166 alpha-2 (`IT`).
    #[serde(default)]
    pub country: Option<String>,
    /// Primary language, ISO 639-1 (`it`): the language of compliance checks.
    #[serde(default)]
    pub language: Option<String>,
}

/// Connect an account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    /// `amazon`, `ebay` or `shopify`.
    #[schema(value_type = String, example = "amazon")]
    pub channel: Channel,
    pub marketplace: MarketplaceInput,
    pub display_name: String,
    /// Amazon only, required: the selling partner id ORDER_CHANGE notifications carry.
    #[serde(default)]
    pub seller_id: Option<String>,
    /// The approved sender replies go out from; required for Amazon and Shopify.
    #[serde(default)]
    pub sender_address: Option<String>,
    /// Minutes between polls, 1 to 60 (default 5).
    #[serde(default = "default_interval")]
    pub poll_interval_minutes: u32,
    /// The seller name and signature of replies (ready drafts); absent: the display name.
    #[serde(default)]
    pub reply_identity: Option<ReplyIdentity>,
    /// Send a where-is-my-order ready draft without an agent when it quotes a live status and
    /// passes the checker (default `false`). eBay only: refused on Amazon, where every
    /// automatic reply must be reviewed, and on channels that do not count one as an answer.
    #[serde(default)]
    pub auto_send_wismo: bool,
    /// Write-only. Amazon: `client_id`, `client_secret`, `refresh_token` (Login with Amazon);
    /// eBay: the same and `seller_username`; Shopify: `shop_domain` (the marketplace id) and
    /// `access_token`.
    #[schema(value_type = Object)]
    pub credentials: CredentialsInput,
}

fn default_interval() -> u32 {
    5
}

/// Replace an account's mutable fields; channel, marketplace and seller id are fixed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountUpdate {
    pub display_name: String,
    #[serde(default)]
    pub sender_address: Option<String>,
    pub poll_interval_minutes: u32,
    /// `false` stops polling (the schedule is deleted); `true` re-creates the schedule.
    pub enabled: bool,
    /// The seller name and signature of replies; absent: the display name signs them.
    #[serde(default)]
    pub reply_identity: Option<ReplyIdentity>,
    /// As on creation; absent: `false`.
    #[serde(default)]
    pub auto_send_wismo: bool,
    /// Write-only; absent: the stored credentials stay.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub credentials: Option<CredentialsInput>,
}

/// An account as answered: everything but its credentials.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountView {
    #[schema(example = "acct_01JD2ZC3W8V1X2Y3Z4A5B6C7D8")]
    pub id: String,
    #[schema(example = "amazon")]
    pub channel: String,
    #[schema(value_type = Object)]
    pub marketplace: Marketplace,
    /// SP-API region (`na`, `eu`, `fe`), Amazon only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub display_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seller_id: Option<String>,
    pub poll_interval_minutes: u32,
    pub enabled: bool,
    /// How replies from this account are signed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_identity: Option<ReplyIdentity>,
    /// Whether where-is-my-order ready drafts are sent without an agent (eBay only).
    pub auto_send_wismo: bool,
    /// The poll schedule's expression while enabled (`rate(5 minutes)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poll_schedule: Option<String>,
    pub created_at: DateTime<Utc>,
    pub version: u64,
}

impl From<&ChannelAccount> for AccountView {
    fn from(a: &ChannelAccount) -> Self {
        AccountView {
            id: a.id.to_string(),
            channel: a.channel.to_string(),
            marketplace: a.marketplace.clone(),
            region: a.region.clone(),
            display_name: a.display_name.clone(),
            sender_address: a.sender_address.clone(),
            seller_id: a.seller_id.as_ref().map(ToString::to_string),
            poll_interval_minutes: a.poll_interval_minutes,
            enabled: a.enabled,
            reply_identity: a.reply_identity.clone(),
            auto_send_wismo: a.auto_send_wismo,
            poll_schedule: a.enabled.then(|| PollSchedule::of(a).expression),
            created_at: a.created_at,
            version: a.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountList {
    items: Vec<AccountView>,
}

fn unprocessable(err: FieldError) -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-account",
        err.reason.clone(),
    )
    .with_field(&err.field)
}

/// A vault or scheduler failure: logged with the secret's or schedule's name, answered 503
/// with what was done and how to finish it.
pub(crate) fn provisioning(err: ProvisioningError, done: &str) -> Problem {
    tracing::error!(error = %err, "credential or schedule provisioning");
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "provisioning-unavailable",
        format!("{done}; retry the request"),
    )
}

fn display_name(name: &str) -> Result<String, FieldError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(FieldError::new(
            "display_name",
            format!("must be 1 to {MAX_NAME_CHARS} chars"),
        ));
    }
    Ok(name.to_owned())
}

/// Longest signature, in chars.
pub const MAX_SIGNATURE_CHARS: usize = 500;

fn reply_identity(identity: Option<&ReplyIdentity>) -> Result<Option<ReplyIdentity>, FieldError> {
    let Some(identity) = identity else {
        return Ok(None);
    };
    let seller_name = identity.seller_name.trim();
    if seller_name.is_empty()
        || seller_name.chars().count() > MAX_NAME_CHARS
        || seller_name.chars().any(char::is_control)
    {
        return Err(FieldError::new(
            "reply_identity.seller_name",
            format!("must be 1 to {MAX_NAME_CHARS} chars on one line"),
        ));
    }
    let signature = identity
        .signature
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if let Some(sig) = signature
        && (sig.chars().count() > MAX_SIGNATURE_CHARS
            || sig.chars().any(|c| c.is_control() && c != '\n'))
    {
        return Err(FieldError::new(
            "reply_identity.signature",
            format!("must be at most {MAX_SIGNATURE_CHARS} chars of text"),
        ));
    }
    Ok(Some(ReplyIdentity {
        seller_name: seller_name.to_owned(),
        signature: signature.map(str::to_owned),
    }))
}

/// Auto-send is accepted only where the channel counts an automatic reply as an answer
/// (`sla::auto_reply_stops_clock`, the same rule the sender and reports apply).
fn auto_send_wismo(channel: Channel, on: bool) -> Result<bool, FieldError> {
    if on && !marketdesk::sla::auto_reply_stops_clock(channel) {
        return Err(FieldError::new(
            "auto_send_wismo",
            format!("is not allowed on {channel}: replies there must be sent by an agent"),
        ));
    }
    Ok(on)
}

fn interval(minutes: u32) -> Result<u32, FieldError> {
    if POLL_INTERVAL_MINUTES.contains(&minutes) {
        Ok(minutes)
    } else {
        Err(FieldError::new(
            "poll_interval_minutes",
            "must be 1 to 60 minutes",
        ))
    }
}

/// A plausible mailbox: one `@`, a dotted domain, no spaces. SES verifies it for real.
fn sender_address(channel: Channel, value: Option<&str>) -> Result<Option<String>, FieldError> {
    let field = "sender_address";
    let Some(address) = value.map(str::trim) else {
        return match channel {
            Channel::Amazon | Channel::Shopify => Err(FieldError::new(
                field,
                format!("is required for {channel}: replies are e-mails from it"),
            )),
            Channel::Ebay | Channel::Email => Ok(None),
        };
    };
    let valid = address.len() <= 254
        && !address.chars().any(|c| c.is_whitespace() || c.is_control())
        && address.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if valid {
        Ok(Some(address.to_ascii_lowercase()))
    } else {
        Err(FieldError::new(field, "must be an e-mail address"))
    }
}

fn marketplace(
    channel: Channel,
    input: &MarketplaceInput,
    credentials: &Credentials,
) -> Result<(Marketplace, Option<String>), FieldError> {
    let id = input.id.trim();
    let region = match (channel, credentials) {
        (Channel::Amazon, _) => Some(
            Region::for_marketplace(id)
                .ok_or_else(|| {
                    FieldError::new("marketplace.id", "is not a known Amazon marketplace id")
                })?
                .as_str()
                .to_owned(),
        ),
        (Channel::Ebay, _) => {
            if !crate::marketplaces::is_ebay_marketplace(id) {
                return Err(FieldError::new(
                    "marketplace.id",
                    "must be an eBay marketplace id such as EBAY_IT",
                ));
            }
            None
        }
        (_, Credentials::Shopify { shop_domain, .. }) => {
            if !id.eq_ignore_ascii_case(shop_domain) {
                return Err(FieldError::new(
                    "marketplace.id",
                    "must be the shop domain of credentials.shop_domain",
                ));
            }
            None
        }
        _ => return Err(FieldError::new("channel", "is not supported")),
    };
    let country = match input.country.as_deref().map(str::trim) {
        Some(c) if c.len() == 2 && c.chars().all(|c| c.is_ascii_alphabetic()) => {
            Some(c.to_ascii_uppercase())
        }
        Some(_) => {
            return Err(FieldError::new(
                "marketplace.country",
                "must be an ISO 3166 alpha-2 code such as IT",
            ));
        }
        None => None,
    };
    let language = match input.language.as_deref().map(str::trim) {
        Some(l) if (2..=3).contains(&l.len()) && l.chars().all(|c| c.is_ascii_alphabetic()) => {
            Some(l.to_ascii_lowercase())
        }
        Some(_) => {
            return Err(FieldError::new(
                "marketplace.language",
                "must be an ISO 639-1 code such as it",
            ));
        }
        None => None,
    };
    let id = match credentials {
        Credentials::Shopify { shop_domain, .. } => shop_domain.clone(),
        _ => id.to_owned(),
    };
    Ok((
        Marketplace {
            id,
            country,
            language,
        },
        region,
    ))
}

/// The account `body` describes for `tenant`, and its credentials.
fn new_account(
    tenant: &TenantId,
    body: &NewAccount,
    now: DateTime<Utc>,
) -> Result<(ChannelAccount, Credentials), FieldError> {
    let credentials = Credentials::validate(body.channel, &body.credentials)?;
    let (market, region) = marketplace(body.channel, &body.marketplace, &credentials)?;
    let seller_id = match (body.channel, body.seller_id.as_deref()) {
        (Channel::Amazon, Some(id)) => Some(SellerId::parse(id.trim()).map_err(|e| {
            FieldError::new("seller_id", format!("is not a selling partner id: {e}"))
        })?),
        (Channel::Amazon, None) => {
            return Err(FieldError::new(
                "seller_id",
                "is required for amazon: ORDER_CHANGE notifications are routed by it",
            ));
        }
        (_, Some(_)) => return Err(FieldError::new("seller_id", "is used by amazon only")),
        (_, None) => None,
    };
    let id = AccountId::generate(now);
    let account = ChannelAccount {
        credentials: credentials_ref(tenant, &id),
        id,
        tenant: tenant.clone(),
        channel: body.channel,
        marketplace: market,
        region,
        display_name: display_name(&body.display_name)?,
        sender_address: sender_address(body.channel, body.sender_address.as_deref())?,
        seller_id,
        poll_interval_minutes: interval(body.poll_interval_minutes)?,
        reply_identity: reply_identity(body.reply_identity.as_ref())?,
        auto_send_wismo: auto_send_wismo(body.channel, body.auto_send_wismo)?,
        enabled: true,
        created_at: now,
        version: 0,
    };
    Ok((account, credentials))
}

/// `current` changed as `body` says, with the replacement credentials if any.
fn updated_account(
    current: &ChannelAccount,
    body: &AccountUpdate,
) -> Result<(ChannelAccount, Option<Credentials>), FieldError> {
    let credentials = body
        .credentials
        .as_ref()
        .map(|c| Credentials::validate(current.channel, c))
        .transpose()?;
    if let Some(Credentials::Shopify { shop_domain, .. }) = &credentials
        && *shop_domain != current.marketplace.id
    {
        return Err(FieldError::new(
            "credentials.shop_domain",
            "must be the account's shop; connect another shop as a new account",
        ));
    }
    let mut next = current.clone();
    next.display_name = display_name(&body.display_name)?;
    next.sender_address = sender_address(current.channel, body.sender_address.as_deref())?;
    next.poll_interval_minutes = interval(body.poll_interval_minutes)?;
    next.enabled = body.enabled;
    next.reply_identity = reply_identity(body.reply_identity.as_ref())?;
    next.auto_send_wismo = auto_send_wismo(current.channel, body.auto_send_wismo)?;
    Ok((next, credentials))
}

/// The names of the fields `before` → `after` changed (never their secret values).
fn changed_fields(before: &ChannelAccount, after: &ChannelAccount) -> Vec<&'static str> {
    let mut changed = Vec::new();
    if before.display_name != after.display_name {
        changed.push("display_name");
    }
    if before.sender_address != after.sender_address {
        changed.push("sender_address");
    }
    if before.poll_interval_minutes != after.poll_interval_minutes {
        changed.push("poll_interval_minutes");
    }
    if before.enabled != after.enabled {
        changed.push("enabled");
    }
    if before.reply_identity != after.reply_identity {
        changed.push("reply_identity");
    }
    if before.auto_send_wismo != after.auto_send_wismo {
        changed.push("auto_send_wismo");
    }
    changed
}

fn with_etag(status: StatusCode, account: &ChannelAccount) -> Response {
    preconditions::with_etag(status, account.version, &AccountView::from(account))
}

/// An id that cannot exist is answered like one that does not: no probing.
async fn existing<S: AccountStore>(
    state: &AppState<S>,
    tenant: &TenantId,
    id: &str,
) -> Result<ChannelAccount, Problem> {
    let not_found = || Problem::not_found(format!("no account {id}"));
    let account_id = AccountId::parse(id).map_err(|_| not_found())?;
    state
        .store
        .account(tenant, &account_id)
        .await?
        .ok_or_else(not_found)
}

/// Makes the schedule match `account.enabled`.
async fn sync_schedule<S>(state: &AppState<S>, account: &ChannelAccount) -> Result<(), Problem> {
    let result = if account.enabled {
        state
            .poll_schedules
            .upsert(&PollSchedule::of(account))
            .await
    } else {
        let name = schedule_name(&account.tenant, &account.id);
        state.poll_schedules.delete(&name).await
    };
    result.map_err(|e| {
        provisioning(
            e,
            &format!(
                "account {} was saved, but its poll schedule could not be {}",
                account.id,
                if account.enabled { "set" } else { "removed" }
            ),
        )
    })
}

fn audit_detail(account: &ChannelAccount, extra: Value) -> Value {
    let mut detail = json!({
        "channel": account.channel,
        "marketplace": account.marketplace.id,
        "display_name": account.display_name,
        "poll_interval_minutes": account.poll_interval_minutes,
        "enabled": account.enabled,
    });
    if let (Some(d), Value::Object(extra)) = (detail.as_object_mut(), extra) {
        d.extend(extra);
    }
    detail
}

/// The tenant's channel accounts (admins), oldest first; never their credentials.
#[utoipa::path(
    get,
    path = "/v1/admin/accounts",
    operation_id = "list_accounts",
    tag = "admin",
    responses(
        (status = 200, description = "`items`: every account (one Query; a tenant has a handful, so no paging)", body = AccountList),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list<S: AccountStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
) -> Result<Json<AccountList>, Problem> {
    require_admin(&caller, "manage channel accounts")?;
    let mut accounts = state.store.accounts(&caller.tenant).await?;
    accounts.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    Ok(Json(AccountList {
        items: accounts.iter().map(AccountView::from).collect(),
    }))
}

/// Connect a channel account (admins): credentials to the vault, the account to the table,
/// its poll schedule to the scheduler.
#[utoipa::path(
    post,
    path = "/v1/admin/accounts",
    operation_id = "create_account",
    tag = "admin",
    request_body(content = NewAccount, example = json!({
        "channel": "amazon",
        "marketplace": {"id": "APJ6JRA9NG5V4", "country": "IT", "language": "it"},
        "display_name": "Amazon.it",
        "seller_id": "A3EXAMPLESELLER",
        "sender_address": "assistenza@negozio.example",
        "poll_interval_minutes": 5,
        "credentials": {"client_id": "amzn1.application-oa2-client.0123",
            "client_secret": "…", "refresh_token": "Atzr|…"}})),
    responses(
        (status = 201, description = "The account, without credentials; `ETag` and `Location` headers", body = AccountView),
        (status = 400, description = "Malformed body or unknown field, `field` names it", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The seller id is connected to another account", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid for the channel (e.g. `credentials.refresh_token` missing, `poll_interval_minutes` out of 1–60), `field` names it", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The credential vault, scheduler or store failed; the detail says what was done", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn create<S: AccountStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    body: Bytes,
) -> Result<Response, Problem> {
    require_admin(&caller, "manage channel accounts")?;
    let body: NewAccount = parse_json(&body)?;
    let now = Utc::now();
    let (account, credentials) = new_account(&caller.tenant, &body, now).map_err(unprocessable)?;
    state
        .credentials
        .put(&account.credentials, &credentials.secret_value())
        .await
        .map_err(|e| provisioning(e, "nothing was saved"))?;
    let audit = entry(
        &caller,
        action::ACCOUNT_CREATE,
        account.id.as_str(),
        audit_detail(&account, json!({})),
        now,
    );
    let stored = match state
        .store
        .save_account_audited(&account, None, &audit)
        .await
    {
        Ok(stored) => stored,
        Err(err) => {
            // Nothing refers to the secret yet: take it back.
            if let Err(e) = state.credentials.delete(&account.credentials).await {
                tracing::warn!(error = %e, "removing the secret of an account not saved");
            }
            return Err(match err {
                StoreError::Conflict {
                    entity: "seller route",
                    ..
                } => Problem::new(
                    StatusCode::CONFLICT,
                    "seller-connected",
                    "this seller id is connected to another account",
                )
                .with_field("seller_id"),
                other => other.into(),
            });
        }
    };
    sync_schedule(&state, &stored).await?;
    Ok(preconditions::created(
        &format!("/v1/admin/accounts/{}", stored.id),
        stored.version,
        &AccountView::from(&stored),
    ))
}

/// One account (admins), without credentials.
#[utoipa::path(
    get,
    path = "/v1/admin/accounts/{id}",
    operation_id = "get_account",
    tag = "admin",
    params(("id" = String, Path, description = "Account id (`acct_…`)")),
    responses(
        (status = 200, description = "The account; its `ETag`", body = AccountView),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such account for this tenant", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn get_one<S: AccountStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    require_admin(&caller, "manage channel accounts")?;
    let account = existing(&state, &caller.tenant, &id).await?;
    Ok(with_etag(StatusCode::OK, &account))
}

/// Change an account (admins), guarded by its ETag: name, sender, interval (the schedule
/// follows), enabled (disabled: no schedule), credentials (the secret is replaced).
#[utoipa::path(
    put,
    path = "/v1/admin/accounts/{id}",
    operation_id = "update_account",
    tag = "admin",
    params(("id" = String, Path, description = "Account id (`acct_…`)"),
        ("If-Match" = String, Header, description = "The account's ETag, `\"v{version}\"`")),
    request_body(content = AccountUpdate, example = json!({
        "display_name": "Amazon.it (main)",
        "sender_address": "assistenza@negozio.example",
        "poll_interval_minutes": 10,
        "enabled": true})),
    responses(
        (status = 200, description = "The account; the new `ETag`", body = AccountView),
        (status = 400, description = "Malformed body or unknown field", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such account for this tenant", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match: `account` is the current one", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid, `field` names it", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The credential vault, scheduler or store failed; the detail says what was done", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn replace<S: AccountStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    require_admin(&caller, "manage channel accounts")?;
    let expected = if_match(&headers, "account")?;
    let body: AccountUpdate = parse_json(&body)?;
    let current = existing(&state, &caller.tenant, &id).await?;
    if current.version != expected {
        return Ok(stale(
            "account",
            current.version,
            &AccountView::from(&current),
        ));
    }
    let (next, credentials) = updated_account(&current, &body).map_err(unprocessable)?;
    if let Some(credentials) = &credentials {
        state
            .credentials
            .put(&current.credentials, &credentials.secret_value())
            .await
            .map_err(|e| provisioning(e, "nothing was changed"))?;
    }
    let now = Utc::now();
    let audit = entry(
        &caller,
        action::ACCOUNT_UPDATE,
        current.id.as_str(),
        audit_detail(
            &next,
            json!({"changed": changed_fields(&current, &next),
                "credentials_replaced": credentials.is_some()}),
        ),
        now,
    );
    let stored = match state
        .store
        .save_account_audited(&next, Some(expected), &audit)
        .await
    {
        Ok(stored) => stored,
        Err(StoreError::Conflict { .. }) => {
            let current = existing(&state, &caller.tenant, &id).await?;
            return Ok(stale(
                "account",
                current.version,
                &AccountView::from(&current),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    sync_schedule(&state, &stored).await?;
    Ok(with_etag(StatusCode::OK, &stored))
}

/// Remove an account (admins), guarded by its ETag: its schedule, its secret, then the account
/// with its poll cursor and seller route. Its tickets stay, with their history.
#[utoipa::path(
    delete,
    path = "/v1/admin/accounts/{id}",
    operation_id = "delete_account",
    tag = "admin",
    params(("id" = String, Path, description = "Account id (`acct_…`)"),
        ("If-Match" = String, Header, description = "The account's ETag, `\"v{version}\"`")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such account for this tenant", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match: `account` is the current one", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The credential vault, scheduler or store failed; the detail says what was done", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn delete<S: AccountStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    require_admin(&caller, "manage channel accounts")?;
    let expected = if_match(&headers, "account")?;
    let current = existing(&state, &caller.tenant, &id).await?;
    if current.version != expected {
        return Ok(stale(
            "account",
            current.version,
            &AccountView::from(&current),
        ));
    }
    state
        .poll_schedules
        .delete(&schedule_name(&current.tenant, &current.id))
        .await
        .map_err(|e| provisioning(e, "nothing was deleted"))?;
    state
        .credentials
        .delete(&current.credentials)
        .await
        .map_err(|e| provisioning(e, "the poll schedule was deleted, the account was not"))?;
    let audit = entry(
        &caller,
        action::ACCOUNT_DELETE,
        current.id.as_str(),
        audit_detail(&current, json!({})),
        Utc::now(),
    );
    match state.store.delete_account(&current, expected, &audit).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(StoreError::Conflict { .. }) => {
            let id = current.id.clone();
            match state.store.account(&caller.tenant, &id).await? {
                Some(now_current) => Ok(stale(
                    "account",
                    now_current.version,
                    &AccountView::from(&now_current),
                )),
                None => Err(Problem::not_found(format!("no account {id}"))),
            }
        }
        Err(e) => Err(e.into()),
    }
}
