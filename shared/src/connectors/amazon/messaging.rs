//! SP-API Messaging v1 for one seller account: the messages Amazon lets the seller start on an
//! order (`getMessagingActionsForOrder`) and the text-only ones sent (`createUnexpectedProblem`,
//! `createConfirmDeliveryDetails`, …). It shares the account's LWA client, retry policy and
//! error mapping with the Orders client; each operation's usage plan is 1 request/s, burst 5.
//!
//! An action Amazon does not offer for the order is an answer (it is absent from the list), and
//! an order Amazon does not know is `None`, not an error.

use std::fmt;
use std::sync::Arc;

use reqwest::Method;
use serde::{Deserialize, Serialize};

use crate::connectors::error::{CallContext, ConnectorError, ErrorKind};
use crate::connectors::http::{self, HttpConfig, RateLimit, RateLimiter, RawResponse, Secret};
use crate::domain::{AccountId, OrderId};
use crate::outbound::actions;

use super::orders::{RATE_HEADER, REQUEST_ID_HEADER, classify_error, token_refused};
use super::{LwaClient, SpApiOrders};

const MESSAGING_PATH: &str = "/messaging/v1/orders";

/// The usage plan of every Messaging operation.
pub const MESSAGING_RATE: RateLimit = RateLimit::new(1.0, 5);

/// `GetMessagingActionsForOrderResponse` (HAL): the actions are the `_links.actions`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ActionsResponse {
    #[serde(rename = "_links", default)]
    pub links: Option<ActionLinks>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ActionLinks {
    #[serde(default)]
    pub actions: Vec<LinkObject>,
}

/// `LinkObject`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LinkObject {
    pub href: String,
    #[serde(default)]
    pub name: Option<String>,
}

impl LinkObject {
    /// The action's name: `name`, else the last path segment of `href`
    /// (`/messaging/v1/orders/{id}/messages/unexpectedProblem?marketplaceIds=…`).
    pub fn action(&self) -> Option<String> {
        self.name.clone().filter(|n| !n.is_empty()).or_else(|| {
            let path = self.href.split('?').next().unwrap_or_default();
            path.rsplit('/')
                .next()
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        })
    }
}

/// The body of the text-only actions (`CreateUnexpectedProblemRequest`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TextMessage<'a> {
    pub text: &'a str,
}

/// The Messaging API for one seller account.
pub struct SpApiMessaging {
    account: AccountId,
    base_url: String,
    http_config: HttpConfig,
    lwa: Arc<LwaClient>,
    http: reqwest::Client,
    limiter: RateLimiter,
}

impl fmt::Debug for SpApiMessaging {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpApiMessaging")
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

impl SpApiMessaging {
    /// The Messaging client of the account `orders` serves: same endpoint, token and retries.
    pub fn sharing(orders: &SpApiOrders) -> Self {
        let config = orders.config();
        Self {
            account: config.account.clone(),
            base_url: config.base_url().to_owned(),
            http_config: config.http,
            lwa: orders.lwa().clone(),
            http: orders.http().clone(),
            limiter: RateLimiter::new(MESSAGING_RATE),
        }
    }

    fn context(&self, call: &'static str) -> CallContext {
        CallContext::new("sp-api", self.account.as_str(), call)
    }

    /// `getMessagingActionsForOrder`: the names of the actions Amazon offers for the order now
    /// (`unexpectedProblem`, `confirmDeliveryDetails`…); `None` if Amazon does not know it.
    pub async fn actions_for_order(
        &self,
        order: &OrderId,
        marketplace_id: &str,
    ) -> Result<Option<Vec<String>>, ConnectorError> {
        let ctx = self.context("getMessagingActionsForOrder");
        check_ids(&ctx, order, marketplace_id)?;
        let url = format!("{}{MESSAGING_PATH}/{}", self.base_url, order.as_str());
        let response = self
            .http_config
            .retry
            .run(|| self.attempt(&ctx, Method::GET, &url, marketplace_id, None))
            .await?;
        match response.status {
            200..=299 => {
                let parsed: ActionsResponse = response.json(&ctx)?;
                let mut names: Vec<String> = parsed
                    .links
                    .map(|l| l.actions)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(LinkObject::action)
                    .collect();
                names.dedup();
                Ok(Some(names))
            }
            404 => Ok(None),
            _ => Err(classify_error(&ctx, &response)),
        }
    }

    /// Sends a text-only action (see [`actions::ACTIONS`]). Retried only while the request
    /// cannot have been carried out (throttled, refused token, no connection, 503); a 500,
    /// timeout or broken connection after sending is [`ErrorKind::OutcomeUnknown`], never sent
    /// again (the Messaging API has no way to read back what was sent).
    pub async fn send_text(
        &self,
        order: &OrderId,
        marketplace_id: &str,
        action: &str,
        text: &str,
    ) -> Result<(), ConnectorError> {
        let ctx = self.context("createMessage");
        check_ids(&ctx, order, marketplace_id)?;
        let spec = actions::spec(action)
            .filter(|s| s.supported())
            .ok_or_else(|| {
                ctx.error(ErrorKind::InvalidRequest(format!(
                    "'{action}' is not an action marketdesk sends"
                )))
            })?;
        actions::check_text(spec, text).map_err(|e| ctx.error(ErrorKind::InvalidRequest(e)))?;
        let url = format!(
            "{}{MESSAGING_PATH}/{}/messages/{}",
            self.base_url,
            order.as_str(),
            spec.name
        );
        let body = serde_json::to_vec(&TextMessage { text }).expect("text serializes");
        let response = self
            .http_config
            .retry
            .run_if(not_carried_out, || async {
                self.attempt(&ctx, Method::POST, &url, marketplace_id, Some(&body))
                    .await
                    .map_err(|e| may_have_been_sent(&ctx, e))
            })
            .await?;
        match response.status {
            200..=299 => Ok(()),
            500..=502 | 504.. => Err(ctx.error(ErrorKind::OutcomeUnknown(format!(
                "HTTP {} after sending: {}",
                response.status,
                response.excerpt()
            )))),
            _ => Err(classify_error(&ctx, &response)),
        }
    }

    /// One request: rate limited, token attached (replaced once if Amazon refuses it).
    /// Throttles and 5xx come back as errors so the retry policy sees them; other answers
    /// (2xx, 4xx) are returned for the caller to read.
    async fn attempt(
        &self,
        ctx: &CallContext,
        method: Method,
        url: &str,
        marketplace_id: &str,
        body: Option<&[u8]>,
    ) -> Result<RawResponse, ConnectorError> {
        if let Err(wait) = self
            .limiter
            .acquire_within(self.http_config.retry.budget)
            .await
        {
            return Err(ctx.error(ErrorKind::Throttled {
                retry_after: Some(wait),
            }));
        }
        let token = self.lwa.access_token().await?;
        let mut response = self
            .send(ctx, &method, url, marketplace_id, body, &token)
            .await?;
        if token_refused(&response) {
            let fresh = self.lwa.replace(&token).await?;
            response = self
                .send(ctx, &method, url, marketplace_id, body, &fresh)
                .await?;
        }
        if let Some(rate) = response.number_header(RATE_HEADER) {
            self.limiter.set_rate(rate);
        }
        let request_id = response.header(REQUEST_ID_HEADER).map(str::to_owned);
        match response.status {
            429 | 503 => Err(classify_error(ctx, &response).with_request_id(request_id)),
            500..=599 if method == Method::GET => {
                Err(classify_error(ctx, &response).with_request_id(request_id))
            }
            _ => Ok(response),
        }
    }

    async fn send(
        &self,
        ctx: &CallContext,
        method: &Method,
        url: &str,
        marketplace_id: &str,
        body: Option<&[u8]>,
        token: &Secret,
    ) -> Result<RawResponse, ConnectorError> {
        let mut request = self
            .http
            .request(method.clone(), url)
            .query(&[("marketplaceIds", marketplace_id)])
            .header("x-amz-access-token", token.expose())
            .header("accept", "application/hal+json");
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_vec());
        }
        http::execute(ctx, request, self.http_config.timeout).await
    }
}

/// Errors after which a POST certainly did not happen, so sending again is safe.
fn not_carried_out(err: &ConnectorError) -> bool {
    matches!(
        err.kind,
        ErrorKind::Throttled { .. } | ErrorKind::Connect(_) | ErrorKind::Server { status: 503, .. }
    )
}

/// A POST that failed once it may have reached Amazon is not repeated: outcome unknown.
fn may_have_been_sent(ctx: &CallContext, err: ConnectorError) -> ConnectorError {
    match err.kind {
        ErrorKind::Timeout(_) | ErrorKind::Network(_) | ErrorKind::InvalidResponse { .. } => ctx
            .error(ErrorKind::OutcomeUnknown(format!(
                "{}; the message may have been sent",
                err.kind
            ))),
        _ => err,
    }
}

/// Order ids are digits and dashes, marketplace ids letters and digits: nothing else reaches
/// the path or query.
fn check_ids(
    ctx: &CallContext,
    order: &OrderId,
    marketplace_id: &str,
) -> Result<(), ConnectorError> {
    let order_ok = !order.as_str().is_empty()
        && order
            .as_str()
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    let market_ok =
        !marketplace_id.is_empty() && marketplace_id.chars().all(|c| c.is_ascii_alphanumeric());
    if !order_ok {
        return Err(ctx.error(ErrorKind::InvalidRequest(format!(
            "'{order}' is not an Amazon order id"
        ))));
    }
    if !market_ok {
        return Err(ctx.error(ErrorKind::InvalidRequest(format!(
            "'{marketplace_id}' is not a marketplace id"
        ))));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_action_is_named_by_its_link() {
        let named = LinkObject {
            href: "/messaging/v1/orders/1/messages/x".into(),
            name: Some("unexpectedProblem".into()),
        };
        let unnamed = LinkObject {
            href: "/messaging/v1/orders/903-1671087-0812628/messages/negativeFeedbackRemoval?marketplaceIds=ATVPDKIKX0DER".into(),
            name: None,
        };
        assert_eq!(named.action().as_deref(), Some("unexpectedProblem"));
        assert_eq!(unnamed.action().as_deref(), Some("negativeFeedbackRemoval"));
    }

    #[test]
    fn only_requests_that_cannot_have_happened_are_repeated() {
        let ctx = CallContext::new("sp-api", "a", "createMessage");
        assert!(not_carried_out(
            &ctx.error(ErrorKind::Throttled { retry_after: None })
        ));
        assert!(not_carried_out(&ctx.error(ErrorKind::Server {
            status: 503,
            detail: String::new()
        })));
        assert!(!not_carried_out(&ctx.error(ErrorKind::Server {
            status: 500,
            detail: String::new()
        })));
        let timeout = may_have_been_sent(
            &ctx,
            ctx.error(ErrorKind::Timeout(std::time::Duration::from_secs(1))),
        );
        assert!(matches!(timeout.kind, ErrorKind::OutcomeUnknown(_)));
        assert!(!timeout.is_transient());
    }

    #[test]
    fn ids_that_could_change_the_path_are_refused() {
        let ctx = CallContext::new("sp-api", "a", "createMessage");
        let bad = OrderId::parse("../x").ok();
        if let Some(bad) = bad {
            assert!(check_ids(&ctx, &bad, "APJ6JRA9NG5V4").is_err());
        }
        let good = OrderId::parse("402-1234567-1234567").unwrap();
        assert!(check_ids(&ctx, &good, "APJ6JRA9NG5V4").is_ok());
        assert!(check_ids(&ctx, &good, "APJ6&x=1").is_err());
    }
}
