//! Login with Amazon: a refresh token becomes an access token for one hour. Tokens are cached
//! per account; concurrent callers share one refresh.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use crate::connectors::error::{CallContext, ConnectorError, ErrorKind};
use crate::connectors::http::{self, RawResponse, Secret};
use crate::connectors::token::{FreshToken, TokenCache};

/// The app's LWA client and the seller's refresh token, as stored in the account's secret.
#[derive(Clone, Deserialize)]
pub struct LwaCredentials {
    pub client_id: String,
    pub client_secret: Secret,
    pub refresh_token: Secret,
}

impl fmt::Debug for LwaCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LwaCredentials")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: u64,
}

#[derive(Deserialize)]
struct TokenError {
    error: String,
    #[serde(default)]
    error_description: String,
}

/// The token endpoint for one seller account.
pub struct LwaClient {
    account: String,
    endpoint: String,
    credentials: LwaCredentials,
    http: reqwest::Client,
    timeout: Duration,
    cache: TokenCache,
}

impl fmt::Debug for LwaClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LwaClient")
            .field("account", &self.account)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl LwaClient {
    pub const ENDPOINT: &'static str = "https://api.amazon.com/auth/o2/token";

    /// `endpoint` is [`Self::ENDPOINT`] in production, a sandbox's `/auth/o2/token` in tests.
    pub fn new(
        account: impl Into<String>,
        credentials: LwaCredentials,
        endpoint: impl Into<String>,
        http: reqwest::Client,
        timeout: Duration,
    ) -> Self {
        Self {
            account: account.into(),
            endpoint: endpoint.into(),
            credentials,
            http,
            timeout,
            cache: TokenCache::default(),
        }
    }

    /// A valid access token, refreshed if needed. One attempt: the caller's retry policy decides
    /// whether a transient failure is tried again.
    pub async fn access_token(&self) -> Result<Secret, ConnectorError> {
        self.cache.get(|| self.refresh()).await
    }

    /// A new token after the API refused `rejected`, unless another caller already got one.
    pub async fn replace(&self, rejected: &Secret) -> Result<Secret, ConnectorError> {
        self.cache.replace(rejected, || self.refresh()).await
    }

    async fn refresh(&self) -> Result<FreshToken, ConnectorError> {
        let ctx = CallContext::new("lwa", self.account.clone(), "refreshAccessToken");
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", self.credentials.refresh_token.expose()),
            ("client_id", self.credentials.client_id.as_str()),
            ("client_secret", self.credentials.client_secret.expose()),
        ];
        let request = self.http.post(&self.endpoint).form(&form);
        let response = http::execute(&ctx, request, self.timeout).await?;
        if response.is_success() {
            let token: TokenResponse = response.json(&ctx)?;
            tracing::debug!(account = %self.account, expires_in = token.expires_in, "LWA access token refreshed");
            return Ok(FreshToken {
                value: Secret::new(token.access_token),
                expires_in: Duration::from_secs(token.expires_in),
            });
        }
        Err(classify_error(&ctx, &response))
    }
}

fn classify_error(ctx: &CallContext, response: &RawResponse) -> ConnectorError {
    let status = response.status;
    let (code, detail) = match serde_json::from_slice::<TokenError>(&response.body) {
        Ok(e) => (e.error, http::truncate_chars(&e.error_description, 300)),
        Err(_) => (String::new(), response.excerpt()),
    };
    let kind = match (status, code.as_str()) {
        (429, _) => ErrorKind::Throttled {
            retry_after: response.retry_after(),
        },
        (500..=599, _) => ErrorKind::Server { status, detail },
        (_, "invalid_grant" | "invalid_client" | "unauthorized_client") | (401, _) => {
            ErrorKind::Unauthorized {
                status,
                code,
                detail,
            }
        }
        _ => ErrorKind::Rejected {
            status,
            code,
            detail,
        },
    };
    ctx.error(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_debug_hides_secret_and_refresh_token() {
        let creds: LwaCredentials = serde_json::from_str(
            r#"{"client_id":"amzn1.application-oa2-client.x","client_secret":"cs-123","refresh_token":"Atzr|abc"}"#,
        )
        .unwrap();
        let shown = format!("{creds:?}");
        assert!(shown.contains("amzn1.application-oa2-client.x"));
        assert!(
            !shown.contains("cs-123") && !shown.contains("Atzr"),
            "{shown}"
        );
    }

    #[test]
    fn invalid_grant_is_an_authorization_failure_not_a_retry() {
        let ctx = CallContext::new("lwa", "acct", "refreshAccessToken");
        let response = RawResponse {
            status: 400,
            headers: Default::default(),
            body: br#"{"error":"invalid_grant","error_description":"The request has an invalid grant parameter : refresh_token"}"#.to_vec(),
        };
        let err = classify_error(&ctx, &response);
        assert!(err.is_unauthorized() && !err.is_transient(), "{err}");
    }
}
