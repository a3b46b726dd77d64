//! What eBay's REST APIs share: a bearer user token (replaced once when eBay refuses it), a
//! rate limiter, the retry policy and the `{"errors": [...]}` error body.

use std::sync::Arc;

use reqwest::Method;
use serde::de::DeserializeOwned;

use crate::connectors::error::{CallContext, ConnectorError, ErrorKind};
use crate::connectors::http::{self, HttpConfig, RateLimit, RateLimiter, RawResponse, Secret};
use crate::domain::AccountId;

use super::EbayOAuth;
use super::model::ErrorResponse;

/// Query parameters in the order they are sent.
pub(crate) type Query = Vec<(&'static str, String)>;

/// One eBay REST API (Message, Fulfillment, Feedback) for one seller account.
pub(crate) struct EbayApi {
    service: &'static str,
    account: AccountId,
    endpoint: String,
    oauth: Arc<EbayOAuth>,
    http: reqwest::Client,
    config: HttpConfig,
    limiter: RateLimiter,
}

impl EbayApi {
    pub fn new(
        service: &'static str,
        account: AccountId,
        endpoint: &str,
        rate: RateLimit,
        config: HttpConfig,
        oauth: Arc<EbayOAuth>,
        http: reqwest::Client,
    ) -> Self {
        Self {
            service,
            account,
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            oauth,
            http,
            config,
            limiter: RateLimiter::new(rate),
        }
    }

    pub fn context(&self, call: &'static str) -> CallContext {
        CallContext::new(self.service, self.account.as_str(), call)
    }

    /// A GET with the retry policy, the body parsed within the attempt (a garbled body is
    /// retried too). A 404 is `None` when `not_found_is_none`.
    pub async fn get<T: DeserializeOwned>(
        &self,
        ctx: &CallContext,
        path: &str,
        query: &[(&'static str, String)],
        not_found_is_none: bool,
    ) -> Result<Option<T>, ConnectorError> {
        self.config
            .retry
            .run(|| async {
                let response = self.attempt(ctx, Method::GET, path, query, None).await?;
                match response.status {
                    200..=299 => response.json(ctx).map(Some),
                    404 if not_found_is_none => Ok(None),
                    _ => Err(classify_error(ctx, &response)),
                }
            })
            .await
    }

    /// One request: rate limited, token attached and replaced once if eBay refuses it.
    pub async fn attempt(
        &self,
        ctx: &CallContext,
        method: Method,
        path: &str,
        query: &[(&'static str, String)],
        body: Option<&[u8]>,
    ) -> Result<RawResponse, ConnectorError> {
        if let Err(wait) = self.limiter.acquire_within(self.config.retry.budget).await {
            return Err(ctx.error(ErrorKind::Throttled {
                retry_after: Some(wait),
            }));
        }
        let url = format!("{}{path}", self.endpoint);
        let token = self.oauth.access_token().await?;
        let response = self.send(ctx, &method, &url, query, body, &token).await?;
        if !token_refused(&response) {
            return Ok(response);
        }
        let fresh = self.oauth.replace(&token).await?;
        self.send(ctx, &method, &url, query, body, &fresh).await
    }

    async fn send(
        &self,
        ctx: &CallContext,
        method: &Method,
        url: &str,
        query: &[(&'static str, String)],
        body: Option<&[u8]>,
        token: &Secret,
    ) -> Result<RawResponse, ConnectorError> {
        let mut request = self
            .http
            .request(method.clone(), url)
            .query(query)
            .bearer_auth(token.expose())
            .header("accept", "application/json");
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_vec());
        }
        http::execute(ctx, request, self.config.timeout).await
    }
}

fn error_list(response: &RawResponse) -> Option<ErrorResponse> {
    serde_json::from_slice(&response.body).ok()
}

/// eBay refused the access token itself (expired, revoked): only then can a new one help.
pub(crate) fn token_refused(response: &RawResponse) -> bool {
    response.status == 401
        || (response.status == 403
            && error_list(response)
                .is_some_and(|l| l.errors.iter().any(|e| e.error_id == Some(1001))))
}

pub(crate) fn classify_error(ctx: &CallContext, response: &RawResponse) -> ConnectorError {
    let status = response.status;
    let (code, detail) = match error_list(response).and_then(|l| l.errors.into_iter().next()) {
        Some(e) => (
            e.error_id.map(|id| id.to_string()).unwrap_or_default(),
            http::truncate_chars(&e.long_message.or(e.message).unwrap_or_default(), 300),
        ),
        None => (String::new(), response.excerpt()),
    };
    let kind = match status {
        429 => ErrorKind::Throttled {
            retry_after: response.retry_after(),
        },
        500..=599 => ErrorKind::Server { status, detail },
        401 | 403 => ErrorKind::Unauthorized {
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

/// eBay ids that go into a path (orders, conversations) are opaque but never need escaping;
/// anything that would is refused before it can change the path.
pub(crate) fn path_segment(
    ctx: &CallContext,
    what: &str,
    id: &str,
    extra: &str,
) -> Result<(), ConnectorError> {
    if id.is_empty()
        || id.len() > 100
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || extra.contains(c))
    {
        let detail = format!("'{}' is not {what}", http::truncate_chars(id, 60));
        return Err(ctx.error(ErrorKind::InvalidRequest(detail)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: &str) -> RawResponse {
        RawResponse {
            status,
            headers: Default::default(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn only_a_refused_token_asks_for_a_new_one() {
        let invalid = r#"{"errors":[{"errorId":1001,"message":"Invalid access token"}]}"#;
        let scope = r#"{"errors":[{"errorId":1100,"message":"Insufficient permissions"}]}"#;
        assert!(token_refused(&response(401, "")));
        assert!(token_refused(&response(403, invalid)));
        assert!(!token_refused(&response(403, scope)));
        assert!(!token_refused(&response(400, invalid)));
    }

    #[test]
    fn errors_carry_the_error_id_and_long_message() {
        let ctx = CallContext::new("ebay-fulfillment", "a", "getOrders");
        let body = r#"{"errors":[{"errorId":30700,"message":"short","longMessage":"The filter is invalid."}]}"#;
        let err = classify_error(&ctx, &response(400, body));
        match &err.kind {
            ErrorKind::Rejected { code, detail, .. } => {
                assert_eq!(
                    (code.as_str(), detail.as_str()),
                    ("30700", "The filter is invalid.")
                );
            }
            other => panic!("{other:?}"),
        }
        let throttled = classify_error(&ctx, &response(429, r#"{"errors":[{"errorId":2001}]}"#));
        assert!(throttled.is_transient());
    }

    #[test]
    fn ids_that_would_change_the_path_are_refused() {
        let ctx = CallContext::new("ebay-fulfillment", "a", "getOrder");
        assert!(path_segment(&ctx, "an order id", "12-34567-89012", "-").is_ok());
        for bad in ["", "../x", "12/3", "a b", "a?b=c"] {
            assert!(
                path_segment(&ctx, "an order id", bad, "-").is_err(),
                "{bad}"
            );
        }
    }
}
