//! The Admin GraphQL API for one shop: changed orders and order look-ups, paced by a cost
//! bucket that mirrors the shop's own.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::connectors::error::{CallContext, ConnectorError, ErrorKind};
use crate::connectors::http::{self, HttpConfig, RawResponse, Secret};
use crate::connectors::{OrderLookup, OrderPage, OrderSource};
use crate::domain::{self, AccountId, OrderId};

use super::mapping;
use super::model::{self, GraphQlResponse, ThrottleStatus};

/// The newest stable Admin API version when this was written; Shopify supports each for a year.
pub const DEFAULT_API_VERSION: &str = "2026-10";
const TOKEN_HEADER: &str = "x-shopify-access-token";
const REQUEST_ID_HEADER: &str = "x-request-id";
/// Shopify refuses a single query whose requested cost exceeds this.
const MAX_QUERY_COST: f64 = 1000.0;

/// Settings of the Admin API client for one shop.
#[derive(Debug, Clone, PartialEq)]
pub struct ShopifyConfig {
    pub account: AccountId,
    /// `acme.myshopify.com`: the API host, and the orders' marketplace id.
    pub shop_domain: String,
    /// Replaces `https://{shop_domain}` (a sandbox, the local stack).
    pub endpoint: Option<String>,
    /// `YYYY-MM` (or `unstable`).
    pub api_version: String,
    /// The app's Admin API access token (`shpat_…`).
    pub access_token: Secret,
    /// Orders per page (`first`), 1–250. Kept small by default: every order carries its line
    /// items, and the requested cost grows with `first` × nested page sizes (limit 1000).
    pub page_size: u32,
    pub http: HttpConfig,
}

impl ShopifyConfig {
    pub fn new(account: AccountId, shop_domain: impl Into<String>, access_token: Secret) -> Self {
        Self {
            account,
            shop_domain: shop_domain.into(),
            endpoint: None,
            api_version: DEFAULT_API_VERSION.to_owned(),
            access_token,
            page_size: 10,
            http: HttpConfig::default(),
        }
    }

    fn validate(&self) -> Result<(), String> {
        let shop = &self.shop_domain;
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        };
        if !shop.split('.').all(label_ok) || !shop.contains('.') {
            return Err(format!(
                "'{shop}' is not a shop domain (acme.myshopify.com)"
            ));
        }
        let v = &self.api_version;
        let dated = v.len() == 7
            && v.as_bytes()[4] == b'-'
            && v.chars()
                .enumerate()
                .all(|(i, c)| i == 4 || c.is_ascii_digit());
        if !dated && v != "unstable" {
            return Err(format!("'{v}' is not an API version (YYYY-MM)"));
        }
        if !(1..=250).contains(&self.page_size) {
            return Err(format!("page size must be 1–250, not {}", self.page_size));
        }
        if self.access_token.expose().trim().is_empty() {
            return Err("the access token is empty".to_owned());
        }
        Ok(())
    }

    fn graphql_url(&self) -> String {
        let base = match &self.endpoint {
            Some(endpoint) => endpoint.trim_end_matches('/').to_owned(),
            None => format!("https://{}", self.shop_domain),
        };
        format!("{base}/admin/api/{}/graphql.json", self.api_version)
    }
}

/// The shop's query-cost bucket as this client last saw it, refilled locally between answers,
/// so that the client waits before Shopify has to throttle it. Every answer replaces the
/// local estimate with Shopify's own numbers.
#[derive(Debug)]
pub struct CostBucket {
    state: Mutex<BucketState>,
}

#[derive(Debug, Clone, Copy)]
struct BucketState {
    maximum: f64,
    available: f64,
    restore_rate: f64,
    updated: Instant,
}

impl Default for CostBucket {
    /// Shopify's smallest plan (1000 points, 50 restored per second) until an answer tells.
    fn default() -> Self {
        Self::new(ThrottleStatus {
            maximum_available: 1000.0,
            currently_available: 1000.0,
            restore_rate: 50.0,
        })
    }
}

impl CostBucket {
    pub fn new(status: ThrottleStatus) -> Self {
        let bucket = Self {
            state: Mutex::new(BucketState {
                maximum: 1.0,
                available: 1.0,
                restore_rate: 1.0,
                updated: Instant::now(),
            }),
        };
        bucket.observe(&status);
        bucket
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BucketState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes `cost` points, waiting for them to be restored if need be — unless the wait would
    /// exceed `max_wait`, in which case nothing is taken and the wait needed is returned.
    pub async fn reserve(&self, cost: f64, max_wait: Duration) -> Result<(), Duration> {
        let wait = {
            let mut state = self.lock();
            let now = Instant::now();
            let elapsed = now.saturating_duration_since(state.updated).as_secs_f64();
            state.available = (state.available + elapsed * state.restore_rate).min(state.maximum);
            state.updated = now;
            // A cost above the bucket's size could never be served; asking is Shopify's call.
            let cost = cost.clamp(0.0, state.maximum);
            let wait = if state.available >= cost {
                Duration::ZERO
            } else {
                Duration::from_secs_f64((cost - state.available) / state.restore_rate)
            };
            if wait > max_wait {
                return Err(wait);
            }
            // Going below zero makes the next caller queue behind this one.
            state.available -= cost;
            wait
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        Ok(())
    }

    /// Adopts the numbers of an answer's `throttleStatus`.
    pub fn observe(&self, status: &ThrottleStatus) {
        let positive = |v: f64| v.is_finite() && v > 0.0;
        if !positive(status.maximum_available) || !positive(status.restore_rate) {
            return;
        }
        let mut state = self.lock();
        state.maximum = status.maximum_available;
        state.restore_rate = status.restore_rate;
        state.available = status
            .currently_available
            .clamp(0.0, status.maximum_available);
        state.updated = Instant::now();
    }

    /// Points available now, by the local estimate.
    pub fn available(&self) -> f64 {
        let state = *self.lock();
        let elapsed = Instant::now()
            .saturating_duration_since(state.updated)
            .as_secs_f64();
        (state.available + elapsed * state.restore_rate).min(state.maximum)
    }
}

/// The Admin GraphQL API of one shop. One instance per shop (its cost bucket is the shop's);
/// share it behind an `Arc`.
pub struct ShopifyAdmin {
    config: ShopifyConfig,
    url: String,
    http: reqwest::Client,
    bucket: CostBucket,
    /// The last `requestedQueryCost` of each operation: the next call reserves as much.
    costs: Mutex<HashMap<&'static str, f64>>,
}

impl fmt::Debug for ShopifyAdmin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShopifyAdmin")
            .field("account", &self.config.account)
            .field("shop", &self.config.shop_domain)
            .finish()
    }
}

impl ShopifyAdmin {
    /// Refuses a configuration Shopify would reject (shop domain, API version, page size).
    pub fn new(config: ShopifyConfig, http: reqwest::Client) -> Result<Self, ConnectorError> {
        config.validate().map_err(|e| {
            CallContext::new("shopify", config.account.as_str(), "configure")
                .error(ErrorKind::InvalidRequest(e))
        })?;
        Ok(Self {
            url: config.graphql_url(),
            config,
            http,
            bucket: CostBucket::default(),
            costs: Mutex::new(HashMap::new()),
        })
    }

    pub fn config(&self) -> &ShopifyConfig {
        &self.config
    }

    /// The shop's cost bucket as this client sees it.
    pub fn bucket(&self) -> &CostBucket {
        &self.bucket
    }

    /// One page of orders updated at or after `since`, oldest change first, as Shopify sent it.
    pub async fn orders_page(
        &self,
        since: DateTime<Utc>,
        after: Option<&str>,
    ) -> Result<model::Connection<model::Order>, ConnectorError> {
        let variables = json!({
            "first": self.config.page_size,
            "after": after,
            "query": updated_since_query(since),
        });
        let data: model::OrdersData = self.query(model::CHANGED_ORDERS, variables).await?;
        Ok(data.orders)
    }

    /// The order named `name` (`#1001`, or `1001`), if the shop has it.
    pub async fn order_by_name(&self, name: &str) -> Result<Option<domain::Order>, ConnectorError> {
        let ctx = self.context(model::ORDER_BY_NAME);
        let bare = name.trim().trim_start_matches('#');
        // The name goes into a search query: only characters order names are made of.
        if bare.is_empty()
            || !bare
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(ctx.error(ErrorKind::InvalidRequest(format!(
                "'{name}' is not a Shopify order name"
            ))));
        }
        let variables = json!({"query": format!("name:#{bare}")});
        let data: model::OrdersData = self.query(model::ORDER_BY_NAME, variables).await?;
        // Search matches loosely; only the exact name is the order asked for.
        let found = data
            .orders
            .nodes
            .into_iter()
            .find(|o| o.name.trim_start_matches('#') == bare);
        found
            .map(|o| self.to_domain(model::ORDER_BY_NAME, &o))
            .transpose()
    }

    /// The order with this GID (`gid://shopify/Order/…`), if the shop has it.
    pub async fn order_by_gid(&self, gid: &str) -> Result<Option<domain::Order>, ConnectorError> {
        let ctx = self.context(model::ORDER_BY_ID);
        let digits = gid.strip_prefix("gid://shopify/Order/").unwrap_or("");
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(ctx.error(ErrorKind::InvalidRequest(format!(
                "'{gid}' is not a Shopify order GID"
            ))));
        }
        let data: model::OrderData = self.query(model::ORDER_BY_ID, json!({"id": gid})).await?;
        data.order
            .map(|o| self.to_domain(model::ORDER_BY_ID, &o))
            .transpose()
    }

    /// The domain view of an order this client fetched.
    pub fn to_domain(
        &self,
        call: &'static str,
        order: &model::Order,
    ) -> Result<domain::Order, ConnectorError> {
        mapping::to_domain_order(order, &self.config.account, &self.config.shop_domain)
            .map_err(|e| self.context(call).error(ErrorKind::Mapping(e)))
    }

    fn context(&self, call: &'static str) -> CallContext {
        CallContext::new("shopify", self.config.account.as_str(), call)
    }

    fn estimated_cost(&self, operation: &'static str) -> f64 {
        let known = self
            .costs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(operation)
            .copied();
        known.unwrap_or(match operation {
            model::CHANGED_ORDERS => f64::from(self.config.page_size) * 40.0,
            _ => 40.0,
        })
    }

    /// Runs one operation with the shared retry policy: points reserved in the cost bucket,
    /// the bucket updated from every answer, `THROTTLED` waited out, the body parsed within the
    /// attempt so that a garbled answer is retried too.
    async fn query<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        variables: Value,
    ) -> Result<T, ConnectorError> {
        let ctx = self.context(operation);
        let body = json!({
            "operationName": operation,
            "query": model::document(operation),
            "variables": variables,
        });
        let budget = self.config.http.retry.budget;
        self.config
            .http
            .retry
            .run(|| async {
                let cost = self.estimated_cost(operation).min(MAX_QUERY_COST);
                if let Err(wait) = self.bucket.reserve(cost, budget).await {
                    return Err(ctx.error(ErrorKind::Throttled {
                        retry_after: Some(wait),
                    }));
                }
                let request = self
                    .http
                    .post(&self.url)
                    .header(TOKEN_HEADER, self.config.access_token.expose())
                    .header("accept", "application/json")
                    .json(&body);
                let response = http::execute(&ctx, request, self.config.http.timeout).await?;
                let request_id = response.header(REQUEST_ID_HEADER).map(str::to_owned);
                self.read(&ctx, operation, &response)
                    .map_err(|e| e.with_request_id(request_id))
            })
            .await
    }

    fn read<T: DeserializeOwned>(
        &self,
        ctx: &CallContext,
        operation: &'static str,
        response: &RawResponse,
    ) -> Result<T, ConnectorError> {
        if !response.is_success() {
            return Err(classify_status(ctx, response));
        }
        let answer: GraphQlResponse<T> = response.json(ctx)?;
        let cost = answer.extensions.as_ref().and_then(|e| e.cost.as_ref());
        if let Some(status) = cost.and_then(|c| c.throttle_status.as_ref()) {
            self.bucket.observe(status);
        }
        if let Some(requested) = cost.and_then(|c| c.requested_query_cost)
            && requested.is_finite()
            && requested > 0.0
        {
            self.costs
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(operation, requested);
        }
        if !answer.errors.is_empty() {
            return Err(classify_graphql_errors(ctx, &answer.errors, cost));
        }
        answer.data.ok_or_else(|| {
            ctx.error(ErrorKind::InvalidResponse {
                status: response.status,
                detail: "neither data nor errors in the answer".to_owned(),
                transient: false,
            })
        })
    }
}

/// Shopify's search syntax for "updated at or after".
fn updated_since_query(since: DateTime<Utc>) -> String {
    format!(
        "updated_at:>='{}'",
        since.to_rfc3339_opts(SecondsFormat::Secs, true)
    )
}

/// How long until the bucket holds `cost` points again.
fn throttle_wait(cost: Option<&model::Cost>) -> Option<Duration> {
    let cost = cost?;
    let status = cost.throttle_status?;
    let requested = cost.requested_query_cost?;
    if !(status.restore_rate.is_finite() && status.restore_rate > 0.0) {
        return None;
    }
    let missing = (requested.min(status.maximum_available) - status.currently_available).max(0.0);
    Some(Duration::from_secs_f64(
        (missing / status.restore_rate).min(3600.0),
    ))
}

/// GraphQL `errors` inside an HTTP 200.
fn classify_graphql_errors(
    ctx: &CallContext,
    errors: &[model::GraphQlError],
    cost: Option<&model::Cost>,
) -> ConnectorError {
    if errors.iter().any(|e| e.code() == Some("THROTTLED")) {
        return ctx.error(ErrorKind::Throttled {
            retry_after: throttle_wait(cost).or(Some(Duration::from_secs(1))),
        });
    }
    let first = &errors[0];
    let code = first.code().unwrap_or("GRAPHQL_ERROR").to_owned();
    let detail = http::truncate_chars(
        &errors
            .iter()
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>()
            .join("; "),
        300,
    );
    let kind = match code.as_str() {
        "ACCESS_DENIED" | "UNAUTHORIZED" => ErrorKind::Unauthorized {
            status: 200,
            code,
            detail,
        },
        "INTERNAL_SERVER_ERROR" | "SERVICE_UNAVAILABLE" => ErrorKind::Server {
            status: 200,
            detail: format!("{code}: {detail}"),
        },
        _ => ErrorKind::Rejected {
            status: 200,
            code,
            detail,
        },
    };
    ctx.error(kind)
}

/// An answer other than 2xx. Shopify's bodies are `{"errors": "…"}` or `{"errors": […]}`.
fn classify_status(ctx: &CallContext, response: &RawResponse) -> ConnectorError {
    let status = response.status;
    let detail = serde_json::from_slice::<Value>(&response.body)
        .ok()
        .and_then(|v| match v.get("errors")? {
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        })
        .map(|d| http::truncate_chars(&d, 300))
        .unwrap_or_else(|| response.excerpt());
    let kind = match status {
        429 => ErrorKind::Throttled {
            retry_after: response.retry_after().or(Some(Duration::from_secs(1))),
        },
        500..=599 => ErrorKind::Server { status, detail },
        401 => ErrorKind::Unauthorized {
            status,
            code: "INVALID_ACCESS_TOKEN".to_owned(),
            detail,
        },
        // 402: the shop is frozen for non-payment; 403: the app lacks a scope; 423: locked.
        _ => ErrorKind::Rejected {
            status,
            code: format!("HTTP_{status}"),
            detail,
        },
    };
    ctx.error(kind)
}

impl OrderLookup for ShopifyAdmin {
    /// `id` is an order name without `#` (`1001`, as [`mapping::order_id_from_name`] makes
    /// it) or a GID (`gid://shopify/Order/…`).
    async fn order(&self, id: &OrderId) -> Result<Option<domain::Order>, ConnectorError> {
        if id.as_str().starts_with("gid://") {
            self.order_by_gid(id.as_str()).await
        } else {
            self.order_by_name(id.as_str()).await
        }
    }
}

impl OrderSource for ShopifyAdmin {
    async fn changed_orders(
        &self,
        since: DateTime<Utc>,
        page_token: Option<&str>,
    ) -> Result<OrderPage, ConnectorError> {
        let resume = || page_token.map(str::to_owned);
        let page = self
            .orders_page(since, page_token)
            .await
            .map_err(|e| e.with_resume_from(resume()))?;
        let orders = page
            .nodes
            .iter()
            .map(|o| self.to_domain(model::CHANGED_ORDERS, o))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.with_resume_from(resume()))?;
        let next_page = page
            .page_info
            .filter(|p| p.has_next_page)
            .and_then(|p| p.end_cursor);
        Ok(OrderPage {
            orders,
            next_page,
            complete_until: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> CallContext {
        CallContext::new("shopify", "acct_shop", model::CHANGED_ORDERS)
    }

    fn config() -> ShopifyConfig {
        ShopifyConfig::new(
            AccountId::parse("acct_shop").unwrap(),
            "acme.myshopify.com",
            Secret::new("shpat_0123"),
        )
    }

    #[test]
    fn the_endpoint_is_the_shops_versioned_graphql_path() {
        assert_eq!(
            config().graphql_url(),
            "https://acme.myshopify.com/admin/api/2026-10/graphql.json"
        );
        let mut local = config();
        local.endpoint = Some("http://127.0.0.1:4604/".into());
        assert_eq!(
            local.graphql_url(),
            "http://127.0.0.1:4604/admin/api/2026-10/graphql.json"
        );
    }

    #[test]
    fn configurations_shopify_would_refuse_are_refused_up_front() {
        let http = HttpConfig::default().build_client();
        let bad: [fn(&mut ShopifyConfig); 5] = [
            |c| c.shop_domain = "acme.myshopify.com/admin".into(),
            |c| c.shop_domain = "acme".into(),
            |c| c.api_version = "2026-1".into(),
            |c| c.page_size = 251,
            |c| c.access_token = Secret::new(" "),
        ];
        for change in bad {
            let mut c = config();
            change(&mut c);
            let err = ShopifyAdmin::new(c, http.clone()).unwrap_err();
            assert!(matches!(err.kind, ErrorKind::InvalidRequest(_)), "{err}");
        }
        let mut unstable = config();
        unstable.api_version = "unstable".into();
        assert!(ShopifyAdmin::new(unstable, http).is_ok());
    }

    #[test]
    fn the_since_filter_uses_shopify_search_syntax() {
        let at = DateTime::parse_from_rfc3339("2026-11-01T10:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            updated_since_query(at),
            "updated_at:>='2026-11-01T10:00:00Z'"
        );
    }

    fn cost(requested: f64, available: f64, rate: f64) -> model::Cost {
        model::Cost {
            requested_query_cost: Some(requested),
            actual_query_cost: None,
            throttle_status: Some(ThrottleStatus {
                maximum_available: 1000.0,
                currently_available: available,
                restore_rate: rate,
            }),
        }
    }

    fn error(code: &str, message: &str) -> model::GraphQlError {
        model::GraphQlError {
            message: message.into(),
            extensions: Some(model::ErrorExtensions {
                code: Some(code.into()),
            }),
        }
    }

    #[test]
    fn throttled_waits_for_the_missing_points_at_the_restore_rate() {
        let err = classify_graphql_errors(
            &ctx(),
            &[error("THROTTLED", "Throttled")],
            Some(&cost(502.0, 2.0, 50.0)),
        );
        assert_eq!(err.retry_after(), Some(Duration::from_secs(10)));
        assert!(err.is_transient());
    }

    #[test]
    fn other_graphql_errors_name_account_and_operation_and_are_permanent() {
        let err = classify_graphql_errors(
            &ctx(),
            &[error(
                "BAD_REQUEST",
                "Field 'nope' doesn't exist on type 'Order'",
            )],
            None,
        );
        assert!(!err.is_transient());
        let text = err.to_string();
        assert!(
            text.contains("acct_shop") && text.contains("ChangedOrders"),
            "{text}"
        );
        assert!(text.contains("nope"), "{text}");
        let denied = classify_graphql_errors(&ctx(), &[error("ACCESS_DENIED", "no scope")], None);
        assert!(denied.is_unauthorized());
    }

    fn raw(status: u16, body: &str) -> RawResponse {
        RawResponse {
            status,
            headers: Default::default(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn http_statuses_map_to_kinds_without_echoing_the_token() {
        let unauthorized = classify_status(
            &ctx(),
            &raw(
                401,
                r#"{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}"#,
            ),
        );
        assert!(unauthorized.is_unauthorized());
        assert!(unauthorized.to_string().contains("Invalid API key"));
        assert!(classify_status(&ctx(), &raw(503, "busy")).is_transient());
        assert!(classify_status(&ctx(), &raw(429, "{}")).is_transient());
        let frozen = classify_status(&ctx(), &raw(402, r#"{"errors":"Unavailable Shop"}"#));
        assert!(!frozen.is_transient() && !frozen.is_unauthorized());
    }

    #[tokio::test]
    async fn the_bucket_lets_cheap_queries_through_and_refuses_a_wait_beyond_the_budget() {
        let bucket = CostBucket::new(ThrottleStatus {
            maximum_available: 100.0,
            currently_available: 100.0,
            restore_rate: 1.0,
        });
        bucket.reserve(60.0, Duration::ZERO).await.unwrap();
        let wait = bucket
            .reserve(60.0, Duration::from_secs(1))
            .await
            .unwrap_err();
        assert!(wait >= Duration::from_secs(19), "{wait:?}");
        // Shopify's numbers replace the estimate.
        bucket.observe(&ThrottleStatus {
            maximum_available: 100.0,
            currently_available: 90.0,
            restore_rate: 1.0,
        });
        bucket.reserve(60.0, Duration::ZERO).await.unwrap();
        assert!(bucket.available() < 31.0);
    }
}
