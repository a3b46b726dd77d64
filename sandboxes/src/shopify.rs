//! The Shopify Admin GraphQL API for one shop, and its webhooks.
//!
//! - `POST /admin/api/{version}/graphql.json` (route `graphql`): checks
//!   `X-Shopify-Access-Token` (401 otherwise), recognises the client's operations by
//!   `operationName` or the query text (`ChangedOrders`, `OrderByName`, `OrderById`) and reads
//!   `variables`. No GraphQL engine: every order is answered with all the fields the client's
//!   fragment asks for. Every answer carries `extensions.cost`; a shared cost bucket answers
//!   `THROTTLED` (inside HTTP 200, as Shopify does) when it cannot pay for a query.
//! - [`ShopifySandbox::send_webhook`] POSTs an order topic's body to a URL, signed with
//!   `X-Shopify-Hmac-Sha256` like Shopify's deliveries.
//!
//! Orders (GraphQL shape) and their customers are generated from a seed; tests add orders.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::faults::{self, Fault, FaultLayer, Faults};
use crate::rng::Rng;
use crate::server::{self, Running};

pub const GRAPHQL_ROUTE: &str = "graphql";
/// Cost of one order with its line items and fulfillments, in query points.
const ORDER_COST: f64 = 22.0;
/// Shopify refuses a single query whose requested cost exceeds this.
const MAX_QUERY_COST: f64 = 1000.0;

/// How the sandbox is set up.
#[derive(Debug, Clone)]
pub struct ShopConfig {
    pub seed: u64,
    /// Orders to generate, numbered from `#1001`.
    pub orders: usize,
    pub shop_domain: String,
    pub access_token: String,
    /// The app's client secret, which signs webhooks.
    pub webhook_secret: String,
    /// Generated orders are placed in the 30 days before this instant.
    pub now: DateTime<Utc>,
    /// The cost bucket: size and points restored per second.
    pub bucket_size: f64,
    pub restore_rate: f64,
}

impl Default for ShopConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            orders: 30,
            shop_domain: "marketdesk-demo.myshopify.com".to_owned(),
            access_token: "shpat_sandbox_0123456789abcdef0123456789abcdef".to_owned(),
            webhook_secret: "sandbox-app-client-secret".to_owned(),
            now: DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z")
                .expect("valid")
                .to_utc(),
            bucket_size: 2000.0,
            restore_rate: 100.0,
        }
    }
}

/// A customer of the seeded shop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopCustomer {
    /// `gid://shopify/Customer/…`
    pub gid: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    /// The language the customer writes in (`it`, `de`, `en`, `fr`, `es`).
    pub language: &'static str,
}

impl ShopCustomer {
    pub fn display_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

#[derive(Debug)]
struct Bucket {
    available: f64,
    updated: Instant,
}

#[derive(Debug, Clone)]
struct ShopState {
    config: Arc<ShopConfig>,
    orders: Arc<Mutex<Vec<Value>>>,
    bucket: Arc<Mutex<Bucket>>,
    throttled: Arc<AtomicU64>,
}

impl ShopState {
    /// Pays `cost` from the bucket, or answers how much is available (nothing is paid).
    fn pay(&self, cost: f64) -> Result<f64, f64> {
        let config = &self.config;
        let mut bucket = self.bucket.lock().unwrap();
        let now = Instant::now();
        let elapsed = now.duration_since(bucket.updated).as_secs_f64();
        bucket.available =
            (bucket.available + elapsed * config.restore_rate).min(config.bucket_size);
        bucket.updated = now;
        if bucket.available < cost {
            return Err(bucket.available);
        }
        bucket.available -= cost;
        Ok(bucket.available)
    }

    fn refund(&self, points: f64) -> f64 {
        let mut bucket = self.bucket.lock().unwrap();
        bucket.available = (bucket.available + points).min(self.config.bucket_size);
        bucket.available
    }
}

/// A running Shopify sandbox; it stops when dropped.
#[derive(Debug)]
pub struct ShopifySandbox {
    server: Running,
    state: ShopState,
    faults: Faults,
    customers: Vec<ShopCustomer>,
}

impl ShopifySandbox {
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(ShopConfig::default()).await
    }

    pub async fn start_with(config: ShopConfig) -> std::io::Result<Self> {
        Self::start_at(server::localhost(), config).await
    }

    pub async fn start_at(addr: SocketAddr, config: ShopConfig) -> std::io::Result<Self> {
        let (customers, orders) = seeded_shop(&config);
        let state = ShopState {
            bucket: Arc::new(Mutex::new(Bucket {
                available: config.bucket_size,
                updated: Instant::now(),
            })),
            config: Arc::new(config),
            orders: Arc::new(Mutex::new(orders)),
            throttled: Arc::new(AtomicU64::new(0)),
        };
        let faults = Faults::default();
        let layer = middleware::from_fn_with_state(
            FaultLayer {
                faults: faults.clone(),
                route: GRAPHQL_ROUTE,
                render,
            },
            faults::apply,
        );
        let router = Router::new()
            .route(
                "/admin/api/{version}/graphql.json",
                post(graphql).layer(layer),
            )
            .with_state(state.clone());
        let server = server::serve(router, addr).await?;
        Ok(Self {
            server,
            state,
            faults,
            customers,
        })
    }

    /// What to configure the client's `endpoint` with (it appends `/admin/api/…`).
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    pub fn graphql_url(&self, version: &str) -> String {
        format!("{}/admin/api/{version}/graphql.json", self.base_url())
    }

    pub fn config(&self) -> &ShopConfig {
        &self.state.config
    }

    pub fn access_token(&self) -> &str {
        &self.state.config.access_token
    }

    pub fn webhook_secret(&self) -> &str {
        &self.state.config.webhook_secret
    }

    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// The seeded customers (an order's buyer is one of them unless a test added another).
    pub fn customers(&self) -> &[ShopCustomer] {
        &self.customers
    }

    /// Empties the cost bucket: the next query is `THROTTLED` until points are restored.
    pub fn drain_bucket(&self) {
        let mut bucket = self.state.bucket.lock().unwrap();
        bucket.available = 0.0;
        bucket.updated = Instant::now();
    }

    /// How many queries were answered `THROTTLED`.
    pub fn throttled_answers(&self) -> u64 {
        self.state.throttled.load(Ordering::SeqCst)
    }

    /// Adds or replaces (by `name`) an order in the GraphQL shape of [`sample_order`].
    pub fn add_order(&self, order: Value) {
        let name = order["name"]
            .as_str()
            .expect("an order needs a name")
            .to_owned();
        let mut orders = self.state.orders.lock().unwrap();
        orders.retain(|o| o["name"] != name.as_str());
        orders.push(order);
    }

    /// Changes a stored order in place; `false` if there is none with this name (`#1001`).
    pub fn update_order(&self, name: &str, change: impl FnOnce(&mut Value)) -> bool {
        let mut orders = self.state.orders.lock().unwrap();
        match orders.iter_mut().find(|o| o["name"] == name) {
            Some(order) => {
                change(order);
                true
            }
            None => false,
        }
    }

    pub fn order(&self, name: &str) -> Option<Value> {
        let orders = self.state.orders.lock().unwrap();
        orders.iter().find(|o| o["name"] == name).cloned()
    }

    /// All stored orders, GraphQL-shaped.
    pub fn orders(&self) -> Vec<Value> {
        self.state.orders.lock().unwrap().clone()
    }

    /// Order names with their buyer's e-mail and display name: who may write to the store.
    pub fn store_orders(&self) -> Vec<(String, String, String)> {
        self.orders()
            .iter()
            .filter_map(|o| {
                let email = o["customer"]["defaultEmailAddress"]["emailAddress"].as_str()?;
                let name = o["customer"]["displayName"].as_str().unwrap_or_default();
                Some((
                    o["name"].as_str()?.to_owned(),
                    email.to_owned(),
                    name.to_owned(),
                ))
            })
            .collect()
    }

    /// The REST body and headers of a webhook delivery of `topic` for the order `name`, as
    /// Shopify would send it (signed with the webhook secret).
    pub fn webhook(&self, topic: &str, name: &str, event_id: &str) -> Option<WebhookRequest> {
        let order = self.order(name)?;
        let body = serde_json::to_vec(&rest_order(&order)).expect("JSON");
        let headers = vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("X-Shopify-Topic".to_owned(), topic.to_owned()),
            (
                "X-Shopify-Hmac-Sha256".to_owned(),
                sign(&self.state.config.webhook_secret, &body),
            ),
            (
                "X-Shopify-Shop-Domain".to_owned(),
                self.state.config.shop_domain.clone(),
            ),
            ("X-Shopify-Api-Version".to_owned(), "2026-10".to_owned()),
            (
                "X-Shopify-Webhook-Id".to_owned(),
                format!("wh-{:08x}", self.state.config.seed),
            ),
            ("X-Shopify-Event-Id".to_owned(), event_id.to_owned()),
            (
                "X-Shopify-Triggered-At".to_owned(),
                order["updatedAt"].as_str().unwrap_or_default().to_owned(),
            ),
        ];
        Some(WebhookRequest { headers, body })
    }

    /// Sends the webhook of `topic` for the order `name` to `url`; `None` if there is no such
    /// order.
    pub async fn send_webhook(
        &self,
        url: &str,
        topic: &str,
        name: &str,
        event_id: &str,
    ) -> Option<Result<reqwest::Response, reqwest::Error>> {
        let WebhookRequest { headers, body } = self.webhook(topic, name, event_id)?;
        let mut request = reqwest::Client::new().post(url).body(body);
        for (k, v) in headers {
            request = request.header(k, v);
        }
        Some(request.send().await)
    }
}

/// A webhook delivery as Shopify would POST it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRequest {
    pub headers: Vec<(String, String)>,
    /// The raw JSON body the signature covers.
    pub body: Vec<u8>,
}

/// Base64 HMAC-SHA256 of `body`, as in `X-Shopify-Hmac-Sha256`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    STANDARD.encode(mac.finalize().into_bytes())
}

// ---- errors -------------------------------------------------------------------------------

const INVALID_TOKEN: &str =
    "[API] Invalid API key or access token (unrecognized login or wrong password)";

fn render(_route: &'static str, fault: &Fault) -> Response {
    match fault {
        Fault::Throttle { retry_after } => faults::with_retry_after(
            (
                StatusCode::TOO_MANY_REQUESTS,
                Json(json!({"errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."})),
            )
                .into_response(),
            *retry_after,
        ),
        Fault::ServerError(status) => {
            let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, Json(json!({"errors": "Internal Server Error"}))).into_response()
        }
        Fault::ExpiredToken => {
            (StatusCode::UNAUTHORIZED, Json(json!({"errors": INVALID_TOKEN}))).into_response()
        }
        _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

fn graphql_error(message: &str, code: &str, cost: Option<Value>) -> Response {
    let mut body = json!({"errors": [{"message": message, "extensions": {"code": code}}]});
    if let Some(cost) = cost {
        body["extensions"] = json!({"cost": cost});
    }
    Json(body).into_response()
}

// ---- GraphQL ------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    ChangedOrders,
    OrderByName,
    OrderById,
}

fn operation(request: &Value) -> Option<Operation> {
    let name = request["operationName"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| {
            // No operationName: the first named operation of the document.
            let query = request["query"].as_str()?;
            let rest = query.trim_start().strip_prefix("query")?.trim_start();
            Some(
                rest.chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect(),
            )
        })?;
    match name.as_str() {
        "ChangedOrders" => Some(Operation::ChangedOrders),
        "OrderByName" => Some(Operation::OrderByName),
        "OrderById" => Some(Operation::OrderById),
        _ => None,
    }
}

fn cost_json(requested: f64, actual: Option<f64>, available: f64, config: &ShopConfig) -> Value {
    json!({
        "requestedQueryCost": requested,
        "actualQueryCost": actual,
        "throttleStatus": {
            "maximumAvailable": config.bucket_size,
            "currentlyAvailable": available.max(0.0).floor(),
            "restoreRate": config.restore_rate,
        }
    })
}

async fn graphql(
    State(state): State<ShopState>,
    Path(version): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let dated = version.len() == 7 && version.as_bytes()[4] == b'-';
    if !dated && version != "unstable" {
        return (StatusCode::NOT_FOUND, Json(json!({"errors": "Not Found"}))).into_response();
    }
    let token = headers
        .get("x-shopify-access-token")
        .and_then(|v| v.to_str().ok());
    if token != Some(state.config.access_token.as_str()) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"errors": INVALID_TOKEN})),
        )
            .into_response();
    }
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"errors": {"query": "Required parameter missing or invalid"}})),
        )
            .into_response();
    };
    let Some(op) = operation(&request) else {
        return graphql_error(
            "This sandbox answers only ChangedOrders, OrderByName and OrderById",
            "BAD_REQUEST",
            None,
        );
    };
    let variables = &request["variables"];
    let first = match op {
        Operation::ChangedOrders => match variables["first"].as_u64() {
            Some(n @ 1..=250) => n,
            _ => {
                return graphql_error(
                    "The `first` argument must be between 1 and 250.",
                    "BAD_REQUEST",
                    None,
                );
            }
        },
        Operation::OrderByName | Operation::OrderById => 1,
    };
    let requested = 2.0 + first as f64 * ORDER_COST;
    if requested > MAX_QUERY_COST {
        return graphql_error(
            &format!(
                "Query cost is {requested}, which exceeds the single query max cost limit (1000)."
            ),
            "MAX_COST_EXCEEDED",
            Some(cost_json(requested, None, state.refund(0.0), &state.config)),
        );
    }
    let available = match state.pay(requested) {
        Ok(left) => left,
        Err(available) => {
            state.throttled.fetch_add(1, Ordering::SeqCst);
            return graphql_error(
                "Throttled",
                "THROTTLED",
                Some(cost_json(requested, None, available, &state.config)),
            );
        }
    };
    let (data, returned) = match answer(&state, op, variables, first as usize) {
        Ok(answer) => answer,
        Err(message) => {
            state.refund(requested);
            return graphql_error(&message, "BAD_REQUEST", None);
        }
    };
    // Shopify refunds what the query did not use.
    let actual = 2.0 + returned as f64 * ORDER_COST;
    let available = if actual < requested {
        state.refund(requested - actual)
    } else {
        available
    };
    Json(json!({
        "data": data,
        "extensions": {"cost": cost_json(requested, Some(actual), available, &state.config)},
    }))
    .into_response()
}

/// `data` of an operation and the number of orders in it.
fn answer(
    state: &ShopState,
    op: Operation,
    variables: &Value,
    first: usize,
) -> Result<(Value, usize), String> {
    let orders = state.orders.lock().unwrap();
    match op {
        Operation::OrderById => {
            let id = variables["id"]
                .as_str()
                .ok_or("Variable $id of type ID! was provided invalid value")?;
            let order = orders.iter().find(|o| o["id"] == id).cloned();
            let n = usize::from(order.is_some());
            Ok((json!({"order": order}), n))
        }
        Operation::OrderByName => {
            let query = variables["query"]
                .as_str()
                .ok_or("Variable $query of type String! was provided invalid value")?;
            let wanted = query
                .trim()
                .strip_prefix("name:")
                .unwrap_or(query)
                .trim_matches(['"', '\'']);
            let wanted = wanted.trim_start_matches('#');
            let nodes: Vec<Value> = orders
                .iter()
                .filter(|o| {
                    o["name"]
                        .as_str()
                        .is_some_and(|n| n.trim_start_matches('#') == wanted)
                })
                .take(1)
                .cloned()
                .collect();
            let n = nodes.len();
            Ok((
                json!({"orders": {"nodes": nodes, "pageInfo": {"hasNextPage": false, "endCursor": null}}}),
                n,
            ))
        }
        Operation::ChangedOrders => {
            let since = match variables["query"].as_str() {
                None => None,
                Some(q) => {
                    Some(updated_since(q).ok_or_else(|| format!("Invalid search query: {q}"))?)
                }
            };
            let after = match variables["after"].as_str() {
                None => None,
                Some(c) => Some(decode_cursor(c).ok_or("Invalid cursor for current pagination.")?),
            };
            let mut matching: Vec<&Value> = orders
                .iter()
                .filter(|o| since.is_none_or(|s| updated_at(o) >= s))
                .collect();
            matching.sort_by_key(|o| sort_key(o));
            let start = after.map_or(0, |cursor| {
                matching.partition_point(|o| sort_key(o) <= cursor)
            });
            let page: Vec<Value> = matching[start..]
                .iter()
                .take(first)
                .map(|o| (*o).clone())
                .collect();
            let has_next = start + page.len() < matching.len();
            let end_cursor = page.last().map(|o| encode_cursor(&sort_key(o)));
            let n = page.len();
            Ok((
                json!({"orders": {"nodes": page, "pageInfo": {"hasNextPage": has_next, "endCursor": end_cursor}}}),
                n,
            ))
        }
    }
}

fn updated_at(order: &Value) -> DateTime<Utc> {
    order["updatedAt"]
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.to_utc())
        .unwrap_or_default()
}

/// The numeric id of an order, for a stable order among equal update times.
fn legacy_id(order: &Value) -> u64 {
    order["id"]
        .as_str()
        .and_then(|g| g.rsplit('/').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_default()
}

fn sort_key(order: &Value) -> (DateTime<Utc>, u64) {
    (updated_at(order), legacy_id(order))
}

/// `updated_at:>='2026-11-01T10:00:00Z'` (quotes optional, `>` accepted as `>=`).
fn updated_since(query: &str) -> Option<DateTime<Utc>> {
    let rest = query.trim().strip_prefix("updated_at:")?;
    let rest = rest.strip_prefix(">=").or_else(|| rest.strip_prefix('>'))?;
    let value = rest.trim().trim_matches(['\'', '"']);
    DateTime::parse_from_rfc3339(value).ok().map(|t| t.to_utc())
}

/// Shopify's cursors are base64 JSON of the last row's sort value and id.
fn encode_cursor(key: &(DateTime<Utc>, u64)) -> String {
    STANDARD.encode(
        json!({"last_id": key.1, "last_value": key.0.to_rfc3339_opts(SecondsFormat::Millis, true)})
            .to_string(),
    )
}

fn decode_cursor(cursor: &str) -> Option<(DateTime<Utc>, u64)> {
    let value: Value = serde_json::from_slice(&STANDARD.decode(cursor).ok()?).ok()?;
    let at = DateTime::parse_from_rfc3339(value["last_value"].as_str()?).ok()?;
    Some((at.to_utc(), value["last_id"].as_u64()?))
}

// ---- data ---------------------------------------------------------------------------------

const FIRST_NAMES: &[(&str, &str, &str)] = &[
    ("Giulia", "Rossi", "it"),
    ("Marco", "Bianchi", "it"),
    ("Francesca", "Romano", "it"),
    ("Luca", "Colombo", "it"),
    ("Chiara", "Ricci", "it"),
    ("Alessandro", "Marino", "it"),
    ("Lena", "Schmidt", "de"),
    ("Jonas", "Weber", "de"),
    ("Sophie", "Martin", "fr"),
    ("Lucas", "Bernard", "fr"),
    ("Lucía", "García", "es"),
    ("Javier", "Fernández", "es"),
    ("Emily", "Johnson", "en"),
    ("Michael", "Brown", "en"),
    ("Sarah", "Miller", "en"),
    ("Paolo", "Greco", "it"),
    ("Anna", "Bruno", "it"),
    ("Matteo", "Gallo", "it"),
];

const PRODUCTS: &[(&str, &str, &str)] = &[
    ("Borraccia termica 750 ml", "BT-750", "24.90"),
    ("Tazza in ceramica fatta a mano", "TZ-01", "18.50"),
    ("Tagliere in legno d'ulivo", "TG-OL-40", "39.00"),
    ("Set di 4 tovagliette in lino", "TV-LN-4", "32.00"),
    ("Caffettiera moka 6 tazze", "MK-6", "44.90"),
    ("Grembiule in cotone", "GR-CT", "21.00"),
    ("Candela profumata agli agrumi", "CD-AG", "15.90"),
];

fn ascii_fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'á' | 'à' => 'a',
            'é' | 'è' => 'e',
            'í' => 'i',
            'ó' => 'o',
            'ú' => 'u',
            'ñ' => 'n',
            c => c,
        })
        .collect::<String>()
        .to_lowercase()
}

fn seeded_customers(rng: &mut Rng) -> Vec<ShopCustomer> {
    FIRST_NAMES
        .iter()
        .enumerate()
        .map(|(i, (first, last, language))| {
            let tld = match *language {
                "it" => "it",
                "de" => "de",
                "fr" => "fr",
                "es" => "es",
                _ => "com",
            };
            let prefix = match *language {
                "it" => format!("+39 3{} {} {}", rng.digits(2), rng.digits(3), rng.digits(4)),
                "de" => format!("+49 15{} {}", rng.digits(2), rng.digits(7)),
                "fr" => format!(
                    "+33 6 {} {} {} {}",
                    rng.digits(2),
                    rng.digits(2),
                    rng.digits(2),
                    rng.digits(2)
                ),
                "es" => format!("+34 6{} {} {}", rng.digits(2), rng.digits(3), rng.digits(3)),
                _ => format!("+1 {}-555-{}", rng.range(201, 989), rng.digits(4)),
            };
            ShopCustomer {
                gid: format!("gid://shopify/Customer/{}", 7_000_000_001 + i as u64),
                first_name: (*first).to_owned(),
                last_name: (*last).to_owned(),
                email: format!("{}.{}@example.{tld}", ascii_fold(first), ascii_fold(last)),
                phone: prefix,
                language,
            }
        })
        .collect()
}

/// The customers and orders a sandbox with this configuration starts with.
pub fn seeded_shop(config: &ShopConfig) -> (Vec<ShopCustomer>, Vec<Value>) {
    let mut rng = Rng::new(config.seed);
    let customers = seeded_customers(&mut rng);
    let orders = (0..config.orders)
        .map(|i| {
            let customer = rng.pick(&customers).clone();
            generate_order(&mut rng, 1001 + i as u64, &customer, config.now)
        })
        .collect();
    (customers, orders)
}

/// One order numbered `number` (`#number`) for `customer`, placed before `now`.
pub fn sample_order(seed: u64, number: u64, customer: &ShopCustomer, now: DateTime<Utc>) -> Value {
    generate_order(&mut Rng::new(seed), number, customer, now)
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn money(minor: u64) -> Value {
    json!({"shopMoney": {"amount": format!("{}.{:02}", minor / 100, minor % 100), "currencyCode": "EUR"}})
}

fn generate_order(
    rng: &mut Rng,
    number: u64,
    customer: &ShopCustomer,
    now: DateTime<Utc>,
) -> Value {
    let created = now - chrono::Duration::minutes(rng.range(60, 30 * 24 * 60) as i64);
    let mut updated = created + chrono::Duration::minutes(rng.range(1, 600) as i64);
    let mut total = 0u64;
    let items: Vec<Value> = (0..rng.range(1, 3))
        .map(|j| {
            let (title, sku, price) = *rng.pick(PRODUCTS);
            let quantity = rng.range(1, 3);
            let (euros, cents) = price.split_once('.').expect("price has cents");
            let unit = euros.parse::<u64>().expect("digits") * 100 + cents.parse::<u64>().expect("digits");
            total += unit * quantity;
            json!({
                "id": format!("gid://shopify/LineItem/{}", number * 10 + j),
                "title": title,
                "quantity": quantity,
                "sku": sku,
                "product": {"id": format!("gid://shopify/Product/{}", 8_000_000_000u64 + u64::from(sku.bytes().map(u32::from).sum::<u32>()))},
                "originalUnitPriceSet": money(unit),
            })
        })
        .collect();
    let shipping = 590;
    total += shipping;
    let fulfilled = rng.chance(75);
    let fulfillments: Vec<Value> = if fulfilled {
        let (company, tracking, url) = tracking_number(rng, customer.language);
        let shipped = created + chrono::Duration::hours(rng.range(4, 48) as i64);
        let display = *rng.pick(&[
            "IN_TRANSIT",
            "IN_TRANSIT",
            "OUT_FOR_DELIVERY",
            "DELIVERED",
            "DELIVERED",
            "LABEL_PRINTED",
            "ATTEMPTED_DELIVERY",
        ]);
        if shipped > updated {
            updated = shipped.min(now);
        }
        vec![json!({
            "status": "SUCCESS",
            "displayStatus": display,
            "estimatedDeliveryAt": stamp(shipped + chrono::Duration::days(3)),
            "trackingInfo": [{"company": company, "number": tracking, "url": url}],
        })]
    } else {
        Vec::new()
    };
    json!({
        "id": format!("gid://shopify/Order/{}", 5_550_000_000u64 + number),
        "name": format!("#{number}"),
        "createdAt": stamp(created),
        "updatedAt": stamp(updated),
        "cancelledAt": null,
        "displayFinancialStatus": "PAID",
        "displayFulfillmentStatus": if fulfilled { "FULFILLED" } else { "UNFULFILLED" },
        "email": customer.email,
        "phone": null,
        "currentTotalPriceSet": money(total),
        "customer": {
            "id": customer.gid,
            "displayName": customer.display_name(),
            "defaultEmailAddress": {"emailAddress": customer.email},
            "defaultPhoneNumber": {"phoneNumber": customer.phone},
        },
        "lineItems": {"nodes": items},
        "fulfillments": fulfillments,
    })
}

/// A carrier, a tracking number of its real format (with its check digit) and its public page.
fn tracking_number(rng: &mut Rng, language: &str) -> (&'static str, String, String) {
    let carrier = match language {
        "it" => *rng.pick(&["Poste Italiane", "BRT", "DHL Express"]),
        "en" => *rng.pick(&["UPS", "USPS"]),
        _ => *rng.pick(&["DHL Express", "UPS"]),
    };
    match carrier {
        "UPS" => {
            let body = format!("{}{}", rng.alnum_upper(6), rng.digits(9));
            let number = format!("1Z{body}{}", ups_check_digit(&body));
            let url = format!("https://www.ups.com/track?tracknum={number}");
            ("UPS", number, url)
        }
        "USPS" => {
            let body = format!("94001{}", rng.digits(16));
            let number = format!("{body}{}", mod10_check_digit(&body));
            let url = format!("https://tools.usps.com/go/TrackConfirmAction?tLabels={number}");
            ("USPS", number, url)
        }
        "DHL Express" => {
            let body: u64 = rng.range(100_000_000, 999_999_999);
            let number = format!("{body}{}", body % 7);
            let url = format!(
                "https://www.dhl.com/it-it/home/tracking/tracking-express.html?submit=1&tracking-id={number}"
            );
            ("DHL Express", number, url)
        }
        "Poste Italiane" => {
            let digits = rng.digits(8);
            let number = format!("RR{digits}{}IT", s10_check_digit(&digits));
            let url =
                format!("https://www.poste.it/cerca/index.html#/risultati-spedizioni/{number}");
            ("Poste Italiane", number, url)
        }
        _ => {
            let number = format!("0841{}", rng.digits(11));
            let url = format!(
                "https://vas.brt.it/vas/sped_det_show.hsm?referer=sped_numspe_par.htm&Nspediz={number}"
            );
            ("BRT", number, url)
        }
    }
}

/// UPS: letters count as `(ASCII − 63) mod 10`; odd positions once, even ones twice.
pub fn ups_check_digit(body: &str) -> u32 {
    let sum: u32 = body
        .chars()
        .enumerate()
        .map(|(i, c)| {
            let v = if c.is_ascii_digit() {
                c as u32 - '0' as u32
            } else {
                (c as u32 - 63) % 10
            };
            if i % 2 == 1 { v * 2 } else { v }
        })
        .sum();
    (10 - sum % 10) % 10
}

/// USPS IMpb: from the right, weights 3 and 1 alternately.
pub fn mod10_check_digit(body: &str) -> u32 {
    let sum: u32 = body
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| (c as u32 - '0' as u32) * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    (10 - sum % 10) % 10
}

/// UPU S10: weights 8 6 4 2 3 5 9 7, `11 − sum mod 11` (10 → 0, 11 → 5).
pub fn s10_check_digit(digits: &str) -> u32 {
    const WEIGHTS: [u32; 8] = [8, 6, 4, 2, 3, 5, 9, 7];
    let sum: u32 = digits
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| (c as u32 - '0' as u32) * w)
        .sum();
    match 11 - sum % 11 {
        10 => 0,
        11 => 5,
        d => d,
    }
}

/// The REST resource of a GraphQL-shaped order, as webhooks deliver it.
pub fn rest_order(order: &Value) -> Value {
    let number = |gid: &Value| -> Value {
        gid.as_str()
            .and_then(|g| g.rsplit('/').next())
            .and_then(|n| n.parse::<u64>().ok())
            .map_or(Value::Null, Value::from)
    };
    let customer = &order["customer"];
    let (first_name, last_name) = customer["displayName"]
        .as_str()
        .and_then(|n| n.split_once(' '))
        .map_or((Value::Null, Value::Null), |(f, l)| (json!(f), json!(l)));
    let line_items: Vec<Value> = order["lineItems"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|item| {
            json!({
                "id": number(&item["id"]),
                "product_id": number(&item["product"]["id"]),
                "sku": item["sku"],
                "title": item["title"],
                "quantity": item["quantity"],
                "price": item["originalUnitPriceSet"]["shopMoney"]["amount"],
            })
        })
        .collect();
    let fulfillments: Vec<Value> = order["fulfillments"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            let info = f["trackingInfo"].as_array().cloned().unwrap_or_default();
            json!({
                "status": f["status"].as_str().map(str::to_ascii_lowercase),
                "shipment_status": f["displayStatus"].as_str().map(str::to_ascii_lowercase),
                "tracking_company": info.first().map(|t| t["company"].clone()),
                "tracking_number": info.first().map(|t| t["number"].clone()),
                "tracking_numbers": info.iter().map(|t| t["number"].clone()).collect::<Vec<_>>(),
                "tracking_url": info.first().map(|t| t["url"].clone()),
                "tracking_urls": info.iter().map(|t| t["url"].clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "id": number(&order["id"]),
        "admin_graphql_api_id": order["id"],
        "name": order["name"],
        "email": order["email"],
        "phone": order["phone"],
        "created_at": order["createdAt"],
        "updated_at": order["updatedAt"],
        "cancelled_at": order["cancelledAt"],
        "currency": order["currentTotalPriceSet"]["shopMoney"]["currencyCode"],
        "total_price": order["currentTotalPriceSet"]["shopMoney"]["amount"],
        "financial_status": order["displayFinancialStatus"].as_str().map(str::to_ascii_lowercase),
        "fulfillment_status": match order["displayFulfillmentStatus"].as_str() {
            Some("FULFILLED") => json!("fulfilled"),
            Some("PARTIALLY_FULFILLED") => json!("partial"),
            _ => Value::Null,
        },
        "customer": if customer.is_null() { Value::Null } else { json!({
            "id": number(&customer["id"]),
            "email": customer["defaultEmailAddress"]["emailAddress"],
            "phone": customer["defaultPhoneNumber"]["phoneNumber"],
            "first_name": first_name,
            "last_name": last_name,
        })},
        "line_items": line_items,
        "fulfillments": fulfillments,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_match_published_examples() {
        // UPS's documented sample 1Z 999AA1 01 2345678 4.
        assert_eq!(ups_check_digit("999AA10123456784"[..15].as_ref()), 4);
        // UPU S10 sample RR473124829GB → check digit 9 of 47312482.
        assert_eq!(s10_check_digit("47312482"), 9);
    }

    #[test]
    fn the_same_seed_gives_the_same_shop() {
        let config = ShopConfig::default();
        assert_eq!(seeded_shop(&config), seeded_shop(&config));
        let other = ShopConfig {
            seed: 2,
            ..ShopConfig::default()
        };
        assert_ne!(seeded_shop(&config).1, seeded_shop(&other).1);
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let key = (Utc::now(), 42);
        let decoded = decode_cursor(&encode_cursor(&key)).unwrap();
        assert_eq!(decoded.1, 42);
        assert!(decode_cursor("not-a-cursor").is_none());
        assert_eq!(
            updated_since("updated_at:>='2026-11-01T10:00:00Z'")
                .unwrap()
                .to_rfc3339(),
            "2026-11-01T10:00:00+00:00"
        );
        assert!(updated_since("status:open").is_none());
    }
}
