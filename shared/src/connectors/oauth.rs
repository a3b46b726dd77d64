//! OAuth 2.0 access tokens, one client for every vendor: the refresh-token grant (RFC 6749 §6)
//! of Login with Amazon and eBay, where a seller's refresh token becomes a short-lived access
//! token, and the client-credentials grant (§4.4) of UPS, FedEx and USPS. Tokens are cached per
//! account; concurrent callers share one request ([`TokenCache`]).
//!
//! The vendors differ only in the grant, how the client authenticates (form fields or HTTP
//! Basic), the body's format (form, or JSON for USPS) and whether scopes are sent, which
//! [`OAuthConfig`] states.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use super::error::{CallContext, ConnectorError, ErrorKind};
use super::http::{self, RawResponse, Secret};
use super::token::{FreshToken, TokenCache};

/// The app's client and the seller's refresh token, as stored in the account's secret.
#[derive(Clone, Deserialize)]
pub struct OAuthCredentials {
    pub client_id: String,
    pub client_secret: Secret,
    pub refresh_token: Secret,
}

impl fmt::Debug for OAuthCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthCredentials")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// How the client proves who it is to the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// `client_id` and `client_secret` as form fields (Login with Amazon).
    Form,
    /// `Authorization: Basic base64(client_id:client_secret)` (eBay, RFC 6749 §2.3.1).
    Basic,
}

/// What the client trades for an access token.
#[derive(Clone)]
pub enum Grant {
    /// RFC 6749 §6: the seller's refresh token (LWA, eBay).
    RefreshToken(Secret),
    /// RFC 6749 §4.4: the app's own credentials only (UPS, FedEx, USPS).
    ClientCredentials,
}

impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Grant::RefreshToken(_) => "RefreshToken",
            Grant::ClientCredentials => "ClientCredentials",
        })
    }
}

/// How the token request's parameters are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// `application/x-www-form-urlencoded`, as RFC 6749 asks.
    Form,
    /// A JSON object (USPS).
    Json,
}

/// One account's token endpoint and grant.
#[derive(Clone)]
pub struct OAuthConfig {
    /// Names the service in errors and logs (`lwa`, `ebay-oauth`, `ups-oauth`).
    pub service: &'static str,
    /// The channel account, for errors and logs.
    pub account: String,
    pub endpoint: String,
    pub client_id: String,
    pub client_secret: Secret,
    pub grant: Grant,
    pub client_auth: ClientAuth,
    pub body: BodyFormat,
    /// Sent space-separated as `scope` unless empty.
    pub scopes: Vec<String>,
    /// For one token request, connection to body.
    pub timeout: Duration,
}

impl OAuthConfig {
    /// The refresh-token grant with an account's stored credentials, form-encoded.
    pub fn refresh_token(
        service: &'static str,
        account: impl Into<String>,
        endpoint: impl Into<String>,
        credentials: OAuthCredentials,
        client_auth: ClientAuth,
        timeout: Duration,
    ) -> Self {
        OAuthConfig {
            service,
            account: account.into(),
            endpoint: endpoint.into(),
            client_id: credentials.client_id,
            client_secret: credentials.client_secret,
            grant: Grant::RefreshToken(credentials.refresh_token),
            client_auth,
            body: BodyFormat::Form,
            scopes: Vec::new(),
            timeout,
        }
    }
}

impl fmt::Debug for OAuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthConfig")
            .field("service", &self.service)
            .field("account", &self.account)
            .field("endpoint", &self.endpoint)
            .field("client_id", &self.client_id)
            .field("grant", &self.grant)
            .field("client_auth", &self.client_auth)
            .field("body", &self.body)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    /// A number everywhere but at UPS, which writes it as a string ("14399").
    #[serde(deserialize_with = "seconds")]
    expires_in: u64,
}

fn seconds<'de, D: serde::Deserializer<'de>>(de: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Seconds {
        Number(u64),
        Text(String),
    }
    match Seconds::deserialize(de)? {
        Seconds::Number(n) => Ok(n),
        Seconds::Text(s) => s.trim().parse().map_err(serde::de::Error::custom),
    }
}

#[derive(Deserialize)]
struct TokenError {
    error: String,
    #[serde(default)]
    error_description: String,
}

/// The token endpoint of one account, with its cached access token.
pub struct OAuthClient {
    config: OAuthConfig,
    http: reqwest::Client,
    cache: TokenCache,
}

impl fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthClient")
            .field("service", &self.config.service)
            .field("account", &self.config.account)
            .field("endpoint", &self.config.endpoint)
            .field("grant", &self.config.grant)
            .finish_non_exhaustive()
    }
}

impl OAuthClient {
    pub fn new(config: OAuthConfig, http: reqwest::Client) -> Self {
        Self {
            config,
            http,
            cache: TokenCache::default(),
        }
    }

    pub fn config(&self) -> &OAuthConfig {
        &self.config
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

    /// Forgets the cached token (e.g. after the account's credentials changed).
    pub async fn clear(&self) {
        self.cache.clear().await;
    }

    async fn refresh(&self) -> Result<FreshToken, ConnectorError> {
        let config = &self.config;
        let call = match config.grant {
            Grant::RefreshToken(_) => "refreshAccessToken",
            Grant::ClientCredentials => "clientCredentialsToken",
        };
        let ctx = CallContext::new(config.service, config.account.clone(), call);
        let scope = config.scopes.join(" ");
        let mut params = match &config.grant {
            Grant::RefreshToken(token) => vec![
                ("grant_type", "refresh_token"),
                ("refresh_token", token.expose()),
            ],
            Grant::ClientCredentials => vec![("grant_type", "client_credentials")],
        };
        if !scope.is_empty() {
            params.push(("scope", scope.as_str()));
        }
        let mut request = self
            .http
            .post(&config.endpoint)
            .header("accept", "application/json");
        match config.client_auth {
            ClientAuth::Form => {
                params.push(("client_id", config.client_id.as_str()));
                params.push(("client_secret", config.client_secret.expose()));
            }
            ClientAuth::Basic => {
                let basic = STANDARD.encode(format!(
                    "{}:{}",
                    config.client_id,
                    config.client_secret.expose()
                ));
                request = request.header("authorization", format!("Basic {basic}"));
            }
        }
        request = match config.body {
            BodyFormat::Form => request.form(&params),
            BodyFormat::Json => request.json(&params.into_iter().collect::<HashMap<_, _>>()),
        };
        let response = http::execute(&ctx, request, config.timeout).await?;
        if !response.is_success() {
            return Err(classify_error(&ctx, &response));
        }
        let token: TokenResponse = response.json(&ctx)?;
        if token.access_token.is_empty() {
            return Err(ctx.error(ErrorKind::InvalidResponse {
                status: response.status,
                detail: "token response with an empty access_token".to_owned(),
                transient: false,
            }));
        }
        tracing::debug!(service = config.service, account = %config.account,
            expires_in = token.expires_in, "access token issued");
        Ok(FreshToken {
            value: Secret::new(token.access_token),
            expires_in: Duration::from_secs(token.expires_in),
        })
    }
}

/// RFC 6749 §5.2 error codes: a refused grant, client or scope needs a person; 429 and 5xx
/// are worth another try.
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
    fn credentials_debug_hides_secret_and_refresh_token() {
        let creds: OAuthCredentials = serde_json::from_str(
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
    fn a_refused_grant_client_or_scope_is_an_authorization_failure_not_a_retry() {
        let ctx = CallContext::new("lwa", "acct", "refreshAccessToken");
        for code in [
            "invalid_grant",
            "invalid_client",
            "unauthorized_client",
            "invalid_scope",
        ] {
            let body = format!(r#"{{"error":"{code}","error_description":"no"}}"#);
            let err = classify_error(&ctx, &response(400, &body));
            assert!(err.is_unauthorized() && !err.is_transient(), "{err}");
        }
    }

    #[test]
    fn throttles_and_server_errors_are_transient_and_other_refusals_permanent() {
        let ctx = CallContext::new("ebay-oauth", "acct", "refreshAccessToken");
        let throttled = classify_error(&ctx, &response(429, "{}"));
        assert!(matches!(throttled.kind, ErrorKind::Throttled { .. }));
        let server = classify_error(&ctx, &response(503, "<html>down</html>"));
        assert!(server.is_transient());
        let unsupported = classify_error(
            &ctx,
            &response(400, r#"{"error":"unsupported_grant_type"}"#),
        );
        assert!(matches!(unsupported.kind, ErrorKind::Rejected { .. }));
        assert!(!unsupported.is_transient());
    }
}
