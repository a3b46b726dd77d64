//! SP-API Solicitations v1: `getSolicitationActionsForOrder` and
//! `createProductReviewAndSellerFeedbackSolicitation` ("Request a Review") for one seller
//! account, on the Orders client's plumbing (LWA token, `x-amz-access-token`, the one retry
//! policy, the same error mapping).
//!
//! An order for which Amazon does not offer the action (outside the 5–30-day window, already
//! asked, an unknown order) is an answer, [`Solicited::NotOffered`], not an error. The create
//! call must not run twice: it is retried only when the request certainly did not reach
//! Amazon (throttled, no connection); after any other failure the actions are read again, and
//! an action no longer offered means the first request was carried out.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::connectors::accounts::{AccountClients, ChannelClients, SecretSource};
use crate::connectors::error::{CallContext, ConnectorError, ErrorKind};
use crate::connectors::http::{self, HttpConfig, RateLimit, RateLimiter, RawResponse, Secret};
use crate::domain::{AccountId, ChannelAccount, OrderId, TenantId};
use crate::review_requests::service::AccountSolicitor;

use super::orders::{RATE_HEADER, REQUEST_ID_HEADER, classify_error, token_refused};
use super::{LwaClient, SpApiConfig};

/// The one solicitation type Amazon has.
pub const REVIEW_ACTION: &str = "productReviewAndSellerFeedback";
const BASE_PATH: &str = "/solicitations/v1/orders";

/// `LinkObject`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkObject {
    pub href: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `GetSolicitationActionsForOrderResponse._links`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionLinks {
    #[serde(rename = "self")]
    pub self_link: LinkObject,
    pub actions: Vec<LinkObject>,
}

/// `GetSolicitationActionsForOrderResponse` (HAL; `_embedded` is not needed and ignored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetSolicitationActionsForOrderResponse {
    #[serde(rename = "_links")]
    pub links: ActionLinks,
}

impl GetSolicitationActionsForOrderResponse {
    /// Whether the review request is among the offered actions.
    pub fn offers_review_request(&self) -> bool {
        self.links
            .actions
            .iter()
            .any(|a| a.name.as_deref() == Some(REVIEW_ACTION))
    }
}

/// What became of a review request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Solicited {
    /// Amazon created the solicitation (now or, as found after a failed answer, before).
    Sent,
    /// Amazon does not offer the action for this order: nothing was sent.
    NotOffered,
}

/// The port the escalator uses: ask for the review of one order, at most once.
pub trait ReviewSolicitor: Send + Sync {
    fn request_review(
        &self,
        order: &OrderId,
        marketplace_id: &str,
    ) -> impl Future<Output = Result<Solicited, ConnectorError>> + Send;
}

/// The Solicitations API for one seller account.
pub struct SpApiSolicitations {
    account: String,
    base_url: String,
    http_config: HttpConfig,
    lwa: Arc<LwaClient>,
    http: reqwest::Client,
    get_limiter: RateLimiter,
    create_limiter: RateLimiter,
}

impl fmt::Debug for SpApiSolicitations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpApiSolicitations")
            .field("account", &self.account)
            .finish()
    }
}

impl SpApiSolicitations {
    /// The model's usage plan of each operation: 1 request/s, burst 5 (replaced by
    /// `x-amzn-RateLimit-Limit` when Amazon sends it).
    pub const RATE: RateLimit = RateLimit {
        per_second: 1.0,
        burst: 5,
    };

    /// For the account, region, endpoint and HTTP settings of `orders` (its Orders client's
    /// configuration), sharing its LWA client.
    pub fn new(orders: &SpApiConfig, lwa: Arc<LwaClient>, http: reqwest::Client) -> Self {
        Self::with_rate(orders, lwa, http, Self::RATE)
    }

    pub fn with_rate(
        orders: &SpApiConfig,
        lwa: Arc<LwaClient>,
        http: reqwest::Client,
        rate: RateLimit,
    ) -> Self {
        Self {
            account: orders.account.to_string(),
            base_url: orders.base_url().to_owned(),
            http_config: orders.http,
            lwa,
            http,
            get_limiter: RateLimiter::new(rate),
            create_limiter: RateLimiter::new(rate),
        }
    }

    fn context(&self, call: &'static str) -> CallContext {
        CallContext::new("sp-api", &self.account, call)
    }

    /// `getSolicitationActionsForOrder`; an order Amazon does not know (404) offers nothing.
    pub async fn actions(
        &self,
        order: &OrderId,
        marketplace_id: &str,
    ) -> Result<Option<GetSolicitationActionsForOrderResponse>, ConnectorError> {
        let ctx = self.context("getSolicitationActionsForOrder");
        let url = self.url(&ctx, order, marketplace_id, "")?;
        let response = self
            .call(
                &ctx,
                &self.get_limiter,
                reqwest::Method::GET,
                &url,
                marketplace_id,
                ConnectorError::is_transient,
            )
            .await?;
        match response.status {
            200..=299 => response.json(&ctx).map(Some),
            404 => Ok(None),
            _ => Err(classify_error(&ctx, &response)),
        }
        .map_err(|e| e.with_request_id(response.header(REQUEST_ID_HEADER).map(str::to_owned)))
    }

    /// `createProductReviewAndSellerFeedbackSolicitation`, retried only while the request
    /// certainly did not reach Amazon.
    pub async fn create(
        &self,
        order: &OrderId,
        marketplace_id: &str,
    ) -> Result<(), ConnectorError> {
        let ctx = self.context("createProductReviewAndSellerFeedbackSolicitation");
        let url = self.url(
            &ctx,
            order,
            marketplace_id,
            "/solicitations/productReviewAndSellerFeedback",
        )?;
        let response = self
            .call(
                &ctx,
                &self.create_limiter,
                reqwest::Method::POST,
                &url,
                marketplace_id,
                not_carried_out,
            )
            .await?;
        let request_id = response.header(REQUEST_ID_HEADER).map(str::to_owned);
        match response.status {
            200..=299 => Ok(()),
            _ => Err(classify_error(&ctx, &response).with_request_id(request_id)),
        }
    }

    fn url(
        &self,
        ctx: &CallContext,
        order: &OrderId,
        marketplace_id: &str,
        suffix: &str,
    ) -> Result<String, ConnectorError> {
        // Order ids are digits and dashes, marketplace ids letters and digits: anything else
        // must not reach the path or the query.
        let id = order.as_str();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(ctx.error(ErrorKind::InvalidRequest(format!(
                "'{id}' is not an Amazon order id"
            ))));
        }
        if marketplace_id.is_empty() || !marketplace_id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(ctx.error(ErrorKind::InvalidRequest(format!(
                "'{marketplace_id}' is not a marketplace id"
            ))));
        }
        Ok(format!("{}{BASE_PATH}/{id}{suffix}", self.base_url))
    }

    /// One call under the shared retry policy: rate limited, token attached (and replaced once
    /// if Amazon refuses it); a 429 or 5xx becomes an error for the policy to judge, any other
    /// answer is returned as it came.
    async fn call(
        &self,
        ctx: &CallContext,
        limiter: &RateLimiter,
        method: reqwest::Method,
        url: &str,
        marketplace_id: &str,
        retryable: fn(&ConnectorError) -> bool,
    ) -> Result<RawResponse, ConnectorError> {
        let budget = self.http_config.retry.budget;
        self.http_config
            .retry
            .run_if(retryable, || async {
                if let Err(wait) = limiter.acquire_within(budget).await {
                    return Err(ctx.error(ErrorKind::Throttled {
                        retry_after: Some(wait),
                    }));
                }
                let token = self.lwa.access_token().await?;
                let mut response = self.send(ctx, &method, url, marketplace_id, &token).await?;
                if token_refused(&response) {
                    let fresh = self.lwa.replace(&token).await?;
                    response = self.send(ctx, &method, url, marketplace_id, &fresh).await?;
                }
                if let Some(rate) = response.number_header(RATE_HEADER) {
                    limiter.set_rate(rate);
                }
                match response.status {
                    429 | 500..=599 => {
                        let request_id = response.header(REQUEST_ID_HEADER).map(str::to_owned);
                        Err(classify_error(ctx, &response).with_request_id(request_id))
                    }
                    _ => Ok(response),
                }
            })
            .await
    }

    async fn send(
        &self,
        ctx: &CallContext,
        method: &reqwest::Method,
        url: &str,
        marketplace_id: &str,
        token: &Secret,
    ) -> Result<RawResponse, ConnectorError> {
        let request = self
            .http
            .request(method.clone(), url)
            .query(&[("marketplaceIds", marketplace_id)])
            .header("x-amz-access-token", token.expose())
            .header("accept", "application/hal+json, application/json");
        http::execute(ctx, request, self.http_config.timeout).await
    }
}

/// The errors after which a create request certainly was not carried out.
fn not_carried_out(error: &ConnectorError) -> bool {
    matches!(
        error.kind,
        ErrorKind::Throttled { .. } | ErrorKind::Connect(_)
    )
}

impl ReviewSolicitor for SpApiSolicitations {
    async fn request_review(
        &self,
        order: &OrderId,
        marketplace_id: &str,
    ) -> Result<Solicited, ConnectorError> {
        let offered = self
            .actions(order, marketplace_id)
            .await?
            .is_some_and(|a| a.offers_review_request());
        if !offered {
            return Ok(Solicited::NotOffered);
        }
        match self.create(order, marketplace_id).await {
            Ok(()) => Ok(Solicited::Sent),
            Err(e) if e.is_transient() => {
                // Timed out, cut off or a 5xx: Amazon may have made it. It offers the action
                // only until it is made, so its absence now says the first request went through.
                let still_offered = self
                    .actions(order, marketplace_id)
                    .await?
                    .is_some_and(|a| a.offers_review_request());
                if still_offered {
                    Err(e)
                } else {
                    Ok(Solicited::Sent)
                }
            }
            Err(e) => Err(e),
        }
    }
}

/// [`AccountSolicitor`] over the accounts' clients: each Amazon account's Solicitations client
/// shares its Orders client's LWA token and is kept (with its rate limiters) until the account
/// changes.
pub struct AccountSolicitations<S> {
    clients: Arc<ChannelClients<S>>,
    built: Mutex<HashMap<(TenantId, AccountId), Built>>,
}

/// An account's client and the account version it was built for.
type Built = (u64, Arc<SpApiSolicitations>);

impl<S: SecretSource> AccountSolicitations<S> {
    pub fn new(clients: Arc<ChannelClients<S>>) -> Self {
        Self {
            clients,
            built: Mutex::new(HashMap::new()),
        }
    }

    async fn client(
        &self,
        account: &ChannelAccount,
    ) -> Result<Arc<SpApiSolicitations>, ConnectorError> {
        let key = (account.tenant.clone(), account.id.clone());
        if let Some((version, client)) = self.built.lock().expect("poisoned").get(&key)
            && *version == account.version
        {
            return Ok(client.clone());
        }
        let clients = self.clients.clients(account).await?;
        let AccountClients::Amazon(orders) = &*clients else {
            return Err(
                CallContext::new("sp-api", account.id.as_str(), "solicitations").error(
                    ErrorKind::InvalidRequest(format!(
                        "account {} is not an Amazon account",
                        account.id
                    )),
                ),
            );
        };
        let client = Arc::new(SpApiSolicitations::new(
            orders.config(),
            orders.lwa().clone(),
            orders.http().clone(),
        ));
        self.built
            .lock()
            .expect("poisoned")
            .insert(key, (account.version, client.clone()));
        Ok(client)
    }
}

impl<S: SecretSource> AccountSolicitor for AccountSolicitations<S> {
    async fn request_review(
        &self,
        account: &ChannelAccount,
        order: &OrderId,
        marketplace_id: &str,
    ) -> Result<Solicited, ConnectorError> {
        self.client(account)
            .await?
            .request_review(order, marketplace_id)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_models_example_offers_the_review_request() {
        let body = r#"{"_links":{"actions":[{"href":"/solicitations/v1/orders/903-1671087-0812628/solicitations/productReviewAndSellerFeedback?marketplaceIds=ATVPDKIKX0DER","name":"productReviewAndSellerFeedback"}],"self":{"href":"/solicitations/v1/orders/903-1671087-0812628?marketplaceIds=ATVPDKIKX0DER"}},"_embedded":{"actions":[{"_links":{"schema":{"href":"/x/schema","name":"productReviewAndSellerFeedback"}}}]}}"#;
        let parsed: GetSolicitationActionsForOrderResponse = serde_json::from_str(body).unwrap();
        assert!(parsed.offers_review_request());
        let none = r#"{"_links":{"actions":[],"self":{"href":"/solicitations/v1/orders/1?marketplaceIds=A"}}}"#;
        let parsed: GetSolicitationActionsForOrderResponse = serde_json::from_str(none).unwrap();
        assert!(!parsed.offers_review_request());
    }

    #[test]
    fn only_a_request_that_never_reached_amazon_is_sent_again() {
        let ctx = CallContext::new("sp-api", "a", "create");
        assert!(not_carried_out(
            &ctx.error(ErrorKind::Throttled { retry_after: None })
        ));
        assert!(not_carried_out(
            &ctx.error(ErrorKind::Connect("refused".into()))
        ));
        assert!(!not_carried_out(&ctx.error(ErrorKind::Server {
            status: 500,
            detail: String::new()
        })));
        assert!(!not_carried_out(
            &ctx.error(ErrorKind::Network("reset".into()))
        ));
    }
}
