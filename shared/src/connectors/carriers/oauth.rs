//! OAuth 2 client credentials for UPS and USPS: one access token per client, cached and
//! shared by concurrent lookups ([`TokenCache`]).

use std::fmt;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use crate::connectors::error::{CallContext, ConnectorError, ErrorKind};
use crate::connectors::http::{self, Secret};
use crate::connectors::token::{FreshToken, TokenCache};

use super::wire;

/// An app's client id and secret at the carrier's developer portal.
#[derive(Clone, Deserialize)]
pub struct ClientCredentials {
    pub client_id: String,
    pub client_secret: Secret,
}

impl ClientCredentials {
    pub fn new(client_id: impl Into<String>, client_secret: Secret) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret,
        }
    }
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// How the token endpoint wants the credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GrantStyle {
    /// UPS: HTTP Basic with the client id and secret, form `grant_type=client_credentials`.
    BasicForm,
    /// USPS: a JSON body with `grant_type`, `client_id` and `client_secret`.
    JsonBody,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    /// UPS sends it as a string ("14399"), USPS as a number.
    expires_in: serde_json::Value,
}

pub(crate) struct ClientCredentialsToken {
    pub service: &'static str,
    pub account: String,
    pub endpoint: String,
    pub credentials: ClientCredentials,
    pub style: GrantStyle,
    pub http: reqwest::Client,
    pub timeout: Duration,
    pub cache: TokenCache,
}

impl fmt::Debug for ClientCredentialsToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentialsToken")
            .field("service", &self.service)
            .field("endpoint", &self.endpoint)
            .field("client_id", &self.credentials.client_id)
            .finish_non_exhaustive()
    }
}

impl ClientCredentialsToken {
    /// A valid token, fetched once however many callers ask at the same time. One attempt:
    /// the caller's retry policy decides about transient failures.
    pub async fn access_token(&self) -> Result<Secret, ConnectorError> {
        self.cache.get(|| self.fetch()).await
    }

    /// A new token after the API refused `rejected`, unless another caller already got one.
    pub async fn replace(&self, rejected: &Secret) -> Result<Secret, ConnectorError> {
        self.cache.replace(rejected, || self.fetch()).await
    }

    async fn fetch(&self) -> Result<FreshToken, ConnectorError> {
        let ctx = CallContext::new(self.service, self.account.clone(), "clientCredentialsToken");
        let request = self
            .http
            .post(&self.endpoint)
            .header("accept", "application/json");
        let request = match self.style {
            GrantStyle::BasicForm => {
                let basic = STANDARD.encode(format!(
                    "{}:{}",
                    self.credentials.client_id,
                    self.credentials.client_secret.expose()
                ));
                request
                    .header("authorization", format!("Basic {basic}"))
                    .form(&[("grant_type", "client_credentials")])
            }
            GrantStyle::JsonBody => request.json(&serde_json::json!({
                "grant_type": "client_credentials",
                "client_id": self.credentials.client_id,
                "client_secret": self.credentials.client_secret.expose(),
            })),
        };
        let response = http::execute(&ctx, request, self.timeout).await?;
        if !response.is_success() {
            let mut err = wire::classify(&ctx, &response);
            // Bad client credentials come back as 400 or 401; either way a person must act.
            if let ErrorKind::Rejected {
                status,
                code,
                detail,
            } = &err.kind
                && (*status == 400 || code.starts_with("invalid_"))
            {
                err.kind = ErrorKind::Unauthorized {
                    status: *status,
                    code: code.clone(),
                    detail: detail.clone(),
                };
            }
            return Err(err);
        }
        let token: TokenResponse = response.json(&ctx)?;
        let seconds = match &token.expires_in {
            serde_json::Value::Number(n) => n.as_u64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        let Some(seconds) = seconds.filter(|_| !token.access_token.is_empty()) else {
            return Err(ctx.error(ErrorKind::InvalidResponse {
                status: response.status,
                detail: "token response without access_token or expires_in".to_owned(),
                transient: false,
            }));
        };
        Ok(FreshToken {
            value: Secret::new(token.access_token),
            expires_in: Duration::from_secs(seconds),
        })
    }
}
