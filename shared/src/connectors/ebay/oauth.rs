//! eBay OAuth: the seller's refresh token becomes a user access token (two hours), through the
//! shared refresh-token grant ([`OAuthClient`]) with HTTP Basic client authentication and
//! scopes.

use std::fmt;
use std::ops::Deref;
use std::time::Duration;

use crate::connectors::oauth::{ClientAuth, OAuthClient, OAuthConfig, OAuthCredentials};

/// The app's keyset and the seller's refresh token, as stored in the account's secret.
pub type EbayCredentials = OAuthCredentials;

/// eBay's token endpoint for one seller account: an [`OAuthClient`] (`access_token`,
/// `replace`) configured the way eBay wants it.
pub struct EbayOAuth(OAuthClient);

impl fmt::Debug for EbayOAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("EbayOAuth").field(&self.0).finish()
    }
}

impl EbayOAuth {
    pub const ENDPOINT: &'static str = "https://api.ebay.com/identity/v1/oauth2/token";
    pub const SANDBOX_ENDPOINT: &'static str =
        "https://api.sandbox.ebay.com/identity/v1/oauth2/token";
    pub const SERVICE: &'static str = "ebay-oauth";
    pub const MESSAGE_SCOPE: &'static str = "https://api.ebay.com/oauth/api_scope/commerce.message";
    pub const FULFILLMENT_SCOPE: &'static str =
        "https://api.ebay.com/oauth/api_scope/sell.fulfillment";
    pub const FEEDBACK_SCOPE: &'static str =
        "https://api.ebay.com/oauth/api_scope/commerce.feedback";

    pub fn new(
        account: impl Into<String>,
        credentials: EbayCredentials,
        endpoint: impl Into<String>,
        scopes: Vec<String>,
        http: reqwest::Client,
        timeout: Duration,
    ) -> Self {
        Self(OAuthClient::new(
            Self::config(account, credentials, endpoint, scopes, timeout),
            http,
        ))
    }

    /// The grant as eBay expects it: Basic client authentication and the scopes asked for.
    pub fn config(
        account: impl Into<String>,
        credentials: EbayCredentials,
        endpoint: impl Into<String>,
        scopes: Vec<String>,
        timeout: Duration,
    ) -> OAuthConfig {
        OAuthConfig {
            scopes,
            ..OAuthConfig::refresh_token(
                Self::SERVICE,
                account,
                endpoint,
                credentials,
                ClientAuth::Basic,
                timeout,
            )
        }
    }

    /// Every scope the helpdesk uses: messages, orders and feedback with one token.
    pub fn helpdesk_scopes() -> Vec<String> {
        [
            Self::MESSAGE_SCOPE,
            Self::FULFILLMENT_SCOPE,
            Self::FEEDBACK_SCOPE,
        ]
        .map(str::to_owned)
        .to_vec()
    }
}

impl Deref for EbayOAuth {
    type Target = OAuthClient;
    fn deref(&self) -> &OAuthClient {
        &self.0
    }
}

impl From<EbayOAuth> for OAuthClient {
    fn from(client: EbayOAuth) -> Self {
        client.0
    }
}
