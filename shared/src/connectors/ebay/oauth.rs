//! eBay OAuth: the seller's refresh token becomes a user access token (two hours). Cached per
//! account; concurrent callers share one refresh.

use std::fmt;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use crate::connectors::error::{CallContext, ConnectorError, ErrorKind};
use crate::connectors::http::{self, RawResponse, Secret};
use crate::connectors::token::{FreshToken, TokenCache};

/// The app's keyset and the seller's refresh token, as stored in the account's secret.
#[derive(Clone, Deserialize)]
pub struct EbayCredentials {
    pub client_id: String,
    pub client_secret: Secret,
    pub refresh_token: Secret,
}

impl fmt::Debug for EbayCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EbayCredentials")
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
pub struct EbayOAuth {
    account: String,
    endpoint: String,
    credentials: EbayCredentials,
    scopes: Vec<String>,
    http: reqwest::Client,
    timeout: Duration,
    cache: TokenCache,
}

impl fmt::Debug for EbayOAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EbayOAuth")
            .field("account", &self.account)
            .field("endpoint", &self.endpoint)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl EbayOAuth {
    pub const ENDPOINT: &'static str = "https://api.ebay.com/identity/v1/oauth2/token";
    pub const SANDBOX_ENDPOINT: &'static str =
        "https://api.sandbox.ebay.com/identity/v1/oauth2/token";
    pub const MESSAGE_SCOPE: &'static str = "https://api.ebay.com/oauth/api_scope/commerce.message";

    pub fn new(
        account: impl Into<String>,
        credentials: EbayCredentials,
        endpoint: impl Into<String>,
        scopes: Vec<String>,
        http: reqwest::Client,
        timeout: Duration,
    ) -> Self {
        Self {
            account: account.into(),
            endpoint: endpoint.into(),
            credentials,
            scopes,
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
        let ctx = CallContext::new("ebay-oauth", self.account.clone(), "refreshAccessToken");
        let basic = STANDARD.encode(format!(
            "{}:{}",
            self.credentials.client_id,
            self.credentials.client_secret.expose()
        ));
        let scope = self.scopes.join(" ");
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", self.credentials.refresh_token.expose()),
            ("scope", scope.as_str()),
        ];
        let request = self
            .http
            .post(&self.endpoint)
            .header("authorization", format!("Basic {basic}"))
            .form(&form);
        let response = http::execute(&ctx, request, self.timeout).await?;
        if response.is_success() {
            let token: TokenResponse = response.json(&ctx)?;
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
        (_, "invalid_grant" | "invalid_client" | "unauthorized_client" | "invalid_scope")
        | (401, _) => ErrorKind::Unauthorized {
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
