//! OAuth 2 client credentials for UPS, FedEx and USPS: one access token per client, cached and
//! shared by concurrent lookups.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use crate::connectors::http::Secret;
use crate::connectors::oauth::{BodyFormat, ClientAuth, Grant, OAuthConfig};

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

impl ClientCredentials {
    /// The client-credentials grant (RFC 6749 §4.4) of one carrier app, for the shared
    /// [`OAuthClient`]: UPS authenticates with HTTP Basic and a form, FedEx with form fields,
    /// USPS with a JSON body.
    pub(crate) fn token_config(
        &self,
        service: &'static str,
        account: &str,
        endpoint: String,
        client_auth: ClientAuth,
        body: BodyFormat,
        timeout: Duration,
    ) -> OAuthConfig {
        OAuthConfig {
            service,
            account: account.to_owned(),
            endpoint,
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            grant: Grant::ClientCredentials,
            client_auth,
            body,
            scopes: Vec::new(),
            timeout,
        }
    }
}
