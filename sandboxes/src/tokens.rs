//! What the sandboxes' OAuth token endpoints share: the refresh-token grant (client checked in
//! the form or by HTTP Basic, scopes checked if the vendor takes them), the access tokens it
//! issues with a lifetime tests can shorten, and its faults in the OAuth error shape.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use crate::faults::{self, Fault};
use crate::rng::Rng;

/// What the API makes of a presented token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenCheck {
    Valid,
    Expired,
    Unknown,
}

#[derive(Debug)]
struct Issued {
    tokens: HashMap<String, Instant>,
    lifetime: Duration,
    refresh_token_valid: bool,
    counter: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct TokenIssuer {
    inner: Arc<Mutex<Issued>>,
    seed: u64,
}

impl TokenIssuer {
    pub fn new(seed: u64, lifetime: Duration) -> Self {
        let issued = Issued {
            tokens: HashMap::new(),
            lifetime,
            refresh_token_valid: true,
            counter: 0,
        };
        Self {
            inner: Arc::new(Mutex::new(issued)),
            seed,
        }
    }

    /// A new token and its lifetime, or `None` once the refresh token has been revoked.
    pub fn issue(&self, prefix: &str) -> Option<(String, Duration)> {
        let mut issued = self.inner.lock().unwrap();
        if !issued.refresh_token_valid {
            return None;
        }
        issued.counter += 1;
        let n = issued.counter;
        let token = format!("{prefix}{n}-{:016x}", Rng::new(self.seed ^ n).next_u64());
        let lifetime = issued.lifetime;
        issued
            .tokens
            .insert(token.clone(), Instant::now() + lifetime);
        Some((token, lifetime))
    }

    pub fn check(&self, token: &str) -> TokenCheck {
        match self.inner.lock().unwrap().tokens.get(token) {
            Some(expires) if Instant::now() < *expires => TokenCheck::Valid,
            Some(_) => TokenCheck::Expired,
            None => TokenCheck::Unknown,
        }
    }

    pub fn set_lifetime(&self, lifetime: Duration) {
        self.inner.lock().unwrap().lifetime = lifetime;
    }

    pub fn forget_all(&self) {
        self.inner.lock().unwrap().tokens.clear();
    }

    pub fn revoke_refresh_token(&self) {
        self.inner.lock().unwrap().refresh_token_valid = false;
    }
}

/// How a token endpoint expects the client to authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClientAuth {
    /// `client_id` and `client_secret` in the form (Login with Amazon).
    Form,
    /// `Authorization: Basic base64(client_id:client_secret)` (eBay).
    Basic,
}

/// The refresh-token grant as a vendor's token endpoint serves it: one implementation for
/// Login with Amazon and eBay, which differ only in what [`TokenEndpoint`]'s fields say.
#[derive(Debug, Clone)]
pub(crate) struct TokenEndpoint {
    pub issuer: TokenIssuer,
    pub client_id: String,
    pub client_secret: String,
    pub refresh_token: String,
    pub client_auth: ClientAuth,
    /// Scopes the client may ask for; `None` = the vendor takes no `scope`.
    pub scopes: Option<&'static [&'static str]>,
    /// Start of every issued token (`Atza|…`, `v^1.1#…`).
    pub token_prefix: &'static str,
    /// `token_type` of the answer.
    pub token_type: &'static str,
    /// LWA sends the refresh token back; eBay does not.
    pub echo_refresh_token: bool,
    /// Time the endpoint takes to answer, to make concurrent refreshes overlap.
    pub latency: Duration,
}

/// An RFC 6749 §5.2 error body.
pub(crate) fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

const INVALID_GRANT: &str =
    "the provided authorization refresh token is invalid or was issued to another client";

impl TokenEndpoint {
    /// Answers one token request.
    pub async fn grant(&self, headers: &HeaderMap, form: &HashMap<String, String>) -> Response {
        if !self.latency.is_zero() {
            tokio::time::sleep(self.latency).await;
        }
        let field = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
        let authenticated = match self.client_auth {
            ClientAuth::Form => {
                field("client_id") == self.client_id && field("client_secret") == self.client_secret
            }
            ClientAuth::Basic => {
                let expected = format!(
                    "Basic {}",
                    STANDARD.encode(format!("{}:{}", self.client_id, self.client_secret))
                );
                headers
                    .get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    == Some(expected.as_str())
            }
        };
        if !authenticated {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client authentication failed",
            );
        }
        if field("grant_type") != "refresh_token" {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "grant type in request is not supported by the authorization server",
            );
        }
        if let Some(known) = self.scopes
            && field("scope")
                .split_whitespace()
                .any(|s| !known.contains(&s))
        {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                "the requested scope is invalid, unknown, malformed, or exceeds the scope granted to the client",
            );
        }
        let issued = (field("refresh_token") == self.refresh_token)
            .then(|| self.issuer.issue(self.token_prefix))
            .flatten();
        let Some((token, lifetime)) = issued else {
            return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", INVALID_GRANT);
        };
        let mut body = json!({
            "access_token": token,
            "expires_in": lifetime.as_secs(),
            "token_type": self.token_type,
        });
        if self.echo_refresh_token {
            body["refresh_token"] = json!(self.refresh_token);
        }
        Json(body).into_response()
    }
}

/// A fault on a token endpoint, in the OAuth error shape.
pub(crate) fn render_fault(fault: &Fault) -> Response {
    match fault {
        Fault::Throttle { retry_after } => faults::with_retry_after(
            oauth_error(
                StatusCode::TOO_MANY_REQUESTS,
                "temporarily_unavailable",
                "Too many requests",
            ),
            *retry_after,
        ),
        Fault::ServerError(status) => oauth_error(
            StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "server_error",
            "The authorization server encountered an unexpected error",
        ),
        Fault::ExpiredToken => oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", INVALID_GRANT),
        _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
