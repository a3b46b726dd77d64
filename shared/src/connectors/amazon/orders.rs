//! SP-API Orders 2026-01-01: `searchOrders` and `getOrder` for one seller account.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::de::DeserializeOwned;

use crate::connectors::error::{CallContext, ConnectorError, ErrorKind};
use crate::connectors::http::{self, HttpConfig, RateLimit, RateLimiter, RawResponse, Secret};
use crate::connectors::{OrderLookup, OrderPage, OrderSource};
use crate::domain::{self, AccountId, OrderId};

use super::model::{self, FulfilledBy, FulfillmentStatus, IncludedData};
use super::{LwaClient, Region, mapping};

const ORDERS_PATH: &str = "/orders/2026-01-01/orders";
pub(super) const RATE_HEADER: &str = "x-amzn-ratelimit-limit";
pub(super) const REQUEST_ID_HEADER: &str = "x-amzn-requestid";

/// The time filter of `searchOrders`: the API wants exactly one of `createdAfter` and
/// `lastUpdatedAfter`, which this type makes the only possibility.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchWindow {
    Created {
        after: DateTime<Utc>,
        before: Option<DateTime<Utc>>,
    },
    LastUpdated {
        after: DateTime<Utc>,
        before: Option<DateTime<Utc>>,
    },
}

/// The query parameters of `searchOrders`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchOrdersQuery {
    pub window: SearchWindow,
    pub marketplace_ids: Vec<String>,
    pub fulfillment_statuses: Vec<FulfillmentStatus>,
    pub fulfilled_by: Vec<FulfilledBy>,
    /// 1–100; Amazon's default is 100.
    pub max_results_per_page: Option<u32>,
    pub included_data: Vec<IncludedData>,
    /// `pagination.nextToken` of the previous page (valid 24 h; the other parameters must
    /// stay the same, except `maxResultsPerPage` and `includedData`).
    pub pagination_token: Option<String>,
}

impl SearchOrdersQuery {
    /// Orders updated at or after `after`, in every marketplace, no datasets.
    pub fn updated_since(after: DateTime<Utc>) -> Self {
        Self {
            window: SearchWindow::LastUpdated {
                after,
                before: None,
            },
            marketplace_ids: Vec::new(),
            fulfillment_statuses: Vec::new(),
            fulfilled_by: Vec::new(),
            max_results_per_page: None,
            included_data: Vec::new(),
            pagination_token: None,
        }
    }

    fn to_pairs(&self) -> Result<Vec<(&'static str, String)>, String> {
        let time = |t: &DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
        let csv = |items: Vec<&str>| items.join(",");
        let mut pairs = Vec::new();
        let (after_name, before_name, after, before) = match &self.window {
            SearchWindow::Created { after, before } => {
                ("createdAfter", "createdBefore", after, before)
            }
            SearchWindow::LastUpdated { after, before } => {
                ("lastUpdatedAfter", "lastUpdatedBefore", after, before)
            }
        };
        if before.is_some_and(|b| b < *after) {
            return Err(format!("{before_name} is earlier than {after_name}"));
        }
        pairs.push((after_name, time(after)));
        if let Some(before) = before {
            pairs.push((before_name, time(before)));
        }
        if !self.fulfillment_statuses.is_empty() {
            pairs.push((
                "fulfillmentStatuses",
                csv(self
                    .fulfillment_statuses
                    .iter()
                    .map(|s| s.as_str())
                    .collect()),
            ));
        }
        if self.marketplace_ids.len() > 50 {
            return Err("at most 50 marketplaceIds".to_owned());
        }
        if !self.marketplace_ids.is_empty() {
            pairs.push(("marketplaceIds", self.marketplace_ids.join(",")));
        }
        if !self.fulfilled_by.is_empty() {
            pairs.push((
                "fulfilledBy",
                csv(self.fulfilled_by.iter().map(|s| s.as_str()).collect()),
            ));
        }
        if let Some(n) = self.max_results_per_page {
            if !(1..=100).contains(&n) {
                return Err(format!("maxResultsPerPage must be 1–100, not {n}"));
            }
            pairs.push(("maxResultsPerPage", n.to_string()));
        }
        if let Some(token) = &self.pagination_token {
            pairs.push(("paginationToken", token.clone()));
        }
        if !self.included_data.is_empty() {
            pairs.push((
                "includedData",
                csv(self.included_data.iter().map(|d| d.as_str()).collect()),
            ));
        }
        Ok(pairs)
    }
}

/// Settings of the Orders client for one seller account.
#[derive(Debug, Clone, PartialEq)]
pub struct SpApiConfig {
    pub account: AccountId,
    pub region: Region,
    /// Replaces the region's endpoint (a sandbox, the local stack).
    pub endpoint: Option<String>,
    /// The marketplaces to list orders of; the first one also fills in orders without one.
    pub marketplace_ids: Vec<String>,
    /// Datasets asked for with every order. FULFILLMENT is always added: it says who ships.
    pub included_data: Vec<IncludedData>,
    /// `maxResultsPerPage` of `searchOrders` (1–100).
    pub page_size: u32,
    /// Usage plans; the rate is replaced by `x-amzn-RateLimit-Limit` when Amazon sends it.
    pub search_rate: RateLimit,
    pub get_rate: RateLimit,
    pub http: HttpConfig,
}

impl SpApiConfig {
    /// Amazon's default usage plans: searchOrders 0.0056/s burst 20, getOrder 0.5/s burst 30.
    pub fn new(account: AccountId, region: Region, marketplace_ids: Vec<String>) -> Self {
        Self {
            account,
            region,
            endpoint: None,
            marketplace_ids,
            included_data: vec![
                IncludedData::Fulfillment,
                IncludedData::Packages,
                IncludedData::Proceeds,
            ],
            page_size: 100,
            search_rate: RateLimit::new(0.0056, 20),
            get_rate: RateLimit::new(0.5, 30),
            http: HttpConfig::default(),
        }
    }

    pub(super) fn base_url(&self) -> &str {
        self.endpoint
            .as_deref()
            .unwrap_or(self.region.endpoint())
            .trim_end_matches('/')
    }

    fn datasets(&self) -> Vec<IncludedData> {
        let mut datasets = self.included_data.clone();
        if !datasets.contains(&IncludedData::Fulfillment) {
            datasets.push(IncludedData::Fulfillment);
        }
        datasets
    }
}

/// The Orders API for one seller account. Cheap to share behind an `Arc`; the LWA client may
/// be shared with the account's other SP-API clients.
pub struct SpApiOrders {
    config: SpApiConfig,
    lwa: Arc<LwaClient>,
    http: reqwest::Client,
    search_limiter: RateLimiter,
    get_limiter: RateLimiter,
}

impl fmt::Debug for SpApiOrders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpApiOrders")
            .field("account", &self.config.account)
            .field("region", &self.config.region)
            .finish()
    }
}

impl SpApiOrders {
    pub fn new(config: SpApiConfig, lwa: Arc<LwaClient>, http: reqwest::Client) -> Self {
        Self {
            search_limiter: RateLimiter::new(config.search_rate),
            get_limiter: RateLimiter::new(config.get_rate),
            config,
            lwa,
            http,
        }
    }

    pub fn config(&self) -> &SpApiConfig {
        &self.config
    }

    /// The account's LWA client, for the account's other SP-API clients (Messaging).
    pub fn lwa(&self) -> &Arc<LwaClient> {
        &self.lwa
    }

    /// The HTTP client this one uses (one connection pool per process).
    pub fn http_client(&self) -> &reqwest::Client {
        &self.http
    }

    /// One page of `searchOrders`, as Amazon sent it.
    pub async fn search_orders(
        &self,
        query: &SearchOrdersQuery,
    ) -> Result<model::SearchOrdersResponse, ConnectorError> {
        let ctx = self.context("searchOrders");
        let pairs = query
            .to_pairs()
            .map_err(|e| ctx.error(ErrorKind::InvalidRequest(e)))?;
        let response = self
            .request(
                &ctx,
                &self.search_limiter,
                ORDERS_PATH.to_owned(),
                pairs,
                false,
            )
            .await?;
        response
            .ok_or_else(|| ctx.error(ErrorKind::Mapping("searchOrders answered 404".to_owned())))
    }

    /// `getOrder` with the given datasets; `None` if Amazon does not know the order.
    pub async fn get_order(
        &self,
        order_id: &str,
        included: &[IncludedData],
    ) -> Result<Option<model::Order>, ConnectorError> {
        let ctx = self.context("getOrder");
        let mut pairs = Vec::new();
        if !included.is_empty() {
            pairs.push((
                "includedData",
                included
                    .iter()
                    .map(|d| d.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            ));
        }
        // Order ids are digits and dashes; anything else must not reach the path.
        if order_id.is_empty()
            || !order_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(ctx.error(ErrorKind::InvalidRequest(format!(
                "'{order_id}' is not an Amazon order id"
            ))));
        }
        let path = format!("{ORDERS_PATH}/{order_id}");
        let response: Option<model::GetOrderResponse> = self
            .request(&ctx, &self.get_limiter, path, pairs, true)
            .await?;
        Ok(response.map(|r| r.order))
    }

    /// The domain view of an order this client fetched.
    pub fn to_domain(
        &self,
        call: &'static str,
        order: &model::Order,
    ) -> Result<domain::Order, ConnectorError> {
        let default_marketplace = self
            .config
            .marketplace_ids
            .first()
            .map_or("", String::as_str);
        mapping::to_domain_order(order, &self.config.account, default_marketplace)
            .map_err(|e| self.context(call).error(ErrorKind::Mapping(e)))
    }

    fn context(&self, call: &'static str) -> CallContext {
        CallContext::new("sp-api", self.config.account.as_str(), call)
    }

    /// Sends a GET with the shared retry policy: rate limited, token attached (and replaced once
    /// if Amazon refuses it), body parsed within the attempt so a garbled body is retried too.
    async fn request<T: DeserializeOwned>(
        &self,
        ctx: &CallContext,
        limiter: &RateLimiter,
        path: String,
        query: Vec<(&'static str, String)>,
        not_found_is_none: bool,
    ) -> Result<Option<T>, ConnectorError> {
        let url = format!("{}{path}", self.config.base_url());
        let budget = self.config.http.retry.budget;
        self.config
            .http
            .retry
            .run(|| async {
                if let Err(wait) = limiter.acquire_within(budget).await {
                    return Err(ctx.error(ErrorKind::Throttled {
                        retry_after: Some(wait),
                    }));
                }
                let token = self.lwa.access_token().await?;
                let mut response = self.send(ctx, &url, &query, &token).await?;
                if token_refused(&response) {
                    let fresh = self.lwa.replace(&token).await?;
                    response = self.send(ctx, &url, &query, &fresh).await?;
                }
                if let Some(rate) = response.number_header(RATE_HEADER) {
                    limiter.set_rate(rate);
                }
                let request_id = response.header(REQUEST_ID_HEADER).map(str::to_owned);
                match response.status {
                    200..=299 => response.json(ctx).map(Some),
                    404 if not_found_is_none => Ok(None),
                    _ => Err(classify_error(ctx, &response)),
                }
                .map_err(|e| e.with_request_id(request_id))
            })
            .await
    }

    async fn send(
        &self,
        ctx: &CallContext,
        url: &str,
        query: &[(&'static str, String)],
        token: &Secret,
    ) -> Result<RawResponse, ConnectorError> {
        let request = self
            .http
            .get(url)
            .query(query)
            .header("x-amz-access-token", token.expose())
            .header("accept", "application/json");
        http::execute(ctx, request, self.config.http.timeout).await
    }
}

fn error_list(response: &RawResponse) -> Option<model::ErrorList> {
    serde_json::from_slice(&response.body).ok()
}

/// Whether Amazon refused the access token itself (expired, revoked), as opposed to the
/// account lacking a role: only then can a new token help.
pub(super) fn token_refused(response: &RawResponse) -> bool {
    match response.status {
        401 => true,
        403 => error_list(response).is_some_and(|list| {
            list.errors.iter().any(|e| {
                let text = format!("{} {}", e.message, e.details.as_deref().unwrap_or(""))
                    .to_ascii_lowercase();
                e.code == "Unauthorized" && text.contains("token")
            })
        }),
        _ => false,
    }
}

pub(super) fn classify_error(ctx: &CallContext, response: &RawResponse) -> ConnectorError {
    let status = response.status;
    let (code, detail) = match error_list(response).and_then(|l| l.errors.into_iter().next()) {
        Some(e) => {
            let detail = match e.details.filter(|d| !d.is_empty()) {
                Some(details) => format!("{} ({details})", e.message),
                None => e.message,
            };
            (e.code, http::truncate_chars(&detail, 300))
        }
        None => (String::new(), response.excerpt()),
    };
    let kind = match status {
        429 => {
            // SP-API rarely sends Retry-After; its rate header says how fast the bucket refills.
            let refill = response
                .number_header(RATE_HEADER)
                .filter(|r| r.is_finite() && *r > 0.0)
                .map(|r| Duration::from_secs_f64((1.0 / r).min(86_400.0)));
            ErrorKind::Throttled {
                retry_after: response.retry_after().or(refill),
            }
        }
        500..=599 => ErrorKind::Server { status, detail },
        401 | 403 if code == "Unauthorized" || status == 401 => ErrorKind::Unauthorized {
            status,
            code,
            detail,
        },
        _ => ErrorKind::Rejected {
            status,
            code,
            detail,
        },
    };
    ctx.error(kind)
}

impl OrderLookup for SpApiOrders {
    async fn order(&self, id: &OrderId) -> Result<Option<domain::Order>, ConnectorError> {
        let datasets = self.config.datasets();
        match self.get_order(id.as_str(), &datasets).await? {
            Some(order) => self.to_domain("getOrder", &order).map(Some),
            None => Ok(None),
        }
    }
}

impl OrderSource for SpApiOrders {
    async fn changed_orders(
        &self,
        since: DateTime<Utc>,
        page_token: Option<&str>,
    ) -> Result<OrderPage, ConnectorError> {
        let resume = || page_token.map(str::to_owned);
        let query = SearchOrdersQuery {
            window: SearchWindow::LastUpdated {
                after: since,
                before: None,
            },
            marketplace_ids: self.config.marketplace_ids.clone(),
            fulfillment_statuses: Vec::new(),
            fulfilled_by: Vec::new(),
            max_results_per_page: Some(self.config.page_size),
            included_data: self.config.datasets(),
            pagination_token: resume(),
        };
        let page = self
            .search_orders(&query)
            .await
            .map_err(|e| e.with_resume_from(resume()))?;
        let orders = page
            .orders
            .iter()
            .map(|o| self.to_domain("searchOrders", o))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.with_resume_from(resume()))?;
        Ok(OrderPage {
            orders,
            next_page: page.pagination.and_then(|p| p.next_token),
            complete_until: page.last_updated_before,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn query_names_match_the_model_and_lists_are_comma_separated() {
        let mut q = SearchOrdersQuery::updated_since(at("2026-11-01T10:00:00Z"));
        q.marketplace_ids = vec!["APJ6JRA9NG5V4".into(), "A1PA6795UKMFR9".into()];
        q.included_data = vec![IncludedData::Fulfillment, IncludedData::Packages];
        q.max_results_per_page = Some(50);
        q.pagination_token = Some("tok".into());
        let pairs = q.to_pairs().unwrap();
        assert_eq!(
            pairs,
            vec![
                ("lastUpdatedAfter", "2026-11-01T10:00:00Z".to_owned()),
                ("marketplaceIds", "APJ6JRA9NG5V4,A1PA6795UKMFR9".to_owned()),
                ("maxResultsPerPage", "50".to_owned()),
                ("paginationToken", "tok".to_owned()),
                ("includedData", "FULFILLMENT,PACKAGES".to_owned()),
            ]
        );
    }

    #[test]
    fn impossible_queries_are_refused_before_sending() {
        let mut q = SearchOrdersQuery::updated_since(at("2026-11-01T10:00:00Z"));
        q.max_results_per_page = Some(101);
        assert!(q.to_pairs().is_err());
        let mut q = SearchOrdersQuery::updated_since(at("2026-11-01T10:00:00Z"));
        q.window = SearchWindow::Created {
            after: at("2026-11-02T00:00:00Z"),
            before: Some(at("2026-11-01T00:00:00Z")),
        };
        assert!(q.to_pairs().is_err());
    }

    fn response(status: u16, body: &str) -> RawResponse {
        RawResponse {
            status,
            headers: Default::default(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn only_a_refused_token_triggers_a_new_one() {
        let expired = r#"{"errors":[{"code":"Unauthorized","message":"Access to requested resource is denied.","details":"The access token you provided has expired."}]}"#;
        let no_role = r#"{"errors":[{"code":"Unauthorized","message":"Access to requested resource is denied.","details":""}]}"#;
        assert!(token_refused(&response(403, expired)));
        assert!(!token_refused(&response(403, no_role)));
        assert!(!token_refused(&response(400, expired)));
    }

    #[test]
    fn a_throttle_without_retry_after_waits_for_the_bucket_to_refill() {
        let mut r = response(
            429,
            r#"{"errors":[{"code":"QuotaExceeded","message":"You exceeded your quota."}]}"#,
        );
        r.headers.insert(RATE_HEADER, "0.5".parse().unwrap());
        let err = classify_error(&CallContext::new("sp-api", "a", "getOrder"), &r);
        assert_eq!(err.retry_after(), Some(Duration::from_secs(2)));
    }
}
