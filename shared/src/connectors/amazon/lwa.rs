//! Login with Amazon: the seller's refresh token becomes an access token for one hour, through
//! the shared refresh-token grant ([`OAuthClient`]) with the client's id and secret in the form.

use std::fmt;
use std::ops::Deref;
use std::time::Duration;

use crate::connectors::oauth::{ClientAuth, OAuthClient, OAuthConfig, OAuthCredentials};

/// The app's LWA client and the seller's refresh token, as stored in the account's secret.
pub type LwaCredentials = OAuthCredentials;

/// The LWA token endpoint for one seller account: an [`OAuthClient`] (`access_token`,
/// `replace`) configured the way Amazon wants it.
pub struct LwaClient(OAuthClient);

impl fmt::Debug for LwaClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("LwaClient").field(&self.0).finish()
    }
}

impl LwaClient {
    pub const ENDPOINT: &'static str = "https://api.amazon.com/auth/o2/token";
    pub const SERVICE: &'static str = "lwa";

    /// `endpoint` is [`Self::ENDPOINT`] in production, a sandbox's `/auth/o2/token` in tests.
    pub fn new(
        account: impl Into<String>,
        credentials: LwaCredentials,
        endpoint: impl Into<String>,
        http: reqwest::Client,
        timeout: Duration,
    ) -> Self {
        Self(OAuthClient::new(
            Self::config(account, credentials, endpoint, timeout),
            http,
        ))
    }

    /// The grant as LWA expects it: client credentials in the form, no scope.
    pub fn config(
        account: impl Into<String>,
        credentials: LwaCredentials,
        endpoint: impl Into<String>,
        timeout: Duration,
    ) -> OAuthConfig {
        OAuthConfig::refresh_token(
            Self::SERVICE,
            account,
            endpoint,
            credentials,
            ClientAuth::Form,
            timeout,
        )
    }
}

impl Deref for LwaClient {
    type Target = OAuthClient;
    fn deref(&self) -> &OAuthClient {
        &self.0
    }
}

impl From<LwaClient> for OAuthClient {
    fn from(client: LwaClient) -> Self {
        client.0
    }
}
