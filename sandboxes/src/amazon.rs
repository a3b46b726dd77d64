//! Login with Amazon and SP-API Orders 2026-01-01 on one server.
//!
//! - `POST /auth/o2/token` (route `refreshToken`): the LWA refresh-token grant; issues access
//!   tokens with a lifetime tests can shorten.
//! - `GET /orders/2026-01-01/orders` (route `searchOrders`) and
//!   `GET /orders/2026-01-01/orders/{orderId}` (route `getOrder`): check `x-amz-access-token`
//!   against the tokens issued, validate parameters as the model documents them and answer
//!   with bodies shaped like the model (`SearchOrdersResponse`, `GetOrderResponse`,
//!   `ErrorList`).
//!
//! - The Reports API's seller feedback report (`createReport` → `getReport` →
//!   `getReportDocument` → the document): see `amazon/reports.rs`.
//! - Solicitations v1 (`amazon::solicitations`): the review request's actions and its creation,
//!   once per order, 5 to 30 days after delivery.
//! - Messaging v1 (`getMessagingActionsForOrder` and the seller-initiated messages): see
//!   [`messaging`].
//!
//! Orders are generated from a seed (same seed, same orders) and tests can add their own.

// Handlers return their refusal (`Err(Response)`) early; the size of that is irrelevant here.
#![allow(clippy::result_large_err)]

mod reports;

pub use reports::{
    CREATE_REPORT_ROUTE, DOWNLOAD_REPORT_DOCUMENT_ROUTE, FeedbackLine, GET_REPORT_DOCUMENT_ROUTE,
    GET_REPORT_ROUTE, Reports,
};

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::faults::{self, Fault, FaultLayer, Faults};
use crate::rng::Rng;
use crate::server::{self, Running};
use crate::tokens::{self, ClientAuth, TokenCheck, TokenEndpoint, TokenIssuer};

mod solicitations;
pub use solicitations::{
    CREATE_REVIEW_SOLICITATION_ROUTE, GET_SOLICITATION_ACTIONS_ROUTE, Solicitation,
};
mod messaging;
pub use messaging::{
    GET_MESSAGING_ACTIONS_ROUTE, MessagingRequest, SentMessage, offered_for, operation_route,
};

pub const REFRESH_TOKEN_ROUTE: &str = "refreshToken";
pub const SEARCH_ORDERS_ROUTE: &str = "searchOrders";
pub const GET_ORDER_ROUTE: &str = "getOrder";

/// The selling partner id of the sandbox's seller (`AmazonConfig::seller_id` by default); the
/// demo tenant's Amazon account carries it.
pub const SANDBOX_SELLER_ID: &str = "A3SANDBOXSELLER";

/// How the sandbox is set up.
#[derive(Debug, Clone)]
pub struct AmazonConfig {
    /// Same seed, same generated orders.
    pub seed: u64,
    /// How many orders to generate.
    pub orders: usize,
    /// The selling partner whose orders these are; ORDER_CHANGE notifications name it.
    pub seller_id: String,
    /// Marketplaces of the generated orders (see [`MARKETPLACES`]).
    pub marketplace_ids: Vec<String>,
    /// Generated orders are created and updated in the 30 days before this instant.
    pub now: DateTime<Utc>,
    pub client_id: String,
    pub client_secret: String,
    pub refresh_token: String,
    /// Lifetime of issued access tokens (Amazon: one hour).
    pub token_lifetime: Duration,
    /// Time the token endpoint takes to answer, to make concurrent refreshes overlap.
    pub token_latency: Duration,
    /// Value of `x-amzn-RateLimit-Limit` on Orders responses, if any.
    pub rate_limit_header: Option<f64>,
}

impl Default for AmazonConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            orders: 40,
            seller_id: SANDBOX_SELLER_ID.to_owned(),
            marketplace_ids: [
                "APJ6JRA9NG5V4",
                "A1PA6795UKMFR9",
                "A1F83G8C2ARO7P",
                "A13V1IB3VIYZZH",
                "A1RKKUPIHCS9HS",
            ]
            .map(str::to_owned)
            .to_vec(),
            now: DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z")
                .expect("valid")
                .to_utc(),
            client_id: "amzn1.application-oa2-client.sandbox".to_owned(),
            client_secret: "sandbox-client-secret".to_owned(),
            refresh_token: "Atzr|sandbox-refresh-token".to_owned(),
            token_lifetime: Duration::from_secs(3600),
            token_latency: Duration::ZERO,
            rate_limit_header: None,
        }
    }
}

#[derive(Debug, Clone)]
struct AmazonState {
    config: Arc<AmazonConfig>,
    orders: Arc<Mutex<BTreeMap<String, Value>>>,
    tokens: TokenIssuer,
    oauth: TokenEndpoint,
    counter: Arc<AtomicU64>,
    reports: Reports,
    solicitations: solicitations::Ledger,
    /// `x-amzn-RateLimit-Limit` announced on Orders answers (starts as the config's).
    rate_header: Arc<Mutex<Option<f64>>>,
    messaging: messaging::MessagingState,
}

/// A running LWA + SP-API sandbox; it stops when dropped.
#[derive(Debug)]
pub struct AmazonSandbox {
    server: Running,
    state: AmazonState,
    faults: Faults,
}

impl AmazonSandbox {
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(AmazonConfig::default()).await
    }

    pub async fn start_with(config: AmazonConfig) -> std::io::Result<Self> {
        Self::start_at(server::localhost(), config).await
    }

    pub async fn start_at(addr: SocketAddr, config: AmazonConfig) -> std::io::Result<Self> {
        let orders = seeded_orders(&config)
            .into_iter()
            .map(|o| (order_id(&o), o))
            .collect();
        let tokens = TokenIssuer::new(config.seed, config.token_lifetime);
        let oauth = TokenEndpoint {
            issuer: tokens.clone(),
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
            refresh_token: config.refresh_token.clone(),
            client_auth: ClientAuth::Form,
            scopes: None,
            token_prefix: "Atza|sandbox-",
            token_type: "bearer",
            echo_refresh_token: true,
            latency: config.token_latency,
        };
        let state = AmazonState {
            tokens,
            oauth,
            rate_header: Arc::new(Mutex::new(config.rate_limit_header)),
            config: Arc::new(config),
            orders: Arc::new(Mutex::new(orders)),
            counter: Arc::new(AtomicU64::new(0)),
            reports: Reports::default(),
            solicitations: solicitations::Ledger::default(),
            messaging: Default::default(),
        };
        let faults = Faults::default();
        let layer = |route| {
            middleware::from_fn_with_state(
                FaultLayer {
                    faults: faults.clone(),
                    route,
                    render,
                },
                faults::apply,
            )
        };
        let router = Router::new()
            .route(
                "/auth/o2/token",
                post(refresh_token).layer(layer(REFRESH_TOKEN_ROUTE)),
            )
            .route(
                "/orders/2026-01-01/orders",
                get(search_orders).layer(layer(SEARCH_ORDERS_ROUTE)),
            )
            .route(
                "/orders/2026-01-01/orders/{orderId}",
                get(get_order).layer(layer(GET_ORDER_ROUTE)),
            )
            .route(
                "/reports/2021-06-30/reports",
                post(reports::create_report).layer(layer(CREATE_REPORT_ROUTE)),
            )
            .route(
                "/reports/2021-06-30/reports/{reportId}",
                get(reports::get_report).layer(layer(GET_REPORT_ROUTE)),
            )
            .route(
                "/reports/2021-06-30/documents/{reportDocumentId}",
                get(reports::get_report_document).layer(layer(GET_REPORT_DOCUMENT_ROUTE)),
            )
            .route(
                "/sandbox/report-documents/{id}",
                get(reports::download_report_document).layer(layer(DOWNLOAD_REPORT_DOCUMENT_ROUTE)),
            )
            .route(
                "/solicitations/v1/orders/{amazonOrderId}",
                get(solicitations::get_actions).layer(layer(GET_SOLICITATION_ACTIONS_ROUTE)),
            )
            .route(
                "/solicitations/v1/orders/{amazonOrderId}/solicitations/productReviewAndSellerFeedback",
                post(solicitations::create_review).layer(layer(CREATE_REVIEW_SOLICITATION_ROUTE)),
            )
            .merge(messaging::routes(&faults))
            .layer(middleware::from_fn_with_state(state.clone(), request_id))
            .with_state(state.clone());
        let server = server::serve(router, addr).await?;
        Ok(Self {
            server,
            state,
            faults,
        })
    }

    /// The SP-API endpoint to configure clients with.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// The LWA token endpoint.
    pub fn token_url(&self) -> String {
        format!("{}/auth/o2/token", self.base_url())
    }

    pub fn config(&self) -> &AmazonConfig {
        &self.state.config
    }

    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// The Reports API's state (feedback rows, polls before DONE, GZIP).
    pub fn reports(&self) -> &Reports {
        &self.state.reports
    }

    /// Requests the token endpoint received (faulted ones included).
    pub fn token_requests(&self) -> usize {
        self.faults.count(REFRESH_TOKEN_ROUTE)
    }

    /// Tokens issued from now on live this long; tokens already issued keep their expiry.
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.state.tokens.set_lifetime(lifetime);
    }

    /// Every access token issued so far is refused from now on (as after a revocation).
    pub fn expire_all_tokens(&self) {
        self.state.tokens.forget_all();
    }

    /// The refresh token stops working: the token endpoint answers `invalid_grant`.
    pub fn revoke_refresh_token(&self) {
        self.state.tokens.revoke_refresh_token();
    }

    /// From now on Orders answers announce this rate (`x-amzn-RateLimit-Limit`), as Amazon
    /// does for an account whose usage plan differs from the default; `None` stops it.
    pub fn set_rate_limit_header(&self, per_second: Option<f64>) {
        *self
            .state
            .rate_header
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = per_second;
    }

    /// Adds or replaces an order, shaped like the model's `Order` with every dataset filled.
    pub fn add_order(&self, order: Value) {
        self.state
            .orders
            .lock()
            .unwrap()
            .insert(order_id(&order), order);
    }

    /// Fixes the Messaging actions offered for order `id` (instead of the sandbox's rule).
    pub fn set_offered_actions(&self, id: &str, actions: &[&str]) {
        self.state.messaging.offered.lock().unwrap().insert(
            id.to_owned(),
            actions.iter().map(|a| (*a).to_owned()).collect(),
        );
    }

    /// The Messaging API messages accepted so far, in order.
    pub fn sent_messages(&self) -> Vec<SentMessage> {
        self.state.messaging.sent.lock().unwrap().clone()
    }

    /// Every Messaging POST received (token refused, invalid or accepted), in order.
    pub fn messaging_requests(&self) -> Vec<MessagingRequest> {
        self.state.messaging.requests.lock().unwrap().clone()
    }

    /// Changes a stored order in place; `false` if there is none with this id.
    pub fn update_order(&self, id: &str, change: impl FnOnce(&mut Value)) -> bool {
        match self.state.orders.lock().unwrap().get_mut(id) {
            Some(order) => {
                change(order);
                true
            }
            None => false,
        }
    }

    pub fn order(&self, id: &str) -> Option<Value> {
        self.state.orders.lock().unwrap().get(id).cloned()
    }

    /// All stored orders, by order id.
    pub fn orders(&self) -> Vec<Value> {
        self.state
            .orders
            .lock()
            .unwrap()
            .values()
            .cloned()
            .collect()
    }
    /// Ships an order as the seller would (fulfillment status `SHIPPED`, every item fulfilled,
    /// a package with a carrier and tracking number unless it has one, `lastUpdatedTime` = `at`)
    /// and returns the ORDER_CHANGE notification Amazon then sends; `None` if there is no such
    /// order.
    pub fn ship_order(&self, id: &str, at: DateTime<Utc>) -> Option<Value> {
        if !self.update_order(id, |order| ship(order, at)) {
            return None;
        }
        self.order_change_notification(id, "OrderStatusChange", "Order shipped", at)
    }

    /// The ORDER_CHANGE notification for the stored order as it stands, published at `at`.
    pub fn order_change_notification(
        &self,
        id: &str,
        change_type: &str,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Option<Value> {
        let order = self.order(id)?;
        Some(order_change_notification(
            &self.state.config.seller_id,
            &order,
            change_type,
            reason,
            at,
        ))
    }
}

fn order_id(order: &Value) -> String {
    order["orderId"]
        .as_str()
        .expect("an order needs an orderId")
        .to_owned()
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

async fn request_id(State(state): State<AmazonState>, request: Request, next: Next) -> Response {
    let n = state.counter.fetch_add(1, Ordering::Relaxed);
    let mut response = next.run(request).await;
    let id = format!("sandbox-{:08x}-{n:06}", state.config.seed);
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-amzn-RequestId", value);
    }
    response
}

// ---- errors -------------------------------------------------------------------------------

fn sp_error(status: StatusCode, code: &str, message: &str, details: Option<&str>) -> Response {
    let mut error = json!({"code": code, "message": message});
    if let Some(details) = details {
        error["details"] = json!(details);
    }
    (status, Json(json!({"errors": [error]}))).into_response()
}

fn invalid_input(message: impl AsRef<str>) -> Response {
    sp_error(
        StatusCode::BAD_REQUEST,
        "InvalidInput",
        message.as_ref(),
        None,
    )
}

fn expired_token() -> Response {
    sp_error(
        StatusCode::FORBIDDEN,
        "Unauthorized",
        "Access to requested resource is denied.",
        Some("The access token you provided has expired."),
    )
}

fn render(route: &'static str, fault: &Fault) -> Response {
    if route == REFRESH_TOKEN_ROUTE {
        return tokens::render_fault(fault);
    }
    match fault {
        Fault::Throttle { retry_after } => faults::with_retry_after(
            sp_error(
                StatusCode::TOO_MANY_REQUESTS,
                "QuotaExceeded",
                "You exceeded your quota for the requested resource.",
                None,
            ),
            *retry_after,
        ),
        Fault::ServerError(status) => {
            let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            if status == StatusCode::SERVICE_UNAVAILABLE {
                sp_error(
                    status,
                    "ServiceUnavailable",
                    "Service temporarily unavailable. Please try again.",
                    None,
                )
            } else {
                sp_error(
                    status,
                    "InternalFailure",
                    "We encountered an internal error. Please try again.",
                    None,
                )
            }
        }
        Fault::ExpiredToken => expired_token(),
        _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

// ---- Login with Amazon --------------------------------------------------------------------

async fn refresh_token(
    State(state): State<AmazonState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    state.oauth.grant(&headers, &form).await
}

/// `None` if the request carries a live token, else the refusal to send.
fn check_token(state: &AmazonState, headers: &HeaderMap) -> Option<Response> {
    let Some(token) = headers
        .get("x-amz-access-token")
        .and_then(|v| v.to_str().ok())
    else {
        return Some(sp_error(
            StatusCode::FORBIDDEN,
            "Unauthorized",
            "Access to requested resource is denied.",
            Some("The request has no access token."),
        ));
    };
    match state.tokens.check(token) {
        TokenCheck::Valid => None,
        TokenCheck::Expired => Some(expired_token()),
        TokenCheck::Unknown => Some(sp_error(
            StatusCode::FORBIDDEN,
            "Unauthorized",
            "Access to requested resource is denied.",
            Some("The access token you provided is revoked, malformed or invalid."),
        )),
    }
}

fn with_rate_header(state: &AmazonState, mut response: Response) -> Response {
    let rate = *state.rate_header.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(rate) = rate
        && let Ok(value) = HeaderValue::from_str(&rate.to_string())
    {
        response
            .headers_mut()
            .insert("x-amzn-RateLimit-Limit", value);
    }
    response
}

// ---- Orders -------------------------------------------------------------------------------

const DATASETS: &[&str] = &[
    "BUYER",
    "RECIPIENT",
    "PROCEEDS",
    "EXPENSE",
    "PROMOTION",
    "CANCELLATION",
    "FULFILLMENT",
    "PACKAGES",
    "TAX",
    "PAYMENT",
    "FULFILLMENT_ORDERS",
];
const FULFILLMENT_STATUSES: &[&str] = &[
    "PENDING_AVAILABILITY",
    "PENDING",
    "UNSHIPPED",
    "PARTIALLY_SHIPPED",
    "SHIPPED",
    "CANCELLED",
    "UNFULFILLABLE",
];
const SEARCH_PARAMS: &[&str] = &[
    "createdAfter",
    "createdBefore",
    "lastUpdatedAfter",
    "lastUpdatedBefore",
    "fulfillmentStatuses",
    "marketplaceIds",
    "fulfilledBy",
    "maxResultsPerPage",
    "paginationToken",
    "includedData",
];

fn csv(params: &HashMap<String, String>, name: &str) -> Vec<String> {
    params.get(name).map_or_else(Vec::new, |v| {
        v.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    })
}

fn included_data(params: &HashMap<String, String>) -> Result<HashSet<String>, Response> {
    let datasets = csv(params, "includedData");
    match datasets.iter().find(|d| !DATASETS.contains(&d.as_str())) {
        Some(bad) => Err(invalid_input(format!("Invalid includedData value: {bad}"))),
        None => Ok(datasets.into_iter().collect()),
    }
}

/// The order with only the datasets asked for.
fn project(order: &Value, included: &HashSet<String>) -> Value {
    let mut order = order.clone();
    let has = |d: &str| included.contains(d);
    let object = order.as_object_mut().expect("orders are objects");
    for (key, dataset) in [
        ("buyer", "BUYER"),
        ("recipient", "RECIPIENT"),
        ("proceeds", "PROCEEDS"),
        ("fulfillment", "FULFILLMENT"),
        ("packages", "PACKAGES"),
        ("payment", "PAYMENT"),
        ("tax", "TAX"),
        ("fulfillmentOrders", "FULFILLMENT_ORDERS"),
    ] {
        if !has(dataset) {
            object.remove(key);
        }
    }
    if let Some(items) = object.get_mut("orderItems").and_then(Value::as_array_mut) {
        for item in items.iter_mut().filter_map(Value::as_object_mut) {
            for (key, dataset) in [
                ("proceeds", "PROCEEDS"),
                ("fulfillment", "FULFILLMENT"),
                ("expense", "EXPENSE"),
                ("promotion", "PROMOTION"),
                ("cancellation", "CANCELLATION"),
                ("tax", "TAX"),
            ] {
                if !has(dataset) {
                    item.remove(key);
                }
            }
        }
    }
    order
}

fn parse_time(
    params: &HashMap<String, String>,
    name: &str,
) -> Result<Option<DateTime<Utc>>, Response> {
    match params.get(name) {
        None => Ok(None),
        Some(v) => DateTime::parse_from_rfc3339(v)
            .map(|t| Some(t.to_utc()))
            .map_err(|_| invalid_input(format!("{name} must be an ISO 8601 date-time, not '{v}'"))),
    }
}

/// What a pagination token remembers: where the next page starts and which query it belongs to.
fn page_token(offset: usize, fingerprint: &str) -> String {
    let issued = Utc::now().timestamp();
    URL_SAFE_NO_PAD.encode(format!("{offset}|{issued}|{fingerprint}"))
}

fn read_page_token(token: &str, fingerprint: &str) -> Result<usize, Response> {
    let invalid = || invalid_input("Invalid paginationToken");
    let raw = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
    let raw = String::from_utf8(raw).map_err(|_| invalid())?;
    let mut parts = raw.splitn(3, '|');
    let offset: usize = parts
        .next()
        .and_then(|p| p.parse().ok())
        .ok_or_else(invalid)?;
    let issued: i64 = parts
        .next()
        .and_then(|p| p.parse().ok())
        .ok_or_else(invalid)?;
    if parts.next() != Some(fingerprint) {
        return Err(invalid_input(
            "The paginationToken does not belong to these query parameters",
        ));
    }
    if Utc::now().timestamp() - issued > 24 * 3600 {
        return Err(invalid_input("The paginationToken has expired"));
    }
    Ok(offset)
}

async fn search_orders(
    State(state): State<AmazonState>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    if let Some(refusal) = check_token(&state, &headers) {
        return refusal;
    }
    let response = match search(&state, &params) {
        Ok(body) => Json(body).into_response(),
        Err(response) => response,
    };
    with_rate_header(&state, response)
}

fn search(state: &AmazonState, params: &HashMap<String, String>) -> Result<Value, Response> {
    if let Some(unknown) = params.keys().find(|k| !SEARCH_PARAMS.contains(&k.as_str())) {
        return Err(invalid_input(format!("Unknown parameter: {unknown}")));
    }
    let created_after = parse_time(params, "createdAfter")?;
    let created_before = parse_time(params, "createdBefore")?;
    let updated_after = parse_time(params, "lastUpdatedAfter")?;
    let updated_before = parse_time(params, "lastUpdatedBefore")?;
    let by_creation = match (created_after, updated_after) {
        (Some(_), None) if updated_before.is_none() => true,
        (None, Some(_)) if created_before.is_none() => false,
        (Some(_), None) | (None, Some(_)) => {
            return Err(invalid_input(
                "createdBefore/createdAfter cannot be combined with lastUpdatedBefore/lastUpdatedAfter",
            ));
        }
        _ => {
            return Err(invalid_input(
                "Exactly one of createdAfter and lastUpdatedAfter must be provided",
            ));
        }
    };
    let (after, before) = if by_creation {
        (created_after.expect("checked"), created_before)
    } else {
        (updated_after.expect("checked"), updated_before)
    };
    if before.is_some_and(|b| b < after) {
        return Err(invalid_input(
            "The 'before' date must be equal to or after the 'after' date",
        ));
    }
    let page_size = match params.get("maxResultsPerPage") {
        None => 100,
        Some(v) => match v.parse::<usize>() {
            Ok(n @ 1..=100) => n,
            _ => {
                return Err(invalid_input(
                    "maxResultsPerPage must be an integer between 1 and 100",
                ));
            }
        },
    };
    let statuses = csv(params, "fulfillmentStatuses");
    if let Some(bad) = statuses
        .iter()
        .find(|s| !FULFILLMENT_STATUSES.contains(&s.as_str()))
    {
        return Err(invalid_input(format!(
            "Invalid fulfillmentStatuses value: {bad}"
        )));
    }
    let fulfilled_by = csv(params, "fulfilledBy");
    if let Some(bad) = fulfilled_by
        .iter()
        .find(|s| !["MERCHANT", "AMAZON"].contains(&s.as_str()))
    {
        return Err(invalid_input(format!("Invalid fulfilledBy value: {bad}")));
    }
    let marketplaces = csv(params, "marketplaceIds");
    if marketplaces.len() > 50 {
        return Err(invalid_input("At most 50 marketplaceIds are allowed"));
    }
    let included = included_data(params)?;
    // The token is bound to every parameter except maxResultsPerPage and includedData.
    let fingerprint = {
        let mut keys: Vec<_> = params
            .iter()
            .filter(|(k, _)| {
                !["maxResultsPerPage", "includedData", "paginationToken"].contains(&k.as_str())
            })
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        keys.sort();
        format!("{:016x}", fnv(&keys.join("&")))
    };
    let offset = match params.get("paginationToken") {
        Some(token) => read_page_token(token, &fingerprint)?,
        None => 0,
    };

    let time_key = if by_creation {
        "createdTime"
    } else {
        "lastUpdatedTime"
    };
    let time_of = |o: &Value| {
        o[time_key]
            .as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.to_utc())
    };
    let orders = state.orders.lock().unwrap();
    let mut matching: Vec<&Value> = orders
        .values()
        .filter(|o| time_of(o).is_some_and(|t| t >= after && before.is_none_or(|b| t <= b)))
        .filter(|o| {
            statuses.is_empty()
                || statuses
                    .iter()
                    .any(|s| o["fulfillment"]["fulfillmentStatus"] == s.as_str())
        })
        .filter(|o| {
            fulfilled_by.is_empty()
                || fulfilled_by
                    .iter()
                    .any(|f| o["fulfillment"]["fulfilledBy"] == f.as_str())
        })
        .filter(|o| {
            marketplaces.is_empty()
                || marketplaces
                    .iter()
                    .any(|m| o["salesChannel"]["marketplaceId"] == m.as_str())
        })
        .collect();
    matching.sort_by_key(|o| (time_of(o), o["orderId"].as_str().map(str::to_owned)));
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(page_size)
        .map(|o| project(o, &included))
        .collect();
    let next = offset + page.len();

    let mut body = json!({ "orders": page });
    if next < matching.len() {
        body["pagination"] = json!({ "nextToken": page_token(next, &fingerprint) });
    }
    // Amazon states until when its answer is complete: the caller's bound, else two minutes ago.
    let complete_until = before.unwrap_or_else(|| Utc::now() - chrono::Duration::minutes(2));
    let bound_name = if by_creation {
        "createdBefore"
    } else {
        "lastUpdatedBefore"
    };
    body[bound_name] = json!(stamp(complete_until));
    Ok(body)
}

/// FNV-1a: a stable hash for pagination fingerprints.
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

async fn get_order(
    State(state): State<AmazonState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    if let Some(refusal) = check_token(&state, &headers) {
        return refusal;
    }
    let response = (|| {
        if let Some(unknown) = params.keys().find(|k| k.as_str() != "includedData") {
            return Err(invalid_input(format!("Unknown parameter: {unknown}")));
        }
        let included = included_data(&params)?;
        let well_formed = id.len() == 19
            && id.chars().enumerate().all(|(i, c)| {
                if i == 3 || i == 11 {
                    c == '-'
                } else {
                    c.is_ascii_digit()
                }
            });
        if !well_formed {
            return Err(invalid_input(format!("Invalid orderId: {id}")));
        }
        match state.orders.lock().unwrap().get(&id) {
            Some(order) => Ok(Json(json!({ "order": project(order, &included) })).into_response()),
            None => Err(sp_error(
                StatusCode::NOT_FOUND,
                "NotFound",
                &format!("Order {id} was not found"),
                None,
            )),
        }
    })()
    .unwrap_or_else(|refusal| refusal);
    with_rate_header(&state, response)
}

// ---- seeded data --------------------------------------------------------------------------

/// A marketplace the generator knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marketplace {
    pub id: &'static str,
    pub name: &'static str,
    pub currency: &'static str,
    /// The relay domain's suffix: `…@marketplace.amazon.{domain}`.
    pub domain: &'static str,
    pub country: &'static str,
    /// Carriers merchant-fulfilled orders ship with.
    pub carriers: &'static [&'static str],
}

const fn marketplace(
    id: &'static str,
    name: &'static str,
    currency: &'static str,
    domain: &'static str,
    country: &'static str,
    carriers: &'static [&'static str],
) -> Marketplace {
    Marketplace {
        id,
        name,
        currency,
        domain,
        country,
        carriers,
    }
}

pub const MARKETPLACES: &[Marketplace] = &[
    marketplace(
        "APJ6JRA9NG5V4",
        "Amazon.it",
        "EUR",
        "it",
        "IT",
        &["Poste Italiane", "BRT", "GLS"],
    ),
    marketplace(
        "A1PA6795UKMFR9",
        "Amazon.de",
        "EUR",
        "de",
        "DE",
        &["DHL", "Hermes", "DPD"],
    ),
    marketplace(
        "A1F83G8C2ARO7P",
        "Amazon.co.uk",
        "GBP",
        "co.uk",
        "GB",
        &["Royal Mail", "DPD", "Evri"],
    ),
    marketplace(
        "A13V1IB3VIYZZH",
        "Amazon.fr",
        "EUR",
        "fr",
        "FR",
        &["Colissimo", "Chronopost"],
    ),
    marketplace(
        "A1RKKUPIHCS9HS",
        "Amazon.es",
        "EUR",
        "es",
        "ES",
        &["Correos", "SEUR"],
    ),
    marketplace(
        "ATVPDKIKX0DER",
        "Amazon.com",
        "USD",
        "com",
        "US",
        &["UPS", "USPS", "FedEx"],
    ),
    marketplace(
        "A1VC38T7YXB528",
        "Amazon.co.jp",
        "JPY",
        "co.jp",
        "JP",
        &["Yamato Transport", "Japan Post"],
    ),
];

const TITLES: &[(&str, &[&str])] = &[
    (
        "IT",
        &[
            "Tazza in ceramica fatta a mano, 350 ml",
            "Lampada da scrivania LED dimmerabile",
            "Zaino impermeabile da trekking 30 L",
        ],
    ),
    (
        "DE",
        &[
            "Edelstahl-Thermoskanne 1 l",
            "Kabellose Maus mit leisen Tasten",
            "Wanderrucksack wasserdicht 30 L",
        ],
    ),
    (
        "GB",
        &[
            "Handmade ceramic mug, 350 ml",
            "Dimmable LED desk lamp",
            "Waterproof hiking backpack 30 L",
        ],
    ),
    (
        "FR",
        &[
            "Tasse en céramique faite main, 350 ml",
            "Lampe de bureau LED à intensité variable",
            "Sac à dos de randonnée étanche 30 L",
        ],
    ),
    (
        "ES",
        &[
            "Taza de cerámica hecha a mano, 350 ml",
            "Lámpara de escritorio LED regulable",
            "Mochila de senderismo impermeable 30 L",
        ],
    ),
    (
        "US",
        &[
            "Handmade ceramic mug, 12 oz",
            "Dimmable LED desk lamp",
            "Waterproof hiking backpack 30 L",
        ],
    ),
    (
        "JP",
        &[
            "手作り陶器マグカップ 350ml",
            "調光式LEDデスクライト",
            "防水ハイキングバックパック 30L",
        ],
    ),
];

const NAMES: &[(&str, &[&str])] = &[
    ("IT", &["Giulia Romano", "Marco Bianchi", "Francesca Ricci"]),
    ("DE", &["Lukas Schneider", "Anna Fischer", "Jonas Weber"]),
    ("GB", &["James Wilson", "Olivia Taylor", "Harry Evans"]),
    ("FR", &["Camille Martin", "Lucas Bernard", "Léa Dubois"]),
    ("ES", &["Lucía García", "Hugo Martínez", "Sofía López"]),
    ("US", &["Emily Johnson", "Michael Brown", "Ava Davis"]),
    ("JP", &["佐藤 花子", "鈴木 一郎", "高橋 美咲"]),
];

fn lookup<'a>(table: &'a [(&str, &'a [&str])], country: &str) -> &'a [&'a str] {
    table
        .iter()
        .find(|(c, _)| *c == country)
        .map_or(table[2].1, |(_, v)| v)
}

fn decimals(currency: &str) -> u32 {
    if currency == "JPY" { 0 } else { 2 }
}

fn amount(minor: u64, currency: &str) -> Value {
    let text = match decimals(currency) {
        0 => minor.to_string(),
        _ => format!("{}.{:02}", minor / 100, minor % 100),
    };
    json!({"amount": text, "currencyCode": currency})
}

/// A UPU S10 number (`RR123456785GB`) with its mod-11 check digit.
pub(crate) fn s10(rng: &mut Rng, country: &str) -> String {
    let serial = rng.digits(8);
    let weights = [8, 6, 4, 2, 3, 5, 9, 7];
    let sum: u32 = serial
        .bytes()
        .zip(weights)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    let check = match 11 - sum % 11 {
        10 => 0,
        11 => 5,
        c => c,
    };
    format!("RR{serial}{check}{country}")
}

fn tracking_number(rng: &mut Rng, carrier: &str, country: &str) -> String {
    match carrier {
        "UPS" => format!("1Z{}", rng.alnum_upper(16)),
        "USPS" => format!("9400{}", rng.digits(18)),
        "FedEx" => rng.digits(12),
        "Royal Mail" | "Poste Italiane" | "Correos" | "Colissimo" | "Japan Post" => {
            s10(rng, country)
        }
        "DHL" => format!("00340434{}", rng.digits(12)),
        c if c.starts_with("AMZN") => format!("TBA{}", rng.digits(12)),
        _ => rng.digits(14),
    }
}

/// The ORDER_CHANGE notification (`specs/amazon/OrderChangeNotification.json`) for `order`, a
/// body shaped like the Orders model, as Amazon puts it on the seller's SQS queue. Its id is
/// derived from the order and `at`, so the same change notified twice is one notification
/// delivered twice.
pub fn order_change_notification(
    seller_id: &str,
    order: &Value,
    change_type: &str,
    reason: &str,
    at: DateTime<Utc>,
) -> Value {
    let millis = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, true);
    let time = |v: &Value| {
        v.as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| millis(t.to_utc()))
    };
    let fulfillment = &order["fulfillment"];
    let status = match fulfillment["fulfillmentStatus"]
        .as_str()
        .unwrap_or_default()
    {
        "PENDING" => "Pending",
        "PARTIALLY_SHIPPED" => "PartiallyShipped",
        "SHIPPED" => "Shipped",
        "CANCELLED" => "Canceled",
        "UNFULFILLABLE" => "Unfulfillable",
        _ => "Unshipped",
    };
    let fulfillment_type = if fulfillment["fulfilledBy"] == "AMAZON" {
        "AFN"
    } else {
        "MFN"
    };
    let items: Vec<Value> = order["orderItems"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|item| {
            let shipped = item["fulfillment"]["quantityFulfilled"]
                .as_u64()
                .unwrap_or(0);
            let quantity = item["quantityOrdered"].as_u64().unwrap_or(0);
            json!({
                "OrderItemId": item["orderItemId"],
                "SellerSKU": item["product"]["sellerSku"],
                "SupplySourceId": null,
                "OrderItemStatus": if shipped >= quantity { "Shipped" } else { "Unshipped" },
                "Quantity": quantity,
                "QuantityShipped": shipped,
                "IsBuyerRequestedCancel": false,
            })
        })
        .collect();
    let quantity =
        |field: &str| -> u64 { items.iter().map(|i| i[field].as_u64().unwrap_or(0)).sum() };
    let shipped = quantity("QuantityShipped");
    let unshipped = quantity("Quantity") - shipped;
    let order_id = order["orderId"].as_str().unwrap_or_default();
    let mut summary = json!({
        "MarketplaceId": order["salesChannel"]["marketplaceId"],
        "OrderStatus": status,
        "PurchaseDate": time(&order["createdTime"]),
        "DestinationPostalCode": order["recipient"]["deliveryAddress"]["postalCode"],
        "FulfillmentType": fulfillment_type,
        "OrderType": "StandardOrder",
        "NumberOfItemsShipped": shipped,
        "NumberOfItemsUnshipped": unshipped,
        "OrderItems": items,
    });
    if let Some(latest) = time(&fulfillment["shipByWindow"]["latestDateTime"]) {
        summary["LatestShipDate"] = json!(latest);
    }
    if let Some(latest) = time(&fulfillment["deliverByWindow"]["latestDateTime"]) {
        summary["LatestDeliveryDate"] = json!(latest);
    }
    if let Some(programs) = order["programs"].as_array()
        && programs.iter().any(|p| p == "PRIME")
    {
        summary["OrderPrograms"] = json!(["Prime"]);
    }
    let notification_id = format!("sandbox-{order_id}-{}", at.timestamp_millis());
    json!({
        "NotificationVersion": "1.0",
        "NotificationType": "ORDER_CHANGE",
        "PayloadVersion": "1.0",
        "EventTime": millis(at),
        "Payload": {"OrderChangeNotification": {
            "NotificationLevel": "OrderLevel",
            "SellerId": seller_id,
            "AmazonOrderId": order_id,
            "OrderChangeType": change_type,
            "OrderChangeTrigger": {
                "TimeOfOrderChange": time(&order["lastUpdatedTime"]),
                "ChangeReason": reason,
            },
            "Summary": summary,
        }},
        "NotificationMetadata": {
            "ApplicationId": "amzn1.sellerapps.app.sandbox",
            "SubscriptionId": "sandbox-order-change-subscription",
            "PublishTime": millis(at),
            "NotificationId": notification_id,
        },
    })
}

/// Marks every item fulfilled and adds a package if the order has none.
fn ship(order: &mut Value, at: DateTime<Utc>) {
    let marketplace = MARKETPLACES
        .iter()
        .find(|m| order["salesChannel"]["marketplaceId"] == m.id)
        .unwrap_or(&MARKETPLACES[0]);
    order["fulfillment"]["fulfillmentStatus"] = json!("SHIPPED");
    order["lastUpdatedTime"] = json!(stamp(at));
    let mut package_items = Vec::new();
    for item in order["orderItems"].as_array_mut().into_iter().flatten() {
        let quantity = item["quantityOrdered"].clone();
        item["fulfillment"] = json!({"quantityFulfilled": quantity, "quantityUnfulfilled": 0});
        package_items.push(json!({"orderItemId": item["orderItemId"], "quantity": quantity}));
    }
    if order["packages"].as_array().is_some_and(|p| !p.is_empty()) {
        return;
    }
    let id = order["orderId"].as_str().unwrap_or_default();
    let mut rng = Rng::new(
        id.bytes()
            .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(b.into())),
    );
    let by_amazon = order["fulfillment"]["fulfilledBy"] == "AMAZON";
    let amzn = format!(
        "AMZN_{}",
        if marketplace.country == "GB" {
            "UK"
        } else {
            marketplace.country
        }
    );
    let carrier = if by_amazon {
        amzn.as_str()
    } else {
        *rng.pick(marketplace.carriers)
    };
    order["packages"] = json!([{
        "packageReferenceId": format!("PKG-{}", rng.digits(8)),
        "createdTime": stamp(at),
        "packageStatus": {"status": "SHIPPED", "detailedStatus": "PICKED_UP"},
        "carrier": carrier,
        "shipTime": stamp(at),
        "shippingService": format!("{carrier} Standard"),
        "trackingNumber": tracking_number(&mut rng, carrier, marketplace.country),
        "packageItems": package_items,
    }]);
}

/// The orders of `config.seed`: the same seed gives the same orders.
pub fn seeded_orders(config: &AmazonConfig) -> Vec<Value> {
    let mut rng = Rng::new(config.seed);
    let marketplaces: Vec<_> = config
        .marketplace_ids
        .iter()
        .filter_map(|id| MARKETPLACES.iter().find(|m| m.id == id.as_str()))
        .collect();
    let marketplaces = if marketplaces.is_empty() {
        vec![&MARKETPLACES[0]]
    } else {
        marketplaces
    };
    (0..config.orders)
        .map(|_| {
            let marketplace = marketplaces[rng.below(marketplaces.len() as u64) as usize];
            generate_order(&mut rng, marketplace, config.now)
        })
        .collect()
}

/// One order built from `seed`, in `marketplace_id`, updated at most at `now`; for tests that
/// need a particular order (change its fields before adding it).
pub fn sample_order(seed: u64, marketplace_id: &str, now: DateTime<Utc>) -> Value {
    let marketplace = MARKETPLACES
        .iter()
        .find(|m| m.id == marketplace_id)
        .unwrap_or(&MARKETPLACES[0]);
    generate_order(&mut Rng::new(seed), marketplace, now)
}

fn generate_order(rng: &mut Rng, marketplace: &Marketplace, now: DateTime<Utc>) -> Value {
    let Marketplace {
        id: marketplace_id,
        name: marketplace_name,
        currency,
        domain,
        country,
        carriers,
    } = *marketplace;
    let prefix = match country {
        "US" => "11",
        "JP" => "50",
        _ => "40",
    };
    let id = format!(
        "{prefix}{}-{}-{}",
        rng.digits(1),
        rng.digits(7),
        rng.digits(7)
    );
    let created = now - chrono::Duration::seconds(rng.range(3600, 30 * 86_400) as i64);
    let age = (now - created).num_seconds().max(1) as u64;
    let updated = created + chrono::Duration::seconds(rng.below(age.min(72 * 3600)) as i64);
    let by_amazon = rng.chance(40);
    let status = match rng.below(100) {
        0..=9 => "PENDING",
        10..=34 if !by_amazon => "UNSHIPPED",
        35..=39 => "PARTIALLY_SHIPPED",
        40..=89 | 10..=34 => "SHIPPED",
        _ => "CANCELLED",
    };
    let titles = lookup(TITLES, country);
    let scale = if decimals(currency) == 0 { 1 } else { 100 };
    let mut total = 0;
    let items: Vec<Value> = (0..rng.range(1, 3))
        .map(|_| {
            let quantity = rng.range(1, 3);
            let unit = if scale == 1 { rng.range(8, 120) * 100 } else { rng.range(599, 12_999) };
            total += unit * quantity;
            let shipped = match status {
                "SHIPPED" => quantity,
                "PARTIALLY_SHIPPED" => quantity / 2,
                _ => 0,
            };
            json!({
                "orderItemId": rng.digits(14),
                "quantityOrdered": quantity,
                "product": {
                    "asin": format!("B0{}", rng.alnum_upper(8)),
                    "title": rng.pick(titles),
                    "sellerSku": format!("SKU-{}", rng.alnum_upper(6)),
                    "condition": {"conditionType": "NEW", "conditionSubtype": "NEW"},
                    "price": {"unitPrice": amount(unit, currency)},
                },
                "proceeds": {"proceedsTotal": amount(unit * quantity, currency)},
                "fulfillment": {"quantityFulfilled": shipped, "quantityUnfulfilled": quantity - shipped},
            })
        })
        .collect();
    let name = *rng.pick(lookup(NAMES, country));
    let ship_by = created + chrono::Duration::days(2);
    let deliver_by = created + chrono::Duration::days(5);
    let mut order = json!({
        "orderId": id,
        "createdTime": stamp(created),
        "lastUpdatedTime": stamp(updated),
        "programs": if rng.chance(30) { json!(["PRIME"]) } else { json!([]) },
        "salesChannel": {"channelName": "AMAZON", "marketplaceId": marketplace_id, "marketplaceName": marketplace_name},
        "buyer": {
            "buyerName": name,
            "buyerEmail": format!("{}@marketplace.amazon.{domain}", rng.alnum_upper(14).to_ascii_lowercase()),
        },
        "recipient": {
            "deliveryAddress": {
                "name": name,
                "addressLine1": format!("{} Sandbox Street", rng.range(1, 200)),
                "city": "Sandbox City",
                "postalCode": rng.digits(5),
                "countryCode": country,
                "addressType": "RESIDENTIAL",
            }
        },
        "proceeds": {"grandTotal": amount(total, currency)},
        "fulfillment": {
            "fulfillmentStatus": status,
            "fulfilledBy": if by_amazon { "AMAZON" } else { "MERCHANT" },
            "fulfillmentServiceLevel": *rng.pick(&["STANDARD", "EXPEDITED", "NEXT_DAY"]),
            "shipByWindow": {"latestDateTime": stamp(ship_by)},
            "deliverByWindow": {"earliestDateTime": stamp(created + chrono::Duration::days(2)), "latestDateTime": stamp(deliver_by)},
        },
        "orderItems": items,
    });
    if matches!(status, "SHIPPED" | "PARTIALLY_SHIPPED") {
        let amzn = format!("AMZN_{}", if country == "GB" { "UK" } else { country });
        let carrier = if by_amazon {
            amzn.as_str()
        } else {
            rng.pick(carriers)
        };
        let (package_status, detailed) = *rng.pick(&[
            ("SHIPPED", "PICKED_UP"),
            ("IN_TRANSIT", "AT_DESTINATION_FC"),
            ("IN_TRANSIT", "OUT_FOR_DELIVERY"),
            ("DELIVERED", "DELIVERED"),
            ("UNDELIVERABLE", "LOST"),
        ]);
        let ship_time = created + chrono::Duration::hours(rng.range(2, 40) as i64);
        let first_item = order["orderItems"][0].clone();
        order["packages"] = json!([{
            "packageReferenceId": format!("PKG-{}", rng.digits(8)),
            "createdTime": stamp(created + chrono::Duration::hours(1)),
            "packageStatus": {"status": package_status, "detailedStatus": detailed},
            "carrier": carrier,
            "shipTime": stamp(ship_time),
            "shippingService": format!("{carrier} Standard"),
            "trackingNumber": tracking_number(rng, carrier, country),
            "packageItems": [{"orderItemId": first_item["orderItemId"], "quantity": first_item["quantityOrdered"]}],
        }]);
    }
    if order["programs"].as_array().is_some_and(Vec::is_empty) {
        order.as_object_mut().expect("object").remove("programs");
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_orders_and_another_seed_others() {
        let config = AmazonConfig::default();
        assert_eq!(seeded_orders(&config), seeded_orders(&config));
        let other = AmazonConfig {
            seed: 2,
            ..AmazonConfig::default()
        };
        assert_ne!(seeded_orders(&config), seeded_orders(&other));
    }

    #[test]
    fn generated_orders_mix_fba_and_fbm_and_stay_before_now() {
        let config = AmazonConfig::default();
        let orders = seeded_orders(&config);
        let by = |who: &str| {
            orders
                .iter()
                .filter(|o| o["fulfillment"]["fulfilledBy"] == who)
                .count()
        };
        assert!(by("AMAZON") > 0 && by("MERCHANT") > 0);
        let now = stamp(config.now);
        assert!(
            orders
                .iter()
                .all(|o| o["lastUpdatedTime"].as_str().unwrap() <= now.as_str())
        );
        assert!(orders.iter().any(|o| o.get("packages").is_some()));
    }

    #[test]
    fn s10_numbers_carry_a_valid_check_digit() {
        let mut rng = Rng::new(7);
        let n = s10(&mut rng, "GB");
        let digits: Vec<u32> = n[2..11].bytes().map(|b| u32::from(b - b'0')).collect();
        let sum: u32 = digits[..8]
            .iter()
            .zip([8, 6, 4, 2, 3, 5, 9, 7])
            .map(|(d, w)| d * w)
            .sum();
        let expected = match 11 - sum % 11 {
            10 => 0,
            11 => 5,
            c => c,
        };
        assert_eq!(digits[8], expected);
        assert!(n.ends_with("GB") && n.len() == 13);
    }

    #[test]
    fn projection_keeps_only_the_datasets_asked_for() {
        let order = sample_order(3, "APJ6JRA9NG5V4", AmazonConfig::default().now);
        let only_fulfillment: HashSet<String> = ["FULFILLMENT".to_owned()].into();
        let projected = project(&order, &only_fulfillment);
        assert!(projected.get("fulfillment").is_some());
        assert!(projected.get("buyer").is_none() && projected.get("proceeds").is_none());
        assert!(projected["orderItems"][0].get("proceeds").is_none());
        assert!(projected["orderItems"][0].get("fulfillment").is_some());
    }
}
