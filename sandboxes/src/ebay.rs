//! eBay OAuth, the Commerce Message API v1, the Fulfillment API v1 and the Feedback API on one
//! server.
//!
//! - `POST /identity/v1/oauth2/token` (route `refreshToken`): the refresh-token grant with
//!   Basic client authentication; issues user access tokens with a lifetime tests can shorten.
//! - `GET /commerce/message/v1/conversation` (`getConversations`),
//!   `GET /commerce/message/v1/conversation/{conversation_id}` (`getConversation`) and
//!   `POST /commerce/message/v1/send_message` (`sendMessage`): check the bearer token, validate
//!   as the model documents (its 355xxx error ids), answer with bodies shaped like the model.
//! - `GET /sell/fulfillment/v1/order` (`getOrders`, `filter` with `creationdate`,
//!   `lastmodifieddate`, `orderfulfillmentstatus`; `limit`/`offset`; `orderIds`),
//!   `GET /sell/fulfillment/v1/order/{orderId}` (`getOrder`) and
//!   `GET /sell/fulfillment/v1/order/{orderId}/shipping_fulfillment`
//!   (`getShippingFulfillments`), with the model's 30xxx/32xxx error ids.
//! - `GET /commerce/feedback/v1/feedback` (`getFeedback`: `user_id`, `feedback_type`,
//!   `filter` with `commentType`, `role`, `period`; `sort`, `limit` 25–200, `offset`).
//!
//! Conversations, orders and feedback are generated from a seed; each seeded conversation's
//! buyer has an order of the listing it is about. Tests add buyer messages, orders, shipping
//! fulfillments and feedback, and read what was sent.

// Handlers return their refusal (`Err(Response)`) early; the size of that is irrelevant here.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::faults::{self, Fault, FaultLayer, Faults};
use crate::rng::Rng;
use crate::server::{self, Running};
use crate::tokens::{self, ClientAuth, TokenCheck, TokenEndpoint, TokenIssuer};

mod orders;

use orders::SandboxOrder;
pub use orders::sample_order;

pub const REFRESH_TOKEN_ROUTE: &str = "refreshToken";
pub const GET_CONVERSATIONS_ROUTE: &str = "getConversations";
pub const GET_CONVERSATION_ROUTE: &str = "getConversation";
pub const SEND_MESSAGE_ROUTE: &str = "sendMessage";
pub const GET_ORDERS_ROUTE: &str = "getOrders";
pub const GET_ORDER_ROUTE: &str = "getOrder";
pub const GET_SHIPPING_FULFILLMENTS_ROUTE: &str = "getShippingFulfillments";
pub const GET_FEEDBACK_ROUTE: &str = "getFeedback";
/// The path of the Message API under the sandbox's base URL.
pub const MESSAGE_API_PATH: &str = "/commerce/message/v1";
/// The path of the Fulfillment API under the sandbox's base URL.
pub const FULFILLMENT_API_PATH: &str = "/sell/fulfillment/v1";
/// The path of the Feedback API under the sandbox's base URL.
pub const FEEDBACK_API_PATH: &str = "/commerce/feedback/v1";
pub const MESSAGE_SCOPE: &str = "https://api.ebay.com/oauth/api_scope/commerce.message";
pub const FULFILLMENT_SCOPE: &str = "https://api.ebay.com/oauth/api_scope/sell.fulfillment";
pub const FEEDBACK_SCOPE: &str = "https://api.ebay.com/oauth/api_scope/commerce.feedback";
const SCOPES: &[&str] = &[MESSAGE_SCOPE, FULFILLMENT_SCOPE, FEEDBACK_SCOPE];

/// How the sandbox is set up.
#[derive(Debug, Clone)]
pub struct EbayConfig {
    pub seed: u64,
    /// Conversations with buyers to generate (plus two from eBay); each comes with an order.
    pub conversations: usize,
    /// Orders to generate beyond those of the conversations.
    pub orders: usize,
    /// The seller the account belongs to.
    pub seller_username: String,
    /// Generated messages are sent in the 14 days before this instant.
    pub now: DateTime<Utc>,
    pub client_id: String,
    pub client_secret: String,
    pub refresh_token: String,
    /// Lifetime of issued access tokens (eBay: two hours).
    pub token_lifetime: Duration,
    /// Time the token endpoint takes to answer, to make concurrent refreshes overlap.
    pub token_latency: Duration,
}

impl Default for EbayConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            conversations: 12,
            orders: 8,
            seller_username: "sandbox_seller".to_owned(),
            now: DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z")
                .expect("valid")
                .to_utc(),
            client_id: "SandboxA-marketde-PRD-0123456789-abcdef01".to_owned(),
            client_secret: "PRD-sandbox-client-secret".to_owned(),
            refresh_token: "v^1.1#i^1#r^1#sandbox-refresh-token".to_owned(),
            token_lifetime: Duration::from_secs(7200),
            token_latency: Duration::ZERO,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Message {
    id: String,
    created: DateTime<Utc>,
    sender: String,
    recipient: String,
    subject: Option<String>,
    body: String,
    media: Vec<Value>,
    read: bool,
}

#[derive(Debug, Clone, PartialEq)]
struct Conversation {
    id: String,
    from_ebay: bool,
    status: String,
    title: String,
    created: DateTime<Utc>,
    listing: Option<String>,
    /// The buyer (or `eBay`).
    other_party: String,
    messages: Vec<Message>,
}

impl Conversation {
    fn kind(&self) -> &'static str {
        if self.from_ebay {
            "FROM_EBAY"
        } else {
            "FROM_MEMBERS"
        }
    }

    fn latest(&self) -> Option<&Message> {
        self.messages.iter().max_by_key(|m| m.created)
    }

    fn unread(&self, seller: &str) -> usize {
        self.messages
            .iter()
            .filter(|m| !m.read && m.recipient == seller)
            .count()
    }
}

#[derive(Debug, Default)]
struct Store {
    conversations: Vec<Conversation>,
    counter: u64,
    orders: Vec<SandboxOrder>,
    /// `FeedbackDetail` JSON.
    feedback: Vec<Value>,
}

impl Store {
    fn next_id(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}{:010}", self.counter)
    }
}

#[derive(Debug, Clone)]
struct EbayState {
    config: Arc<EbayConfig>,
    store: Arc<Mutex<Store>>,
    tokens: TokenIssuer,
    oauth: TokenEndpoint,
}

/// A running eBay sandbox; it stops when dropped.
#[derive(Debug)]
pub struct EbaySandbox {
    server: Running,
    state: EbayState,
    faults: Faults,
}

impl EbaySandbox {
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(EbayConfig::default()).await
    }

    pub async fn start_with(config: EbayConfig) -> std::io::Result<Self> {
        Self::start_at(server::localhost(), config).await
    }

    pub async fn start_at(addr: SocketAddr, config: EbayConfig) -> std::io::Result<Self> {
        let store = seeded_store(&config);
        let tokens = TokenIssuer::new(config.seed, config.token_lifetime);
        let oauth = TokenEndpoint {
            issuer: tokens.clone(),
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
            refresh_token: config.refresh_token.clone(),
            client_auth: ClientAuth::Basic,
            scopes: Some(SCOPES),
            token_prefix: "v^1.1#i^1#sandbox#",
            token_type: "User Access Token",
            echo_refresh_token: false,
            latency: config.token_latency,
        };
        let state = EbayState {
            tokens,
            oauth,
            config: Arc::new(config),
            store: Arc::new(Mutex::new(store)),
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
        let api = Router::new()
            .route(
                "/conversation",
                get(get_conversations).layer(layer(GET_CONVERSATIONS_ROUTE)),
            )
            .route(
                "/conversation/{conversation_id}",
                get(get_conversation).layer(layer(GET_CONVERSATION_ROUTE)),
            )
            .route(
                "/send_message",
                post(send_message).layer(layer(SEND_MESSAGE_ROUTE)),
            );
        let fulfillment = Router::new()
            .route(
                "/order",
                get(orders::get_orders).layer(layer(GET_ORDERS_ROUTE)),
            )
            .route(
                "/order/{order_id}",
                get(orders::get_order).layer(layer(GET_ORDER_ROUTE)),
            )
            .route(
                "/order/{order_id}/shipping_fulfillment",
                get(orders::get_shipping_fulfillments)
                    .layer(layer(GET_SHIPPING_FULFILLMENTS_ROUTE)),
            );
        let feedback = Router::new().route(
            "/feedback",
            get(orders::get_feedback).layer(layer(GET_FEEDBACK_ROUTE)),
        );
        let router = Router::new()
            .route(
                "/identity/v1/oauth2/token",
                post(refresh_token).layer(layer(REFRESH_TOKEN_ROUTE)),
            )
            .nest(MESSAGE_API_PATH, api)
            .nest(FULFILLMENT_API_PATH, fulfillment)
            .nest(FEEDBACK_API_PATH, feedback)
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

    /// The Message API's base URL to configure clients with.
    pub fn message_api_url(&self) -> String {
        format!("{}{MESSAGE_API_PATH}", self.base_url())
    }

    pub fn token_url(&self) -> String {
        format!("{}/identity/v1/oauth2/token", self.base_url())
    }

    /// The Fulfillment API's base URL to configure clients with.
    pub fn fulfillment_api_url(&self) -> String {
        format!("{}{FULFILLMENT_API_PATH}", self.base_url())
    }

    /// The Feedback API's base URL to configure clients with.
    pub fn feedback_api_url(&self) -> String {
        format!("{}{FEEDBACK_API_PATH}", self.base_url())
    }

    /// Adds `order` (an `Order` of the model, without `fulfillmentHrefs`), replacing one with
    /// the same `orderId`.
    pub fn add_order(&self, order: Value) {
        let mut store = self.state.store.lock().unwrap();
        let id = order["orderId"].as_str().unwrap_or_default().to_owned();
        match store.orders.iter_mut().find(|o| o.id() == id) {
            Some(existing) => existing.json = order,
            None => store.orders.push(SandboxOrder {
                json: order,
                fulfillments: Vec::new(),
            }),
        }
    }

    /// Changes an order in place (e.g. its `lastModifiedDate`); `false` if there is none.
    pub fn update_order(&self, id: &str, change: impl FnOnce(&mut Value)) -> bool {
        let mut store = self.state.store.lock().unwrap();
        match store.orders.iter_mut().find(|o| o.id() == id) {
            Some(order) => {
                change(&mut order.json);
                true
            }
            None => false,
        }
    }

    /// The seller ships: adds a `ShippingFulfillment` to the order; `false` if there is none.
    pub fn add_shipping_fulfillment(&self, order_id: &str, fulfillment: Value) -> bool {
        let mut store = self.state.store.lock().unwrap();
        match store.orders.iter_mut().find(|o| o.id() == order_id) {
            Some(order) => {
                order.fulfillments.push(fulfillment);
                true
            }
            None => false,
        }
    }

    /// Every order as `getOrder` would answer it, in the order they were added.
    pub fn orders(&self) -> Vec<Value> {
        let base = self.base_url();
        let store = self.state.store.lock().unwrap();
        store.orders.iter().map(|o| o.to_json(&base)).collect()
    }

    pub fn order(&self, id: &str) -> Option<Value> {
        self.orders().into_iter().find(|o| o["orderId"] == id)
    }

    /// The order's `ShippingFulfillment`s.
    pub fn shipping_fulfillments(&self, order_id: &str) -> Vec<Value> {
        let store = self.state.store.lock().unwrap();
        store
            .orders
            .iter()
            .find(|o| o.id() == order_id)
            .map(|o| o.fulfillments.clone())
            .unwrap_or_default()
    }

    /// Adds a `FeedbackDetail` received by the seller.
    pub fn add_feedback(&self, entry: Value) {
        self.state.store.lock().unwrap().feedback.push(entry);
    }

    /// Every feedback entry received by the seller.
    pub fn feedback(&self) -> Vec<Value> {
        self.state.store.lock().unwrap().feedback.clone()
    }

    pub fn config(&self) -> &EbayConfig {
        &self.state.config
    }

    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    pub fn token_requests(&self) -> usize {
        self.faults.count(REFRESH_TOKEN_ROUTE)
    }

    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.state.tokens.set_lifetime(lifetime);
    }

    /// Every access token issued so far is refused from now on.
    pub fn expire_all_tokens(&self) {
        self.state.tokens.forget_all();
    }

    /// The refresh token stops working: the token endpoint answers `invalid_grant`.
    pub fn revoke_refresh_token(&self) {
        self.state.tokens.revoke_refresh_token();
    }

    /// A buyer writes to the seller about `listing`, in their existing conversation about it
    /// or a new one. Returns the conversation and message ids.
    pub fn add_buyer_message(
        &self,
        buyer: &str,
        listing: Option<&str>,
        body: &str,
        at: DateTime<Utc>,
    ) -> (String, String) {
        let seller = self.state.config.seller_username.clone();
        let mut store = self.state.store.lock().unwrap();
        let message_id = store.next_id("");
        let existing = store.conversations.iter().position(|c| {
            !c.from_ebay && c.other_party == buyer && c.listing.as_deref() == listing
        });
        let index = match existing {
            Some(i) => i,
            None => {
                let id = store.next_id("");
                store.conversations.push(Conversation {
                    id,
                    from_ebay: false,
                    status: "ACTIVE".to_owned(),
                    title: listing
                        .map_or_else(|| format!("Message from {buyer}"), |l| format!("Item {l}")),
                    created: at,
                    listing: listing.map(str::to_owned),
                    other_party: buyer.to_owned(),
                    messages: Vec::new(),
                });
                store.conversations.len() - 1
            }
        };
        let conversation = &mut store.conversations[index];
        conversation.messages.push(Message {
            id: message_id.clone(),
            created: at,
            sender: buyer.to_owned(),
            recipient: seller,
            subject: None,
            body: body.to_owned(),
            media: Vec::new(),
            read: false,
        });
        (conversation.id.clone(), message_id)
    }

    /// The conversation's messages as `MessageDetail` JSON, oldest first.
    pub fn messages(&self, conversation_id: &str) -> Vec<Value> {
        let store = self.state.store.lock().unwrap();
        store
            .conversations
            .iter()
            .find(|c| c.id == conversation_id)
            .map(|c| c.messages.iter().map(message_json).collect())
            .unwrap_or_default()
    }

    /// The listing a conversation is about.
    pub fn conversation_listing(&self, conversation_id: &str) -> Option<String> {
        let store = self.state.store.lock().unwrap();
        store
            .conversations
            .iter()
            .find(|c| c.id == conversation_id)
            .and_then(|c| c.listing.clone())
    }

    /// Ids of the conversations with buyers (not those from eBay).
    pub fn conversation_ids(&self) -> Vec<String> {
        let store = self.state.store.lock().unwrap();
        store
            .conversations
            .iter()
            .filter(|c| !c.from_ebay)
            .map(|c| c.id.clone())
            .collect()
    }

    /// Every message the seller sent through `sendMessage`: (conversation id, message).
    pub fn sent(&self) -> Vec<(String, Value)> {
        let seller = &self.state.config.seller_username;
        let store = self.state.store.lock().unwrap();
        let mut sent: Vec<(String, &Message)> = store
            .conversations
            .iter()
            .flat_map(|c| {
                c.messages
                    .iter()
                    .filter(|m| &m.sender == seller && m.id.starts_with('S'))
                    .map(|m| (c.id.clone(), m))
            })
            .collect();
        sent.sort_by_key(|(_, m)| (m.created, m.id.clone()));
        sent.into_iter()
            .map(|(c, m)| (c, message_json(m)))
            .collect()
    }
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn message_json(m: &Message) -> Value {
    let mut json = json!({
        "createdDate": stamp(m.created),
        "messageBody": m.body,
        "messageId": m.id,
        "readStatus": m.read,
        "recipientUsername": m.recipient,
        "senderUsername": m.sender,
    });
    if let Some(subject) = &m.subject {
        json["subject"] = json!(subject);
    }
    if !m.media.is_empty() {
        json["messageMedia"] = json!(m.media);
    }
    json
}

fn conversation_json(c: &Conversation, seller: &str) -> Value {
    let mut json = json!({
        "conversationId": c.id,
        "conversationStatus": c.status,
        "conversationTitle": c.title,
        "conversationType": c.kind(),
        "createdDate": stamp(c.created),
        "unreadCount": c.unread(seller),
    });
    if let Some(latest) = c.latest() {
        json["latestMessage"] = message_json(latest);
    }
    if let Some(listing) = &c.listing {
        json["referenceId"] = json!(listing);
        json["referenceType"] = json!("LISTING");
    }
    json
}

// ---- errors -------------------------------------------------------------------------------

fn ebay_error(
    status: StatusCode,
    error_id: u32,
    domain: &str,
    category: &str,
    message: &str,
) -> Response {
    let body = json!({"errors": [{
        "errorId": error_id,
        "domain": domain,
        "category": category,
        "message": message,
        "longMessage": message,
    }]});
    (status, Json(body)).into_response()
}

fn bad_request(error_id: u32, message: &str) -> Response {
    ebay_error(
        StatusCode::BAD_REQUEST,
        error_id,
        "API_MESSAGE",
        "REQUEST",
        message,
    )
}

fn invalid_token() -> Response {
    ebay_error(
        StatusCode::UNAUTHORIZED,
        1001,
        "OAuth",
        "REQUEST",
        "Invalid access token",
    )
}

fn render(route: &'static str, fault: &Fault) -> Response {
    if route == REFRESH_TOKEN_ROUTE {
        return tokens::render_fault(fault);
    }
    let domain = orders::domain_of(route);
    match fault {
        Fault::Throttle { retry_after } => faults::with_retry_after(
            ebay_error(
                StatusCode::TOO_MANY_REQUESTS,
                2001,
                "ACCESS",
                "REQUEST",
                "Too many requests.",
            ),
            *retry_after,
        ),
        Fault::ServerError(status) => {
            let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let error_id = if domain == "API_FULFILLMENT" {
                30500
            } else {
                335000
            };
            ebay_error(
                status,
                error_id,
                domain,
                "APPLICATION",
                "There was a problem with an eBay internal system or process. Contact eBay developer support for assistance.",
            )
        }
        Fault::ExpiredToken => invalid_token(),
        _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

// ---- OAuth --------------------------------------------------------------------------------

async fn refresh_token(
    State(state): State<EbayState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    state.oauth.grant(&headers, &form).await
}

fn check_token(state: &EbayState, headers: &HeaderMap) -> Result<(), Response> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match token.map(|t| state.tokens.check(t)) {
        Some(TokenCheck::Valid) => Ok(()),
        _ => Err(invalid_token()),
    }
}

// ---- Message API --------------------------------------------------------------------------

fn paging(params: &HashMap<String, String>) -> Result<(usize, usize), Response> {
    let limit = match params.get("limit") {
        None => 25,
        Some(v) => match v.parse::<usize>() {
            Ok(n @ 1..=50) => n,
            _ => {
                return Err(bad_request(
                    355009,
                    "Invalid limit. The limit value must be a positive integer value that does not exceed 50.",
                ));
            }
        },
    };
    let offset = match params.get("offset") {
        None => 0,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n % limit == 0 => n,
            _ => {
                return Err(bad_request(
                    355008,
                    "Invalid offset. The offset value must be a positive integer value and synchronized up with the limit value.",
                ));
            }
        },
    };
    Ok((limit, offset))
}

fn conversation_type(params: &HashMap<String, String>) -> Result<bool, Response> {
    match params.get("conversation_type").map(String::as_str) {
        Some("FROM_MEMBERS") => Ok(false),
        Some("FROM_EBAY") => Ok(true),
        Some(_) => Err(bad_request(
            355002,
            "Invalid conversation_type value. Please see documentation for valid values.",
        )),
        None => Err(bad_request(
            355017,
            "The required conversation_type query parameter is either missing or has an invalid value. Please include this parameter and use a supported value.",
        )),
    }
}

fn page_links(
    uri: &OriginalUri,
    base: &str,
    offset: usize,
    limit: usize,
    total: usize,
) -> (String, Option<String>, Option<String>) {
    let path = uri.path();
    let mut params: Vec<(String, String)> = uri
        .query()
        .map(|q| {
            q.split('&')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        })
        .unwrap_or_default();
    params.retain(|(k, _)| k != "offset" && k != "limit");
    let link = |offset: usize| {
        let mut query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        query.push(format!("limit={limit}"));
        query.push(format!("offset={offset}"));
        format!("{base}{path}?{}", query.join("&"))
    };
    let next = (offset + limit < total).then(|| link(offset + limit));
    let prev = (offset > 0).then(|| link(offset.saturating_sub(limit)));
    (link(offset), next, prev)
}

fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

async fn get_conversations(
    State(state): State<EbayState>,
    headers: HeaderMap,
    uri: OriginalUri,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    check_token(&state, &headers)
        .and_then(|()| list_conversations(&state, &headers, &uri, &params))
        .unwrap_or_else(|r| r)
}

fn list_conversations(
    state: &EbayState,
    headers: &HeaderMap,
    uri: &OriginalUri,
    params: &HashMap<String, String>,
) -> Result<Response, Response> {
    let from_ebay = conversation_type(params)?;
    let status = params.get("conversation_status").map(String::as_str);
    if status.is_some_and(|s| !["ACTIVE", "ARCHIVE", "DELETE", "READ", "UNREAD"].contains(&s)) {
        return Err(bad_request(
            355001,
            "Invalid conversation_status value. Please see documentation for valid values.",
        ));
    }
    let time = |name: &str| -> Result<Option<DateTime<Utc>>, Response> {
        match params.get(name) {
            None => Ok(None),
            Some(v) => DateTime::parse_from_rfc3339(v).map(|t| Some(t.to_utc())).map_err(|_| {
                bad_request(355005, "Invalid date format used for one or both date filters. Please use ISO 8601 dates with UTC offset.")
            }),
        }
    };
    let (start, end) = (time("start_time")?, time("end_time")?);
    if start.zip(end).is_some_and(|(s, e)| s >= e) {
        return Err(bad_request(
            355004,
            "The start_time must be an earlier date than end_time.",
        ));
    }
    let reference_type = params.get("reference_type").map(String::as_str);
    if reference_type.is_some_and(|t| t != "LISTING") {
        return Err(bad_request(
            355003,
            "Invalid reference_type value. Please see documentation for valid values.",
        ));
    }
    let reference_id = params.get("reference_id");
    if reference_id.is_some() && reference_type.is_none() {
        return Err(bad_request(
            355022,
            "The parameter reference_type is required whenever reference_id is provided.",
        ));
    }
    if reference_id.is_some_and(|r| r.is_empty() || !r.chars().all(|c| c.is_ascii_digit())) {
        return Err(bad_request(
            355016,
            "Invalid reference_id. The reference_id value must be a positive integer value.",
        ));
    }
    let (limit, offset) = paging(params)?;
    let other = params.get("other_party_username");
    let seller = &state.config.seller_username;

    let store = state.store.lock().unwrap();
    let mut matching: Vec<&Conversation> = store
        .conversations
        .iter()
        .filter(|c| c.from_ebay == from_ebay)
        .filter(|c| match status {
            None => c.status != "DELETE",
            Some("READ") => c.unread(seller) == 0,
            Some("UNREAD") => c.unread(seller) > 0,
            Some(s) => c.status == s,
        })
        .filter(|c| other.is_none_or(|o| c.other_party.eq_ignore_ascii_case(o)))
        .filter(|c| reference_id.is_none_or(|r| c.listing.as_ref() == Some(r)))
        .filter(|c| {
            // Time filters apply to conversations with members only, as documented.
            from_ebay
                || (start.is_none() && end.is_none())
                || c.messages.iter().any(|m| {
                    start.is_none_or(|s| m.created >= s) && end.is_none_or(|e| m.created < e)
                })
        })
        .collect();
    matching.sort_by_key(|c| std::cmp::Reverse((c.latest().map(|m| m.created), c.id.clone())));
    let total = matching.len();
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(limit)
        .map(|c| conversation_json(c, seller))
        .collect();
    let (href, next, prev) = page_links(uri, &base_url(headers), offset, limit, total);
    let mut body = json!({"conversations": page, "href": href, "limit": limit, "offset": offset, "total": total});
    if let Some(next) = next {
        body["next"] = json!(next);
    }
    if let Some(prev) = prev {
        body["prev"] = json!(prev);
    }
    Ok(Json(body).into_response())
}

async fn get_conversation(
    State(state): State<EbayState>,
    headers: HeaderMap,
    uri: OriginalUri,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let answer = || -> Result<Response, Response> {
        check_token(&state, &headers)?;
        let from_ebay = conversation_type(&params)?;
        let (limit, offset) = paging(&params)?;
        let store = state.store.lock().unwrap();
        let Some(c) = store
            .conversations
            .iter()
            .find(|c| c.id == id && c.from_ebay == from_ebay)
        else {
            return Err(ebay_error(
                StatusCode::NOT_FOUND,
                355007,
                "API_MESSAGE",
                "REQUEST",
                "Invalid or unrecognized conversation_id value.",
            ));
        };
        let mut messages: Vec<&Message> = c.messages.iter().collect();
        messages.sort_by_key(|m| (m.created, m.id.clone()));
        let total = messages.len();
        let page: Vec<Value> = messages
            .iter()
            .skip(offset)
            .take(limit)
            .map(|m| message_json(m))
            .collect();
        let (href, next, prev) = page_links(&uri, &base_url(&headers), offset, limit, total);
        let mut body = json!({
            "conversationStatus": c.status,
            "conversationTitle": c.title,
            "conversationType": c.kind(),
            "href": href,
            "limit": limit,
            "messages": page,
            "offset": offset,
            "total": total,
        });
        if let Some(next) = next {
            body["next"] = json!(next);
        }
        if let Some(prev) = prev {
            body["prev"] = json!(prev);
        }
        Ok(Json(body).into_response())
    };
    answer().unwrap_or_else(|r| r)
}

async fn send_message(State(state): State<EbayState>, headers: HeaderMap, body: Bytes) -> Response {
    check_token(&state, &headers)
        .and_then(|()| send(&state, &headers, &body))
        .unwrap_or_else(|r| r)
}

fn send(state: &EbayState, headers: &HeaderMap, body: &[u8]) -> Result<Response, Response> {
    let json_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json_type {
        return Err(ebay_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            2004,
            "API_MESSAGE",
            "REQUEST",
            "The Content-Type header must be application/json.",
        ));
    }
    let Ok(request) = serde_json::from_slice::<Value>(body) else {
        return Err(ebay_error(
            StatusCode::BAD_REQUEST,
            2004,
            "API_MESSAGE",
            "REQUEST",
            "The request has errors. The request body is not valid JSON.",
        ));
    };
    let text = |name: &str| {
        request
            .get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
    };
    let conversation_id = text("conversationId");
    let other_party = text("otherPartyUsername");
    if conversation_id.is_none() && other_party.is_none() {
        return Err(bad_request(
            355018,
            "conversationId and otherPartyUsername cannot both be empty.",
        ));
    }
    let message_text = request
        .get("messageText")
        .and_then(Value::as_str)
        .unwrap_or("");
    if message_text.chars().count() > 2000 {
        return Err(bad_request(
            355013,
            "The messageText string exceeds the maximum character threshold of 2000. Please modify the message text to meet this requirement.",
        ));
    }
    let media = request
        .get("messageMedia")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if message_text.trim().is_empty() && media.is_empty() {
        return Err(bad_request(
            355015,
            "Please pass message text or upload one of more media attachments.",
        ));
    }
    if media.len() > 5 {
        return Err(bad_request(
            355010,
            "The maximum amount of media that may be sent is 5. Please reduce the number of media in the messageMedia array to 5 and try again.",
        ));
    }
    for m in &media {
        let field = |name: &str| {
            m.get(name)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        let (Some(_), Some(kind), Some(url)) =
            (field("mediaName"), field("mediaType"), field("mediaUrl"))
        else {
            return Err(bad_request(
                355012,
                "All fields under messageMedia are required. Please add missing field(s).",
            ));
        };
        if !["IMAGE", "PDF", "DOC", "TXT"].contains(&kind) {
            return Err(bad_request(
                355011,
                "Invalid mediaType value. Please see documentation for valid values.",
            ));
        }
        if !url.starts_with("https://") {
            return Err(bad_request(
                355014,
                "Invalid mediaUrl. Please see documentation.",
            ));
        }
    }
    let reference = match request.get("reference") {
        None => None,
        Some(r) => {
            let field = |name: &str| {
                r.get(name)
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
            };
            let (Some(id), Some(kind)) = (field("referenceId"), field("referenceType")) else {
                return Err(bad_request(
                    355021,
                    "All fields under reference are required. Please add missing field(s).",
                ));
            };
            if kind != "LISTING" {
                return Err(bad_request(
                    355003,
                    "Invalid referenceType value. Please see documentation for valid values.",
                ));
            }
            if !id.chars().all(|c| c.is_ascii_digit()) {
                return Err(bad_request(
                    355016,
                    "Invalid referenceId. The referenceId value must be a positive integer value.",
                ));
            }
            Some(id.to_owned())
        }
    };

    let seller = state.config.seller_username.clone();
    let mut store = state.store.lock().unwrap();
    let index = match conversation_id {
        Some(id) => match store
            .conversations
            .iter()
            .position(|c| c.id == id && !c.from_ebay)
        {
            Some(i) => i,
            None => {
                return Err(bad_request(
                    355007,
                    "Invalid or unrecognized conversation_id value.",
                ));
            }
        },
        None => {
            let user = other_party.expect("checked above");
            let valid_user = user.len() >= 2
                && user.len() <= 64
                && user
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-*".contains(c));
            if !valid_user || user.eq_ignore_ascii_case(&seller) {
                return Err(bad_request(
                    355006,
                    "Invalid or unrecognized otherPartyUsername value.",
                ));
            }
            match store
                .conversations
                .iter()
                .position(|c| !c.from_ebay && c.other_party == user && c.listing == reference)
            {
                Some(i) => i,
                None => {
                    let id = store.next_id("");
                    store.conversations.push(Conversation {
                        id,
                        from_ebay: false,
                        status: "ACTIVE".to_owned(),
                        title: reference
                            .as_ref()
                            .map_or_else(|| format!("Message to {user}"), |l| format!("Item {l}")),
                        created: Utc::now(),
                        listing: reference.clone(),
                        other_party: user.to_owned(),
                        messages: Vec::new(),
                    });
                    store.conversations.len() - 1
                }
            }
        }
    };
    // Seller messages sent through the API get an `S` prefix, so tests can tell them apart.
    let message_id = store.next_id("S");
    let conversation = &mut store.conversations[index];
    let message = Message {
        id: message_id,
        created: Utc::now(),
        sender: seller.clone(),
        recipient: conversation.other_party.clone(),
        subject: None,
        body: message_text.to_owned(),
        media: media.clone(),
        read: false,
    };
    conversation.messages.push(message.clone());
    let mut answer = json!({
        "createdDate": stamp(message.created),
        "messageBody": message.body,
        "messageId": message.id,
        "readStatus": false,
        "recipientUserName": message.recipient,
        "senderUserName": message.sender,
    });
    if !media.is_empty() {
        answer["messageMedia"] = json!(media);
    }
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

// ---- seeded data --------------------------------------------------------------------------

const BUYERS: &[(&str, &[&str])] = &[
    ("it", &["giulia_r82", "marco.bianchi", "fra-ricci"]),
    ("de", &["lukas_schn", "anna.fischer88", "jonas-weber"]),
    ("en", &["jwilson_uk", "olivia.t", "harry-evans"]),
    ("fr", &["camille.m", "lucas_bernard"]),
    ("es", &["lucia.garcia", "hugo_mtz"]),
];

const TEXTS: &[(&str, &[&str])] = &[
    (
        "it",
        &[
            "Buongiorno, quando verrà spedito il mio ordine?",
            "Il pacco risulta consegnato ma non l'ho ricevuto.",
            "L'articolo è arrivato danneggiato, come posso fare il reso?",
        ],
    ),
    (
        "de",
        &[
            "Hallo, wann wird meine Bestellung versendet?",
            "Laut Sendungsverfolgung zugestellt, aber nichts angekommen.",
            "Der Artikel ist beschädigt angekommen. Wie kann ich ihn zurückschicken?",
        ],
    ),
    (
        "en",
        &[
            "Hi, when will my order be dispatched?",
            "Tracking says delivered but I have not received anything.",
            "The item arrived damaged, how do I return it?",
        ],
    ),
    (
        "fr",
        &[
            "Bonjour, quand ma commande sera-t-elle expédiée ?",
            "Le colis est indiqué livré mais je ne l'ai pas reçu.",
        ],
    ),
    (
        "es",
        &[
            "Hola, ¿cuándo se enviará mi pedido?",
            "El artículo llegó dañado, ¿cómo lo devuelvo?",
        ],
    ),
];

const REPLIES: &[&str] = &[
    "Thank you for your message. Your order was dispatched today; tracking: RR123456785IT.",
    "We are sorry to hear that. We have opened an investigation with the carrier.",
];

fn seeded_store(config: &EbayConfig) -> Store {
    let mut rng = Rng::new(config.seed);
    let mut store = Store::default();
    let seller = config.seller_username.clone();
    for _ in 0..config.conversations {
        let (language, buyers) = *rng.pick(BUYERS);
        let buyer = *rng.pick(buyers);
        let texts = TEXTS
            .iter()
            .find(|(l, _)| *l == language)
            .map_or(TEXTS[2].1, |(_, t)| t);
        let listing = format!("1{}", rng.digits(11));
        let created = config.now - chrono::Duration::seconds(rng.range(3600, 14 * 86_400) as i64);
        let id = store.next_id("");
        let mut messages = Vec::new();
        let mut at = created;
        for turn in 0..rng.range(1, 4) {
            let from_buyer = turn % 2 == 0;
            let message_id = store.next_id("");
            messages.push(Message {
                id: message_id,
                created: at,
                sender: if from_buyer {
                    buyer.to_owned()
                } else {
                    seller.clone()
                },
                recipient: if from_buyer {
                    seller.clone()
                } else {
                    buyer.to_owned()
                },
                subject: None,
                body: if from_buyer {
                    (*rng.pick(texts)).to_owned()
                } else {
                    (*rng.pick(REPLIES)).to_owned()
                },
                media: Vec::new(),
                read: !from_buyer || rng.chance(50),
            });
            let step = chrono::Duration::seconds(rng.range(600, 30 * 3600) as i64);
            at = (at + step).min(config.now);
        }
        store.conversations.push(Conversation {
            id,
            from_ebay: false,
            status: "ACTIVE".to_owned(),
            title: format!("Item {listing}"),
            created,
            listing: Some(listing),
            other_party: buyer.to_owned(),
            messages,
        });
    }
    for title in [
        "Your payout has been sent",
        "Action needed: a buyer opened a return request",
    ] {
        let id = store.next_id("");
        let created = config.now - chrono::Duration::seconds(rng.range(3600, 14 * 86_400) as i64);
        let message_id = store.next_id("");
        store.conversations.push(Conversation {
            id,
            from_ebay: true,
            status: "ACTIVE".to_owned(),
            title: title.to_owned(),
            created,
            listing: None,
            other_party: "eBay".to_owned(),
            messages: vec![Message {
                id: message_id,
                created,
                sender: "eBay".to_owned(),
                recipient: seller.clone(),
                subject: Some(title.to_owned()),
                body: format!("{title}. See Seller Hub for details."),
                media: Vec::new(),
                read: false,
            }],
        });
    }
    let (orders, feedback) = orders::seed(config, &store.conversations);
    store.orders = orders;
    store.feedback = feedback;
    store
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_conversations() {
        let config = EbayConfig::default();
        assert_eq!(
            seeded_store(&config).conversations,
            seeded_store(&config).conversations
        );
        let other = EbayConfig {
            seed: 9,
            ..EbayConfig::default()
        };
        assert_ne!(
            seeded_store(&config).conversations,
            seeded_store(&other).conversations
        );
    }

    #[test]
    fn seeded_conversations_start_with_the_buyer_and_stay_before_now() {
        let config = EbayConfig::default();
        let store = seeded_store(&config);
        let members: Vec<_> = store
            .conversations
            .iter()
            .filter(|c| !c.from_ebay)
            .collect();
        assert_eq!(members.len(), config.conversations);
        assert!(
            members
                .iter()
                .all(|c| c.messages[0].sender == c.other_party)
        );
        assert!(
            store
                .conversations
                .iter()
                .flat_map(|c| &c.messages)
                .all(|m| m.created <= config.now)
        );
    }

    #[test]
    fn every_seeded_conversation_has_an_order_of_its_listing_placed_before_it() {
        let config = EbayConfig::default();
        let store = seeded_store(&config);
        assert_eq!(store.orders.len(), config.conversations + config.orders);
        for c in store.conversations.iter().filter(|c| !c.from_ebay) {
            let order = store
                .orders
                .iter()
                .find(|o| {
                    o.json["buyer"]["username"] == c.other_party.as_str()
                        && o.json["lineItems"][0]["legacyItemId"] == c.listing.as_deref().unwrap()
                })
                .unwrap_or_else(|| panic!("no order for conversation {}", c.id));
            let created = order.json["creationDate"].as_str().unwrap();
            assert!(DateTime::parse_from_rfc3339(created).unwrap() < c.created);
        }
        let shipped = store.orders.iter().filter(|o| !o.fulfillments.is_empty());
        for order in shipped {
            assert_eq!(order.json["orderFulfillmentStatus"], "FULFILLED");
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_orders_and_feedback() {
        let config = EbayConfig::default();
        let (a, b) = (seeded_store(&config), seeded_store(&config));
        assert_eq!(a.orders, b.orders);
        assert_eq!(a.feedback, b.feedback);
        let other = seeded_store(&EbayConfig {
            seed: 9,
            ..EbayConfig::default()
        });
        assert_ne!(a.orders, other.orders);
    }
}
